// Index kernels (indexSelect / indexAdd: embedding lookups and their
// gradient; gather / scatterAdd over strided views), the negative
// log-likelihood gather of cross-entropy, and logsumexp. Index values are checked by the binding layer before any kernel
// here runs (index_in_range), so these loops trust them.
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "parallel.h"

namespace kd {
namespace {

template <typename T>
void index_select_typed(T* out, const T* x, const int32_t* index, int64_t n, int64_t outer, int64_t size, int64_t inner) {
  parallel_for(outer * n, 1 + (int64_t(1) << 14) / (inner + 1), [&](int64_t s, int64_t e) {
    for (int64_t w = s; w < e; ++w) {
      const int64_t o = w / n, j = w % n;
      std::memcpy(out + w * inner, x + (o * size + index[j]) * inner, sizeof(T) * inner);
    }
  });
}

template <typename T>
void index_add_typed(T* out, const T* src, const int32_t* index, int64_t n, int64_t outer, int64_t size, int64_t inner) {
  // NOTE: repeated indices add into the same row, so threads split `outer` (disjoint rows), never j.
  parallel_for(outer, 1 + (int64_t(1) << 14) / (n * inner + 1), [&](int64_t s, int64_t e) {
    for (int64_t o = s; o < e; ++o)
      for (int64_t j = 0; j < n; ++j) {
        T* dst = out + (o * size + index[j]) * inner;
        const T* sp = src + (o * n + j) * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] += sp[i];
      }
  });
}

template <typename T>
void nll_typed(T* loss, T* wout, const T* logp, const int32_t* target, const T* weight, int64_t batch, int64_t classes,
               int64_t inner, int64_t ignore) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t e = b * inner + j;
      const int64_t t = target[e];
      if (t == ignore) {
        loss[e] = 0;
        wout[e] = 0;
        continue;
      }
      const T w = weight == nullptr ? T(1) : weight[t];
      loss[e] = -w * logp[(b * classes + t) * inner + j];
      wout[e] = w;
    }
}

template <typename T>
void nll_backward_typed(T* out, const T* grad, const int32_t* target, const T* weight, int64_t batch, int64_t classes,
                        int64_t inner, int64_t ignore) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t e = b * inner + j;
      const int64_t t = target[e];
      if (t == ignore) continue;
      const T w = weight == nullptr ? T(1) : weight[t];
      out[(b * classes + t) * inner + j] = -w * grad[e];
    }
}

template <typename T>
void logsumexp_typed(T* out, const T* x, int64_t outer, int64_t size, int64_t inner) {
  parallel_for(outer * inner, 1 + (int64_t(1) << 13) / (size + 1), [&](int64_t s, int64_t e) {
    for (int64_t w = s; w < e; ++w) {
      const int64_t o = w / inner, j = w % inner;
      const T* xp = x + o * size * inner + j;
      T mx = static_cast<T>(-__builtin_inf());
      for (int64_t i = 0; i < size; ++i) {
        const T v = xp[i * inner];
        if (v > mx || v != v) mx = v;
      }
      // NOTE: an infinite max is not subtracted (PyTorch masks it to 0), so a
      // row of -inf gives -inf and a +inf gives +inf rather than NaN.
      const T shift = std::isfinite(mx) ? mx : T(0);
      double sum = 0;
      for (int64_t i = 0; i < size; ++i) sum += std::exp(static_cast<double>(xp[i * inner] - shift));
      out[w] = static_cast<T>(std::log(sum) + shift);
    }
  });
}

// gather over strided views: operand 0 = x with its `dim` stride zeroed (the
// index supplies that coordinate, times dim_stride), 1 = index; out contiguous.
template <typename T>
void gather_typed(T* out, const T* x, const int32_t* index, const Iter& it, int64_t dim_stride) {
  const int last = it.nd - 1;
  const int64_t xs = last >= 0 ? it.strides[0][last] : 0, is = last >= 0 ? it.strides[1][last] : 0;
  for_rows(it, 0, it.numel(), [&](const int64_t* offs, int64_t len, int64_t pos) {
    int64_t xo = offs[0], io = offs[1];
    for (int64_t i = 0; i < len; ++i, xo += xs, io += is) out[pos + i] = x[xo + index[io] * dim_stride];
  });
}

