// The binding layer: the only code that sees JavaScript values. Every entry
// point checks each argument against its buffer (typed-array kinds, lengths,
// shapes, strides and offsets, including negative, fractional and huge values)
// and throws a JavaScript error otherwise; the kernels below trust what passes.
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "cpu.h"
#include "gemm.h"
#include "heap.h"
#include "kernels.h"
#include "norm.h"
#include "pool.h"

namespace kd {
namespace {

// Sizes, strides and offsets beyond 2^50 elements cannot describe a real
// buffer; bounding them keeps every extent computation far from overflow.
constexpr double kMaxIndex = 1125899906842624.0;  // 2^50
constexpr int64_t kMaxInt32 = 2147483647;

struct ArrayArg {
  void* data;
  int64_t length;  // elements
  DType type;
};

// What an empty or detached array points at: kernels may still form
// pointers into it or pass it to memset/memcpy with a size of 0, which a null
// pointer makes undefined behaviour.
alignas(64) double g_empty[8];

ArrayArg array_arg(void* data, size_t length, DType t) {
  // NOTE: a detached buffer reports no data; treat it as empty so any access fails the bounds checks.
  if (data == nullptr) return ArrayArg{g_empty, 0, t};
  return ArrayArg{data, static_cast<int64_t>(length), t};
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "Float32Array";
    case DType::F64: return "Float64Array";
    case DType::I32: return "Int32Array";
    case DType::U8: return "Uint8Array";
  }
  return "?";
}

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), env_(info.Env()), op_(op) {}

  [[noreturn]] void fail_type(const std::string& msg) const {
    throw Napi::TypeError::New(env_, std::string("kindling native ") + op_ + ": " + msg);
  }
  [[noreturn]] void fail_range(const std::string& msg) const {
    throw Napi::RangeError::New(env_, std::string("kindling native ") + op_ + ": " + msg);
  }

  void expect_count(size_t n) const {
    if (info_.Length() < n)
      fail_type("expected " + std::to_string(n) + " arguments, got " + std::to_string(info_.Length()));
  }

  ArrayArg array(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray()) fail_type(std::string(name) + " must be a typed array");
    napi_typedarray_type t;
    size_t length;
    void* data;
    napi_value ab;
    size_t byte_offset;
    if (napi_get_typedarray_info(env_, v, &t, &length, &data, &ab, &byte_offset) != napi_ok)
      fail_type(std::string(name) + " could not be read as a typed array");
    DType dt;
    switch (t) {
      case napi_float32_array: dt = DType::F32; break;
      case napi_float64_array: dt = DType::F64; break;
      case napi_int32_array: dt = DType::I32; break;
      case napi_uint8_array: dt = DType::U8; break;
      default: fail_type(std::string(name) + " must be a Float32Array, Float64Array, Int32Array or Uint8Array");
    }
    return array_arg(data, length, dt);
  }

  double number(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) fail_type(std::string(name) + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  }

  int64_t integer(double v, const char* name, double lo, double hi) const {
    if (!(v >= lo && v <= hi) || v != std::trunc(v))
      fail_range(std::string(name) + " must be an integer in [" + fmt(lo) + ", " + fmt(hi) + "], got " + fmt(v));
    return static_cast<int64_t>(v);
  }

  int64_t integer_arg(size_t i, const char* name, double lo, double hi) const {
    return integer(number(i, name), name, lo, hi);
  }

  // The Float64Array of sizes/strides/offsets that native.ts packs per call.
  const double* meta(size_t i, int64_t* count) const {
    ArrayArg m = array(i, "meta");
    if (m.type != DType::F64) fail_type("meta must be a Float64Array");
    *count = m.length;
    return static_cast<const double*>(m.data);
  }

  static std::string fmt(double v) {
    if (std::isnan(v)) return "NaN";
    if (v == std::trunc(v) && std::fabs(v) < 1e18) return std::to_string(static_cast<long long>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }

  // Checks that the strided view (offset, shape, strides) lies inside `arr`;
  // returns the first and last element it reaches ({0, -1} when empty).
  std::pair<int64_t, int64_t> check_view(const ArrayArg& arr, const char* name, int64_t offset, int nd,
                                         const int64_t* shape, const int64_t* strides) const {
    for (int d = 0; d < nd; ++d)
      if (shape[d] == 0) return {0, -1};  // nothing is read or written
    __int128 lo = offset, hi = offset;
    for (int d = 0; d < nd; ++d) {
      const __int128 ext = static_cast<__int128>(shape[d] - 1) * strides[d];
      if (ext < 0) lo += ext; else hi += ext;
    }
    if (lo < 0 || hi >= arr.length)
      fail_range(std::string(name) + " view (offset " + std::to_string(offset) + ") reaches elements [" +
                 fmt(static_cast<double>(lo)) + ", " + fmt(static_cast<double>(hi)) + "] of an array of length " +
                 std::to_string(arr.length));
    return {static_cast<int64_t>(lo), static_cast<int64_t>(hi)};
  }

  void check_type(const ArrayArg& arr, const char* name, DType want) const {
    if (arr.type != want)
      fail_type(std::string(name) + " must be a " + dtype_name(want) + ", got a " + dtype_name(arr.type));
  }
  void check_float(const ArrayArg& arr, const char* name) const {
    if (arr.type != DType::F32 && arr.type != DType::F64)
      fail_type(std::string(name) + " must be a Float32Array or Float64Array, got a " + dtype_name(arr.type));
  }
  void check_length(const ArrayArg& arr, const char* name, int64_t need) const {
    if (arr.length < need)
      fail_range(std::string(name) + " has " + std::to_string(arr.length) + " elements but " + std::to_string(need) +
                 " are needed");
  }

  Napi::Env env() const { return env_; }

 private:
  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  const char* op_;
};

// Reads [nd, shape..., then for each operand: offset, strides...] from meta
// into an Iter (not yet coalesced), checking every value.
Iter read_iter(const Args& A, const double* meta, int64_t count, int nops) {
  Iter it;
  if (count < 1) A.fail_range("meta is empty");
  it.nd = static_cast<int>(A.integer(meta[0], "ndim", 0, kMaxDims));
  it.nops = nops;
  const int64_t need = 1 + it.nd + static_cast<int64_t>(nops) * (1 + it.nd);
  if (count < need)
    A.fail_range("meta has " + std::to_string(count) + " values but ndim " + std::to_string(it.nd) + " needs " +
                 std::to_string(need));
  double numel = 1;
  for (int d = 0; d < it.nd; ++d) {
    it.shape[d] = A.integer(meta[1 + d], "shape", 0, kMaxIndex);
    numel *= static_cast<double>(it.shape[d]);
  }
  if (numel > kMaxIndex) A.fail_range("shape has " + Args::fmt(numel) + " elements, more than any buffer holds");
  const double* p = meta + 1 + it.nd;
  for (int k = 0; k < nops; ++k) {
    it.offset[k] = A.integer(*p++, "offset", 0, kMaxIndex);
    for (int d = 0; d < it.nd; ++d) it.strides[k][d] = A.integer(*p++, "stride", -kMaxIndex, kMaxIndex);
  }
  return it;
}

// Index values that kernels follow are copied into memory no JavaScript can
// reach, then checked, and the kernels read the copy: an index array on a
// SharedArrayBuffer (written by a worker meanwhile) or one sharing its buffer
// with the output (changed by the kernel's own writes) would otherwise change
// between the check and the use. Elements [from, from + count) of `a`.
std::vector<int32_t> private_indices(const ArrayArg& a, int64_t from, int64_t count) {
  const int32_t* p = static_cast<const int32_t*>(a.data) + from;
  return std::vector<int32_t>(p, p + count);
}

// ---- entry points ----------------------------------------------------------

