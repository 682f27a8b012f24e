// Kernel entry points below the binding layer. Every size, stride and offset
// they receive has been checked against its buffer by binding.cc; kernels
// trust them and do no checks of their own.
#pragma once
#include <cstdint>

#include <vector>

#include "cpu.h"
#include "strided.h"
#include "vec_kernels.h"

namespace kd {

enum class DType : int { F32 = 0, F64 = 1, I32 = 2, U8 = 3 };

// Operation codes: the order of the lists in src/backend/native.ts.
enum UnaryCode : int {
  U_NEG, U_EXP, U_LOG, U_LOG1P, U_EXPM1, U_SQRT, U_RSQRT, U_ABS, U_SIGN, U_RECIPROCAL, U_SQUARE, U_SIN, U_COS,
  U_FLOOR, U_CEIL, U_ROUND, U_RELU, U_SIGMOID, U_TANH, U_GELU, U_GELU_TANH, U_SILU, U_LOGICAL_NOT, U_ISNAN,
  U_ISFINITE, U_CLAMP, U_SOFTPLUS, U_LEAKY_RELU, U_COUNT
};
enum BinaryCode : int {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_LOGICAL_AND,
  B_LOGICAL_OR, B_LOGICAL_XOR, B_COUNT
};
enum ReduceCode : int { R_SUM, R_PROD, R_MAX, R_MIN, R_ARGMAX, R_ARGMIN, R_COUNT };

// Unary ops whose result is a bool (uint8) array.
inline bool unary_writes_bool(int op) { return op == U_LOGICAL_NOT || op == U_ISNAN || op == U_ISFINITE; }
// Binary ops whose result is a bool (uint8) array.
inline bool binary_writes_bool(int op) { return op >= B_EQ; }

// it: operand 0 = out (strided), 1 = x.
void copy_kernel(DType ot, void* out, DType xt, const void* x, const Iter& it);
// it: operand 0 = x; out is contiguous (float type t, or uint8 for bool ops).
void unary_kernel(int op, DType t, void* out, const void* x, const Iter& it, double p0, double p1);
// it: operands 0 = a, 1 = b; out contiguous.
void binary_kernel(int op, DType t, void* out, const void* a, const void* b, const Iter& it);
// it: operands 0 = cond, 1 = a, 2 = b; out contiguous; t is the element type of out/a/b.
void where_kernel(DType t, void* out, const uint8_t* cond, const void* a, const void* b, const Iter& it);
// out[i] = y[i] > 0 ? g[i] : 0 over contiguous float arrays (NaN in y gives 0).
void relu_backward_kernel(DType t, void* out, const void* g, const void* y, int64_t n);
// out[i] = g[i] * gelu'(x[i]) (exact, or the tanh approximation's derivative).
void gelu_backward_kernel(DType t, void* out, const void* g, const void* x, int64_t n, bool tanh);
// Reduces the middle axis of contiguous [outer, size, inner] (size >= 1).
void reduce_kernel(int op, DType t, void* out, DType ot, const void* x, int64_t outer, int64_t size, int64_t inner);

// Convolution geometry (src/backend/backend.ts Conv2dGeometry), validated.
struct ConvGeom {
  int64_t batch, channels, height, width, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h,
      dilation_w, out_h, out_w;
};
// Pooling geometry (Pool2dGeometry), validated.
struct PoolGeom {
  int64_t planes, height, width, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, out_h,
      out_w;
};

void im2col_kernel(DType t, void* out, const void* x, const ConvGeom& g);
void col2im_kernel(DType t, void* out, const void* cols, const ConvGeom& g);
// Depthwise convolution, channel multiplier `mult`: out [N, C*mult, outH, outW]
// from x [N, C, H, W], w [C*mult, kH, kW], bias [C*mult] or null; its input
// gradient (added into gx) and weight gradient (written into gw).
void depthwise_conv_kernel(DType t, void* out, const void* x, const void* w, const void* bias, const ConvGeom& g,
                           int64_t mult);
void depthwise_backward_input_kernel(DType t, void* gx, const void* grad, const void* w, const ConvGeom& g,
                                     int64_t mult);
void depthwise_backward_weight_kernel(DType t, void* gw, const void* grad, const void* x, const ConvGeom& g,
                                      int64_t mult);
void max_pool_kernel(DType t, void* out, int32_t* indices, const void* x, const PoolGeom& g);
void max_pool_backward_kernel(DType t, void* out, const void* grad, const int32_t* indices, int64_t planes,
                              int64_t in_plane, int64_t out_plane);
// Average pooling (no dilation); divisor 0 means the window size.
void avg_pool_kernel(DType t, void* out, const void* x, const PoolGeom& g, bool include_pad, double divisor);
void avg_pool_backward_kernel(DType t, void* out, const void* grad, const PoolGeom& g, bool include_pad, double divisor);
// Adaptive average pooling of contiguous [planes, height, width] into [planes, out_h, out_w].
void adaptive_avg_pool_kernel(DType t, void* out, const void* x, int64_t planes, int64_t height, int64_t width,
                              int64_t out_h, int64_t out_w);
void adaptive_avg_pool_backward_kernel(DType t, void* out, const void* grad, int64_t planes, int64_t height,
                                       int64_t width, int64_t out_h, int64_t out_w);

// Softmax / log-softmax over the middle axis of contiguous [outer, size, inner].
void softmax_kernel(DType t, void* out, const void* x, int64_t outer, int64_t size, int64_t inner, bool log);
void softmax_backward_kernel(DType t, void* out, const void* g, const void* y, int64_t outer, int64_t size,
                             int64_t inner, bool log);
void set_vec_path(KernelPath path);

// One parameter of an optimizer group: its data, gradient and up to three
// state arrays (null when unused), all of n elements of the group's dtype.
struct OptimTensor {
  void* p;
  const void* g;
  void* s1;
  void* s2;
  void* s3;
  int64_t n;
};
void sgd_group(DType t, const std::vector<OptimTensor>& ts, const uint8_t* fresh, const SgdHyper& h);
void adam_group(DType t, const std::vector<OptimTensor>& ts, const double* steps, const AdamHyper& h);
void rmsprop_group(DType t, const std::vector<OptimTensor>& ts, const RmspropHyper& h);
void adagrad_group(DType t, const std::vector<OptimTensor>& ts, const double* steps, const AdagradHyper& h);

// Index values were checked by the binding layer (every one in range).
void index_select_kernel(DType t, void* out, const void* x, const int32_t* index, int64_t n, int64_t outer,
                         int64_t size, int64_t inner);
void index_add_kernel(DType t, void* out, const void* src, const int32_t* index, int64_t n, int64_t outer, int64_t size,
                      int64_t inner);
// gather / scatterAdd: it (coalesced) has operands x|out with the indexed
// dimension's stride zeroed, index (and src); dim_stride is that stride.
void gather_kernel(DType t, void* out, const void* x, const int32_t* index, const Iter& it, int64_t dim_stride);
void scatter_add_kernel(DType t, void* out, const int32_t* index, const void* src, const Iter& it, int64_t dim_stride);
void nll_loss_kernel(DType t, void* loss, void* wout, const void* logp, const int32_t* target, const void* weight,
                     int64_t batch, int64_t classes, int64_t inner, int64_t ignore);
void nll_loss_backward_kernel(DType t, void* out, const void* grad, const int32_t* target, const void* weight,
                              int64_t batch, int64_t classes, int64_t inner, int64_t ignore);
void logsumexp_kernel(DType t, void* out, const void* x, int64_t outer, int64_t size, int64_t inner);

}  // namespace kd