// scatterAdd: operand 0 = out with its `dim` stride zeroed, 1 = index, 2 = src.
// NOTE: one thread, in the js kernel's element order, so repeated indices add up in the same order.
template <typename T>
void scatter_add_typed(T* out, const int32_t* index, const T* src, const Iter& it, int64_t dim_stride) {
  const int last = it.nd - 1;
  const int64_t os = last >= 0 ? it.strides[0][last] : 0, is = last >= 0 ? it.strides[1][last] : 0;
  const int64_t ss = last >= 0 ? it.strides[2][last] : 0;
  for_rows(it, 0, it.numel(), [&](const int64_t* offs, int64_t len, int64_t) {
    int64_t oo = offs[0], io = offs[1], so = offs[2];
    for (int64_t i = 0; i < len; ++i, oo += os, io += is, so += ss) out[oo + index[io] * dim_stride] += src[so];
  });
}

}  // namespace

void index_select_kernel(DType t, void* out, const void* x, const int32_t* index, int64_t n, int64_t outer,
                         int64_t size, int64_t inner) {
  if (t == DType::F32)
    index_select_typed(static_cast<float*>(out), static_cast<const float*>(x), index, n, outer, size, inner);
  else
    index_select_typed(static_cast<double*>(out), static_cast<const double*>(x), index, n, outer, size, inner);
}

void index_add_kernel(DType t, void* out, const void* src, const int32_t* index, int64_t n, int64_t outer, int64_t size,
                      int64_t inner) {
  if (t == DType::F32)
    index_add_typed(static_cast<float*>(out), static_cast<const float*>(src), index, n, outer, size, inner);
  else
    index_add_typed(static_cast<double*>(out), static_cast<const double*>(src), index, n, outer, size, inner);
}

void nll_loss_kernel(DType t, void* loss, void* wout, const void* logp, const int32_t* target, const void* weight,
                     int64_t batch, int64_t classes, int64_t inner, int64_t ignore) {
  if (t == DType::F32)
    nll_typed(static_cast<float*>(loss), static_cast<float*>(wout), static_cast<const float*>(logp), target,
              static_cast<const float*>(weight), batch, classes, inner, ignore);
  else
    nll_typed(static_cast<double*>(loss), static_cast<double*>(wout), static_cast<const double*>(logp), target,
              static_cast<const double*>(weight), batch, classes, inner, ignore);
}

void nll_loss_backward_kernel(DType t, void* out, const void* grad, const int32_t* target, const void* weight,
                              int64_t batch, int64_t classes, int64_t inner, int64_t ignore) {
  if (t == DType::F32)
    nll_backward_typed(static_cast<float*>(out), static_cast<const float*>(grad), target,
                       static_cast<const float*>(weight), batch, classes, inner, ignore);
  else
    nll_backward_typed(static_cast<double*>(out), static_cast<const double*>(grad), target,
                       static_cast<const double*>(weight), batch, classes, inner, ignore);
}

void logsumexp_kernel(DType t, void* out, const void* x, int64_t outer, int64_t size, int64_t inner) {
  if (t == DType::F32) logsumexp_typed(static_cast<float*>(out), static_cast<const float*>(x), outer, size, inner);
  else logsumexp_typed(static_cast<double*>(out), static_cast<const double*>(x), outer, size, inner);
}

void gather_kernel(DType t, void* out, const void* x, const int32_t* index, const Iter& it, int64_t dim_stride) {
  if (t == DType::F32) gather_typed(static_cast<float*>(out), static_cast<const float*>(x), index, it, dim_stride);
  else gather_typed(static_cast<double*>(out), static_cast<const double*>(x), index, it, dim_stride);
}

void scatter_add_kernel(DType t, void* out, const int32_t* index, const void* src, const Iter& it, int64_t dim_stride) {
  if (t == DType::F32) scatter_add_typed(static_cast<float*>(out), index, static_cast<const float*>(src), it, dim_stride);
  else scatter_add_typed(static_cast<double*>(out), index, static_cast<const double*>(src), it, dim_stride);
}

}  // namespace kd
