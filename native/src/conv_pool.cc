// im2col / col2im, max and average pooling over contiguous NCHW planes, mirroring
// src/backend/js/conv.ts and pool.ts. Every input index is clamped to its
// plane before it is read, whatever geometry arrives.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "parallel.h"

namespace kd {
namespace {

inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
// ceil(a / b) for b > 0 and any sign of a.
inline int64_t ceil_div_signed(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The output columns [lo, hi) whose input column iw0 + ow * stride lies in [0, width).
inline void valid_cols(int64_t iw0, int64_t stride, int64_t width, int64_t out_w, int64_t* lo, int64_t* hi) {
  *lo = clamp64(ceil_div_signed(-iw0, stride), 0, out_w);
  *hi = clamp64(ceil_div_signed(width - iw0, stride), *lo, out_w);
}

// One tap's [out_h, out_w] block of im2col when stride is 1 and the output
// is as wide as the input ("same" padding): output rows then read consecutive
// input rows, so the whole block is one shifted copy of the plane (o[j] =
// xp[j + shift]) with the padding entries zeroed afterwards, instead of one
// short copy per row (28 floats for MNIST-sized maps, where the per-row calls
// cost more than the copying).
template <typename T>
void im2col_same_tap(T* o, const T* xp, const ConvGeom& g, int64_t ih_off, int64_t iw_off) {
  const int64_t w = g.width, n = g.out_h * g.out_w;
  const int64_t r0 = clamp64(-ih_off, 0, g.out_h), r1 = clamp64(g.height - ih_off, r0, g.out_h);
  int64_t lo, hi;
  valid_cols(iw_off, 1, w, g.out_w, &lo, &hi);
  const int64_t shift = ih_off * w + iw_off;
  // Entries whose source falls outside the plane are padding (the first row's
  // left or the last row's right): the copy stops short of them.
  const int64_t j0 = clamp64(std::max(r0 * w, -shift), 0, n);
  const int64_t j1 = clamp64(std::min(r1 * w, g.height * w - shift), j0, n);
  std::memset(o, 0, sizeof(T) * j0);
  if (j1 > j0) std::memcpy(o + j0, xp + j0 + shift, sizeof(T) * (j1 - j0));
  std::memset(o + j1, 0, sizeof(T) * (n - j1));
  if (lo > 0 || hi < g.out_w)
    for (int64_t r = r0; r < r1; ++r) {
      T* row = o + r * w;
      for (int64_t c = 0; c < lo; ++c) row[c] = 0;
      for (int64_t c = hi; c < g.out_w; ++c) row[c] = 0;
    }
}

template <typename T>
void im2col_typed(T* out, const T* x, const ConvGeom& g) {
  const int64_t planes = g.batch * g.channels;
  const int64_t taps = g.kernel_h * g.kernel_w;
  const int64_t per_plane = taps * g.out_h * g.out_w;
  const bool same = g.stride_h == 1 && g.stride_w == 1 && g.out_w == g.width;
  parallel_for(planes, 1 + (int64_t(1) << 14) / (per_plane + 1), [&](int64_t s, int64_t e) {
    for (int64_t pl = s; pl < e; ++pl) {
      const T* xp = x + pl * g.height * g.width;
      T* o = out + pl * per_plane;
      if (same) {
        for (int64_t ki = 0; ki < g.kernel_h; ++ki)
          for (int64_t kj = 0; kj < g.kernel_w; ++kj, o += g.out_h * g.out_w)
            im2col_same_tap(o, xp, g, ki * g.dilation_h - g.pad_h, kj * g.dilation_w - g.pad_w);
        continue;
      }
      for (int64_t ki = 0; ki < g.kernel_h; ++ki)
        for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
          const int64_t iw0 = kj * g.dilation_w - g.pad_w;
          int64_t lo, hi;
          valid_cols(iw0, g.stride_w, g.width, g.out_w, &lo, &hi);
          for (int64_t oh = 0; oh < g.out_h; ++oh, o += g.out_w) {
            const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dilation_h;
            if (ih < 0 || ih >= g.height || lo >= hi) {
              std::memset(o, 0, sizeof(T) * g.out_w);
              continue;
            }
            const T* row = xp + ih * g.width + iw0;
            for (int64_t ow = 0; ow < lo; ++ow) o[ow] = 0;
            if (g.stride_w == 1)
              std::memcpy(o + lo, row + lo, sizeof(T) * (hi - lo));
            else
              for (int64_t ow = lo; ow < hi; ++ow) o[ow] = row[ow * g.stride_w];
            for (int64_t ow = hi; ow < g.out_w; ++ow) o[ow] = 0;
          }
        }
    }
  });
}

template <typename T>
void col2im_typed(T* out, const T* cols, const ConvGeom& g) {
  const int64_t planes = g.batch * g.channels;
  const int64_t per_plane = g.kernel_h * g.kernel_w * g.out_h * g.out_w;
  // NOTE: plane (n, c) of the result only receives rows of its own (n, c), so planes run in parallel.
  parallel_for(planes, 1 + (int64_t(1) << 14) / (per_plane + 1), [&](int64_t s, int64_t e) {
    for (int64_t pl = s; pl < e; ++pl) {
      T* xp = out + pl * g.height * g.width;
      const T* o = cols + pl * per_plane;
      for (int64_t ki = 0; ki < g.kernel_h; ++ki)
        for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
          const int64_t iw0 = kj * g.dilation_w - g.pad_w;
          int64_t lo, hi;
          valid_cols(iw0, g.stride_w, g.width, g.out_w, &lo, &hi);
          for (int64_t oh = 0; oh < g.out_h; ++oh, o += g.out_w) {
            const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dilation_h;
            if (ih < 0 || ih >= g.height) continue;
            T* row = xp + ih * g.width + iw0;
            for (int64_t ow = lo; ow < hi; ++ow) row[ow * g.stride_w] += o[ow];
          }
        }
    }
  });
}

// First tap at or after `start` (stepping by `step`) that is >= 0.
inline int64_t first_inside(int64_t start, int64_t step) {
  return start >= 0 ? start : start + ceil_div_signed(-start, step) * step;
}

// The common 2x2 window with stride 2, no padding or dilation, every window
// inside the image: whole rows at once, no per-row set-up. The taps run in the
// general loop's order (row 0 then row 1, left then right) with its NaN rule,
// so values and indices are the same.
template <typename T>
void max_pool_2x2(T* out, int32_t* indices, const T* x, const PoolGeom& g) {
  const int64_t W = g.width, OH = g.out_h, OW = g.out_w, in_plane = g.height * W;
  const int64_t rows = g.planes * OH;
  parallel_for(rows, 1 + (int64_t(1) << 12) / (OW + 1), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const int64_t p = r / OH, oh = r - p * OH;
      const T* __restrict r0 = x + p * in_plane + 2 * oh * W;
      const T* __restrict r1 = r0 + W;
      T* __restrict op = out + r * OW;
      int32_t* __restrict ip = indices + r * OW;
      const int32_t base = static_cast<int32_t>(2 * oh * W);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
        const int32_t i0 = base + static_cast<int32_t>(2 * ow);
        // NOTE: starting from the first tap equals starting from -inf with the
        // first tap's index (a -inf or NaN first tap included); NaN wins.
        T best = a;
        int32_t bi = i0;
        bool take = (b > best) | (b != b);
        best = take ? b : best;
        bi = take ? i0 + 1 : bi;
        take = (c > best) | (c != c);
        best = take ? c : best;
        bi = take ? i0 + static_cast<int32_t>(W) : bi;
        take = (d > best) | (d != d);
        best = take ? d : best;
        bi = take ? i0 + static_cast<int32_t>(W) + 1 : bi;
        op[ow] = best;
        ip[ow] = bi;
      }
    }
  });
}

