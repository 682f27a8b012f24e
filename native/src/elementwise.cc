// Element-wise kernels: copy (with dtype conversion), unary, binary, where,
// the backward of ReLU and GELU.
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

// ---- the normal distribution in float32, vectorizable -----------------------
// NOTE: glibc's erff and expf are scalar calls (~5 ns each on this project's
// machine), which made float32 GELU and its backward 5-10x slower than
// PyTorch's vectorized ones. These are branch-free (both sides of each
// select are computed), so the loops vectorize (SSE2 in this file). Their polynomials are
// least-squares fits made for kindling: relative error below 2e-9 for erf on
// [0, 1] and 3e-7 for the scaled erfc below; Taylor to degree 7 for e^r.

// `c ? a : b` as bit operations: GCC if-converts a float `?:` whose operands
// might trap only with -fno-trapping-math, so a plain select kept these loops scalar.
inline float select_bits(bool c, float a, float b) {
  uint32_t ua, ub;
  std::memcpy(&ua, &a, 4);
  std::memcpy(&ub, &b, 4);
  const uint32_t m = 0u - uint32_t(c);
  const uint32_t r = (ua & m) | (ub & ~m);
  float f;
  std::memcpy(&f, &r, 4);
  return f;
}

// e^x for x <= 0: 0 below -87 (e^-87 is near float's smallest normal), NaN stays NaN.
inline float exp_nonpositive(float x) {
  const bool under = x < -87.0f;
  x = select_bits(under, -87.0f, x);
  // k = round(x / ln 2), left in the low mantissa bits of t (1.5 * 2^23 + k).
  const float t = x * 1.44269504088896341f + 12582912.0f;
  const float k = t - 12582912.0f;
  const float r = (x - k * 0.693145751953125f) - k * 1.42860682030941723212e-6f;  // x - k ln 2, ln 2 in two parts
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  uint32_t tb;
  std::memcpy(&tb, &t, 4);
  const uint32_t sb = (tb - 0x4B400000u + 127u) << 23;  // 2^k as float bits (k >= -126 here)
  float scale;
  std::memcpy(&scale, &sb, 4);
  return select_bits(under, 0.0f, p * scale);
}

// erf(z) / z on |z| <= 1, in z^2.
inline float erf_over_z(float z2) {
  float p = 7.933254908554e-05f;
  p = p * z2 - 0.0008034778481864205f;
  p = p * z2 + 0.005191211044890368f;
  p = p * z2 - 0.026855395766965284f;
  p = p * z2 + 0.11283625638521887f;
  p = p * z2 - 0.37612629869496456f;
  return p * z2 + 1.1283791665912075f;
}

// erfc(a)·e^(a^2)·a for a >= 1, in u = 1/a (1/sqrt(pi) at u = 0).
inline float erfc_scaled(float u) {
  float p = -0.158339725f;
  p = p * u + 0.838796645f;
  p = p * u - 1.83282015f;
  p = p * u + 2.01790386f;
  p = p * u - 0.925928108f;
  p = p * u - 0.298703781f;
  p = p * u + 0.517523716f;
  p = p * u - 0.0138841802f;
  p = p * u - 0.281129007f;
  p = p * u - 2.5473857e-05f;
  return p * u + 0.564189701f;
}

// Phi(v), the standard normal CDF, and e^(-v^2/2) in `gauss`: 1/2·(1 + erf(z)) for
// |z| <= 1 (z = v/sqrt 2), else from erfc(|z|), which has no cancellation in the
// lower tail. Phi(-inf) = 0, Phi(inf) = 1, NaN stays NaN.
inline float normal_cdf(float v, float& gauss) {
  const float z = v * 0.70710678118654752440f;
  const float a = std::fabs(z);
  const float z2 = z * z;
  gauss = exp_nonpositive(-z2);
  const float inner = 0.5f + 0.5f * z * erf_over_z(z2);
  const float u = 1.0f / a;
  const float half_erfc = 0.5f * gauss * u * erfc_scaled(u);
  const float outer = select_bits(z > 0, 1.0f - half_erfc, half_erfc);
  return select_bits(a <= 1.0f, inner, outer);
}

constexpr float kInvSqrt2Pi = 0.39894228040143267794f;

// Exact GELU, x·Phi(x): erf in double for float64, the vectorizable float32 form otherwise.
template <typename T>
inline T gelu(T v) {
  if constexpr (std::is_same_v<T, float>) {
    float gauss;
    return v * normal_cdf(v, gauss);
  } else {
    return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440)));
  }
}

// Its derivative, Phi(x) + x·phi(x) (PyTorch's gelu_backward).
template <typename T>
inline T gelu_grad(T v) {
  if constexpr (std::is_same_v<T, float>) {
    float gauss;
    const float cdf = normal_cdf(v, gauss);
    return cdf + v * gauss * kInvSqrt2Pi;
  } else {
    return T(0.5) * (T(1) + std::erf(v * T(0.70710678118654752440))) + v * std::exp(T(-0.5) * v * v) * T(0.39894228040143267794);
  }
}

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
      return map1(out, x, it, M, [](T v) { return gelu(v); });
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

// ---- gelu backward -------------------------------------------------------------

// PyTorch's gelu_backward formulas, computed in T as the js backend computes
// them in double (float32 differs by an ulp or two).
template <typename T>
void gelu_backward_typed(T* out, const T* g, const T* x, int64_t n, bool tanh) {
  if (tanh) {
    const T k = T(0.79788456080286535588);  // sqrt(2 / pi)
    const T c = T(0.044715);
    parallel_for(n, kGrainMath, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) {
        const T v = x[i], v2 = v * v;
        const T t = std::tanh(k * (v + c * v2 * v));
        out[i] = g[i] * (T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * k * (T(1) + T(3) * c * v2));
      }
    });
    return;
  }
  parallel_for(n, kGrainMath, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) out[i] = g[i] * gelu_grad(x[i]);
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

void gelu_backward_kernel(DType t, void* out, const void* g, const void* x, int64_t n, bool tanh) {
  if (t == DType::F32)
    gelu_backward_typed(static_cast<float*>(out), static_cast<const float*>(g), static_cast<const float*>(x), n, tanh);
  else
    gelu_backward_typed(static_cast<double*>(out), static_cast<const double*>(g), static_cast<const double*>(x), n, tanh);
}

}  // namespace kd
