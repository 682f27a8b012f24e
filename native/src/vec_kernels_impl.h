// Implementation of vec_kernels.h, included once per ISA inside a namespace
// unique to the including TU (so no inline code is shared across ISAs).
// Semantics mirror the js backend (src/backend/js/softmax.ts, optim.ts).
// (The including TU includes <cmath>, <cstring> and vec_kernels.h first.)

// NOTE: exp for float32 softmax rows, vectorizable: Cody–Waite range
// reduction and a degree-6 polynomial, ~1 ulp; exp(-inf) = 0, exp(+inf) =
// inf, NaN stays NaN (the clamps keep the exponent bits in range).
static inline float exp_f32(float x) {
  const float hi = 88.3762626647949f, lo = -87.3365478515625f;
  const bool under = x < lo, over = x > hi;
  // NaN takes the path of 0 (its result is replaced below), so the integer conversion sees a finite value.
  float xc = under ? lo : (over ? hi : (x == x ? x : 0.0f));
  const float t = xc * 1.44269504088896341f;
  const float r = (t + 12582912.0f) - 12582912.0f;  // round to nearest (|t| < 2^22)
  float f = xc - r * 0.693359375f;
  f = f - r * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * f + 1.3981999507e-3f;
  p = p * f + 8.3334519073e-3f;
  p = p * f + 4.1665795894e-2f;
  p = p * f + 1.6666665459e-1f;
  p = p * f + 5.0000001201e-1f;
  p = p * f * f + f + 1.0f;
  const int32_t n = static_cast<int32_t>(r);
  const uint32_t bits = static_cast<uint32_t>(n + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float y = p * scale;
  y = under ? 0.0f : y;
  y = over ? (x == x ? __builtin_inff() : x) : y;
  return x == x ? y : x;
}
static inline double exp_any(double x) { return std::exp(x); }
static inline float exp_any(float x) { return exp_f32(x); }

#if defined(__AVX2__) && defined(__FMA__)
// exp_f32 eight lanes at a time (the same reduction and polynomial; the
// compiler does not vectorize the scalar version's selects and conversions).
static inline __m256 exp_f32x8(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-87.3365478515625f);
  const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  const __m256 over = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  const __m256 r = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 f = _mm256_fnmadd_ps(r, _mm256_set1_ps(0.693359375f), xc);
  f = _mm256_fnmadd_ps(r, _mm256_set1_ps(-2.12194440e-4f), f);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(f, f), _mm256_add_ps(f, _mm256_set1_ps(1.0f)));
  const __m256i n = _mm256_cvtps_epi32(r);
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
  __m256 y = _mm256_mul_ps(p, scale);
  y = _mm256_blendv_ps(y, _mm256_setzero_ps(), under);
  y = _mm256_blendv_ps(y, _mm256_set1_ps(__builtin_inff()), over);
  return _mm256_blendv_ps(y, x, nan);
}
#endif

// y[i] = exp(x[i] - shift) (y may be x).
static inline void exp_shifted(double* y, const double* x, double shift, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i] - shift);
}
static inline void exp_shifted(float* y, const float* x, float shift, int64_t n) {
  int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 s = _mm256_set1_ps(shift);
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp_f32x8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s)));
#endif
  for (; i < n; ++i) y[i] = exp_f32(x[i] - shift);
}

