// Fused group / layer / batch normalisation and their backward, mirroring
// src/backend/js/norm.ts (the specification) with its formulas: statistics
// and gradient sums in double; the per-element arithmetic in double for
// float64 data and in float (see Centre) for float32 data.
// NOTE: sums run in 8 independent lanes (summed pairwise at the end) so they
// vectorize without -ffast-math; the order differs from js's sequential sums
// only by double rounding.
#include "norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "parallel.h"

namespace kd {
namespace {

constexpr int kLanes = 8;

inline double fold(const double* a) { return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7])); }

template <typename T>
double sum_of(const T* x, int64_t n) {
  double acc[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<double>(x[i + l]);
  double t = fold(acc);
  for (; i < n; ++i) t += static_cast<double>(x[i]);
  return t;
}

// Σ (x - mu)²
template <typename T>
double sq_dev_of(const T* x, int64_t n, double mu) {
  double acc[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(x[i + l]) - mu;
      acc[l] += d * d;
    }
  double t = fold(acc);
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mu;
    t += d * d;
  }
  return t;
}

// *sd = Σ dy, *sdx = Σ dy·(x - mu)·rs
template <typename T>
void grad_sums(const T* dy, const T* x, int64_t n, double mu, double rs, double* sd, double* sdx) {
  double a[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0}, b[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double d = static_cast<double>(dy[i + l]);
      a[l] += d;
      b[l] += d * ((static_cast<double>(x[i + l]) - mu) * rs);
    }
  double ta = fold(a), tb = fold(b);
  for (; i < n; ++i) {
    const double d = static_cast<double>(dy[i]);
    ta += d;
    tb += d * ((static_cast<double>(x[i]) - mu) * rs);
  }
  *sd = ta;
  *sdx = tb;
}

// x̂ = (x - mean)·rstd in the arithmetic type C. With C = float (float data)
// the mean is split into hi + lo so that (x - hi) - lo is within an ulp of
// x - mean: the result stays within a few float ulps of the double formula
// the js kernel rounds once, at a third of the cost of converting to double.
template <typename C>
struct Centre {
  C hi, lo, rs;
  Centre() = default;
  Centre(double mu, double r)
      : hi(static_cast<C>(mu)), lo(static_cast<C>(mu - static_cast<double>(static_cast<C>(mu)))), rs(static_cast<C>(r)) {}
  C operator()(C x) const { return ((x - hi) - lo) * rs; }
};

// Runs f(C{}) with C = T when the n means and rstds given are safely inside
// T's range, else with C = double (float data with a tiny eps and variance,
// or eval statistics beyond float's range).
template <typename T, typename F>
void with_compute(const double* mu, const double* rs, int64_t n, F&& f) {
  bool narrow = true;
  if (sizeof(T) != sizeof(double))
    for (int64_t i = 0; i < n; ++i) narrow = narrow && rs[i] > 1e-30 && rs[i] < 1e30 && std::fabs(mu[i]) < 1e30;
  if (narrow) f(T{});
  else f(double{});
}

// y = x̂·w + b over n elements sharing one channel (w, b: 1 and 0 when absent).
template <typename C, typename T>
void apply_segment(T* __restrict y, const T* __restrict x, int64_t n, const Centre<C>& c, C w, C b) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(c(static_cast<C>(x[i])) * w + b);
}

// y = x̂·w[i] + b[i]: one channel per element (layer norm).
template <typename C, typename T, bool HasW, bool HasB>
void apply_elementwise(T* __restrict y, const T* __restrict x, const T* w, const T* b, int64_t n, const Centre<C>& c) {
  for (int64_t i = 0; i < n; ++i) {
    C v = c(static_cast<C>(x[i]));
    if (HasW) v *= static_cast<C>(w[i]);
    if (HasB) v += static_cast<C>(b[i]);
    y[i] = static_cast<T>(v);
  }
}

// Rows (or channel blocks) per task: about 2^15 elements of work each.
inline int64_t grain_for(double per_item) { return per_item >= 32768 ? 1 : 1 + static_cast<int64_t>(32768 / (per_item + 1)); }

// ---- group norm (layer norm: groups 1, inner 1) --------------------------------