Napi::Value Copy(const Napi::CallbackInfo& info) {
  Args A(info, "copy");
  A.expect_count(3);
  ArrayArg out = A.array(0, "out"), x = A.array(1, "x");
  int64_t count;
  const double* meta = A.meta(2, &count);
  Iter it = read_iter(A, meta, count, 2);
  A.check_view(out, "out", it.offset[0], it.nd, it.shape, it.strides[0]);
  A.check_view(x, "x", it.offset[1], it.nd, it.shape, it.strides[1]);
  it.coalesce();
  copy_kernel(out.type, out.data, x.type, x.data, it);
  return info.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args A(info, "unary");
  A.expect_count(6);
  const int op = static_cast<int>(A.integer_arg(0, "op", 0, U_COUNT - 1));
  ArrayArg out = A.array(1, "out"), x = A.array(2, "x");
  int64_t count;
  const double* meta = A.meta(3, &count);
  const double p0 = A.number(4, "params[0]"), p1 = A.number(5, "params[1]");
  A.check_float(x, "x");
  A.check_type(out, "out", unary_writes_bool(op) ? DType::U8 : x.type);
  Iter it = read_iter(A, meta, count, 1);
  A.check_length(out, "out", it.numel());
  A.check_view(x, "x", it.offset[0], it.nd, it.shape, it.strides[0]);
  it.coalesce();
  unary_kernel(op, x.type, out.data, x.data, it, p0, p1);
  return info.Env().Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args A(info, "binary");
  A.expect_count(5);
  const int op = static_cast<int>(A.integer_arg(0, "op", 0, B_COUNT - 1));
  ArrayArg out = A.array(1, "out"), a = A.array(2, "a"), b = A.array(3, "b");
  int64_t count;
  const double* meta = A.meta(4, &count);
  A.check_float(a, "a");
  A.check_type(b, "b", a.type);
  A.check_type(out, "out", binary_writes_bool(op) ? DType::U8 : a.type);
  Iter it = read_iter(A, meta, count, 2);
  A.check_length(out, "out", it.numel());
  A.check_view(a, "a", it.offset[0], it.nd, it.shape, it.strides[0]);
  A.check_view(b, "b", it.offset[1], it.nd, it.shape, it.strides[1]);
  it.coalesce();
  binary_kernel(op, a.type, out.data, a.data, b.data, it);
  return info.Env().Undefined();
}

Napi::Value Where(const Napi::CallbackInfo& info) {
  Args A(info, "where");
  A.expect_count(5);
  ArrayArg out = A.array(0, "out"), cond = A.array(1, "cond"), a = A.array(2, "a"), b = A.array(3, "b");
  int64_t count;
  const double* meta = A.meta(4, &count);
  A.check_type(cond, "cond", DType::U8);
  A.check_type(a, "a", out.type);
  A.check_type(b, "b", out.type);
  Iter it = read_iter(A, meta, count, 3);
  A.check_length(out, "out", it.numel());
  A.check_view(cond, "cond", it.offset[0], it.nd, it.shape, it.strides[0]);
  A.check_view(a, "a", it.offset[1], it.nd, it.shape, it.strides[1]);
  A.check_view(b, "b", it.offset[2], it.nd, it.shape, it.strides[2]);
  it.coalesce();
  where_kernel(out.type, out.data, static_cast<const uint8_t*>(cond.data), a.data, b.data, it);
  return info.Env().Undefined();
}

Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  Args A(info, "reluBackward");
  A.expect_count(4);
  ArrayArg out = A.array(0, "out"), g = A.array(1, "grad"), y = A.array(2, "y");
  const int64_t n = A.integer_arg(3, "n", 0, kMaxIndex);
  A.check_float(y, "y");
  A.check_type(out, "out", y.type);
  A.check_type(g, "grad", y.type);
  A.check_length(out, "out", n);
  A.check_length(g, "grad", n);
  A.check_length(y, "y", n);
  if (n > 0) relu_backward_kernel(y.type, out.data, g.data, y.data, n);
  return info.Env().Undefined();
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args A(info, "reduce");
  A.expect_count(6);
  const int op = static_cast<int>(A.integer_arg(0, "op", 0, R_COUNT - 1));
  ArrayArg out = A.array(1, "out"), x = A.array(2, "x");
  const int64_t outer = A.integer_arg(3, "outer", 0, kMaxIndex);
  const int64_t size = A.integer_arg(4, "size", 0, kMaxIndex);
  const int64_t inner = A.integer_arg(5, "inner", 0, kMaxIndex);
  A.check_float(x, "x");
  if (op == R_ARGMAX || op == R_ARGMIN) {
    if (out.type != DType::I32 && out.type != x.type)
      A.fail_type(std::string("out must be an Int32Array or a ") + dtype_name(x.type) + ", got a " +
                  dtype_name(out.type));
    // Positions are written as int32 (or float): past 2^31 they would wrap.
    if (size - 1 > kMaxInt32)
      A.fail_range("size " + std::to_string(size) + " has positions past 2^31 - 1, which int32 indices cannot hold");
  } else {
    A.check_type(out, "out", x.type);
  }
  const double total = static_cast<double>(outer) * static_cast<double>(size) * static_cast<double>(inner);
  if (total > kMaxIndex) A.fail_range("outer * size * inner = " + Args::fmt(total) + " is more than any buffer holds");
  A.check_length(x, "x", outer * size * inner);
  A.check_length(out, "out", outer * inner);
  if (outer * inner == 0) return info.Env().Undefined();
  if (size == 0) {
    if (op != R_SUM && op != R_PROD) A.fail_range("cannot reduce a zero-size axis with an op that has no identity");
    const double v = op == R_SUM ? 0 : 1;
    if (out.type == DType::F32)
      for (int64_t i = 0; i < outer * inner; ++i) static_cast<float*>(out.data)[i] = static_cast<float>(v);
    else
      for (int64_t i = 0; i < outer * inner; ++i) static_cast<double*>(out.data)[i] = v;
    return info.Env().Undefined();
  }
  reduce_kernel(op, x.type, out.data, out.type, x.data, outer, size, inner);
  return info.Env().Undefined();
}

