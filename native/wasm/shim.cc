// The WebAssembly backend's C ABI over the native kernels (native/src),
// compiled by native/wasm/build.mjs with Emscripten. It plays binding.cc's
// part for src/backend/wasm/: every entry point receives heap addresses with
// each array's length (elements) and element type, checks every argument
// against them by the same rules as binding.cc (kinds, lengths, shapes,
// strides, offsets, including fractional and huge values), and returns 0, or
// 1 with a message at kd_error(). A check that let a view out of its array
// would let a kernel overwrite other tensors in the shared heap.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "../src/gemm.h"
#include "../src/kernels.h"
#include "../src/pool.h"

namespace kd {
namespace {

constexpr double kMaxIndex = 1125899906842624.0;  // 2^50, as binding.cc
std::string g_error;

struct Fail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (v == std::trunc(v) && std::fabs(v) < 1e18) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

const char* type_name(int t) {
  static const char* names[] = {"Float32Array", "Float64Array", "Int32Array", "Uint8Array"};
  return t >= 0 && t < 4 ? names[t] : "?";
}

// One typed-array argument: its heap address, length in elements and kind (DType's codes).
struct Arr {
  void* p;
  double len;
  int type;
};

class Check {
 public:
  explicit Check(const char* op) : op_(op) {}
  [[noreturn]] void fail(const std::string& msg) const { throw Fail(std::string("kindling wasm ") + op_ + ": " + msg); }

  int64_t integer(double v, const char* name, double lo, double hi) const {
    if (!(v >= lo && v <= hi) || v != std::trunc(v))
      fail(std::string(name) + " must be an integer in [" + num(lo) + ", " + num(hi) + "], got " + num(v));
    return static_cast<int64_t>(v);
  }
  void type(const Arr& a, const char* name, int want) const {
    if (a.type != want) fail(std::string(name) + " must be a " + type_name(want) + ", got a " + type_name(a.type));
  }
  void floating(const Arr& a, const char* name) const {
    if (a.type != 0 && a.type != 1)
      fail(std::string(name) + " must be a Float32Array or Float64Array, got a " + type_name(a.type));
  }
  void length(const Arr& a, const char* name, int64_t need) const {
    if (a.len < static_cast<double>(need))
      fail(std::string(name) + " has " + num(a.len) + " elements but " + std::to_string(need) + " are needed");
  }
  // The strided view must lie inside the array (every extent in [-2^100, 2^100]: double keeps it exact enough
  // to compare with a length below 2^50, since each term is a product of two integers below 2^50).
  void view(const Arr& a, const char* name, int64_t offset, int nd, const int64_t* shape, const int64_t* strides) const {
    for (int d = 0; d < nd; ++d)
      if (shape[d] == 0) return;
    long double lo = offset, hi = offset;
    for (int d = 0; d < nd; ++d) {
      const long double ext = static_cast<long double>(shape[d] - 1) * strides[d];
      if (ext < 0) lo += ext; else hi += ext;
    }
    if (lo < 0 || hi >= a.len)
      fail(std::string(name) + " view (offset " + std::to_string(offset) + ") reaches elements [" +
           num(static_cast<double>(lo)) + ", " + num(static_cast<double>(hi)) + "] of an array of length " + num(a.len));
  }
  // outer, size and inner of an [outer, size, inner] kernel; returns their product.
  int64_t osi(double outer, double size, double inner) const {
    const int64_t o = integer(outer, "outer", 0, kMaxIndex), s = integer(size, "size", 0, kMaxIndex),
                  i = integer(inner, "inner", 0, kMaxIndex);
    const double total = static_cast<double>(o) * static_cast<double>(s) * static_cast<double>(i);
    if (total > kMaxIndex) fail("outer * size * inner = " + num(total) + " is more than any buffer holds");
    return o * s * i;
  }
  // [ndim, shape..., then per operand: offset, strides...], as native.ts packs it.
  Iter iter(const double* meta, double count, int nops) const {
    Iter it;
    if (count < 1) fail("meta is empty");
    it.nd = static_cast<int>(integer(meta[0], "ndim", 0, kMaxDims));
    it.nops = nops;
    const double need = 1 + it.nd + nops * (1 + it.nd);
    if (count < need) fail("meta has " + num(count) + " values but ndim " + std::to_string(it.nd) + " needs " + num(need));
    double numel = 1;
    for (int d = 0; d < it.nd; ++d) {
      it.shape[d] = integer(meta[1 + d], "shape", 0, kMaxIndex);
      numel *= static_cast<double>(it.shape[d]);
    }
    if (numel > kMaxIndex) fail("shape has " + num(numel) + " elements, more than any buffer holds");
    const double* p = meta + 1 + it.nd;
    for (int k = 0; k < nops; ++k) {
      it.offset[k] = integer(*p++, "offset", 0, kMaxIndex);
      for (int d = 0; d < it.nd; ++d) it.strides[k][d] = integer(*p++, "stride", -kMaxIndex, kMaxIndex);
    }
    return it;
  }