template <typename T>
void softmax_rows(T* out, const T* x, int64_t o0, int64_t o1, int64_t size, int64_t inner, bool log) {
  if (inner == 1) {
    constexpr int L = 16;  // independent lanes, so the compiler can vectorize the reductions
    for (int64_t o = o0; o < o1; ++o) {
      const T* xr = x + o * size;
      T* yr = out + o * size;
      T lane_mx[L];
      int lane_nan[L];
      for (int l = 0; l < L; ++l) {
        lane_mx[l] = static_cast<T>(-__builtin_inf());
        lane_nan[l] = 0;
      }
      int64_t i = 0;
      for (; i + L <= size; i += L)
        for (int l = 0; l < L; ++l) {
          const T v = xr[i + l];
          lane_mx[l] = v > lane_mx[l] ? v : lane_mx[l];
          lane_nan[l] |= v != v;
        }
      T mx = static_cast<T>(-__builtin_inf());
      bool nan = false;
      for (int l = 0; l < L; ++l) {
        mx = lane_mx[l] > mx ? lane_mx[l] : mx;
        nan |= lane_nan[l] != 0;
      }
      for (; i < size; ++i) {
        mx = xr[i] > mx ? xr[i] : mx;
        nan |= xr[i] != xr[i];
      }
      // NOTE: NaN wins the max (as in the js backend and PyTorch), which makes the whole row NaN.
      if (nan) mx = static_cast<T>(__builtin_nan(""));
      // NOTE: shifting by the row max keeps exp from overflowing.
      exp_shifted(yr, xr, mx, size);
      double lane_sum[L];
      for (int l = 0; l < L; ++l) lane_sum[l] = 0;
      i = 0;
      for (; i + L <= size; i += L)
        for (int l = 0; l < L; ++l) lane_sum[l] += yr[i + l];
      double sum = 0;
      for (int l = 0; l < L; ++l) sum += lane_sum[l];
      for (; i < size; ++i) sum += yr[i];
      if (log) {
        const T lse = static_cast<T>(std::log(sum));
        // NOTE: (x - max) - log(sum), PyTorch's order.
        for (int64_t q = 0; q < size; ++q) yr[q] = (xr[q] - mx) - lse;
      } else {
        const T inv = static_cast<T>(1.0 / sum);
        for (int64_t q = 0; q < size; ++q) yr[q] *= inv;
      }
    }
    return;
  }
  constexpr int64_t C = 128;
  T mx[C];
  double sm[C];
  for (int64_t o = o0; o < o1; ++o) {
    for (int64_t j0 = 0; j0 < inner; j0 += C) {
      const int64_t nj = inner - j0 < C ? inner - j0 : C;
      const T* xb = x + o * size * inner + j0;
      T* yb = out + o * size * inner + j0;
      for (int64_t j = 0; j < nj; ++j) mx[j] = -__builtin_inf();
      for (int64_t i = 0; i < size; ++i)
        for (int64_t j = 0; j < nj; ++j) {
          const T v = xb[i * inner + j];
          if (v > mx[j] || v != v) mx[j] = v;
        }
      for (int64_t j = 0; j < nj; ++j) sm[j] = 0;
      for (int64_t i = 0; i < size; ++i)
        for (int64_t j = 0; j < nj; ++j) {
          const T e = exp_any(static_cast<T>(xb[i * inner + j] - mx[j]));
          if (!log) yb[i * inner + j] = e;
          sm[j] += e;
        }
      if (log) {
        for (int64_t j = 0; j < nj; ++j) sm[j] = std::log(sm[j]);
        for (int64_t i = 0; i < size; ++i)
          for (int64_t j = 0; j < nj; ++j) yb[i * inner + j] = (xb[i * inner + j] - mx[j]) - static_cast<T>(sm[j]);
      } else {
        for (int64_t j = 0; j < nj; ++j) sm[j] = 1.0 / sm[j];
        for (int64_t i = 0; i < size; ++i)
          for (int64_t j = 0; j < nj; ++j) yb[i * inner + j] *= static_cast<T>(sm[j]);
      }
    }
  }
}

template <typename T>
void softmax_backward_rows(T* out, const T* g, const T* y, int64_t o0, int64_t o1, int64_t size, int64_t inner, bool log) {
  constexpr int64_t C = 128;
  double acc[C];
  for (int64_t o = o0; o < o1; ++o) {
    for (int64_t j0 = 0; j0 < inner; j0 += C) {
      const int64_t nj = inner - j0 < C ? inner - j0 : C;
      const int64_t base = o * size * inner + j0;
      if (inner == 1) {
        constexpr int L = 16;
        double lane[L];
        for (int l = 0; l < L; ++l) lane[l] = 0;
        int64_t i = 0;
        if (log) {
          for (; i + L <= size; i += L)
            for (int l = 0; l < L; ++l) lane[l] += g[base + i + l];
        } else {
          for (; i + L <= size; i += L)
            for (int l = 0; l < L; ++l) lane[l] += static_cast<double>(g[base + i + l]) * y[base + i + l];
        }
        double s = 0;
        for (int l = 0; l < L; ++l) s += lane[l];
        for (; i < size; ++i) s += log ? static_cast<double>(g[base + i]) : static_cast<double>(g[base + i]) * y[base + i];
        const T st = static_cast<T>(s);
        if (log) {
          exp_shifted(out + base, y + base, T(0), size);
          for (int64_t i = 0; i < size; ++i) out[base + i] = g[base + i] - out[base + i] * st;
        } else
          for (int64_t i = 0; i < size; ++i) out[base + i] = y[base + i] * (g[base + i] - st);
        continue;
      }
      for (int64_t j = 0; j < nj; ++j) acc[j] = 0;
      for (int64_t i = 0; i < size; ++i)
        for (int64_t j = 0; j < nj; ++j) {
          const int64_t p = base + i * inner + j;
          acc[j] += log ? static_cast<double>(g[p]) : static_cast<double>(g[p]) * y[p];
        }
      for (int64_t i = 0; i < size; ++i)
        for (int64_t j = 0; j < nj; ++j) {
          const int64_t p = base + i * inner + j;
          out[p] = log ? static_cast<T>(g[p] - exp_any(y[p]) * static_cast<T>(acc[j]))
                       : static_cast<T>(y[p] * (g[p] - static_cast<T>(acc[j])));
        }
    }
  }
}