// meta: [batch, m, n, k, flags, aOffset, aBatch, aRow, aCol, bOffset, bBatch, bRow, bCol
//        (, biasOffset, biasBatch, biasRow, biasCol when a fifth argument, the bias array, is given)]
// flags: 1 accumulate, 2 sum the products into one [m, n] result (no bias then).
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Args A(info, "matmul");
  A.expect_count(4);
  ArrayArg out = A.array(0, "out"), a = A.array(1, "a"), b = A.array(2, "b");
  const bool has_bias = info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull();
  ArrayArg bias{nullptr, 0, DType::F32};
  if (has_bias) bias = A.array(4, "bias");
  int64_t count;
  const double* meta = A.meta(3, &count);
  A.check_float(out, "out");
  A.check_type(a, "a", out.type);
  A.check_type(b, "b", out.type);
  if (has_bias) A.check_type(bias, "bias", out.type);
  const int64_t need = has_bias ? 17 : 13;
  if (count < need) A.fail_range("meta has " + std::to_string(count) + " values, " + std::to_string(need) + " are needed");
  const int64_t batch = A.integer(meta[0], "batch", 0, kMaxIndex);
  const int64_t m = A.integer(meta[1], "m", 0, kMaxIndex);
  const int64_t n = A.integer(meta[2], "n", 0, kMaxIndex);
  const int64_t k = A.integer(meta[3], "k", 0, kMaxIndex);
  const int64_t flags = A.integer(meta[4], "flags", 0, 3);
  const bool accumulate = (flags & 1) != 0, sum = (flags & 2) != 0;
  if (sum && has_bias) A.fail_range("a bias cannot be added to a sum over the batch");
  int64_t av[4], bv[4];
  for (int i = 0; i < 4; ++i) {
    av[i] = A.integer(meta[5 + i], i == 0 ? "a.offset" : "a stride", i == 0 ? 0 : -kMaxIndex, kMaxIndex);
    bv[i] = A.integer(meta[9 + i], i == 0 ? "b.offset" : "b stride", i == 0 ? 0 : -kMaxIndex, kMaxIndex);
  }
  const double outn = static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(n);
  if (outn > kMaxIndex) A.fail_range("batch * m * n = " + Args::fmt(outn) + " is more than any buffer holds");
  A.check_length(out, "out", sum ? m * n : batch * m * n);
  const int64_t ashape[3] = {batch, m, k}, bshape[3] = {batch, k, n};
  A.check_view(a, "a", av[0], 3, ashape, av + 1);
  A.check_view(b, "b", bv[0], 3, bshape, bv + 1);
  int64_t cv[4] = {0, 0, 0, 0};
  if (has_bias) {
    for (int i = 0; i < 4; ++i)
      cv[i] = A.integer(meta[13 + i], i == 0 ? "bias.offset" : "bias stride", i == 0 ? 0 : -kMaxIndex, kMaxIndex);
    const int64_t cshape[3] = {batch, m, n};
    A.check_view(bias, "bias", cv[0], 3, cshape, cv + 1);
  }
  if (sum) {
    if (out.type == DType::F32)
      gemm_sum_batch<float>(static_cast<float*>(out.data),
                            MatArg<float>{static_cast<const float*>(a.data) + av[0], av[1], av[2], av[3]},
                            MatArg<float>{static_cast<const float*>(b.data) + bv[0], bv[1], bv[2], bv[3]}, batch, m, n,
                            k, accumulate);
    else
      gemm_sum_batch<double>(static_cast<double*>(out.data),
                             MatArg<double>{static_cast<const double*>(a.data) + av[0], av[1], av[2], av[3]},
                             MatArg<double>{static_cast<const double*>(b.data) + bv[0], bv[1], bv[2], bv[3]}, batch,
                             m, n, k, accumulate);
    return info.Env().Undefined();
  }
  if (batch == 0 || m == 0 || n == 0) return info.Env().Undefined();
  if (out.type == DType::F32) {
    const float* ad = static_cast<const float*>(a.data);
    const float* bd = static_cast<const float*>(b.data);
    const float* cd = has_bias ? static_cast<const float*>(bias.data) + cv[0] : nullptr;
    gemm<float>(static_cast<float*>(out.data), MatArg<float>{ad + av[0], av[1], av[2], av[3]},
                MatArg<float>{bd + bv[0], bv[1], bv[2], bv[3]}, batch, m, n, k, accumulate,
                MatArg<float>{cd, cv[1], cv[2], cv[3]});
  } else {
    const double* ad = static_cast<const double*>(a.data);
    const double* bd = static_cast<const double*>(b.data);
    const double* cd = has_bias ? static_cast<const double*>(bias.data) + cv[0] : nullptr;
    gemm<double>(static_cast<double*>(out.data), MatArg<double>{ad + av[0], av[1], av[2], av[3]},
                 MatArg<double>{bd + bv[0], bv[1], bv[2], bv[3]}, batch, m, n, k, accumulate,
                 MatArg<double>{cd, cv[1], cv[2], cv[3]});
  }
  return info.Env().Undefined();
}

// ---- softmax ---------------------------------------------------------------

// (out, x, outer, size, inner) checks shared by the [outer, size, inner] kernels.
struct OSI {
  int64_t outer, size, inner;
};
OSI read_osi(const Args& A, size_t first) {
  OSI r;
  r.outer = A.integer_arg(first, "outer", 0, kMaxIndex);
  r.size = A.integer_arg(first + 1, "size", 0, kMaxIndex);
  r.inner = A.integer_arg(first + 2, "inner", 0, kMaxIndex);
  const double total = static_cast<double>(r.outer) * static_cast<double>(r.size) * static_cast<double>(r.inner);
  if (total > kMaxIndex) A.fail_range("outer * size * inner = " + Args::fmt(total) + " is more than any buffer holds");
  return r;
}

bool flag(const Args& A, const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) A.fail_type(std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

Napi::Value GeluBackward(const Napi::CallbackInfo& info) {
  Args A(info, "geluBackward");
  A.expect_count(5);
  ArrayArg out = A.array(0, "out"), g = A.array(1, "grad"), x = A.array(2, "x");
  const int64_t n = A.integer_arg(3, "n", 0, kMaxIndex);
  const bool tanh = flag(A, info, 4, "tanh");
  A.check_float(x, "x");
  A.check_type(out, "out", x.type);
  A.check_type(g, "grad", x.type);
  A.check_length(out, "out", n);
  A.check_length(g, "grad", n);
  A.check_length(x, "x", n);
  if (n > 0) gelu_backward_kernel(x.type, out.data, g.data, x.data, n, tanh);
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args A(info, "softmax");
  A.expect_count(6);
  ArrayArg out = A.array(0, "out"), x = A.array(1, "x");
  A.check_float(x, "x");
  A.check_type(out, "out", x.type);
  const OSI d = read_osi(A, 2);
  const bool log = flag(A, info, 5, "log");
  A.check_length(x, "x", d.outer * d.size * d.inner);
  A.check_length(out, "out", d.outer * d.size * d.inner);
  if (d.outer * d.size * d.inner > 0) softmax_kernel(x.type, out.data, x.data, d.outer, d.size, d.inner, log);
  return info.Env().Undefined();
}

Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args A(info, "softmaxBackward");
  A.expect_count(7);
  ArrayArg out = A.array(0, "out"), g = A.array(1, "grad"), y = A.array(2, "y");
  A.check_float(y, "y");
  A.check_type(out, "out", y.type);
  A.check_type(g, "grad", y.type);
  const OSI d = read_osi(A, 3);
  const bool log = flag(A, info, 6, "log");
  const int64_t n = d.outer * d.size * d.inner;
  A.check_length(out, "out", n);
  A.check_length(g, "grad", n);
  A.check_length(y, "y", n);
  if (n > 0) softmax_backward_kernel(y.type, out.data, g.data, y.data, d.outer, d.size, d.inner, log);
  return info.Env().Undefined();
}

// ---- convolution and pooling -------------------------------------------------

// Reads `count` geometry values: sizes >= 0, kernel/stride/dilation >= 1, padding >= 0.
void read_geom(const Args& A, const double* meta, int64_t have, int64_t* out, const char* const* names, int count) {
  if (have < count) A.fail_range("geometry has " + std::to_string(have) + " values, " + std::to_string(count) + " are needed");
  for (int i = 0; i < count; ++i) {
    const std::string nm = names[i];
    const bool positive = nm.rfind("kernel", 0) == 0 || nm.rfind("stride", 0) == 0 || nm.rfind("dilation", 0) == 0;
    out[i] = A.integer(meta[i], names[i], positive ? 1 : 0, 2147483647.0);
  }
}

const char* const kConvNames[] = {"batch", "channels", "height", "width", "kernelH", "kernelW", "strideH",
                                  "strideW", "padH", "padW", "dilationH", "dilationW", "outH", "outW"};
const char* const kPoolNames[] = {"planes", "height", "width", "kernelH", "kernelW", "strideH", "strideW",
                                  "padH", "padW", "dilationH", "dilationW", "outH", "outW"};

ConvGeom read_conv(const Args& A, size_t i) {
  int64_t count;
  const double* meta = A.meta(i, &count);
  int64_t v[14];
  read_geom(A, meta, count, v, kConvNames, 14);
  return ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
}

// Products of validated sizes, checked against the 2^50 bound before use.
int64_t product(const Args& A, std::initializer_list<int64_t> xs, const char* what) {
  double p = 1;
  for (int64_t x : xs) p *= static_cast<double>(x);
  if (p > kMaxIndex) A.fail_range(std::string(what) + " = " + Args::fmt(p) + " is more than any buffer holds");
  int64_t r = 1;
  for (int64_t x : xs) r *= x;
  return r;
}

Napi::Value Im2col(const Napi::CallbackInfo& info) {
  Args A(info, "im2col");
  A.expect_count(3);
  ArrayArg out = A.array(0, "out"), x = A.array(1, "x");
  A.check_float(x, "x");
  A.check_type(out, "out", x.type);
  const ConvGeom g = read_conv(A, 2);
  A.check_length(x, "x", product(A, {g.batch, g.channels, g.height, g.width}, "batch * channels * height * width"));
  A.check_length(out, "out", product(A, {g.batch, g.channels, g.kernel_h, g.kernel_w, g.out_h, g.out_w}, "column count"));
  im2col_kernel(x.type, out.data, x.data, g);
  return info.Env().Undefined();
}

