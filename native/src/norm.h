// Fused normalisation kernels (norm.cc), mirroring src/backend/js/norm.ts.
// Arrays are contiguous [batch, channels, inner] of the float type t; weight,
// bias, dx, dweight and dbias may be null (weight 1, bias 0, not wanted).
// mean and rstd are double, one per statistics row. Sizes were checked by the
// binding layer (groups >= 1 divides channels).
#pragma once
#include <cstdint>

#include "kernels.h"

namespace kd {

void group_norm_kernel(DType t, void* y, double* mean, double* rstd, const void* x, const void* weight, const void* bias,
                       int64_t batch, int64_t channels, int64_t inner, int64_t groups, double eps);
void group_norm_backward_kernel(DType t, void* dx, void* dweight, void* dbias, const void* dy, const void* x,
                                const double* mean, const double* rstd, const void* weight, int64_t batch,
                                int64_t channels, int64_t inner, int64_t groups);
// training: computes mean/rstd (channels entries); otherwise reads them.
void batch_norm_kernel(DType t, void* y, double* mean, double* rstd, const void* x, const void* weight, const void* bias,
                       int64_t batch, int64_t channels, int64_t inner, bool training, double eps);
void batch_norm_backward_kernel(DType t, void* dx, void* dweight, void* dbias, const void* dy, const void* x,
                                const double* mean, const double* rstd, const void* weight, int64_t batch,
                                int64_t channels, int64_t inner, bool training);

}  // namespace kd
