// Element-wise kernels: copy (with dtype conversion), unary, binary, where,
// ReLU's backward.
// Semantics follow the js backend exactly (it is the specification); float32
// math runs in float32, so transcendental results may differ by an ulp.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels.h"
#include "parallel.h"

namespace kd {
namespace {

constexpr int64_t kGrainCheap = int64_t(1) << 15;   // elements worth a thread for add/mul/copy
constexpr int64_t kGrainMath = int64_t(1) << 12;    // ... for exp/tanh/erf

inline int64_t last_stride(const Iter& it, int k) { return it.nd == 0 ? 1 : it.strides[k][it.nd - 1]; }

// ---- copy ------------------------------------------------------------------

// NOTE: JS stores into an Int32Array with ToInt32: truncate, NaN/±inf -> 0,
// wrap modulo 2^32. A plain C cast is undefined outside int32's range.
inline int32_t to_int32(double v) {
  if (v > -2147483649.0 && v < 2147483648.0) return static_cast<int32_t>(v);
  if (!std::isfinite(v)) return 0;
  double m = std::fmod(std::trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

template <typename O, typename X>
inline O convert(X v) { return static_cast<O>(v); }
template <> inline int32_t convert<int32_t, float>(float v) { return to_int32(v); }
template <> inline int32_t convert<int32_t, double>(double v) { return to_int32(v); }
// NOTE: a bool destination stores x != 0 (NaN counts as true, as in JS).
template <> inline uint8_t convert<uint8_t, float>(float v) { return v != 0 ? 1 : 0; }
template <> inline uint8_t convert<uint8_t, double>(double v) { return v != 0 ? 1 : 0; }
template <> inline uint8_t convert<uint8_t, int32_t>(int32_t v) { return v != 0 ? 1 : 0; }

// A 2-D copy where one side walks rows and the other columns (a transpose):
// 32x32 tiles keep both sides in cache instead of striding through one.
template <typename O, typename X>
bool copy_transposed(O* out, const X* x, const Iter& it) {
  if (it.nd != 2) return false;
  const int64_t n0 = it.shape[0], n1 = it.shape[1];
  const int64_t o0 = it.strides[0][0], o1 = it.strides[0][1], x0 = it.strides[1][0], x1 = it.strides[1][1];
  if (!((o1 == 1 && x0 == 1) || (o0 == 1 && x1 == 1)) || n0 < 16 || n1 < 16) return false;
  constexpr int64_t B = 32;
  const int64_t tiles0 = (n0 + B - 1) / B;
  parallel_for(tiles0, 1 + (int64_t(1) << 15) / (B * n1), [&](int64_t s, int64_t e) {
    for (int64_t t0 = s; t0 < e; ++t0) {
      const int64_t i0 = t0 * B, i1 = i0 + B < n0 ? i0 + B : n0;
      for (int64_t j0 = 0; j0 < n1; j0 += B) {
        const int64_t j1 = j0 + B < n1 ? j0 + B : n1;
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t j = j0; j < j1; ++j)
            out[it.offset[0] + i * o0 + j * o1] = convert<O, X>(x[it.offset[1] + i * x0 + j * x1]);
      }
    }
  });
  return true;
}

template <typename O, typename X>
void copy_typed(O* out, const X* x, const Iter& it) {
  if (copy_transposed(out, x, it)) return;
  const int64_t os = last_stride(it, 0), xs = last_stride(it, 1);
  parallel_for(it.numel(), kGrainCheap, [&](int64_t s, int64_t e) {
    for_rows(it, s, e, [&](const int64_t* offs, int64_t len, int64_t) {
      O* o = out + offs[0];
      const X* xp = x + offs[1];
      if (os == 1 && xs == 1) {
        if (std::is_same<O, X>::value)
          std::memmove(o, xp, sizeof(O) * len);
        else
          for (int64_t i = 0; i < len; ++i) o[i] = convert<O, X>(xp[i]);
      } else {
        for (int64_t i = 0; i < len; ++i) o[i * os] = convert<O, X>(xp[i * xs]);
      }
    });
  });
}

template <typename O>
void copy_from(O* out, DType xt, const void* x, const Iter& it) {
  switch (xt) {
    case DType::F32: return copy_typed(out, static_cast<const float*>(x), it);
    case DType::F64: return copy_typed(out, static_cast<const double*>(x), it);
    case DType::I32: return copy_typed(out, static_cast<const int32_t*>(x), it);
    case DType::U8: return copy_typed(out, static_cast<const uint8_t*>(x), it);
  }
}

// ---- unary -----------------------------------------------------------------

template <typename O, typename T, typename F>
void map1(O* out, const T* x, const Iter& it, int64_t grain, F f) {
  const int64_t xs = last_stride(it, 0);
  parallel_for(it.numel(), grain, [&](int64_t s, int64_t e) {
    for_rows(it, s, e, [&](const int64_t* offs, int64_t len, int64_t pos) {
      const T* xp = x + offs[0];
      O* o = out + pos;
      if (xs == 1) {
        for (int64_t i = 0; i < len; ++i) o[i] = f(xp[i]);
      } else {
        for (int64_t i = 0; i < len; ++i) o[i] = f(xp[i * xs]);
      }
    });
  });
}

template <typename T>
inline T sigmoid(T v) { return T(1) / (T(1) + std::exp(-v)); }

template <typename T>
void unary_typed(int op, T* out, uint8_t* bout, const T* x, const Iter& it, double p0, double p1) {
  const int64_t C = kGrainCheap, M = kGrainMath;
  switch (op) {
    case U_NEG: return map1(out, x, it, C, [](T v) { return -v; });
    case U_EXP: return map1(out, x, it, M, [](T v) { return std::exp(v); });
    case U_LOG: return map1(out, x, it, M, [](T v) { return std::log(v); });
    case U_LOG1P: return map1(out, x, it, M, [](T v) { return std::log1p(v); });
    case U_EXPM1: return map1(out, x, it, M, [](T v) { return std::expm1(v); });
    case U_SQRT: return map1(out, x, it, C, [](T v) { return std::sqrt(v); });
    case U_RSQRT: return map1(out, x, it, C, [](T v) { return T(1) / std::sqrt(v); });
    case U_ABS: return map1(out, x, it, C, [](T v) { return std::fabs(v); });
    // NOTE: sign(NaN) is 0, as PyTorch's (0 < v) - (v < 0); sign(-0) is +0.
    case U_SIGN: return map1(out, x, it, C, [](T v) { return v > 0 ? T(1) : v < 0 ? T(-1) : T(0); });
    case U_RECIPROCAL: return map1(out, x, it, C, [](T v) { return T(1) / v; });
    case U_SQUARE: return map1(out, x, it, C, [](T v) { return v * v; });
    case U_SIN: return map1(out, x, it, M, [](T v) { return std::sin(v); });
    case U_COS: return map1(out, x, it, M, [](T v) { return std::cos(v); });
    case U_FLOOR: return map1(out, x, it, C, [](T v) { return std::floor(v); });
    case U_CEIL: return map1(out, x, it, C, [](T v) { return std::ceil(v); });
    // NOTE: nearbyint rounds half to even in the default rounding mode, as PyTorch does.
    case U_ROUND: return map1(out, x, it, C, [](T v) { return std::nearbyint(v); });
    // NOTE: relu(NaN) is NaN, as in PyTorch and the js backend.
    case U_RELU: return map1(out, x, it, C, [](T v) { return v <= 0 ? T(0) : v; });
    case U_SIGMOID: return map1(out, x, it, M, [](T v) { return sigmoid(v); });
    case U_TANH: return map1(out, x, it, M, [](T v) { return std::tanh(v); });
    case U_GELU:
      return map1(out, x, it, M, [](T v) { return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440))); });
    case U_GELU_TANH:
      return map1(out, x, it, M, [](T v) {
        const T k = T(0.79788456080286535588);  // sqrt(2 / pi)
        return T(0.5) * v * (T(1) + std::tanh(k * (v + T(0.044715) * v * v * v)));
      });
    case U_SILU: return map1(out, x, it, M, [](T v) { return v / (T(1) + std::exp(-v)); });
    case U_LOGICAL_NOT: return map1(bout, x, it, C, [](T v) { return uint8_t(v == 0 ? 1 : 0); });
    case U_ISNAN: return map1(bout, x, it, C, [](T v) { return uint8_t(std::isnan(v) ? 1 : 0); });
    case U_ISFINITE: return map1(bout, x, it, C, [](T v) { return uint8_t(std::isfinite(v) ? 1 : 0); });
    case U_CLAMP: {
      const bool has_lo = !std::isnan(p0), has_hi = !std::isnan(p1);
      const T lo = T(p0), hi = T(p1);
      // NOTE: NaN stays NaN, as in PyTorch's clamp.
      return map1(out, x, it, C, [=](T v) {
        if (has_lo && v < lo) v = lo;
        if (has_hi && v > hi) v = hi;
        return v;
      });
    }
    case U_SOFTPLUS: {
      const T beta = T(p0), threshold = T(p1);
      // NOTE: above the threshold softplus is linear (PyTorch's rule), which also avoids exp overflow.
      return map1(out, x, it, M,
                  [=](T v) { return v * beta > threshold ? v : std::log1p(std::exp(v * beta)) / beta; });
    }
    case U_LEAKY_RELU: {
      const T slope = T(p0);
      return map1(out, x, it, C, [=](T v) { return v > 0 ? v : v * slope; });
    }
  }
}