Napi::Value Col2im(const Napi::CallbackInfo& info) {
  Args A(info, "col2im");
  A.expect_count(3);
  ArrayArg out = A.array(0, "out"), cols = A.array(1, "cols");
  A.check_float(cols, "cols");
  A.check_type(out, "out", cols.type);
  const ConvGeom g = read_conv(A, 2);
  A.check_length(out, "out", product(A, {g.batch, g.channels, g.height, g.width}, "batch * channels * height * width"));
  A.check_length(cols, "cols", product(A, {g.batch, g.channels, g.kernel_h, g.kernel_w, g.out_h, g.out_w}, "column count"));
  col2im_kernel(cols.type, out.data, cols.data, g);
  return info.Env().Undefined();
}

// Depthwise convolution entries: (out, x, w, bias or null, geometry,
// multiplier), (gx, grad, w, geometry, multiplier) and (gw, grad, x,
// geometry, multiplier). Geometry as im2col's, `channels` the input's C; the
// output has C * multiplier channels.
struct DepthwiseShape {
  ConvGeom g;
  int64_t mult, in_len, out_len, w_len;
};

DepthwiseShape depthwise_shape(const Args& A, size_t geom_at, size_t mult_at) {
  DepthwiseShape d{read_conv(A, geom_at), A.integer_arg(mult_at, "multiplier", 1, 2147483647.0), 0, 0, 0};
  const int64_t oc = product(A, {d.g.channels, d.mult}, "channels * multiplier");
  d.in_len = product(A, {d.g.batch, d.g.channels, d.g.height, d.g.width}, "batch * channels * height * width");
  d.out_len = product(A, {d.g.batch, oc, d.g.out_h, d.g.out_w}, "batch * channels * multiplier * outH * outW");
  d.w_len = product(A, {oc, d.g.kernel_h, d.g.kernel_w}, "channels * multiplier * kernelH * kernelW");
  return d;
}

Napi::Value DepthwiseConv2d(const Napi::CallbackInfo& info) {
  Args A(info, "depthwiseConv2d");
  A.expect_count(6);
  ArrayArg out = A.array(0, "out"), x = A.array(1, "x"), w = A.array(2, "w");
  A.check_float(x, "x");
  A.check_type(out, "out", x.type);
  A.check_type(w, "w", x.type);
  const bool has_bias = !info[3].IsUndefined() && !info[3].IsNull();
  ArrayArg bias{nullptr, 0, DType::F32};
  if (has_bias) {
    bias = A.array(3, "bias");
    A.check_type(bias, "bias", x.type);
  }
  const DepthwiseShape d = depthwise_shape(A, 4, 5);
  A.check_length(x, "x", d.in_len);
  A.check_length(out, "out", d.out_len);
  A.check_length(w, "w", d.w_len);
  if (has_bias) A.check_length(bias, "bias", d.g.channels * d.mult);
  depthwise_conv_kernel(x.type, out.data, x.data, w.data, has_bias ? bias.data : nullptr, d.g, d.mult);
  return info.Env().Undefined();
}

using DepthwiseBackward = void (*)(DType, void*, const void*, const void*, const ConvGeom&, int64_t);

// (result, grad, other, geometry, multiplier): the input gradient (result gx,
// other w) or the weight gradient (result gw, other x).
Napi::Value depthwise_backward(const Napi::CallbackInfo& info, const char* op, bool input, DepthwiseBackward kernel) {
  Args A(info, op);
  A.expect_count(5);
  const char* result_name = input ? "gx" : "gw";
  const char* other_name = input ? "w" : "x";
  ArrayArg result = A.array(0, result_name), grad = A.array(1, "grad"), other = A.array(2, other_name);
  A.check_float(grad, "grad");
  A.check_type(result, result_name, grad.type);
  A.check_type(other, other_name, grad.type);
  const DepthwiseShape d = depthwise_shape(A, 3, 4);
  A.check_length(result, result_name, input ? d.in_len : d.w_len);
  A.check_length(grad, "grad", d.out_len);
  A.check_length(other, other_name, input ? d.w_len : d.in_len);
  kernel(grad.type, result.data, grad.data, other.data, d.g, d.mult);
  return info.Env().Undefined();
}

Napi::Value DepthwiseConv2dBackwardInput(const Napi::CallbackInfo& info) {
  return depthwise_backward(info, "depthwiseConv2dBackwardInput", true, depthwise_backward_input_kernel);
}

Napi::Value DepthwiseConv2dBackwardWeight(const Napi::CallbackInfo& info) {
  return depthwise_backward(info, "depthwiseConv2dBackwardWeight", false, depthwise_backward_weight_kernel);
}

Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  Args A(info, "maxPool2d");
  A.expect_count(4);
  ArrayArg out = A.array(0, "out"), idx = A.array(1, "indices"), x = A.array(2, "x");
  A.check_float(x, "x");
  A.check_type(out, "out", x.type);
  A.check_type(idx, "indices", DType::I32);
  int64_t count;
  const double* meta = A.meta(3, &count);
  int64_t v[13];
  read_geom(A, meta, count, v, kPoolNames, 13);
  const PoolGeom g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  // Each output's index is a position in its plane, written as int32.
  if (product(A, {g.height, g.width}, "height * width") - 1 > kMaxInt32)
    A.fail_range("a plane of " + std::to_string(g.height) + " x " + std::to_string(g.width) +
                 " has positions past 2^31 - 1, which int32 indices cannot hold");
  A.check_length(x, "x", product(A, {g.planes, g.height, g.width}, "planes * height * width"));
  const int64_t n = product(A, {g.planes, g.out_h, g.out_w}, "planes * outH * outW");
  A.check_length(out, "out", n);
  A.check_length(idx, "indices", n);
  max_pool_kernel(x.type, out.data, static_cast<int32_t*>(idx.data), x.data, g);
  return info.Env().Undefined();
}

Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  Args A(info, "maxPool2dBackward");
  A.expect_count(6);
  ArrayArg out = A.array(0, "out"), grad = A.array(1, "grad"), idx = A.array(2, "indices");
  A.check_float(grad, "grad");
  A.check_type(out, "out", grad.type);
  A.check_type(idx, "indices", DType::I32);
  const int64_t planes = A.integer_arg(3, "planes", 0, kMaxIndex);
  const int64_t in_plane = A.integer_arg(4, "inPlane", 0, kMaxIndex);
  const int64_t out_plane = A.integer_arg(5, "outPlane", 0, kMaxIndex);
  A.check_length(out, "out", product(A, {planes, in_plane}, "planes * inPlane"));
  const int64_t n = product(A, {planes, out_plane}, "planes * outPlane");
  A.check_length(grad, "grad", n);
  A.check_length(idx, "indices", n);
  // The kernel checks each index as it reads it; the copy keeps the read single.
  const std::vector<int32_t> own = private_indices(idx, 0, n);
  max_pool_backward_kernel(grad.type, out.data, grad.data, own.data(), planes, in_plane, out_plane);
  return info.Env().Undefined();
}