template <typename T>
void max_pool_typed(T* out, int32_t* indices, const T* x, const PoolGeom& g) {
  if (g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_h == 0 && g.pad_w == 0 &&
      g.dilation_h == 1 && g.dilation_w == 1 && 2 * g.out_h <= g.height && 2 * g.out_w <= g.width) {
    max_pool_2x2(out, indices, x, g);
    return;
  }
  const int64_t H = g.height, W = g.width, OH = g.out_h, OW = g.out_w;
  const int64_t kh = g.kernel_h, kw = g.kernel_w, sh = g.stride_h, sw = g.stride_w, ph = g.pad_h, pw = g.pad_w;
  const int64_t dh = g.dilation_h, dw = g.dilation_w;
  const int64_t in_plane = H * W, out_plane = OH * OW;
  // The in-image tap range of every output column, the same for all rows and planes.
  std::vector<int64_t> col_lo(static_cast<size_t>(OW)), col_hi(static_cast<size_t>(OW));
  for (int64_t ow = 0; ow < OW; ++ow) {
    const int64_t start = ow * sw - pw;
    const int64_t end = start + (kw - 1) * dw + 1;
    col_lo[ow] = first_inside(start, dw);
    col_hi[ow] = end < W ? end : W;
  }
  const int64_t* lo_p = col_lo.data();
  const int64_t* hi_p = col_hi.data();
  // Output columns whose window lies inside the image horizontally: there the
  // taps of a row of outputs are processed side by side (vectorized).
  int64_t ow_a = OW, ow_b = OW;
  for (int64_t ow = 0; ow < OW; ++ow) {
    if (ow * sw - pw >= 0 && ow * sw - pw + (kw - 1) * dw + 1 <= W) {
      if (ow_a == OW) ow_a = ow;
      ow_b = ow + 1;
    }
  }
  parallel_for(g.planes, 1 + (int64_t(1) << 13) / (out_plane * kh * kw + 1), [&](int64_t s, int64_t e) {
    std::vector<T> best_row(static_cast<size_t>(OW));
    std::vector<int32_t> idx_row(static_cast<size_t>(OW));
    T* __restrict br = best_row.data();
    int32_t* __restrict ir = idx_row.data();
    for (int64_t p = s; p < e; ++p) {
      const T* xp = x + p * in_plane;
      T* op = out + p * out_plane;
      int32_t* ip = indices + p * out_plane;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h_start = oh * sh - ph;
        const int64_t h_end = h_start + (kh - 1) * dh + 1;
        const int64_t ih0 = first_inside(h_start, dh), ih1 = h_end < H ? h_end : H;
        // Interior columns: taps in the same order as the scalar loop (rows, then columns).
        for (int64_t ow = ow_a; ow < ow_b; ++ow) {
          br[ow] = static_cast<T>(-__builtin_inf());
          ir[ow] = static_cast<int32_t>(ih0 * W + ow * sw - pw);
        }
        for (int64_t ih = ih0; ih < ih1; ih += dh)
          for (int64_t kj = 0; kj < kw; ++kj) {
            const int64_t base = ih * W + kj * dw - pw;
            const T* src = xp + base;
            for (int64_t ow = ow_a; ow < ow_b; ++ow) {
              const T v = src[ow * sw];
              // NOTE: NaN wins (PyTorch's rule); written as selects so the loop vectorizes.
              const bool take = (v > br[ow]) | (v != v);
              br[ow] = take ? v : br[ow];
              ir[ow] = take ? static_cast<int32_t>(base + ow * sw) : ir[ow];
            }
          }
        for (int64_t ow = ow_a; ow < ow_b; ++ow) {
          op[oh * OW + ow] = br[ow];
          ip[oh * OW + ow] = ir[ow];
        }
        for (int64_t ow = 0; ow < OW; ++ow) {
          if (ow == ow_a) ow = ow_b;  // the interior is done
          if (ow >= OW) break;
          const int64_t iw0 = lo_p[ow], iw1 = hi_p[ow];
          // NOTE: starts from -inf at the first in-bounds tap and NaN wins (PyTorch's rule).
          T best = static_cast<T>(-__builtin_inf());
          int64_t best_i = ih0 * W + iw0;
          for (int64_t ih = ih0; ih < ih1; ih += dh) {
            const T* row = xp + ih * W;
            for (int64_t iw = iw0; iw < iw1; iw += dw) {
              const T v = row[iw];
              const bool take = (v > best) | (v != v);
              best = take ? v : best;
              best_i = take ? ih * W + iw : best_i;
            }
          }
          op[oh * OW + ow] = best;
          ip[oh * OW + ow] = static_cast<int32_t>(best_i);
        }
      }
    }
  });
}