// ---- binary ----------------------------------------------------------------

template <typename O, typename T, typename F>
void map2(O* out, const T* a, const T* b, const Iter& it, int64_t grain, F f) {
  const int64_t as = last_stride(it, 0), bs = last_stride(it, 1);
  parallel_for(it.numel(), grain, [&](int64_t s, int64_t e) {
    for_rows(it, s, e, [&](const int64_t* offs, int64_t len, int64_t pos) {
      const T* ap = a + offs[0];
      const T* bp = b + offs[1];
      O* o = out + pos;
      if (as == 1 && bs == 1) {
        for (int64_t i = 0; i < len; ++i) o[i] = f(ap[i], bp[i]);
      } else if (as == 1 && bs == 0) {
        const T bv = bp[0];
        for (int64_t i = 0; i < len; ++i) o[i] = f(ap[i], bv);
      } else if (as == 0 && bs == 1) {
        const T av = ap[0];
        for (int64_t i = 0; i < len; ++i) o[i] = f(av, bp[i]);
      } else {
        for (int64_t i = 0; i < len; ++i) o[i] = f(ap[i * as], bp[i * bs]);
      }
    });
  });
}

// pow as C and PyTorch define it (pow(1, NaN) = pow(-1, ±inf) = 1); the js backend's cPow matches.
template <typename T>
inline T c_pow(T x, T y) {
  return std::pow(x, y);
}