template <typename T>
void group_norm_typed(T* y, double* mean, double* rstd, const T* x, const T* w, const T* b, int64_t batch,
                      int64_t channels, int64_t inner, int64_t groups, double eps) {
  const int64_t rows = batch * groups, cpg = channels / groups, m = cpg * inner;
  const double md = static_cast<double>(m);
  parallel_for(rows, grain_for(md), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const T* xr = x + r * m;
      T* yr = y + r * m;
      const double mu = sum_of(xr, m) / md;
      const double rs = 1.0 / std::sqrt(sq_dev_of(xr, m, mu) / md + eps);
      mean[r] = mu;
      rstd[r] = rs;
      if (m == 0) continue;  // nothing to write (and channels need not be bounded by any array)
      const int64_t c0 = (r % groups) * cpg;
      with_compute<T>(&mu, &rs, 1, [&](auto tag) {
        using C = decltype(tag);
        const Centre<C> cen(mu, rs);
        if (inner == 1) {
          const T* wr = w != nullptr ? w + c0 : nullptr;
          const T* br = b != nullptr ? b + c0 : nullptr;
          if (wr != nullptr && br != nullptr) apply_elementwise<C, T, true, true>(yr, xr, wr, br, m, cen);
          else if (wr != nullptr) apply_elementwise<C, T, true, false>(yr, xr, wr, br, m, cen);
          else if (br != nullptr) apply_elementwise<C, T, false, true>(yr, xr, wr, br, m, cen);
          else apply_elementwise<C, T, false, false>(yr, xr, wr, br, m, cen);
          return;
        }
        for (int64_t j = 0; j < cpg; ++j) {
          const C wj = w != nullptr ? static_cast<C>(w[c0 + j]) : C(1);
          const C bj = b != nullptr ? static_cast<C>(b[c0 + j]) : C(0);
          apply_segment(yr + j * inner, xr + j * inner, inner, cen, wj, bj);
        }
      });
    }
  });
}

// One row of the group-norm backward: dx (when wanted) and the row's
// per-channel sums Σdy·x̂ and Σdy added to pw/pb (when not null).
template <typename T>
void group_norm_row_backward(T* dx, const T* dy, const T* x, const T* w, int64_t c0, int64_t cpg, int64_t inner,
                             double mu, double rs, double* pw, double* pb) {
  const int64_t m = cpg * inner;
  if (m == 0) return;  // no elements: every sum is 0
  double sg = 0, sgx = 0;
  if (inner == 1) {
    // Layer norm: one element per channel; 8 lanes for the two row sums.
    double a[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0}, b[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + kLanes <= m; i += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const double d = static_cast<double>(dy[i + l]);
        const double wj = w != nullptr ? static_cast<double>(w[c0 + i + l]) : 1.0;
        const double xh = (static_cast<double>(x[i + l]) - mu) * rs;
        a[l] += d * wj;
        b[l] += d * xh * wj;
      }
    sg = fold(a);
    sgx = fold(b);
    for (; i < m; ++i) {
      const double d = static_cast<double>(dy[i]);
      const double wj = w != nullptr ? static_cast<double>(w[c0 + i]) : 1.0;
      const double xh = (static_cast<double>(x[i]) - mu) * rs;
      sg += d * wj;
      sgx += d * xh * wj;
    }
    if (pw != nullptr)
      for (int64_t j = 0; j < m; ++j) pw[c0 + j] += static_cast<double>(dy[j]) * ((static_cast<double>(x[j]) - mu) * rs);
    if (pb != nullptr)
      for (int64_t j = 0; j < m; ++j) pb[c0 + j] += static_cast<double>(dy[j]);
  } else {
    for (int64_t j = 0; j < cpg; ++j) {
      const double wj = w != nullptr ? static_cast<double>(w[c0 + j]) : 1.0;
      double sd, sdx;
      grad_sums(dy + j * inner, x + j * inner, inner, mu, rs, &sd, &sdx);
      sg += sd * wj;
      sgx += sdx * wj;
      if (pw != nullptr) pw[c0 + j] += sdx;
      if (pb != nullptr) pb[c0 + j] += sd;
    }
  }
  if (dx == nullptr) return;
  const double a = sg / static_cast<double>(m), bq = sgx / static_cast<double>(m);
  with_compute<T>(&mu, &rs, 1, [&](auto tag) {
    using C = decltype(tag);
    const Centre<C> cen(mu, rs);
    const C rc = static_cast<C>(rs), ac = static_cast<C>(a), bc = static_cast<C>(bq);
    if (inner == 1 && w != nullptr) {
      for (int64_t i = 0; i < m; ++i) {
        const C g = static_cast<C>(dy[i]) * static_cast<C>(w[c0 + i]);
        dx[i] = static_cast<T>(rc * (g - ac - cen(static_cast<C>(x[i])) * bc));
      }
      return;
    }
    // Without a weight, a row of inner-1 channels is one segment with weight 1.
    const int64_t segs = inner == 1 ? 1 : cpg, len = inner == 1 ? m : inner;
    for (int64_t j = 0; j < segs; ++j) {
      const C wj = w != nullptr ? static_cast<C>(w[c0 + j]) : C(1);
      const int64_t o = j * len;
      for (int64_t i = 0; i < len; ++i)
        dx[o + i] = static_cast<T>(rc * (static_cast<C>(dy[o + i]) * wj - ac - cen(static_cast<C>(x[o + i])) * bc));
    }
  });
}