template <typename T>
void max_pool_backward_typed(T* out, const T* grad, const int32_t* indices, int64_t planes, int64_t in_plane,
                             int64_t out_plane) {
  parallel_for(planes, 1 + (int64_t(1) << 14) / (out_plane + 1), [&](int64_t s, int64_t e) {
    for (int64_t p = s; p < e; ++p) {
      T* op = out + p * in_plane;
      const T* gp = grad + p * out_plane;
      const int32_t* ip = indices + p * out_plane;
      for (int64_t o = 0; o < out_plane; ++o) {
        const int64_t i = ip[o];
        // NOTE: an index outside the plane (a window entirely in the padding) is skipped, never followed.
        if (i >= 0 && i < in_plane) op[i] += gp[o];
      }
    }
  });
}

// The window of output (oh, ow) clipped to the image, and its divisor, as
// avgWindow in src/backend/js/pool.ts: `divisor` when non-zero, else the
// window size counted with padding (count_include_pad) or without.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  double div;
};

inline AvgWindow avg_window(const PoolGeom& g, int64_t oh, int64_t ow, bool include_pad, double divisor) {
  int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
  // NOTE: the window may reach into the padding (counted by count_include_pad) but, with ceil_mode, not past it.
  int64_t h1 = h0 + g.kernel_h < g.height + g.pad_h ? h0 + g.kernel_h : g.height + g.pad_h;
  int64_t w1 = w0 + g.kernel_w < g.width + g.pad_w ? w0 + g.kernel_w : g.width + g.pad_w;
  const int64_t pool_size = (h1 - h0) * (w1 - w0);
  h0 = h0 < 0 ? 0 : h0;
  w0 = w0 < 0 ? 0 : w0;
  h1 = h1 > g.height ? g.height : h1;
  w1 = w1 > g.width ? g.width : w1;
  double div = divisor;
  if (divisor == 0) div = static_cast<double>(include_pad ? pool_size : (h1 - h0) * (w1 - w0));
  return AvgWindow{h0, h1, w0, w1, div};
}

