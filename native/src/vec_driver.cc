// Drives the vec_kernels table chosen at load: threads over softmax rows and
// over the elements of each parameter of an optimizer group.
#include <cmath>
#include <vector>

#include "kernels.h"
#include "parallel.h"
#include "vec_kernels.h"

namespace kd {
namespace {

VecKernels g_vec = vec_kernels_portable();

template <typename T>
const VecOps<T>& ops();
template <>
const VecOps<float>& ops<float>() { return g_vec.f32; }
template <>
const VecOps<double>& ops<double>() { return g_vec.f64; }

constexpr int64_t kOptimGrain = int64_t(1) << 16;

template <typename T>
void softmax_typed(T* out, const T* x, int64_t outer, int64_t size, int64_t inner, bool log) {
  parallel_for(outer, 1 + (int64_t(1) << 13) / (size * inner + 1), [&](int64_t s, int64_t e) {
    ops<T>().softmax(out, x, s, e, size, inner, log);
  });
}

template <typename T>
void softmax_backward_typed(T* out, const T* g, const T* y, int64_t outer, int64_t size, int64_t inner, bool log) {
  parallel_for(outer, 1 + (int64_t(1) << 13) / (size * inner + 1), [&](int64_t s, int64_t e) {
    ops<T>().softmax_backward(out, g, y, s, e, size, inner, log);
  });
}

template <typename T>
T* at(void* p, int64_t off) { return p == nullptr ? nullptr : static_cast<T*>(p) + off; }

template <typename T>
void sgd_typed(const std::vector<OptimTensor>& ts, const uint8_t* fresh, const SgdHyper& h) {
  for (size_t i = 0; i < ts.size(); ++i) {
    const OptimTensor& t = ts[i];
    const bool f = fresh != nullptr && fresh[i] == 1;
    parallel_for(t.n, kOptimGrain, [&](int64_t s, int64_t e) {
      ops<T>().sgd(at<T>(t.p, s), static_cast<const T*>(t.g) + s, at<T>(t.s1, s), f, e - s, h);
    });
  }
}

template <typename T>
void adam_typed(const std::vector<OptimTensor>& ts, const double* steps, const AdamHyper& h) {
  for (size_t i = 0; i < ts.size(); ++i) {
    const OptimTensor& t = ts[i];
    const double step = steps[i];
    // NOTE: bias corrections in double from the step count, as PyTorch's Python floats.
    AdamCoef c{h.lr / (1 - std::pow(h.beta1, step)), std::sqrt(1 - std::pow(h.beta2, step)),
               h.decoupled ? 1 - h.lr * h.weight_decay : 1.0};
    parallel_for(t.n, kOptimGrain, [&](int64_t s, int64_t e) {
      ops<T>().adam(at<T>(t.p, s), static_cast<const T*>(t.g) + s, at<T>(t.s1, s), at<T>(t.s2, s), at<T>(t.s3, s), e - s,
                    h, c);
    });
  }
}

template <typename T>
void rmsprop_typed(const std::vector<OptimTensor>& ts, const RmspropHyper& h) {
  for (const OptimTensor& t : ts) {
    parallel_for(t.n, kOptimGrain, [&](int64_t s, int64_t e) {
      ops<T>().rmsprop(at<T>(t.p, s), static_cast<const T*>(t.g) + s, at<T>(t.s1, s), at<T>(t.s2, s), at<T>(t.s3, s),
                       e - s, h);
    });
  }
}

template <typename T>
void adagrad_typed(const std::vector<OptimTensor>& ts, const double* steps, const AdagradHyper& h) {
  for (size_t i = 0; i < ts.size(); ++i) {
    const OptimTensor& t = ts[i];
    // NOTE: the decayed lr uses the step count before this step (t − 1).
    const double clr = h.lr / (1 + (steps[i] - 1) * h.lr_decay);
    parallel_for(t.n, kOptimGrain, [&](int64_t s, int64_t e) {
      ops<T>().adagrad(at<T>(t.p, s), static_cast<const T*>(t.g) + s, at<T>(t.s1, s), e - s, clr, h);
    });
  }
}

}  // namespace

void set_vec_path(KernelPath path) {
#if defined(__x86_64__) || defined(_M_X64)
  if (path != KernelPath::Portable) {
    g_vec = vec_kernels_avx2();
    return;
  }
#endif
  (void)path;
  g_vec = vec_kernels_portable();
}

void softmax_kernel(DType t, void* out, const void* x, int64_t outer, int64_t size, int64_t inner, bool log) {
  if (t == DType::F32) softmax_typed(static_cast<float*>(out), static_cast<const float*>(x), outer, size, inner, log);
  else softmax_typed(static_cast<double*>(out), static_cast<const double*>(x), outer, size, inner, log);
}

void softmax_backward_kernel(DType t, void* out, const void* g, const void* y, int64_t outer, int64_t size,
                             int64_t inner, bool log) {
  if (t == DType::F32)
    softmax_backward_typed(static_cast<float*>(out), static_cast<const float*>(g), static_cast<const float*>(y), outer,
                           size, inner, log);
  else
    softmax_backward_typed(static_cast<double*>(out), static_cast<const double*>(g), static_cast<const double*>(y),
                           outer, size, inner, log);
}

void sgd_group(DType t, const std::vector<OptimTensor>& ts, const uint8_t* fresh, const SgdHyper& h) {
  if (t == DType::F32) sgd_typed<float>(ts, fresh, h);
  else sgd_typed<double>(ts, fresh, h);
}
void adam_group(DType t, const std::vector<OptimTensor>& ts, const double* steps, const AdamHyper& h) {
  if (t == DType::F32) adam_typed<float>(ts, steps, h);
  else adam_typed<double>(ts, steps, h);
}
void rmsprop_group(DType t, const std::vector<OptimTensor>& ts, const RmspropHyper& h) {
  if (t == DType::F32) rmsprop_typed<float>(ts, h);
  else rmsprop_typed<double>(ts, h);
}
void adagrad_group(DType t, const std::vector<OptimTensor>& ts, const double* steps, const AdagradHyper& h) {
  if (t == DType::F32) adagrad_typed<float>(ts, steps, h);
  else adagrad_typed<double>(ts, steps, h);
}

}  // namespace kd
