// GEMM pieces in plain C++ that the compiler vectorizes for whatever ISA the
// including translation unit is compiled for: a register-tile micro-kernel,
// the panel packing routines and the direct loops for small or degenerate
// shapes. Include inside a namespace that is unique to that TU (KD_ISA), so
// no inline code is shared across ISAs. The including file includes
// <cstdint> and <cstring> first (standard headers cannot open inside a
// namespace).
#pragma once

template <typename T, int MR, int NR>
void ukr_generic(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c, int64_t ldc, int beta) {
  T acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = 0;
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < MR; ++i) {
      const T ai = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  if (beta) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) c[i * ldc + j] += acc[i][j];
  } else {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) c[i * ldc + j] = acc[i][j];
  }
}

// Packs rows [0, rows) x cols [0, kc) of A (at `a`) into an MR-high panel:
// dst[p * MR + r]; rows past `rows` are zero.
template <typename T, int MR>
void pack_a_generic(T* __restrict dst, const T* __restrict a, int64_t rsa, int64_t csa, int64_t rows, int64_t kc) {
  if (rows < MR) std::memset(dst, 0, sizeof(T) * MR * kc);
  if (rsa == 1 && rows == MR) {
    // NOTE: a constant trip count, so the copy is a few vector moves, not a
    // memmove call per k.
    for (int64_t p = 0; p < kc; ++p) {
      const T* src = a + p * csa;
      T* d = dst + p * MR;
      for (int r = 0; r < MR; ++r) d[r] = src[r];
    }
  } else if (rsa == 1) {
    for (int64_t p = 0; p < kc; ++p) {
      const T* src = a + p * csa;
      T* d = dst + p * MR;
      for (int64_t r = 0; r < rows; ++r) d[r] = src[r];
    }
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      const T* src = a + r * rsa;
      T* d = dst + r;
      if (csa == 1) {
        for (int64_t p = 0; p < kc; ++p) d[p * MR] = src[p];
      } else {
        for (int64_t p = 0; p < kc; ++p) d[p * MR] = src[p * csa];
      }
    }
  }
}

// Packs rows [0, kc) x cols [0, cols) of B into an NR-wide panel: dst[p * NR + c].
template <typename T, int NR>
void pack_b_generic(T* __restrict dst, const T* __restrict b, int64_t rsb, int64_t csb, int64_t kc, int64_t cols) {
  if (cols < NR) std::memset(dst, 0, sizeof(T) * NR * kc);
  if (csb == 1 && cols == NR) {
    for (int64_t p = 0; p < kc; ++p) {
      const T* src = b + p * rsb;
      T* d = dst + p * NR;
      for (int c = 0; c < NR; ++c) d[c] = src[c];
    }
  } else if (csb == 1) {
    for (int64_t p = 0; p < kc; ++p) {
      const T* src = b + p * rsb;
      T* d = dst + p * NR;
      for (int64_t c = 0; c < cols; ++c) d[c] = src[c];
    }
  } else {
    for (int64_t c = 0; c < cols; ++c) {
      const T* src = b + c * csb;
      T* d = dst + c;
      if (rsb == 1) {
        for (int64_t p = 0; p < kc; ++p) d[p * NR] = src[p];
      } else {
        for (int64_t p = 0; p < kc; ++p) d[p * NR] = src[p * rsb];
      }
    }
  }
}

// Small or degenerate products without packing: c[m x n] (+)= A B, c contiguous.
// Each shape takes the loop whose inner dimension is contiguous, and the
// first pass writes C when not accumulating (no separate zero-fill pass).
template <typename T>
void gemm_direct_generic(T* c, const T* a, int64_t rsa, int64_t csa, const T* b, int64_t rsb, int64_t csb,
                         int64_t m, int64_t n, int64_t k, bool accumulate) {
  if (n == 1 && rsa == 1) {
    // A column per p scaled into the one column of C (a weight gradient
    // against a single input feature: [out, batch] @ [batch, 1]).
    for (int64_t p = 0; p < k; ++p) {
      const T bv = b[p * rsb];
      const T* ap = a + p * csa;
      if (p == 0 && !accumulate) {
        for (int64_t i = 0; i < m; ++i) c[i] = ap[i] * bv;
      } else {
        for (int64_t i = 0; i < m; ++i) c[i] += ap[i] * bv;
      }
    }
    return;
  }
  if (csb == 1) {
    // Rows of C accumulate scaled rows of B (vectorizes over j); four rows
    // of B per pass over the row of C.
    for (int64_t i = 0; i < m; ++i) {
      T* ci = c + i * n;
      const T* ai = a + i * rsa;
      int64_t p = 0;
      if (!accumulate) {
        const T a0 = ai[0];
        const T* b0 = b;
        for (int64_t j = 0; j < n; ++j) ci[j] = a0 * b0[j];
        p = 1;
      }
      for (; p + 4 <= k; p += 4) {
        const T a0 = ai[p * csa], a1 = ai[(p + 1) * csa], a2 = ai[(p + 2) * csa], a3 = ai[(p + 3) * csa];
        const T* b0 = b + p * rsb;
        const T* b1 = b0 + rsb;
        const T* b2 = b1 + rsb;
        const T* b3 = b2 + rsb;
        for (int64_t j = 0; j < n; ++j) ci[j] += (a0 * b0[j] + a1 * b1[j]) + (a2 * b2[j] + a3 * b3[j]);
      }
      for (; p < k; ++p) {
        const T av = ai[p * csa];
        const T* bp = b + p * rsb;
        for (int64_t j = 0; j < n; ++j) ci[j] += av * bp[j];
      }
    }
    return;
  }
  if (csa == 1 && rsb == 1) {
    // Dot products of contiguous rows of A with contiguous columns of B.
    constexpr int L = 16;
    for (int64_t i = 0; i < m; ++i) {
      const T* ai = a + i * rsa;
      for (int64_t j = 0; j < n; ++j) {
        const T* bj = b + j * csb;
        T acc[L] = {};
        int64_t p = 0;
        for (; p + L <= k; p += L)
          for (int l = 0; l < L; ++l) acc[l] += ai[p + l] * bj[p + l];
        T s = 0;
        for (int l = 0; l < L; ++l) s += acc[l];
        for (; p < k; ++p) s += ai[p] * bj[p];
        c[i * n + j] = accumulate ? c[i * n + j] + s : s;
      }
    }
    return;
  }
  if (rsa == 1 && n <= 4) {
    // Columns of C accumulate scaled columns of A.
    if (!accumulate)
      for (int64_t i = 0; i < m * n; ++i) c[i] = 0;
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) {
        const T bv = b[p * rsb + j * csb];
        const T* ap = a + p * csa;
        for (int64_t i = 0; i < m; ++i) c[i * n + j] += ap[i] * bv;
      }
    return;
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T s = 0;
      for (int64_t p = 0; p < k; ++p) s += a[i * rsa + p * csa] * b[p * rsb + j * csb];
      c[i * n + j] = accumulate ? c[i * n + j] + s : s;
    }
}

// The MicroKernel entries after `fn` for namespace NS, element type T and tile MR x NR.
#define KD_GEMM_GENERIC_ENTRIES(NS, T, MR, NR) NS::pack_a_generic<T, MR>, NS::pack_b_generic<T, NR>, NS::gemm_direct_generic<T>