template <typename T>
void group_norm_backward_typed(T* dx, T* dw, T* db, const T* dy, const T* x, const double* mean, const double* rstd,
                               const T* w, int64_t batch, int64_t channels, int64_t inner, int64_t groups) {
  const int64_t rows = batch * groups, cpg = channels / groups, m = cpg * inner;
  // NOTE: rows are split into blocks, each summing its own channel partials in
  // double; the blocks are added in order afterwards (no shared writes).
  const double work = static_cast<double>(rows) * static_cast<double>(m);
  int64_t blocks = std::min<int64_t>(rows, pool_threads());
  blocks = std::max<int64_t>(1, std::min<int64_t>(blocks, static_cast<int64_t>(work / 32768)));
  const bool sums = dw != nullptr || db != nullptr;
  std::vector<double> part(sums ? static_cast<size_t>(blocks) * 2 * static_cast<size_t>(channels) : 0, 0.0);
  parallel_for(blocks, 1, [&](int64_t s, int64_t e) {
    for (int64_t k = s; k < e; ++k) {
      double* pw = dw != nullptr ? part.data() + k * 2 * channels : nullptr;
      double* pb = db != nullptr ? part.data() + k * 2 * channels + channels : nullptr;
      for (int64_t r = rows * k / blocks; r < rows * (k + 1) / blocks; ++r)
        group_norm_row_backward(dx != nullptr ? dx + r * m : nullptr, dy + r * m, x + r * m, w, (r % groups) * cpg, cpg,
                                inner, mean[r], rstd[r], pw, pb);
    }
  });
  if (!sums) return;
  for (int64_t c = 0; c < channels; ++c) {
    double tw = 0, tb = 0;
    for (int64_t k = 0; k < blocks; ++k) {
      tw += part[k * 2 * channels + c];
      tb += part[k * 2 * channels + channels + c];
    }
    if (dw != nullptr) dw[c] = static_cast<T>(static_cast<double>(dw[c]) + tw);
    if (db != nullptr) db[c] = static_cast<T>(static_cast<double>(db[c]) + tb);
  }
}

// ---- batch norm ----------------------------------------------------------------

// Channels per task block: whole channels when their rows are long, else
// enough neighbouring channels that each sample's stretch is ~64 elements.
constexpr int64_t kMaxBlock = 64;
inline int64_t channel_block(int64_t inner) { return inner >= kMaxBlock ? 1 : (kMaxBlock + inner - 1) / (inner > 0 ? inner : 1); }

