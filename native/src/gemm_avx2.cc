// AVX2 + FMA micro-kernels. This TU alone is compiled with -mavx2 -mfma; its
// functions are only called after detect_cpu() reported AVX2 and FMA.
#include "gemm.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace kd {
namespace isa_avx2 {
#include "gemm_generic.h"

// 6x16 float tile: 12 ymm accumulators, 2 for B, 1 broadcast.
void sgemm_6x16(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c, int64_t ldc, int beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += 6;
    b += 16;
  }
#define KD_STORE_ROW(r, x0, x1)                                             \
  do {                                                                      \
    float* cr = c + (r) * ldc;                                              \
    if (beta) {                                                             \
      x0 = _mm256_add_ps(x0, _mm256_loadu_ps(cr));                          \
      x1 = _mm256_add_ps(x1, _mm256_loadu_ps(cr + 8));                      \
    }                                                                       \
    _mm256_storeu_ps(cr, x0);                                               \
    _mm256_storeu_ps(cr + 8, x1);                                           \
  } while (0)
  KD_STORE_ROW(0, c00, c01);
  KD_STORE_ROW(1, c10, c11);
  KD_STORE_ROW(2, c20, c21);
  KD_STORE_ROW(3, c30, c31);
  KD_STORE_ROW(4, c40, c41);
  KD_STORE_ROW(5, c50, c51);
#undef KD_STORE_ROW
}

void dgemm_6x8(int64_t kc, const double* a, const double* b, double* c, int64_t ldc, int beta) {
  ukr_generic<double, 6, 8>(kc, a, b, c, ldc, beta);
}

}  // namespace isa_avx2

GemmKernels avx2_gemm_kernels() {
  GemmKernels k;
  k.f32 = MicroKernel<float>{6, 16, 512, 72, 3072, isa_avx2::sgemm_6x16,
                             KD_GEMM_GENERIC_ENTRIES(isa_avx2, float, 6, 16)};
  k.f64 = MicroKernel<double>{6, 8, 256, 96, 2048, isa_avx2::dgemm_6x8,
                              KD_GEMM_GENERIC_ENTRIES(isa_avx2, double, 6, 8)};
  return k;
}

}  // namespace kd
#endif