template <typename T>
inline T js_max(T x, T y) { return std::isnan(x) || std::isnan(y) ? x + y : (x > y ? x : y); }
template <typename T>
inline T js_min(T x, T y) { return std::isnan(x) || std::isnan(y) ? x + y : (x < y ? x : y); }

template <typename T>
void binary_typed(int op, T* out, uint8_t* bout, const T* a, const T* b, const Iter& it) {
  const int64_t C = kGrainCheap, M = kGrainMath;
  using B = uint8_t;
  switch (op) {
    case B_ADD: return map2(out, a, b, it, C, [](T x, T y) { return x + y; });
    case B_SUB: return map2(out, a, b, it, C, [](T x, T y) { return x - y; });
    case B_MUL: return map2(out, a, b, it, C, [](T x, T y) { return x * y; });
    case B_DIV: return map2(out, a, b, it, C, [](T x, T y) { return x / y; });
    case B_POW: return map2(out, a, b, it, M, [](T x, T y) { return c_pow(x, y); });
    // NOTE: maximum/minimum propagate NaN, as PyTorch does.
    case B_MAXIMUM: return map2(out, a, b, it, C, [](T x, T y) { return js_max(x, y); });
    case B_MINIMUM: return map2(out, a, b, it, C, [](T x, T y) { return js_min(x, y); });
    case B_EQ: return map2(bout, a, b, it, C, [](T x, T y) { return B(x == y); });
    case B_NE: return map2(bout, a, b, it, C, [](T x, T y) { return B(x != y); });
    case B_LT: return map2(bout, a, b, it, C, [](T x, T y) { return B(x < y); });
    case B_LE: return map2(bout, a, b, it, C, [](T x, T y) { return B(x <= y); });
    case B_GT: return map2(bout, a, b, it, C, [](T x, T y) { return B(x > y); });
    case B_GE: return map2(bout, a, b, it, C, [](T x, T y) { return B(x >= y); });
    case B_LOGICAL_AND: return map2(bout, a, b, it, C, [](T x, T y) { return B(x != 0 && y != 0); });
    case B_LOGICAL_OR: return map2(bout, a, b, it, C, [](T x, T y) { return B(x != 0 || y != 0); });
    case B_LOGICAL_XOR: return map2(bout, a, b, it, C, [](T x, T y) { return B((x != 0) != (y != 0)); });
  }
}

// ---- where -----------------------------------------------------------------