template <typename T>
void batch_norm_typed(T* y, double* mean, double* rstd, const T* x, const T* w, const T* b, int64_t batch,
                      int64_t channels, int64_t inner, bool training, double eps) {
  if (batch == 0 || inner == 0) {
    // No elements: empty sums, so 0 / 0 statistics as the js kernel (without looping over an unbounded batch).
    const double md = static_cast<double>(batch) * static_cast<double>(inner);
    if (training)
      for (int64_t c = 0; c < channels; ++c) {
        mean[c] = 0.0 / md;
        rstd[c] = 1.0 / std::sqrt(0.0 / md + eps);
      }
    return;
  }
  const int64_t per = channel_block(inner);
  const int64_t nblk = (channels + per - 1) / per;
  const double md = static_cast<double>(batch) * static_cast<double>(inner);
  parallel_for(nblk, grain_for(md * static_cast<double>(per) * (training ? 3 : 1)), [&](int64_t s, int64_t e) {
    std::vector<double> acc(static_cast<size_t>(per));
    for (int64_t blk = s; blk < e; ++blk) {
      const int64_t c0 = blk * per, k = std::min(per, channels - c0);
      if (training) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t n = 0; n < batch; ++n) {
          const T* xp = x + (n * channels + c0) * inner;
          for (int64_t j = 0; j < k; ++j) acc[j] += sum_of(xp + j * inner, inner);
        }
        for (int64_t j = 0; j < k; ++j) mean[c0 + j] = acc[j] / md;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t n = 0; n < batch; ++n) {
          const T* xp = x + (n * channels + c0) * inner;
          for (int64_t j = 0; j < k; ++j) acc[j] += sq_dev_of(xp + j * inner, inner, mean[c0 + j]);
        }
        for (int64_t j = 0; j < k; ++j) rstd[c0 + j] = 1.0 / std::sqrt(acc[j] / md + eps);
      }
      // The block's channel constants once, then the samples in memory order.
      with_compute<T>(mean + c0, rstd + c0, k, [&](auto tag) {
        using C = decltype(tag);
        Centre<C> cen[kMaxBlock];
        C wv[kMaxBlock], bv[kMaxBlock];
        for (int64_t j = 0; j < k; ++j) {
          cen[j] = Centre<C>(mean[c0 + j], rstd[c0 + j]);
          wv[j] = w != nullptr ? static_cast<C>(w[c0 + j]) : C(1);
          bv[j] = b != nullptr ? static_cast<C>(b[c0 + j]) : C(0);
        }
        for (int64_t n = 0; n < batch; ++n) {
          const int64_t o = (n * channels + c0) * inner;
          for (int64_t j = 0; j < k; ++j) apply_segment(y + o + j * inner, x + o + j * inner, inner, cen[j], wv[j], bv[j]);
        }
      });
    }
  });
}

template <typename T>
void batch_norm_backward_typed(T* dx, T* dw, T* db, const T* dy, const T* x, const double* mean, const double* rstd,
                               const T* w, int64_t batch, int64_t channels, int64_t inner, bool training) {
  if (batch == 0 || inner == 0) {
    // No elements: the gradient sums are 0 (added, as the js kernel does) and there is no dx to write.
    for (int64_t c = 0; c < channels; ++c) {
      if (dw != nullptr) dw[c] = static_cast<T>(static_cast<double>(dw[c]) + 0.0);
      if (db != nullptr) db[c] = static_cast<T>(static_cast<double>(db[c]) + 0.0);
    }
    return;
  }
  const int64_t per = channel_block(inner);
  const int64_t nblk = (channels + per - 1) / per;
  const double md = static_cast<double>(batch) * static_cast<double>(inner);
  const bool sums = training || dw != nullptr || db != nullptr;
  parallel_for(nblk, grain_for(md * static_cast<double>(per) * 2), [&](int64_t s, int64_t e) {
    std::vector<double> sd(static_cast<size_t>(per)), sdx(static_cast<size_t>(per));
    for (int64_t blk = s; blk < e; ++blk) {
      const int64_t c0 = blk * per, k = std::min(per, channels - c0);
      if (sums) {
        std::fill(sd.begin(), sd.end(), 0.0);
        std::fill(sdx.begin(), sdx.end(), 0.0);
        for (int64_t n = 0; n < batch; ++n) {
          const int64_t o = (n * channels + c0) * inner;
          for (int64_t j = 0; j < k; ++j) {
            double a, b;
            grad_sums(dy + o + j * inner, x + o + j * inner, inner, mean[c0 + j], rstd[c0 + j], &a, &b);
            sd[j] += a;
            sdx[j] += b;
          }
        }
        for (int64_t j = 0; j < k; ++j) {
          if (dw != nullptr) dw[c0 + j] = static_cast<T>(static_cast<double>(dw[c0 + j]) + sdx[j]);
          if (db != nullptr) db[c0 + j] = static_cast<T>(static_cast<double>(db[c0 + j]) + sd[j]);
        }
      }
      if (dx == nullptr) continue;
      with_compute<T>(mean + c0, rstd + c0, k, [&](auto tag) {
        using C = decltype(tag);
        Centre<C> cen[kMaxBlock];
        C kk[kMaxBlock], a[kMaxBlock], bq[kMaxBlock];
        for (int64_t j = 0; j < k; ++j) {
          const double rs = rstd[c0 + j];
          cen[j] = Centre<C>(mean[c0 + j], rs);
          kk[j] = static_cast<C>((w != nullptr ? static_cast<double>(w[c0 + j]) : 1.0) * rs);
          a[j] = static_cast<C>(sd[j] / md);
          bq[j] = static_cast<C>(sdx[j] / md);
        }
        for (int64_t n = 0; n < batch; ++n) {
          const int64_t o = (n * channels + c0) * inner;
          for (int64_t j = 0; j < k; ++j) {
            T* __restrict dxp = dx + o + j * inner;
            const T* __restrict dyp = dy + o + j * inner;
            const T* __restrict xp = x + o + j * inner;
            if (training) {
              for (int64_t i = 0; i < inner; ++i)
                dxp[i] = static_cast<T>(kk[j] * (static_cast<C>(dyp[i]) - a[j] - cen[j](static_cast<C>(xp[i])) * bq[j]));
            } else {
              for (int64_t i = 0; i < inner; ++i) dxp[i] = static_cast<T>(kk[j] * static_cast<C>(dyp[i]));
            }
          }
        }
      });
    }
  });
}

}  // namespace

