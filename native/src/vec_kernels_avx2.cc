// vec_kernels compiled with -mavx2 -mfma; used only after CPU detection.
#include <cmath>
#include <cstring>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "vec_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
namespace kd {
namespace isa_avx2_vec {
#include "vec_kernels_impl.h"
}

VecKernels vec_kernels_avx2() {
  return VecKernels{isa_avx2_vec::make_vec_ops<float>(), isa_avx2_vec::make_vec_ops<double>()};
}

}  // namespace kd
#endif