// Planes per task: about 2^13 window taps each (in double: sizes need not be small when planes is 0).
inline int64_t avg_grain(const PoolGeom& g) {
  const double kh = static_cast<double>(g.kernel_h < g.height ? g.kernel_h : g.height);
  const double kw = static_cast<double>(g.kernel_w < g.width ? g.kernel_w : g.width);
  const double work = static_cast<double>(g.out_h) * static_cast<double>(g.out_w) * kh * kw + 1;
  return work >= 8192 ? 1 : 1 + static_cast<int64_t>(8192 / work);
}

template <typename T>
void avg_pool_typed(T* out, const T* x, const PoolGeom& g, bool include_pad, double divisor) {
  const int64_t in_plane = g.height * g.width, out_plane = g.out_h * g.out_w;
  parallel_for(g.planes, avg_grain(g), [&](int64_t s, int64_t e) {
    for (int64_t p = s; p < e; ++p) {
      const T* xp = x + p * in_plane;
      T* op = out + p * out_plane;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const AvgWindow w = avg_window(g, oh, ow, include_pad, divisor);
          if (w.h0 >= w.h1 || w.w0 >= w.w1) {
            op[oh * g.out_w + ow] = 0;  // a window entirely in the padding
            continue;
          }
          // NOTE: sums in double, as the js kernel does, so float32 results round once.
          double sum = 0;
          for (int64_t ih = w.h0; ih < w.h1; ++ih) {
            const T* row = xp + ih * g.width;
            for (int64_t iw = w.w0; iw < w.w1; ++iw) sum += static_cast<double>(row[iw]);
          }
          op[oh * g.out_w + ow] = static_cast<T>(sum / w.div);
        }
    }
  });
}

template <typename T>
void avg_pool_backward_typed(T* out, const T* grad, const PoolGeom& g, bool include_pad, double divisor) {
  const int64_t in_plane = g.height * g.width, out_plane = g.out_h * g.out_w;
  // NOTE: plane p of the result only receives plane p of grad, so planes run in parallel.
  parallel_for(g.planes, avg_grain(g), [&](int64_t s, int64_t e) {
    for (int64_t p = s; p < e; ++p) {
      T* xp = out + p * in_plane;
      const T* gp = grad + p * out_plane;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const AvgWindow w = avg_window(g, oh, ow, include_pad, divisor);
          // NOTE: the share is computed in double and added per element, as the js kernel does.
          const double v = static_cast<double>(gp[oh * g.out_w + ow]) / w.div;
          for (int64_t ih = w.h0; ih < w.h1; ++ih) {
            T* row = xp + ih * g.width;
            for (int64_t iw = w.w0; iw < w.w1; ++iw) row[iw] = static_cast<T>(static_cast<double>(row[iw]) + v);
          }
        }
    }
  });
}

