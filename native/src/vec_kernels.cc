// vec_kernels for the baseline ISA (SSE2 on x86-64, NEON on arm64).
#include <cmath>
#include <cstring>

#include "vec_kernels.h"

namespace kd {
namespace isa_portable_vec {
#include "vec_kernels_impl.h"
}

VecKernels vec_kernels_portable() {
  return VecKernels{isa_portable_vec::make_vec_ops<float>(), isa_portable_vec::make_vec_ops<double>()};
}

}  // namespace kd