// ---- optimizer steps: per-element math in double, rounded once per store,
// reading back stored state exactly where the js backend does. -------------

// NOTE: every configuration flag is a template parameter, so each loop body
// is straight-line arithmetic the compiler vectorizes (a branch inside the
// loop would keep it scalar: ~5x slower on a 10M-parameter AdamW step).

// a * b + c rounded once where the ISA has FMA (PyTorch's vectorized
// `add(x, alpha=...)` is one fmadd), else twice.
template <typename T>
static inline T fmadd(T a, T b, T c) {
#if defined(__FMA__) || defined(__aarch64__)
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

// NOTE: unlike the other steps, SGD computes in T with PyTorch's own
// roundings (`buf.mul_(momentum).add_(d, alpha=1 - dampening)`, then
// `param.add_(d, alpha=-lr)`, hyperparameters cast to T): float math with no
// float<->double conversions runs ~4x faster than double intermediates, whose
// conversions bounded this memory-light loop (batch-1 MLP step: 0.2 of
// 0.6 ms). It differs from the js backend by an ulp where a rounding falls
// differently, and matches PyTorch's vectorized CPU path.
template <typename T, bool MOM, bool NESTEROV, bool WD>
void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict buf, bool fresh, int64_t n, const SgdHyper& h) {
  const T neg_lr = static_cast<T>(-h.lr), mom = static_cast<T>(h.momentum), damp = static_cast<T>(1 - h.dampening);
  const T wd = static_cast<T>(h.weight_decay);
  const T sign = h.maximize ? T(-1) : T(1);
  if (MOM && fresh) {
    // A fresh buffer is the gradient itself, undampened (PyTorch's rule).
    for (int64_t j = 0; j < n; ++j) {
      T d = sign * g[j];
      if (WD) d = fmadd(p[j], wd, d);
      buf[j] = d;
      if (NESTEROV) d = fmadd(d, mom, d);
      p[j] = fmadd(d, neg_lr, p[j]);
    }
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    // NOTE: maximize negates before weight decay (PyTorch's order).
    T d = sign * g[j];
    if (WD) d = fmadd(p[j], wd, d);
    if (MOM) {
      const T b = fmadd(d, damp, buf[j] * mom);
      buf[j] = b;
      d = NESTEROV ? fmadd(b, mom, d) : b;
    }
    p[j] = fmadd(d, neg_lr, p[j]);
  }
}

template <typename T>
void sgd_step(T* p, const T* g, T* buf, bool fresh, int64_t n, const SgdHyper& h) {
  const bool wd = h.weight_decay != 0;
  if (buf == nullptr) {
    if (wd) sgd_loop<T, false, false, true>(p, g, buf, fresh, n, h);
    else sgd_loop<T, false, false, false>(p, g, buf, fresh, n, h);
  } else if (h.nesterov) {
    if (wd) sgd_loop<T, true, true, true>(p, g, buf, fresh, n, h);
    else sgd_loop<T, true, true, false>(p, g, buf, fresh, n, h);
  } else {
    if (wd) sgd_loop<T, true, false, true>(p, g, buf, fresh, n, h);
    else sgd_loop<T, true, false, false>(p, g, buf, fresh, n, h);
  }
}

template <typename T, bool DECOUPLED, bool WD, bool AMS>
void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax, int64_t n,
               const AdamHyper& h, const AdamCoef& c) {
  const double b1 = h.beta1, b2 = h.beta2, wd = h.weight_decay, eps = h.eps;
  const double sign = h.maximize ? -1.0 : 1.0;
  const double inv_bc2 = 1.0 / c.bc2_sqrt;
  for (int64_t j = 0; j < n; ++j) {
    double gj = sign * g[j];
    double pj = p[j];
    // NOTE: AdamW decays θ·(1 − γλ) before the moments (rounded to T, as the js backend stores it).
    if (DECOUPLED) pj = static_cast<T>(pj * c.decay);
    if (WD) gj += wd * pj;
    const T mj = static_cast<T>(b1 * m[j] + (1 - b1) * gj);
    const T vj = static_cast<T>(b2 * v[j] + (1 - b2) * gj * gj);
    m[j] = mj;
    v[j] = vj;
    double vv = vj;
    if (AMS) {
      // NOTE: amsgrad keeps the max of the uncorrected second moment; NaN propagates like Math.max.
      const T old = vmax[j];
      const T mxv = (old != old || vj != vj) ? static_cast<T>(old + vj) : (old > vj ? old : vj);
      vmax[j] = mxv;
      vv = mxv;
    }
    // NOTE: ε after the bias correction of √v (PyTorch: √v / √bc2 + ε).
    const double denom = std::sqrt(vv) * inv_bc2 + eps;
    p[j] = static_cast<T>(pj - (c.step_size * mj) / denom);
  }
}