 private:
  const char* op_;
};

// Runs an entry point: 0 when it passed its checks and ran, 1 with the message kept for kd_error().
template <typename F>
int guarded(F&& f) {
  try {
    f();
    return 0;
  } catch (const std::exception& e) {
    g_error = e.what();
    return 1;
  }
}

template <typename T>
void matmul_typed(const Arr& out, const Arr& a, const Arr& b, const Arr* bias, const int64_t* av, const int64_t* bv,
                  const int64_t* cv, int64_t batch, int64_t m, int64_t n, int64_t k, bool accumulate, bool sum) {
  const MatArg<T> am{static_cast<const T*>(a.p) + av[0], av[1], av[2], av[3]};
  const MatArg<T> bm{static_cast<const T*>(b.p) + bv[0], bv[1], bv[2], bv[3]};
  if (sum) {
    gemm_sum_batch<T>(static_cast<T*>(out.p), am, bm, batch, m, n, k, accumulate);
    return;
  }
  if (batch == 0 || m == 0 || n == 0) return;
  const T* cd = bias != nullptr ? static_cast<const T*>(bias->p) + cv[0] : nullptr;
  gemm<T>(static_cast<T*>(out.p), am, bm, batch, m, n, k, accumulate, MatArg<T>{cd, cv[1], cv[2], cv[3]});
}

}  // namespace
}  // namespace kd

using kd::Arr;
using kd::Check;
using kd::guarded;

