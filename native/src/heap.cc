// NOTE: why a tensor library touches malloc's settings. Every op result is a
// fresh ArrayBuffer, and JavaScript frees the old ones only when the
// collector runs, so a training loop allocates and frees large blocks in
// waves. With glibc's defaults the freed top of the heap goes back to the OS
// at each wave and the next results fault their pages in again: 30% of the
// time of a 256 x 256 matmul in a loop, 100+ page faults per MLP training
// step. Keeping a pad of freed memory mapped (as PyTorch's own allocation
// pattern gets for free: its results are freed by reference count, at once)
// removes those faults for the cost of that much resident memory.
//
// Setting M_TOP_PAD turns off glibc's sliding mmap threshold, which would
// otherwise move up to the size of the largest freed block. Left at its
// initial 128 KiB, every result of 128 KiB or more was a fresh mmap whenever
// the heap's top had no room (a loop of ReLUs over [64, 16, 28, 28]: 800 page
// faults and 2.0 ms per call, against 0.2 ms once such blocks come from the
// heap). So the threshold is set too, to glibc's largest (32 MiB on 64-bit):
// below it, results come from the heap and reuse freed memory.
#include "heap.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <climits>

namespace kd {

bool set_heap_top_pad(int64_t bytes) {
#if defined(__GLIBC__)
  if (bytes < 0 || bytes > INT_MAX) return false;
  constexpr int kMmapThresholdMax = 4 * 1024 * 1024 * static_cast<int>(sizeof(long));
  return mallopt(M_TOP_PAD, static_cast<int>(bytes)) == 1 && mallopt(M_MMAP_THRESHOLD, kMmapThresholdMax) == 1;
#else
  (void)bytes;
  return false;
#endif
}

}  // namespace kd
