// AVX-512F micro-kernels. This TU alone is compiled with -mavx512f; its
// functions are only called after detect_cpu() reported AVX-512F.
#include "gemm.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace kd {
namespace isa_avx512 {
#include "gemm_generic.h"

// 12x32 float tile: 24 zmm accumulators, 2 for B, broadcasts folded into FMAs.
void sgemm_12x32(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c, int64_t ldc, int beta) {
  __m512 acc[12][2];
  for (int i = 0; i < 12; ++i) {
    acc[i][0] = _mm512_setzero_ps();
    acc[i][1] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
    }
    a += 12;
    b += 32;
  }
#pragma GCC unroll 12
  for (int i = 0; i < 12; ++i) {
    float* cr = c + i * ldc;
    __m512 x0 = acc[i][0], x1 = acc[i][1];
    if (beta) {
      x0 = _mm512_add_ps(x0, _mm512_loadu_ps(cr));
      x1 = _mm512_add_ps(x1, _mm512_loadu_ps(cr + 16));
    }
    _mm512_storeu_ps(cr, x0);
    _mm512_storeu_ps(cr + 16, x1);
  }
}

void dgemm_8x16(int64_t kc, const double* a, const double* b, double* c, int64_t ldc, int beta) {
  ukr_generic<double, 8, 16>(kc, a, b, c, ldc, beta);
}

}  // namespace isa_avx512

GemmKernels avx512_gemm_kernels() {
  GemmKernels k;
  k.f32 = MicroKernel<float>{12, 32, 192, 144, 3072, isa_avx512::sgemm_12x32};
  k.f64 = MicroKernel<double>{8, 16, 192, 96, 2048, isa_avx512::dgemm_8x16};
  return k;
}

}  // namespace kd
#endif