// avgPool2d(out, x, geometry, countIncludePad, divisor) and
// avgPool2dBackward(out, grad, geometry, countIncludePad, divisor).
Napi::Value AvgPool2dEither(const Napi::CallbackInfo& info, bool backward) {
  Args A(info, backward ? "avgPool2dBackward" : "avgPool2d");
  A.expect_count(5);
  const char* in_name = backward ? "grad" : "x";
  ArrayArg out = A.array(0, "out"), in = A.array(1, in_name);
  A.check_float(in, in_name);
  A.check_type(out, "out", in.type);
  int64_t count;
  const double* meta = A.meta(2, &count);
  int64_t v[13];
  read_geom(A, meta, count, v, kPoolNames, 13);
  const PoolGeom g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  const bool include_pad = flag(A, info, 3, "countIncludePad");
  const double divisor = static_cast<double>(A.integer_arg(4, "divisor", -2147483648.0, 2147483647.0));
  const int64_t big = product(A, {g.planes, g.height, g.width}, "planes * height * width");
  const int64_t small = product(A, {g.planes, g.out_h, g.out_w}, "planes * outH * outW");
  A.check_length(backward ? out : in, backward ? "out" : "x", big);
  A.check_length(backward ? in : out, backward ? "grad" : "out", small);
  if (backward) avg_pool_backward_kernel(in.type, out.data, in.data, g, include_pad, divisor);
  else avg_pool_kernel(in.type, out.data, in.data, g, include_pad, divisor);
  return info.Env().Undefined();
}
Napi::Value AvgPool2d(const Napi::CallbackInfo& info) { return AvgPool2dEither(info, false); }
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) { return AvgPool2dEither(info, true); }

// adaptiveAvgPool2d(out, x, planes, height, width, outH, outW) and
// adaptiveAvgPool2dBackward(out, grad, planes, height, width, outH, outW).
Napi::Value AdaptiveAvgPool2dEither(const Napi::CallbackInfo& info, bool backward) {
  Args A(info, backward ? "adaptiveAvgPool2dBackward" : "adaptiveAvgPool2d");
  A.expect_count(7);
  const char* in_name = backward ? "grad" : "x";
  ArrayArg out = A.array(0, "out"), in = A.array(1, in_name);
  A.check_float(in, in_name);
  A.check_type(out, "out", in.type);
  const int64_t planes = A.integer_arg(2, "planes", 0, kMaxIndex);
  // NOTE: sizes below 2^31 keep the window bounds' products (i * size) inside int64.
  const int64_t h = A.integer_arg(3, "height", 0, 2147483647.0);
  const int64_t w = A.integer_arg(4, "width", 0, 2147483647.0);
  const int64_t oh = A.integer_arg(5, "outH", 0, 2147483647.0);
  const int64_t ow = A.integer_arg(6, "outW", 0, 2147483647.0);
  const int64_t big = product(A, {planes, h, w}, "planes * height * width");
  const int64_t small = product(A, {planes, oh, ow}, "planes * outH * outW");
  A.check_length(backward ? out : in, backward ? "out" : "x", big);
  A.check_length(backward ? in : out, backward ? "grad" : "out", small);
  if (backward) adaptive_avg_pool_backward_kernel(in.type, out.data, in.data, planes, h, w, oh, ow);
  else adaptive_avg_pool_kernel(in.type, out.data, in.data, planes, h, w, oh, ow);
  return info.Env().Undefined();
}
Napi::Value AdaptiveAvgPool2d(const Napi::CallbackInfo& info) { return AdaptiveAvgPool2dEither(info, false); }
Napi::Value AdaptiveAvgPool2dBackward(const Napi::CallbackInfo& info) { return AdaptiveAvgPool2dEither(info, true); }

// ---- fused normalisation -------------------------------------------------------

// An optional array argument: null/undefined, or an array of type t with at least `need` elements.
void* read_optional(const Args& A, const Napi::CallbackInfo& info, size_t i, const char* name, DType t, int64_t need) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  ArrayArg a = A.array(i, name);
  A.check_type(a, name, t);
  A.check_length(a, name, need);
  return a.data;
}

// The statistics array: a Float64Array of at least `need` entries.
double* read_stats(const Args& A, size_t i, const char* name, int64_t need) {
  ArrayArg a = A.array(i, name);
  A.check_type(a, name, DType::F64);
  A.check_length(a, name, need);
  return static_cast<double*>(a.data);
}

// [batch, channels, inner] at `first`, then (group norm) groups; with the element count.
struct NormDims {
  int64_t batch, channels, inner, groups, numel;
};
NormDims read_norm_dims(const Args& A, size_t first, bool with_groups) {
  NormDims d;
  d.batch = A.integer_arg(first, "batch", 0, kMaxIndex);
  d.channels = A.integer_arg(first + 1, "channels", 0, kMaxIndex);
  d.inner = A.integer_arg(first + 2, "inner", 0, kMaxIndex);
  d.groups = 1;
  if (with_groups) {
    d.groups = A.integer_arg(first + 3, "groups", 1, kMaxIndex);
    if (d.channels % d.groups != 0)
      A.fail_range("groups = " + std::to_string(d.groups) + " does not divide channels = " + std::to_string(d.channels));
  }
  d.numel = product(A, {d.batch, d.channels, d.inner}, "batch * channels * inner");
  product(A, {d.batch, d.groups}, "batch * groups");
  return d;
}

// groupNorm(y, mean, rstd, x, weight | null, bias | null, batch, channels, inner, groups, eps) and
// batchNorm(y, mean, rstd, x, weight | null, bias | null, batch, channels, inner, training, eps).
Napi::Value NormForward(const Napi::CallbackInfo& info, bool batch_norm) {
  Args A(info, batch_norm ? "batchNorm" : "groupNorm");
  A.expect_count(11);
  ArrayArg y = A.array(0, "y"), x = A.array(3, "x");
  A.check_float(x, "x");
  A.check_type(y, "y", x.type);
  const NormDims d = read_norm_dims(A, 6, !batch_norm);
  const bool training = batch_norm ? flag(A, info, 9, "training") : true;
  const double eps = A.number(10, "eps");
  const int64_t stats = batch_norm ? d.channels : d.batch * d.groups;
  double* mean = read_stats(A, 1, "mean", stats);
  double* rstd = read_stats(A, 2, "rstd", stats);
  const void* weight = read_optional(A, info, 4, "weight", x.type, d.channels);
  const void* bias = read_optional(A, info, 5, "bias", x.type, d.channels);
  A.check_length(x, "x", d.numel);
  A.check_length(y, "y", d.numel);
  if (batch_norm) batch_norm_kernel(x.type, y.data, mean, rstd, x.data, weight, bias, d.batch, d.channels, d.inner, training, eps);
  else group_norm_kernel(x.type, y.data, mean, rstd, x.data, weight, bias, d.batch, d.channels, d.inner, d.groups, eps);
  return info.Env().Undefined();
}
Napi::Value GroupNorm(const Napi::CallbackInfo& info) { return NormForward(info, false); }
Napi::Value BatchNorm(const Napi::CallbackInfo& info) { return NormForward(info, true); }

// groupNormBackward(dx | null, dweight | null, dbias | null, dy, x, mean, rstd, weight | null, batch, channels, inner, groups)
// and batchNormBackward(..., batch, channels, inner, training).
Napi::Value NormBackward(const Napi::CallbackInfo& info, bool batch_norm) {
  Args A(info, batch_norm ? "batchNormBackward" : "groupNormBackward");
  A.expect_count(12);
  ArrayArg dy = A.array(3, "dy"), x = A.array(4, "x");
  A.check_float(x, "x");
  A.check_type(dy, "dy", x.type);
  const NormDims d = read_norm_dims(A, 8, !batch_norm);
  const bool training = batch_norm ? flag(A, info, 11, "training") : true;
  const int64_t stats = batch_norm ? d.channels : d.batch * d.groups;
  const double* mean = read_stats(A, 5, "mean", stats);
  const double* rstd = read_stats(A, 6, "rstd", stats);
  void* dx = read_optional(A, info, 0, "dx", x.type, d.numel);
  void* dweight = read_optional(A, info, 1, "dweight", x.type, d.channels);
  void* dbias = read_optional(A, info, 2, "dbias", x.type, d.channels);
  const void* weight = read_optional(A, info, 7, "weight", x.type, d.channels);
  A.check_length(x, "x", d.numel);
  A.check_length(dy, "dy", d.numel);
  if (batch_norm)
    batch_norm_backward_kernel(x.type, dx, dweight, dbias, dy.data, x.data, mean, rstd, weight, d.batch, d.channels,
                               d.inner, training);
  else
    group_norm_backward_kernel(x.type, dx, dweight, dbias, dy.data, x.data, mean, rstd, weight, d.batch, d.channels,
                               d.inner, d.groups);
  return info.Env().Undefined();
}
Napi::Value GroupNormBackward(const Napi::CallbackInfo& info) { return NormBackward(info, false); }
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) { return NormBackward(info, true); }