extern "C" {

// The message of the last failed call.
const char* kd_error() { return kd::g_error.c_str(); }

// One thread and the portable kernels (wasm SIMD128 through the compiler's vectorizer).
void kd_init() {
  kd::pool_init(1);
  kd::set_gemm_path(kd::KernelPath::Portable);
  kd::set_vec_path(kd::KernelPath::Portable);
}

int kd_unary(int op, void* out, double out_len, int out_type, void* x, double x_len, int x_type, const double* meta,
             double count, double p0, double p1) {
  return guarded([&] {
    Check C("unary");
    C.integer(op, "op", 0, kd::U_COUNT - 1);
    const Arr o{out, out_len, out_type}, xa{x, x_len, x_type};
    C.floating(xa, "x");
    C.type(o, "out", kd::unary_writes_bool(op) ? 3 : x_type);
    kd::Iter it = C.iter(meta, count, 1);
    C.length(o, "out", it.numel());
    C.view(xa, "x", it.offset[0], it.nd, it.shape, it.strides[0]);
    it.coalesce();
    kd::unary_kernel(op, static_cast<kd::DType>(x_type), out, x, it, p0, p1);
  });
}

int kd_binary(int op, void* out, double out_len, int out_type, void* a, double a_len, int a_type, void* b,
              double b_len, int b_type, const double* meta, double count) {
  return guarded([&] {
    Check C("binary");
    C.integer(op, "op", 0, kd::B_COUNT - 1);
    const Arr o{out, out_len, out_type}, aa{a, a_len, a_type}, ba{b, b_len, b_type};
    C.floating(aa, "a");
    C.type(ba, "b", a_type);
    C.type(o, "out", kd::binary_writes_bool(op) ? 3 : a_type);
    kd::Iter it = C.iter(meta, count, 2);
    C.length(o, "out", it.numel());
    C.view(aa, "a", it.offset[0], it.nd, it.shape, it.strides[0]);
    C.view(ba, "b", it.offset[1], it.nd, it.shape, it.strides[1]);
    it.coalesce();
    kd::binary_kernel(op, static_cast<kd::DType>(a_type), out, a, b, it);
  });
}

int kd_relu_backward(void* out, double out_len, int out_type, void* g, double g_len, int g_type, void* y,
                     double y_len, int y_type, double n) {
  return guarded([&] {
    Check C("reluBackward");
    const Arr o{out, out_len, out_type}, ga{g, g_len, g_type}, ya{y, y_len, y_type};
    C.floating(o, "out");
    C.type(ga, "grad", out_type);
    C.type(ya, "y", out_type);
    const int64_t count = C.integer(n, "n", 0, kd::kMaxIndex);
    C.length(o, "out", count);
    C.length(ga, "grad", count);
    C.length(ya, "y", count);
    kd::relu_backward_kernel(static_cast<kd::DType>(out_type), out, g, y, count);
  });
}

// meta as native.ts's MetaPacker.matmul: batch, m, n, k, flags (1 accumulate, 2 sum over the batch),
// then offset and batch/row/col strides of a, b and (when bias is not null) bias.
int kd_matmul(void* out, double out_len, int out_type, void* a, double a_len, int a_type, void* b, double b_len,
              int b_type, void* bias, double bias_len, int bias_type, const double* meta, double count) {
  return guarded([&] {
    Check C("matmul");
    const Arr o{out, out_len, out_type}, aa{a, a_len, a_type}, ba{b, b_len, b_type}, ca{bias, bias_len, bias_type};
    const bool has_bias = bias != nullptr;
    C.floating(o, "out");
    C.type(aa, "a", out_type);
    C.type(ba, "b", out_type);
    if (has_bias) C.type(ca, "bias", out_type);
    const double need = has_bias ? 17 : 13;
    if (count < need) C.fail("meta has " + kd::num(count) + " values, " + kd::num(need) + " are needed");
    const int64_t batch = C.integer(meta[0], "batch", 0, kd::kMaxIndex);
    const int64_t m = C.integer(meta[1], "m", 0, kd::kMaxIndex);
    const int64_t n = C.integer(meta[2], "n", 0, kd::kMaxIndex);
    const int64_t k = C.integer(meta[3], "k", 0, kd::kMaxIndex);
    const int64_t flags = C.integer(meta[4], "flags", 0, 3);
    const bool accumulate = (flags & 1) != 0, sum = (flags & 2) != 0;
    if (sum && has_bias) C.fail("a bias cannot be added to a sum over the batch");
    int64_t av[4], bv[4], cv[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; ++i) {
      av[i] = C.integer(meta[5 + i], i == 0 ? "a.offset" : "a stride", i == 0 ? 0 : -kd::kMaxIndex, kd::kMaxIndex);
      bv[i] = C.integer(meta[9 + i], i == 0 ? "b.offset" : "b stride", i == 0 ? 0 : -kd::kMaxIndex, kd::kMaxIndex);
    }
    const double outn = static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(n);
    if (outn > kd::kMaxIndex) C.fail("batch * m * n = " + kd::num(outn) + " is more than any buffer holds");
    C.length(o, "out", sum ? m * n : batch * m * n);
    const int64_t ashape[3] = {batch, m, k}, bshape[3] = {batch, k, n}, cshape[3] = {batch, m, n};
    C.view(aa, "a", av[0], 3, ashape, av + 1);
    C.view(ba, "b", bv[0], 3, bshape, bv + 1);
    if (has_bias) {
      for (int i = 0; i < 4; ++i)
        cv[i] = C.integer(meta[13 + i], i == 0 ? "bias.offset" : "bias stride", i == 0 ? 0 : -kd::kMaxIndex, kd::kMaxIndex);
      C.view(ca, "bias", cv[0], 3, cshape, cv + 1);
    }
    const Arr* bp = has_bias ? &ca : nullptr;
    if (out_type == 0) kd::matmul_typed<float>(o, aa, ba, bp, av, bv, cv, batch, m, n, k, accumulate, sum);
    else kd::matmul_typed<double>(o, aa, ba, bp, av, bv, cv, batch, m, n, k, accumulate, sum);
  });
}

// Softmax / log-softmax over the middle axis of contiguous [outer, size, inner] (log: 0 or 1).
int kd_softmax(void* out, double out_len, int out_type, void* x, double x_len, int x_type, double outer,
               double size, double inner, int log) {
  return guarded([&] {
    Check C("softmax");
    const Arr o{out, out_len, out_type}, xa{x, x_len, x_type};
    C.floating(xa, "x");
    C.type(o, "out", x_type);
    const int64_t n = C.osi(outer, size, inner);
    C.length(xa, "x", n);
    C.length(o, "out", n);
    if (n > 0) kd::softmax_kernel(static_cast<kd::DType>(x_type), out, x, static_cast<int64_t>(outer),
                                  static_cast<int64_t>(size), static_cast<int64_t>(inner), log != 0);
  });
}

int kd_softmax_backward(void* out, double out_len, int out_type, void* g, double g_len, int g_type, void* y,
                        double y_len, int y_type, double outer, double size, double inner, int log) {
  return guarded([&] {
    Check C("softmaxBackward");
    const Arr o{out, out_len, out_type}, ga{g, g_len, g_type}, ya{y, y_len, y_type};
    C.floating(ya, "y");
    C.type(o, "out", y_type);
    C.type(ga, "grad", y_type);
    const int64_t n = C.osi(outer, size, inner);
    C.length(o, "out", n);
    C.length(ga, "grad", n);
    C.length(ya, "y", n);
    if (n > 0) kd::softmax_backward_kernel(static_cast<kd::DType>(y_type), out, g, y, static_cast<int64_t>(outer),
                                           static_cast<int64_t>(size), static_cast<int64_t>(inner), log != 0);
  });
}

}  // extern "C"
