// AVX-512F micro-kernels. This TU alone is compiled with -mavx512f; its
// functions are only called after detect_cpu() reported AVX-512F.
#include "gemm.h"

#include <cstdint>
#include <cstring>

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

// Transposes the 16 x 16 block whose rows are r[0..15] in place: afterwards
// r[j] holds column j. Three rounds of shuffles (32-bit, 64-bit, 128-bit lanes).
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // s[4g + q], 128-bit lane L: rows 4g..4g+3 of column 4L + q.
  __m512 s[16];
  for (int g = 0; g < 4; ++g) {
    const __m512d a0 = _mm512_castps_pd(t[4 * g]), a1 = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d a2 = _mm512_castps_pd(t[4 * g + 2]), a3 = _mm512_castps_pd(t[4 * g + 3]);
    s[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
    s[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
    s[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
    s[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
  }
  for (int q = 0; q < 4; ++q) {
    const __m512 u0 = _mm512_shuffle_f32x4(s[q], s[4 + q], 0x88), u1 = _mm512_shuffle_f32x4(s[q], s[4 + q], 0xDD);
    const __m512 u2 = _mm512_shuffle_f32x4(s[8 + q], s[12 + q], 0x88), u3 = _mm512_shuffle_f32x4(s[8 + q], s[12 + q], 0xDD);
    r[q] = _mm512_shuffle_f32x4(u0, u2, 0x88);
    r[4 + q] = _mm512_shuffle_f32x4(u1, u3, 0x88);
    r[8 + q] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
    r[12 + q] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
  }
}

// Packs W lines of a matrix, line i at src + i * stride and contiguous along
// k, into a k-major panel dst[p * W + i]: a transpose, done in 16 x 16 blocks
// in registers instead of one strided store per element (the generic loop
// spent a quarter of the kernel's time here on [256, 512] @ [512, 264]).
template <int W>
void pack_transposed(float* __restrict dst, const float* __restrict src, int64_t stride, int64_t kc) {
  int64_t p = 0;
  for (; p + 16 <= kc; p += 16) {
    for (int g = 0; g < W; g += 16) {
      const int lines = W - g < 16 ? W - g : 16;
      __m512 r[16];
      for (int i = 0; i < 16; ++i) r[i] = i < lines ? _mm512_loadu_ps(src + (g + i) * stride + p) : _mm512_setzero_ps();
      transpose16(r);
      const __mmask16 keep = static_cast<__mmask16>((1u << lines) - 1);
      for (int j = 0; j < 16; ++j) _mm512_mask_storeu_ps(dst + (p + j) * W + g, keep, r[j]);
    }
  }
  for (; p < kc; ++p)
    for (int i = 0; i < W; ++i) dst[p * W + i] = src[i * stride + p];
}

// A panel from a row-major A (csa == 1) is a transpose.
void pack_a_12(float* __restrict dst, const float* __restrict a, int64_t rsa, int64_t csa, int64_t rows, int64_t kc) {
  if (csa == 1 && rows == 12) pack_transposed<12>(dst, a, rsa, kc);
  else pack_a_generic<float, 12>(dst, a, rsa, csa, rows, kc);
}

// So is a panel from a transposed B (rsb == 1: each column contiguous).
void pack_b_32(float* __restrict dst, const float* __restrict b, int64_t rsb, int64_t csb, int64_t kc, int64_t cols) {
  if (rsb == 1 && cols == 32) pack_transposed<32>(dst, b, csb, kc);
  else pack_b_generic<float, 32>(dst, b, rsb, csb, kc, cols);
}

void dgemm_8x16(int64_t kc, const double* a, const double* b, double* c, int64_t ldc, int beta) {
  ukr_generic<double, 8, 16>(kc, a, b, c, ldc, beta);
}

}  // namespace isa_avx512

GemmKernels avx512_gemm_kernels() {
  GemmKernels k;
  // NOTE: a deep k block (up to 1024) amortizes each C tile's load and store
  // over more FMAs; the B micro-panel then lives in L2 next to the A block
  // (96 x 1024 floats), which Zen 4's L2 feeds fast enough. Measured on one
  // core at n = 1024: 77-84 GFLOP/s with kc = 192, 96-100 with kc = 1024.
  k.f32 = MicroKernel<float>{12, 32, 1024, 96, 3072, isa_avx512::sgemm_12x32, isa_avx512::pack_a_12,
                             isa_avx512::pack_b_32, isa_avx512::gemm_direct_generic<float>};
  k.f64 = MicroKernel<double>{8, 16, 192, 96, 2048, isa_avx512::dgemm_8x16,
                              KD_GEMM_GENERIC_ENTRIES(isa_avx512, double, 8, 16)};
  return k;
}

}  // namespace kd
#endif