// ---- index kernels, nll, logsumexp -------------------------------------------

// Every index in [0, size), or `ignore` (when allowed): checked before any write.
void check_indices(const Args& A, const int32_t* idx, int64_t n, int64_t size, const char* name, bool has_ignore,
                   int64_t ignore) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = idx[i];
    if (has_ignore && v == ignore) continue;
    if (v < 0 || v >= size)
      A.fail_range(std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(v) + " is outside [0, " +
                   std::to_string(size) + ")");
  }
}

// gather(out, x, index, meta, dim) with meta = [nd, shape…, x offset, x strides…, index offset, index strides…]
// (shape: the index's), and scatterAdd(out, index, src, meta, dim) with views out, index, src.
// The indexed view (x or out) is checked with the indexed dimension taken as
// one element; then every index value v must keep the view, moved by
// v·stride[dim], inside its array. (Whether v is below the tensor's size
// along dim is the op layer's check; this one is about memory.)
Napi::Value GatherOrScatter(const Napi::CallbackInfo& info, bool scatter) {
  Args A(info, scatter ? "scatterAdd" : "gather");
  A.expect_count(5);
  const char* target_name = scatter ? "out" : "x";
  ArrayArg out = A.array(0, "out");
  ArrayArg index = A.array(scatter ? 1 : 2, "index");
  ArrayArg other = A.array(scatter ? 2 : 1, scatter ? "src" : "x");
  A.check_float(other, scatter ? "src" : "x");
  A.check_type(out, "out", other.type);
  A.check_type(index, "index", DType::I32);
  int64_t count;
  const double* meta = A.meta(3, &count);
  Iter it = read_iter(A, meta, count, scatter ? 3 : 2);
  if (it.nd < 1) A.fail_range("ndim must be at least 1 (a 0-d tensor is gathered as 1-D)");
  const int dim = static_cast<int>(A.integer_arg(4, "dim", 0, it.nd - 1));
  // Operand order in `it`: the indexed view first, then index (then src).
  const std::pair<int64_t, int64_t> reach = A.check_view(index, "index", it.offset[1], it.nd, it.shape, it.strides[1]);
  if (scatter) A.check_view(other, "src", it.offset[2], it.nd, it.shape, it.strides[2]);
  const int64_t n = it.numel();
  if (!scatter) A.check_length(out, "out", n);
  if (n == 0) return info.Env().Undefined();
  const ArrayArg& target = scatter ? out : other;
  const int64_t dim_stride = it.strides[0][dim];
  __int128 lo = it.offset[0], hi = lo;
  for (int d = 0; d < it.nd; ++d) {
    if (d == dim) continue;
    const __int128 ext = static_cast<__int128>(it.shape[d] - 1) * it.strides[0][d];
    if (ext < 0) lo += ext; else hi += ext;
  }
  if (lo < 0 || hi >= target.length)
    A.fail_range(std::string(target_name) + " view (offset " + std::to_string(it.offset[0]) + ") reaches elements [" +
                 Args::fmt(static_cast<double>(lo)) + ", " + Args::fmt(static_cast<double>(hi)) +
                 "] of an array of length " + std::to_string(target.length));
  // The largest index value that stays inside the target array.
  const __int128 vmax = dim_stride > 0 ? (target.length - 1 - hi) / dim_stride
                        : dim_stride < 0 ? lo / -static_cast<__int128>(dim_stride)
                                         : static_cast<__int128>(2147483647);
  const std::vector<int32_t> own = private_indices(index, reach.first, reach.second - reach.first + 1);
  const int32_t* idx = own.data();
  it.offset[1] -= reach.first;
  Iter ii;
  ii.nd = it.nd;
  ii.nops = 1;
  ii.offset[0] = it.offset[1];
  for (int d = 0; d < it.nd; ++d) {
    ii.shape[d] = it.shape[d];
    ii.strides[0][d] = it.strides[1][d];
  }
  ii.coalesce();
  const int64_t is = ii.nd > 0 ? ii.strides[0][ii.nd - 1] : 0;
  for_rows(ii, 0, n, [&](const int64_t* offs, int64_t len, int64_t pos) {
    int64_t io = offs[0];
    for (int64_t i = 0; i < len; ++i, io += is) {
      const int64_t v = idx[io];
      if (v < 0 || v > vmax)
        A.fail_range("index value " + std::to_string(v) + " (element " + std::to_string(pos + i) +
                     " of the index view) is outside [0, " + Args::fmt(static_cast<double>(vmax + 1)) + ") for " +
                     target_name + " (length " + std::to_string(target.length) + ", stride " +
                     std::to_string(dim_stride) + " along dim " + std::to_string(dim) + ")");
    }
  });
  it.strides[0][dim] = 0;
  it.coalesce();
  if (scatter) scatter_add_kernel(out.type, out.data, idx, other.data, it, dim_stride);
  else gather_kernel(other.type, out.data, other.data, idx, it, dim_stride);
  return info.Env().Undefined();
}
Napi::Value Gather(const Napi::CallbackInfo& info) { return GatherOrScatter(info, false); }
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) { return GatherOrScatter(info, true); }

// indexSelect(out, x, index, outer, size, inner) and indexAdd(out, src, index, outer, size, inner)
Napi::Value IndexSelectOrAdd(const Napi::CallbackInfo& info, bool add) {
  Args A(info, add ? "indexAdd" : "indexSelect");
  A.expect_count(6);
  ArrayArg out = A.array(0, "out"), src = A.array(1, add ? "src" : "x"), index = A.array(2, "index");
  A.check_float(src, add ? "src" : "x");
  A.check_type(out, "out", src.type);
  A.check_type(index, "index", DType::I32);
  const OSI d = read_osi(A, 3);
  const int64_t n = index.length;
  const int64_t big = product(A, {d.outer, d.size, d.inner}, "outer * size * inner");
  const int64_t small = product(A, {d.outer, n, d.inner}, "outer * index.length * inner");
  A.check_length(add ? out : src, add ? "out" : "x", big);
  A.check_length(add ? src : out, add ? "src" : "out", small);
  const std::vector<int32_t> own = private_indices(index, 0, n);
  const int32_t* idx = own.data();
  check_indices(A, idx, n, d.size, "index", false, 0);
  if (small == 0) return info.Env().Undefined();
  if (add) index_add_kernel(src.type, out.data, src.data, idx, n, d.outer, d.size, d.inner);
  else index_select_kernel(src.type, out.data, src.data, idx, n, d.outer, d.size, d.inner);
  return info.Env().Undefined();
}
Napi::Value IndexSelect(const Napi::CallbackInfo& info) { return IndexSelectOrAdd(info, false); }
Napi::Value IndexAdd(const Napi::CallbackInfo& info) { return IndexSelectOrAdd(info, true); }

// The optional class-weight argument: null, or a float array of at least `classes` entries.
const void* read_weight(const Args& A, const Napi::CallbackInfo& info, size_t i, DType t, int64_t classes) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  ArrayArg w = A.array(i, "weight");
  A.check_type(w, "weight", t);
  A.check_length(w, "weight", classes);
  return w.data;
}