// Adaptive average pooling: cell i of n averages [floor(i·size/n), ceil((i+1)·size/n))
// per axis, as adaptiveAvgPool2d in src/backend/js/pool.ts (sizes below 2^31,
// so the products fit in int64).
inline int64_t adaptive_start(int64_t i, int64_t size, int64_t n) { return i * size / n; }
inline int64_t adaptive_end(int64_t i, int64_t size, int64_t n) { return ((i + 1) * size + n - 1) / n; }

inline int64_t adaptive_grain(int64_t h, int64_t w, int64_t oh, int64_t ow) {
  const double work = static_cast<double>(h) * static_cast<double>(w) + static_cast<double>(oh) * static_cast<double>(ow) + 1;
  return work >= 8192 ? 1 : 1 + static_cast<int64_t>(8192 / work);
}

template <typename T>
void adaptive_avg_pool_typed(T* out, const T* x, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  parallel_for(planes, adaptive_grain(H, W, OH, OW), [&](int64_t s, int64_t e) {
    for (int64_t p = s; p < e; ++p) {
      const T* xp = x + p * H * W;
      T* op = out + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
          if (w0 == w1 || h0 == h1) {
            // An empty window (a zero height or width): 0 / 0 as the js kernel, without walking its rows.
            op[oh * OW + ow] = static_cast<T>(std::nan(""));
            continue;
          }
          // NOTE: sums in double in row order, as the js kernel does.
          double sum = 0;
          for (int64_t ih = h0; ih < h1; ++ih) {
            const T* row = xp + ih * W;
            for (int64_t iw = w0; iw < w1; ++iw) sum += static_cast<double>(row[iw]);
          }
          op[oh * OW + ow] = static_cast<T>(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
        }
      }
    }
  });
}

template <typename T>
void adaptive_avg_pool_backward_typed(T* out, const T* grad, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  // NOTE: plane p of the result only receives plane p of grad, so planes run in parallel.
  parallel_for(planes, adaptive_grain(H, W, OH, OW), [&](int64_t s, int64_t e) {
    for (int64_t p = s; p < e; ++p) {
      T* xp = out + p * H * W;
      const T* gp = grad + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
          if (w0 == w1 || h0 == h1) continue;  // an empty window receives nothing
          const double v = static_cast<double>(gp[oh * OW + ow]) / static_cast<double>((h1 - h0) * (w1 - w0));
          for (int64_t ih = h0; ih < h1; ++ih) {
            T* row = xp + ih * W;
            for (int64_t iw = w0; iw < w1; ++iw) row[iw] = static_cast<T>(static_cast<double>(row[iw]) + v);
          }
        }
      }
    }
  });
}

// Calls row(tap, ih, iw0, oh, lo, hi) for every kernel tap (ki * kernel_w +
// kj) and output row oh whose input row ih lies inside the plane: output
// columns [lo, hi) of that row read input columns iw0 + ow * stride_w, all
// inside the plane too. The loop nest of the depthwise kernels.
template <typename F>
void for_each_tap_row(const ConvGeom& g, F&& row) {
  for (int64_t ki = 0; ki < g.kernel_h; ++ki)
    for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
      const int64_t iw0 = kj * g.dilation_w - g.pad_w;
      int64_t lo, hi;
      valid_cols(iw0, g.stride_w, g.width, g.out_w, &lo, &hi);
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dilation_h;
        if (ih >= 0 && ih < g.height) row(ki * g.kernel_w + kj, ih, iw0, oh, lo, hi);
      }
    }
}

// Planes per parallel part, given the multiply-adds per plane as a product of
// factors (in double: the product can pass int64 for geometries the binding
// accepts with an empty batch).
inline int64_t depthwise_grain(double a, double b, double c) { return 1 + static_cast<int64_t>(4096.0 / (a * b * c + 1.0)); }

