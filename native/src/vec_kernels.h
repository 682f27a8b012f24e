// Row kernels that profit from wide SIMD: softmax / log-softmax and their
// backward, and the fused per-group optimizer steps. Written as plain C++ the
// compiler vectorizes; vec_kernels.cc compiles them for the baseline ISA and
// vec_kernels_avx2.cc for AVX2+FMA, and the driver picks one table at load.
#pragma once
#include <cstdint>

namespace kd {

struct SgdHyper { double lr, momentum, dampening, weight_decay; bool nesterov, maximize; };
struct AdamHyper { double lr, beta1, beta2, eps, weight_decay; bool amsgrad, maximize, decoupled; };
struct RmspropHyper { double lr, alpha, eps, weight_decay, momentum; bool centered, maximize; };
struct AdagradHyper { double lr, lr_decay, weight_decay, eps; bool maximize; };

// Per-tensor coefficients computed once per step (in double, as PyTorch's Python floats).
struct AdamCoef { double step_size, bc2_sqrt, decay; };

template <typename T>
struct VecOps {
  // Softmax (or log-softmax) of rows [o0, o1) of [outer, size, inner].
  void (*softmax)(T* out, const T* x, int64_t o0, int64_t o1, int64_t size, int64_t inner, bool log);
  void (*softmax_backward)(T* out, const T* g, const T* y, int64_t o0, int64_t o1, int64_t size, int64_t inner, bool log);
  // Optimizer steps over elements [0, n) of one parameter (state pointers may be null when unused).
  void (*sgd)(T* p, const T* g, T* buf, bool fresh, int64_t n, const SgdHyper& h);
  void (*adam)(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamHyper& h, const AdamCoef& c);
  void (*rmsprop)(T* p, const T* g, T* sq, T* gavg, T* buf, int64_t n, const RmspropHyper& h);
  void (*adagrad)(T* p, const T* g, T* sum, int64_t n, double clr, const AdagradHyper& h);
};

struct VecKernels {
  VecOps<float> f32;
  VecOps<double> f64;
};

VecKernels vec_kernels_portable();
#if defined(__x86_64__) || defined(_M_X64)
VecKernels vec_kernels_avx2();
#endif

}  // namespace kd
