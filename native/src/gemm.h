// Batched strided GEMM: out[b] (+)= A[b] @ B[b], out contiguous [batch, m, n].
// Operands are strided views (batch, row and column strides in elements), so
// every transpose combination runs without a copy: packing absorbs strides.
#pragma once
#include <cstdint>

#include "cpu.h"

namespace kd {

// A register-blocked micro-kernel: C[MR x NR] (+)= Apanel[kc x MR]^T Bpanel[kc x NR].
// `beta` 0 overwrites C, 1 adds to it. Panels are packed by the driver.
// The packing routines and the direct loops come with it, compiled for the
// same ISA.
template <typename T>
struct MicroKernel {
  int mr, nr;      // register tile
  int kc, mc, nc;  // cache blocking of k, m, n
  void (*fn)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, int beta);
  // Rows [0, rows) x cols [0, kc) of A into an MR-high panel, zero-padded.
  void (*pack_a)(T* dst, const T* a, int64_t rsa, int64_t csa, int64_t rows, int64_t kc);
  // Rows [0, kc) x cols [0, cols) of B into an NR-wide panel, zero-padded.
  void (*pack_b)(T* dst, const T* b, int64_t rsb, int64_t csb, int64_t kc, int64_t cols);
  // c[m x n] (+)= A B without packing, for small and degenerate shapes.
  void (*direct)(T* c, const T* a, int64_t rsa, int64_t csa, const T* b, int64_t rsb, int64_t csb, int64_t m, int64_t n,
                 int64_t k, bool accumulate);
};

struct GemmKernels {
  MicroKernel<float> f32;
  MicroKernel<double> f64;
};

GemmKernels portable_gemm_kernels();
#if defined(__x86_64__) || defined(_M_X64)
GemmKernels avx2_gemm_kernels();
GemmKernels avx512_gemm_kernels();
#endif

void set_gemm_path(KernelPath path);

template <typename T>
struct MatArg {
  const T* data;  // already advanced by the view's offset
  int64_t bs, rs, cs;
};

// out[b] (+)= bias[b] + A[b] B[b]; `bias` is a strided [batch, m, n] view (zero
// strides broadcast it: a per-column bias of a linear layer, a per-row bias of
// a convolution), or none when its data is null. Validated sizes only (the
// binding layer checks every extent).
template <typename T>
void gemm(T* out, MatArg<T> a, MatArg<T> b, int64_t batch, int64_t m, int64_t n, int64_t k, bool accumulate,
          MatArg<T> bias);

// out[m, n] (+)= the sum over b of A[b] B[b] (a convolution's weight gradient,
// summed over samples). Small products run in up to kSumGroups groups of
// consecutive b, one thread each, every group summed in order into its own
// partial; the partials are then added in group order. The grouping depends
// only on the sizes, so results do not depend on the thread count.
template <typename T>
void gemm_sum_batch(T* out, MatArg<T> a, MatArg<T> b, int64_t batch, int64_t m, int64_t n, int64_t k, bool accumulate);

}  // namespace kd