// nllLoss(outLoss, outWeight, logp, target, weight | null, batch, classes, inner, ignoreIndex)
Napi::Value NllLoss(const Napi::CallbackInfo& info) {
  Args A(info, "nllLoss");
  A.expect_count(9);
  ArrayArg loss = A.array(0, "outLoss"), wout = A.array(1, "outWeight"), logp = A.array(2, "logp"), target = A.array(3, "target");
  A.check_float(logp, "logp");
  A.check_type(loss, "outLoss", logp.type);
  A.check_type(wout, "outWeight", logp.type);
  A.check_type(target, "target", DType::I32);
  const OSI d = read_osi(A, 5);
  const int64_t ignore = A.integer_arg(8, "ignoreIndex", -2147483648.0, 2147483647.0);
  const void* weight = read_weight(A, info, 4, logp.type, d.size);
  const int64_t n = d.outer * d.inner;
  A.check_length(logp, "logp", d.outer * d.size * d.inner);
  A.check_length(target, "target", n);
  A.check_length(loss, "outLoss", n);
  A.check_length(wout, "outWeight", n);
  const std::vector<int32_t> own = private_indices(target, 0, n);
  check_indices(A, own.data(), n, d.size, "target", true, ignore);
  nll_loss_kernel(logp.type, loss.data, wout.data, logp.data, own.data(), weight, d.outer, d.size, d.inner, ignore);
  return info.Env().Undefined();
}

// nllLossBackward(out, grad, target, weight | null, batch, classes, inner, ignoreIndex)
Napi::Value NllLossBackward(const Napi::CallbackInfo& info) {
  Args A(info, "nllLossBackward");
  A.expect_count(8);
  ArrayArg out = A.array(0, "out"), grad = A.array(1, "grad"), target = A.array(2, "target");
  A.check_float(grad, "grad");
  A.check_type(out, "out", grad.type);
  A.check_type(target, "target", DType::I32);
  const OSI d = read_osi(A, 4);
  const int64_t ignore = A.integer_arg(7, "ignoreIndex", -2147483648.0, 2147483647.0);
  const void* weight = read_weight(A, info, 3, grad.type, d.size);
  const int64_t n = d.outer * d.inner;
  A.check_length(out, "out", d.outer * d.size * d.inner);
  A.check_length(grad, "grad", n);
  A.check_length(target, "target", n);
  const std::vector<int32_t> own = private_indices(target, 0, n);
  check_indices(A, own.data(), n, d.size, "target", true, ignore);
  nll_loss_backward_kernel(grad.type, out.data, grad.data, own.data(), weight, d.outer, d.size, d.inner, ignore);
  return info.Env().Undefined();
}

// logsumexp(out, x, outer, size, inner)
Napi::Value Logsumexp(const Napi::CallbackInfo& info) {
  Args A(info, "logsumexp");
  A.expect_count(5);
  ArrayArg out = A.array(0, "out"), x = A.array(1, "x");
  A.check_float(x, "x");
  A.check_type(out, "out", x.type);
  const OSI d = read_osi(A, 2);
  A.check_length(x, "x", d.outer * d.size * d.inner);
  A.check_length(out, "out", d.outer * d.inner);
  if (d.outer * d.inner > 0) logsumexp_kernel(x.type, out.data, x.data, d.outer, d.size, d.inner);
  return info.Env().Undefined();
}

// ---- optimizer steps ---------------------------------------------------------

// Lists of typed arrays (the optimizer steps) are read in two phases.
// Reading an element of a JavaScript array can run JavaScript (an accessor,
// a getter on Array.prototype for a hole, a Proxy), which may detach or
// shrink any buffer, including one whose pointer was already taken. So
// phase 1 reads every element of every list argument, before any pointer to
// any buffer of the call is taken; phase 2 (list_arrays) runs no JavaScript.
using ListValues = std::vector<std::vector<Napi::Value>>;

// Phase 1: the elements of the list arguments at `positions` (empty for an argument that is not an array).
ListValues list_values(const Napi::CallbackInfo& info, std::initializer_list<size_t> positions) {
  ListValues r;
  for (size_t i : positions) {
    r.emplace_back();
    if (i >= info.Length() || !info[i].IsArray()) continue;
    Napi::Array arr = info[i].As<Napi::Array>();
    const uint32_t n = arr.Length();
    for (uint32_t j = 0; j < n; ++j) r.back().push_back(arr.Get(j));
  }
  return r;
}

// Phase 2: the float arrays of list argument `i` (`values`: its phase-1 elements).
std::vector<ArrayArg> list_arrays(const Args& A, const Napi::CallbackInfo& info, size_t i,
                                  const std::vector<Napi::Value>& values, const char* name) {
  if (!info[i].IsArray()) A.fail_type(std::string(name) + " must be an array of typed arrays");
  std::vector<ArrayArg> r;
  r.reserve(values.size());
  for (size_t j = 0; j < values.size(); ++j) {
    const Napi::Value& v = values[j];
    if (!v.IsTypedArray()) A.fail_type(std::string(name) + "[" + std::to_string(j) + "] must be a typed array");
    napi_typedarray_type t;
    size_t length;
    void* data;
    napi_value ab;
    size_t byte_offset;
    if (napi_get_typedarray_info(A.env(), v, &t, &length, &data, &ab, &byte_offset) != napi_ok)
      A.fail_type(std::string(name) + "[" + std::to_string(j) + "] could not be read");
    DType dt;
    if (t == napi_float32_array) dt = DType::F32;
    else if (t == napi_float64_array) dt = DType::F64;
    else A.fail_type(std::string(name) + "[" + std::to_string(j) + "] must be a Float32Array or Float64Array");
    r.push_back(array_arg(data, length, dt));
  }
  return r;
}

// Parameters, gradients and the state lists a configuration uses, checked
// entry by entry: same count, same float kind, same lengths. `lists` holds
// the phase-1 elements of params, grads and the state lists, in that order.
struct Group {
  DType type = DType::F32;
  std::vector<OptimTensor> tensors;
};

Group read_group(const Args& A, const Napi::CallbackInfo& info, const ListValues& values,
                 std::initializer_list<std::pair<size_t, bool>> states) {
  static const char* const kStateNames[] = {"state list 1", "state list 2", "state list 3"};
  Group grp;
  std::vector<ArrayArg> params = list_arrays(A, info, 0, values[0], "params");
  std::vector<ArrayArg> grads = list_arrays(A, info, 1, values[1], "grads");
  if (!params.empty()) grp.type = params[0].type;
  if (grads.size() != params.size())
    A.fail_range("grads has " + std::to_string(grads.size()) + " entries for " + std::to_string(params.size()) + " params");
  std::vector<std::vector<ArrayArg>> lists;
  int k = 0;
  for (const auto& st : states) {
    if (st.second) {
      lists.push_back(list_arrays(A, info, st.first, values[st.first], kStateNames[k]));
      if (lists.back().size() != params.size())
        A.fail_range(std::string(kStateNames[k]) + " has " + std::to_string(lists.back().size()) + " entries for " +
                     std::to_string(params.size()) + " params");
    } else {
      lists.emplace_back();
    }
    ++k;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    if (params[i].type != grp.type) A.fail_type("params" + at + " is a " + dtype_name(params[i].type) + ", params[0] a " + dtype_name(grp.type));
    if (grads[i].type != grp.type) A.fail_type("grads" + at + " must be a " + std::string(dtype_name(grp.type)));
    if (grads[i].length != params[i].length)
      A.fail_range("grads" + at + " has " + std::to_string(grads[i].length) + " elements, params" + at + " " + std::to_string(params[i].length));
    OptimTensor t{params[i].data, grads[i].data, nullptr, nullptr, nullptr, params[i].length};
    void** slots[3] = {&t.s1, &t.s2, &t.s3};
    for (size_t s = 0; s < lists.size(); ++s) {
      if (lists[s].empty()) continue;
      const ArrayArg& a = lists[s][i];
      if (a.type != grp.type) A.fail_type(std::string(kStateNames[s]) + at + " must be a " + dtype_name(grp.type));
      if (a.length != params[i].length)
        A.fail_range(std::string(kStateNames[s]) + at + " has " + std::to_string(a.length) + " elements, params" + at + " " + std::to_string(params[i].length));
      *slots[s] = a.data;
    }
    grp.tensors.push_back(t);
  }
  return grp;
}