// Depthwise convolution (each input plane with its own kernels): output
// plane (n, o) of [N, C*mult, outH, outW] reads input plane (n, o / mult).
// With stride 1 the inner loops are contiguous and vectorize.
template <typename T>
void depthwise_typed(T* out, const T* x, const T* w, const T* bias, const ConvGeom& g, int64_t mult) {
  const int64_t oc = g.channels * mult, in_plane = g.height * g.width, out_plane = g.out_h * g.out_w;
  const int64_t kk = g.kernel_h * g.kernel_w;
  parallel_for(g.batch * oc, depthwise_grain(1, out_plane, kk), [&](int64_t s, int64_t e) {
    for (int64_t p = s; p < e; ++p) {
      const int64_t o = p % oc, n = p / oc;
      const T* xp = x + (n * g.channels + o / mult) * in_plane;
      const T* wp = w + o * kk;
      T* op = out + p * out_plane;
      const T b0 = bias != nullptr ? bias[o] : T(0);
      for (int64_t i = 0; i < out_plane; ++i) op[i] = b0;
      for_each_tap_row(g, [&](int64_t tap, int64_t ih, int64_t iw0, int64_t oh, int64_t lo, int64_t hi) {
        const T wv = wp[tap];
        const T* xr = xp + ih * g.width + iw0;
        T* orow = op + oh * g.out_w;
        if (g.stride_w == 1)
          for (int64_t ow = lo; ow < hi; ++ow) orow[ow] += wv * xr[ow];
        else
          for (int64_t ow = lo; ow < hi; ++ow) orow[ow] += wv * xr[ow * g.stride_w];
      });
    }
  });
}

// Input gradient: threads split input planes, so each gx plane has one writer
// (the mult output planes that read it are added one after another).
template <typename T>
void depthwise_backward_input_typed(T* gx, const T* grad, const T* w, const ConvGeom& g, int64_t mult) {
  const int64_t oc = g.channels * mult, in_plane = g.height * g.width, out_plane = g.out_h * g.out_w;
  const int64_t kk = g.kernel_h * g.kernel_w;
  parallel_for(g.batch * g.channels, depthwise_grain(mult, out_plane, kk), [&](int64_t s, int64_t e) {
    for (int64_t q = s; q < e; ++q) {
      const int64_t c = q % g.channels, n = q / g.channels;
      T* gp = gx + q * in_plane;
      for (int64_t j = 0; j < mult; ++j) {
        const int64_t o = c * mult + j;
        const T* gr = grad + (n * oc + o) * out_plane;
        const T* wp = w + o * kk;
        for_each_tap_row(g, [&](int64_t tap, int64_t ih, int64_t iw0, int64_t oh, int64_t lo, int64_t hi) {
          const T wv = wp[tap];
          T* xr = gp + ih * g.width + iw0;
          const T* grow = gr + oh * g.out_w;
          if (g.stride_w == 1)
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow] += wv * grow[ow];
          else
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow * g.stride_w] += wv * grow[ow];
        });
      }
    }
  });
}

// Weight gradient: threads split output channels; each tap's sum over the
// batch and the output positions is kept in double, each row's part summed
// in T first (vectorized).
template <typename T>
void depthwise_backward_weight_typed(T* gw, const T* grad, const T* x, const ConvGeom& g, int64_t mult) {
  const int64_t oc = g.channels * mult, in_plane = g.height * g.width, out_plane = g.out_h * g.out_w;
  const int64_t kk = g.kernel_h * g.kernel_w;
  parallel_for(oc, depthwise_grain(g.batch, out_plane, kk), [&](int64_t s, int64_t e) {
    std::vector<double> acc(static_cast<size_t>(kk));
    for (int64_t o = s; o < e; ++o) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t n = 0; n < g.batch; ++n) {
        const T* xp = x + (n * g.channels + o / mult) * in_plane;
        const T* gr = grad + (n * oc + o) * out_plane;
        for_each_tap_row(g, [&](int64_t tap, int64_t ih, int64_t iw0, int64_t oh, int64_t lo, int64_t hi) {
          const T* xr = xp + ih * g.width + iw0;
          const T* grow = gr + oh * g.out_w;
          T row = 0;
          if (g.stride_w == 1) {
            // NOTE: eight independent partial sums, so the compiler can
            // vectorize a reduction it may not reorder.
            T part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int64_t ow = lo;
            for (; ow + 8 <= hi; ow += 8)
              for (int q = 0; q < 8; ++q) part[q] += grow[ow + q] * xr[ow + q];
            for (; ow < hi; ++ow) row += grow[ow] * xr[ow];
            row += ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) row += grow[ow] * xr[ow * g.stride_w];
          }
          acc[static_cast<size_t>(tap)] += static_cast<double>(row);
        });
      }
      for (int64_t t = 0; t < kk; ++t) gw[o * kk + t] = static_cast<T>(acc[static_cast<size_t>(t)]);
    }
  });
}

}  // namespace

void im2col_kernel(DType t, void* out, const void* x, const ConvGeom& g) {
  if (t == DType::F32) im2col_typed(static_cast<float*>(out), static_cast<const float*>(x), g);
  else im2col_typed(static_cast<double*>(out), static_cast<const double*>(x), g);
}