template <typename T>
void where_typed(T* out, const uint8_t* cond, const T* a, const T* b, const Iter& it) {
  const int64_t cs = last_stride(it, 0), as = last_stride(it, 1), bs = last_stride(it, 2);
  parallel_for(it.numel(), kGrainCheap, [&](int64_t s, int64_t e) {
    for_rows(it, s, e, [&](const int64_t* offs, int64_t len, int64_t pos) {
      const uint8_t* cp = cond + offs[0];
      const T* ap = a + offs[1];
      const T* bp = b + offs[2];
      T* o = out + pos;
      // NOTE: both values are loaded before the select: a load under the
      // condition could not be hoisted, and the loop would stay scalar.
      if (cs == 1 && as == 1 && bs == 1) {
        for (int64_t i = 0; i < len; ++i) {
          const T x = ap[i], y = bp[i];
          o[i] = cp[i] != 0 ? x : y;
        }
      } else if (cs == 1 && as == 1 && bs == 0) {
        const T y = bp[0];  // where(mask, x, scalar): ReLU's backward, masked fills
        for (int64_t i = 0; i < len; ++i) {
          const T x = ap[i];
          o[i] = cp[i] != 0 ? x : y;
        }
      } else if (cs == 1 && as == 0 && bs == 1) {
        const T x = ap[0];
        for (int64_t i = 0; i < len; ++i) {
          const T y = bp[i];
          o[i] = cp[i] != 0 ? x : y;
        }
      } else {
        for (int64_t i = 0; i < len; ++i) {
          const T x = ap[i * as], y = bp[i * bs];
          o[i] = cp[i * cs] != 0 ? x : y;
        }
      }
    });
  });
}

// ---- relu backward -----------------------------------------------------------

template <typename T>
void relu_backward_typed(T* out, const T* g, const T* y, int64_t n) {
  parallel_for(n, kGrainCheap, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      // NOTE: `y <= 0 ? 0 : g`, as PyTorch's threshold_backward and the js backend:
      // a NaN output passes the gradient through. Both loads come before the
      // select so the loop vectorizes.
      const T gv = g[i], yv = y[i];
      out[i] = yv <= T(0) ? T(0) : gv;
    }
  });
}

}  // namespace

void copy_kernel(DType ot, void* out, DType xt, const void* x, const Iter& it) {
  switch (ot) {
    case DType::F32: return copy_from(static_cast<float*>(out), xt, x, it);
    case DType::F64: return copy_from(static_cast<double*>(out), xt, x, it);
    case DType::I32: return copy_from(static_cast<int32_t*>(out), xt, x, it);
    case DType::U8:
      // NOTE: uint8 -> uint8 copies values as they are; anything else -> bool is x != 0.
      if (xt == DType::U8) return copy_typed(static_cast<uint8_t*>(out), static_cast<const uint8_t*>(x), it);
      return copy_from(static_cast<uint8_t*>(out), xt, x, it);
  }
}

void unary_kernel(int op, DType t, void* out, const void* x, const Iter& it, double p0, double p1) {
  uint8_t* bout = static_cast<uint8_t*>(out);
  if (t == DType::F32)
    unary_typed(op, static_cast<float*>(out), bout, static_cast<const float*>(x), it, p0, p1);
  else
    unary_typed(op, static_cast<double*>(out), bout, static_cast<const double*>(x), it, p0, p1);
}

void binary_kernel(int op, DType t, void* out, const void* a, const void* b, const Iter& it) {
  uint8_t* bout = static_cast<uint8_t*>(out);
  if (t == DType::F32)
    binary_typed(op, static_cast<float*>(out), bout, static_cast<const float*>(a), static_cast<const float*>(b), it);
  else
    binary_typed(op, static_cast<double*>(out), bout, static_cast<const double*>(a), static_cast<const double*>(b), it);
}

void where_kernel(DType t, void* out, const uint8_t* cond, const void* a, const void* b, const Iter& it) {
  switch (t) {
    case DType::F32:
      return where_typed(static_cast<float*>(out), cond, static_cast<const float*>(a), static_cast<const float*>(b), it);
    case DType::F64:
      return where_typed(static_cast<double*>(out), cond, static_cast<const double*>(a), static_cast<const double*>(b), it);
    case DType::I32:
      return where_typed(static_cast<int32_t*>(out), cond, static_cast<const int32_t*>(a), static_cast<const int32_t*>(b), it);
    case DType::U8:
      return where_typed(static_cast<uint8_t*>(out), cond, static_cast<const uint8_t*>(a), static_cast<const uint8_t*>(b), it);
  }
}

void relu_backward_kernel(DType t, void* out, const void* g, const void* y, int64_t n) {
  if (t == DType::F32)
    relu_backward_typed(static_cast<float*>(out), static_cast<const float*>(g), static_cast<const float*>(y), n);
  else
    relu_backward_typed(static_cast<double*>(out), static_cast<const double*>(g), static_cast<const double*>(y), n);
}

}  // namespace kd
