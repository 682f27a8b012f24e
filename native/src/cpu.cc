#include "cpu.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <cstdint>
#endif

namespace kd {

#if defined(__x86_64__) || defined(_M_X64)
namespace {
// XGETBV without -mxsave: the OS must have enabled the register state we use.
uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}
}  // namespace

CpuFeatures detect_cpu() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1;
  const bool avx = (c >> 28) & 1;
  const bool fma = (c >> 12) & 1;
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = xgetbv0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1;
  const bool avx512f = (b >> 16) & 1;
  f.avx2_fma = avx2 && fma && ymm_state;
  f.avx512f = f.avx2_fma && avx512f && zmm_state;
  return f;
}
#else
CpuFeatures detect_cpu() { return CpuFeatures{}; }
#endif

const char* path_name(KernelPath p) {
  switch (p) {
    case KernelPath::Avx512: return "avx512";
    case KernelPath::Avx2Fma: return "avx2-fma";
    default: return "portable";
  }
}

}  // namespace kd
