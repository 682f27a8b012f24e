// Run-time CPU detection: which kernel path this machine can run.
#pragma once

namespace kd {

enum class KernelPath { Portable = 0, Avx2Fma = 1, Avx512 = 2 };

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 + FMA3 with OS support for ymm state
  bool avx512f = false;   // AVX-512F with OS support for zmm state
};

CpuFeatures detect_cpu();
const char* path_name(KernelPath p);

}  // namespace kd