template <typename T>
void adam_step(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamHyper& h, const AdamCoef& c) {
  const bool ams = vmax != nullptr;
  if (h.decoupled) {
    if (ams) adam_loop<T, true, false, true>(p, g, m, v, vmax, n, h, c);
    else adam_loop<T, true, false, false>(p, g, m, v, vmax, n, h, c);
  } else if (h.weight_decay != 0) {
    if (ams) adam_loop<T, false, true, true>(p, g, m, v, vmax, n, h, c);
    else adam_loop<T, false, true, false>(p, g, m, v, vmax, n, h, c);
  } else {
    if (ams) adam_loop<T, false, false, true>(p, g, m, v, vmax, n, h, c);
    else adam_loop<T, false, false, false>(p, g, m, v, vmax, n, h, c);
  }
}

template <typename T, bool CENTERED, bool MOM, bool WD>
void rmsprop_loop(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict gavg, T* __restrict buf,
                  int64_t n, const RmspropHyper& h) {
  const double alpha = h.alpha, eps = h.eps, wd = h.weight_decay, mom = h.momentum, lr = h.lr;
  const double sign = h.maximize ? -1.0 : 1.0;
  for (int64_t j = 0; j < n; ++j) {
    double gj = sign * g[j];
    if (WD) gj += wd * p[j];
    const T s = static_cast<T>(alpha * sq[j] + (1 - alpha) * gj * gj);
    sq[j] = s;
    double avg;
    if (CENTERED) {
      const T a = static_cast<T>(alpha * gavg[j] + (1 - alpha) * gj);
      gavg[j] = a;
      avg = std::sqrt(static_cast<double>(s) - static_cast<double>(a) * a);
    } else {
      avg = std::sqrt(static_cast<double>(s));
    }
    // NOTE: ε outside the square root.
    avg += eps;
    if (MOM) {
      const T b = static_cast<T>(mom * buf[j] + gj / avg);
      buf[j] = b;
      p[j] = static_cast<T>(p[j] - lr * b);
    } else {
      p[j] = static_cast<T>(p[j] - (lr * gj) / avg);
    }
  }
}

template <typename T, bool CENTERED, bool MOM>
void rmsprop_wd(T* p, const T* g, T* sq, T* gavg, T* buf, int64_t n, const RmspropHyper& h) {
  if (h.weight_decay != 0) rmsprop_loop<T, CENTERED, MOM, true>(p, g, sq, gavg, buf, n, h);
  else rmsprop_loop<T, CENTERED, MOM, false>(p, g, sq, gavg, buf, n, h);
}

template <typename T>
void rmsprop_step(T* p, const T* g, T* sq, T* gavg, T* buf, int64_t n, const RmspropHyper& h) {
  if (gavg != nullptr) {
    if (buf != nullptr) rmsprop_wd<T, true, true>(p, g, sq, gavg, buf, n, h);
    else rmsprop_wd<T, true, false>(p, g, sq, gavg, buf, n, h);
  } else {
    if (buf != nullptr) rmsprop_wd<T, false, true>(p, g, sq, gavg, buf, n, h);
    else rmsprop_wd<T, false, false>(p, g, sq, gavg, buf, n, h);
  }
}

template <typename T, bool WD>
void adagrad_loop(T* __restrict p, const T* __restrict g, T* __restrict sum, int64_t n, double clr, const AdagradHyper& h) {
  const double wd = h.weight_decay, eps = h.eps;
  const double sign = h.maximize ? -1.0 : 1.0;
  for (int64_t j = 0; j < n; ++j) {
    double gj = sign * g[j];
    if (WD) gj += wd * p[j];
    const T s = static_cast<T>(sum[j] + gj * gj);
    sum[j] = s;
    const double sd = std::sqrt(static_cast<double>(s)) + eps;
    p[j] = static_cast<T>(p[j] - (clr * gj) / sd);
  }
}

template <typename T>
void adagrad_step(T* p, const T* g, T* sum, int64_t n, double clr, const AdagradHyper& h) {
  if (h.weight_decay != 0) adagrad_loop<T, true>(p, g, sum, n, clr, h);
  else adagrad_loop<T, false>(p, g, sum, n, clr, h);
}

template <typename T>
VecOps<T> make_vec_ops() {
  VecOps<T> o;
  o.softmax = softmax_rows<T>;
  o.softmax_backward = softmax_backward_rows<T>;
  o.sgd = sgd_step<T>;
  o.adam = adam_step<T>;
  o.rmsprop = rmsprop_step<T>;
  o.adagrad = adagrad_step<T>;
  return o;
}