const double* read_hyper(const Args& A, size_t i, int64_t need) {
  int64_t count;
  const double* h = A.meta(i, &count);
  if (count < need) A.fail_range("hyperparameters have " + std::to_string(count) + " values, " + std::to_string(need) + " are needed");
  return h;
}

const double* read_steps(const Args& A, size_t i, size_t n) {
  ArrayArg s = A.array(i, "steps");
  A.check_type(s, "steps", DType::F64);
  A.check_length(s, "steps", static_cast<int64_t>(n));
  return static_cast<const double*>(s.data);
}

// sgdStep(params, grads, momentumBuffers, fresh, [lr, momentum, dampening, weightDecay, nesterov, maximize])
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  Args A(info, "sgdStep");
  A.expect_count(5);
  const ListValues lists = list_values(info, {0, 1, 2});
  const double* h = read_hyper(A, 4, 6);
  const SgdHyper hy{h[0], h[1], h[2], h[3], h[4] != 0, h[5] != 0};
  const bool momentum = hy.momentum != 0;
  Group g = read_group(A, info, lists, {{2, momentum}});
  const uint8_t* fresh = nullptr;
  if (momentum) {
    ArrayArg f = A.array(3, "fresh");
    A.check_type(f, "fresh", DType::U8);
    A.check_length(f, "fresh", static_cast<int64_t>(g.tensors.size()));
    fresh = static_cast<const uint8_t*>(f.data);
  }
  sgd_group(g.type, g.tensors, fresh, hy);
  return info.Env().Undefined();
}

// adamStep(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, steps,
//          [lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay])
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Args A(info, "adamStep");
  A.expect_count(7);
  const ListValues lists = list_values(info, {0, 1, 2, 3, 4});
  const double* h = read_hyper(A, 6, 8);
  const AdamHyper hy{h[0], h[1], h[2], h[3], h[4], h[5] != 0, h[6] != 0, h[7] != 0};
  Group g = read_group(A, info, lists, {{2, true}, {3, true}, {4, hy.amsgrad}});
  const double* steps = read_steps(A, 5, g.tensors.size());
  adam_group(g.type, g.tensors, steps, hy);
  return info.Env().Undefined();
}

// rmspropStep(params, grads, squareAvgs, gradAvgs, momentumBuffers,
//             [lr, alpha, eps, weightDecay, momentum, centered, maximize])
Napi::Value RmspropStep(const Napi::CallbackInfo& info) {
  Args A(info, "rmspropStep");
  A.expect_count(6);
  const ListValues lists = list_values(info, {0, 1, 2, 3, 4});
  const double* h = read_hyper(A, 5, 7);
  const RmspropHyper hy{h[0], h[1], h[2], h[3], h[4], h[5] != 0, h[6] != 0};
  Group g = read_group(A, info, lists, {{2, true}, {3, hy.centered}, {4, hy.momentum > 0}});
  rmsprop_group(g.type, g.tensors, hy);
  return info.Env().Undefined();
}

// adagradStep(params, grads, sums, steps, [lr, lrDecay, weightDecay, eps, maximize])
Napi::Value AdagradStep(const Napi::CallbackInfo& info) {
  Args A(info, "adagradStep");
  A.expect_count(5);
  const ListValues lists = list_values(info, {0, 1, 2});
  const double* h = read_hyper(A, 4, 5);
  const AdagradHyper hy{h[0], h[1], h[2], h[3], h[4] != 0};
  Group g = read_group(A, info, lists, {{2, true}});
  const double* steps = read_steps(A, 3, g.tensors.size());
  adagrad_group(g.type, g.tensors, steps, hy);
  return info.Env().Undefined();
}

// ---- setup -----------------------------------------------------------------

KernelPath g_path = KernelPath::Portable;
bool g_initialized = false;

// init(threads, path[, heapTopPad]): path is "auto", "portable", "avx2-fma" or
// "avx512"; heapTopPad (bytes, 0: leave the C library's default) see heap.cc.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Args A(info, "init");
  A.expect_count(2);
  const int64_t threads = A.integer_arg(0, "threads", 1, 1024);
  const int64_t top_pad = info.Length() > 2 ? A.integer_arg(2, "heapTopPad", 0, 2147483647) : 0;
  if (!info[1].IsString()) A.fail_type("path must be a string");
  const std::string want = info[1].As<Napi::String>().Utf8Value();
  const CpuFeatures cpu = detect_cpu();
  KernelPath best = cpu.avx512f ? KernelPath::Avx512 : cpu.avx2_fma ? KernelPath::Avx2Fma : KernelPath::Portable;
  KernelPath path;
  if (want == "auto") path = best;
  else if (want == "portable") path = KernelPath::Portable;
  else if (want == "avx2-fma" && cpu.avx2_fma) path = KernelPath::Avx2Fma;
  else if (want == "avx512" && cpu.avx512f) path = KernelPath::Avx512;
  else A.fail_range("kernel path '" + want + "' is not available on this CPU (best: " + path_name(best) + ")");
  if (!g_initialized) {
    pool_init(static_cast<int>(threads));
    g_initialized = true;
  }
  if (top_pad > 0) set_heap_top_pad(top_pad);
  g_path = path;
  set_gemm_path(path);
  set_vec_path(path);
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("path", path_name(path));
  r.Set("threads", pool_threads());
  r.Set("avx2Fma", cpu.avx2_fma);
  r.Set("avx512f", cpu.avx512f);
  return r;
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("where", Napi::Function::New(env, Where, "where"));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward, "reluBackward"));
  exports.Set("geluBackward", Napi::Function::New(env, GeluBackward, "geluBackward"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward, "softmaxBackward"));
  exports.Set("im2col", Napi::Function::New(env, Im2col, "im2col"));
  exports.Set("depthwiseConv2d", Napi::Function::New(env, DepthwiseConv2d, "depthwiseConv2d"));
  exports.Set("depthwiseConv2dBackwardInput",
              Napi::Function::New(env, DepthwiseConv2dBackwardInput, "depthwiseConv2dBackwardInput"));
  exports.Set("depthwiseConv2dBackwardWeight",
              Napi::Function::New(env, DepthwiseConv2dBackwardWeight, "depthwiseConv2dBackwardWeight"));
  exports.Set("col2im", Napi::Function::New(env, Col2im, "col2im"));
  exports.Set("maxPool2d", Napi::Function::New(env, MaxPool2d, "maxPool2d"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("avgPool2d", Napi::Function::New(env, AvgPool2d, "avgPool2d"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd, "scatterAdd"));
  exports.Set("indexSelect", Napi::Function::New(env, IndexSelect, "indexSelect"));
  exports.Set("indexAdd", Napi::Function::New(env, IndexAdd, "indexAdd"));
  exports.Set("nllLoss", Napi::Function::New(env, NllLoss, "nllLoss"));
  exports.Set("nllLossBackward", Napi::Function::New(env, NllLossBackward, "nllLossBackward"));
  exports.Set("logsumexp", Napi::Function::New(env, Logsumexp, "logsumexp"));
  exports.Set("adaptiveAvgPool2d", Napi::Function::New(env, AdaptiveAvgPool2d, "adaptiveAvgPool2d"));
  exports.Set("adaptiveAvgPool2dBackward", Napi::Function::New(env, AdaptiveAvgPool2dBackward, "adaptiveAvgPool2dBackward"));
  exports.Set("groupNorm", Napi::Function::New(env, GroupNorm, "groupNorm"));
  exports.Set("groupNormBackward", Napi::Function::New(env, GroupNormBackward, "groupNormBackward"));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm, "batchNorm"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
  exports.Set("sgdStep", Napi::Function::New(env, SgdStep, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
  exports.Set("rmspropStep", Napi::Function::New(env, RmspropStep, "rmspropStep"));
  exports.Set("adagradStep", Napi::Function::New(env, AdagradStep, "adagradStep"));
  return exports;
}

}  // namespace
}  // namespace kd

static Napi::Object KindlingInit(Napi::Env env, Napi::Object exports) { return kd::Module(env, exports); }

NODE_API_MODULE(kindling, KindlingInit)