void col2im_kernel(DType t, void* out, const void* cols, const ConvGeom& g) {
  if (t == DType::F32) col2im_typed(static_cast<float*>(out), static_cast<const float*>(cols), g);
  else col2im_typed(static_cast<double*>(out), static_cast<const double*>(cols), g);
}

// Calls f with a value of the element type of float dtype `t`.
template <typename F>
void with_float_type(DType t, F&& f) {
  if (t == DType::F32) f(float{});
  else f(double{});
}

void depthwise_conv_kernel(DType t, void* out, const void* x, const void* w, const void* bias, const ConvGeom& g,
                           int64_t mult) {
  with_float_type(t, [&](auto zero) {
    using T = decltype(zero);
    depthwise_typed(static_cast<T*>(out), static_cast<const T*>(x), static_cast<const T*>(w),
                    static_cast<const T*>(bias), g, mult);
  });
}

void depthwise_backward_input_kernel(DType t, void* gx, const void* grad, const void* w, const ConvGeom& g,
                                     int64_t mult) {
  with_float_type(t, [&](auto zero) {
    using T = decltype(zero);
    depthwise_backward_input_typed(static_cast<T*>(gx), static_cast<const T*>(grad), static_cast<const T*>(w), g, mult);
  });
}

void depthwise_backward_weight_kernel(DType t, void* gw, const void* grad, const void* x, const ConvGeom& g,
                                      int64_t mult) {
  with_float_type(t, [&](auto zero) {
    using T = decltype(zero);
    depthwise_backward_weight_typed(static_cast<T*>(gw), static_cast<const T*>(grad), static_cast<const T*>(x), g, mult);
  });
}

void max_pool_kernel(DType t, void* out, int32_t* indices, const void* x, const PoolGeom& g) {
  if (t == DType::F32) max_pool_typed(static_cast<float*>(out), indices, static_cast<const float*>(x), g);
  else max_pool_typed(static_cast<double*>(out), indices, static_cast<const double*>(x), g);
}

void max_pool_backward_kernel(DType t, void* out, const void* grad, const int32_t* indices, int64_t planes,
                              int64_t in_plane, int64_t out_plane) {
  if (t == DType::F32)
    max_pool_backward_typed(static_cast<float*>(out), static_cast<const float*>(grad), indices, planes, in_plane, out_plane);
  else
    max_pool_backward_typed(static_cast<double*>(out), static_cast<const double*>(grad), indices, planes, in_plane, out_plane);
}

}  // namespace kd

namespace kd {

void avg_pool_kernel(DType t, void* out, const void* x, const PoolGeom& g, bool include_pad, double divisor) {
  if (t == DType::F32) avg_pool_typed(static_cast<float*>(out), static_cast<const float*>(x), g, include_pad, divisor);
  else avg_pool_typed(static_cast<double*>(out), static_cast<const double*>(x), g, include_pad, divisor);
}

void avg_pool_backward_kernel(DType t, void* out, const void* grad, const PoolGeom& g, bool include_pad, double divisor) {
  if (t == DType::F32)
    avg_pool_backward_typed(static_cast<float*>(out), static_cast<const float*>(grad), g, include_pad, divisor);
  else
    avg_pool_backward_typed(static_cast<double*>(out), static_cast<const double*>(grad), g, include_pad, divisor);
}

void adaptive_avg_pool_kernel(DType t, void* out, const void* x, int64_t planes, int64_t height, int64_t width,
                               int64_t out_h, int64_t out_w) {
  if (t == DType::F32)
    adaptive_avg_pool_typed(static_cast<float*>(out), static_cast<const float*>(x), planes, height, width, out_h, out_w);
  else
    adaptive_avg_pool_typed(static_cast<double*>(out), static_cast<const double*>(x), planes, height, width, out_h, out_w);
}

void adaptive_avg_pool_backward_kernel(DType t, void* out, const void* grad, int64_t planes, int64_t height,
                                        int64_t width, int64_t out_h, int64_t out_w) {
  if (t == DType::F32)
    adaptive_avg_pool_backward_typed(static_cast<float*>(out), static_cast<const float*>(grad), planes, height, width,
                                     out_h, out_w);
  else
    adaptive_avg_pool_backward_typed(static_cast<double*>(out), static_cast<const double*>(grad), planes, height, width,
                                     out_h, out_w);
}

}  // namespace kd
