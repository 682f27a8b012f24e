// A plain C++ micro-kernel the compiler vectorizes for whatever ISA the
// including translation unit is compiled for. Include inside a namespace that
// is unique to that TU (KD_ISA), so no inline code is shared across ISAs.
#pragma once
#include <cstdint>

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