void group_norm_kernel(DType t, void* y, double* mean, double* rstd, const void* x, const void* weight, const void* bias,
                       int64_t batch, int64_t channels, int64_t inner, int64_t groups, double eps) {
  if (t == DType::F32)
    group_norm_typed(static_cast<float*>(y), mean, rstd, static_cast<const float*>(x), static_cast<const float*>(weight),
                     static_cast<const float*>(bias), batch, channels, inner, groups, eps);
  else
    group_norm_typed(static_cast<double*>(y), mean, rstd, static_cast<const double*>(x),
                     static_cast<const double*>(weight), static_cast<const double*>(bias), batch, channels, inner,
                     groups, eps);
}

void group_norm_backward_kernel(DType t, void* dx, void* dweight, void* dbias, const void* dy, const void* x,
                                const double* mean, const double* rstd, const void* weight, int64_t batch,
                                int64_t channels, int64_t inner, int64_t groups) {
  if (t == DType::F32)
    group_norm_backward_typed(static_cast<float*>(dx), static_cast<float*>(dweight), static_cast<float*>(dbias),
                              static_cast<const float*>(dy), static_cast<const float*>(x), mean, rstd,
                              static_cast<const float*>(weight), batch, channels, inner, groups);
  else
    group_norm_backward_typed(static_cast<double*>(dx), static_cast<double*>(dweight), static_cast<double*>(dbias),
                              static_cast<const double*>(dy), static_cast<const double*>(x), mean, rstd,
                              static_cast<const double*>(weight), batch, channels, inner, groups);
}

void batch_norm_kernel(DType t, void* y, double* mean, double* rstd, const void* x, const void* weight, const void* bias,
                       int64_t batch, int64_t channels, int64_t inner, bool training, double eps) {
  if (t == DType::F32)
    batch_norm_typed(static_cast<float*>(y), mean, rstd, static_cast<const float*>(x), static_cast<const float*>(weight),
                     static_cast<const float*>(bias), batch, channels, inner, training, eps);
  else
    batch_norm_typed(static_cast<double*>(y), mean, rstd, static_cast<const double*>(x),
                     static_cast<const double*>(weight), static_cast<const double*>(bias), batch, channels, inner,
                     training, eps);
}

void batch_norm_backward_kernel(DType t, void* dx, void* dweight, void* dbias, const void* dy, const void* x,
                                const double* mean, const double* rstd, const void* weight, int64_t batch,
                                int64_t channels, int64_t inner, bool training) {
  if (t == DType::F32)
    batch_norm_backward_typed(static_cast<float*>(dx), static_cast<float*>(dweight), static_cast<float*>(dbias),
                              static_cast<const float*>(dy), static_cast<const float*>(x), mean, rstd,
                              static_cast<const float*>(weight), batch, channels, inner, training);
  else
    batch_norm_backward_typed(static_cast<double*>(dx), static_cast<double*>(dweight), static_cast<double*>(dbias),
                              static_cast<const double*>(dy), static_cast<const double*>(x), mean, rstd,
                              static_cast<const double*>(weight), batch, channels, inner, training);
}

}  // namespace kd
