// NOTE: why a tensor library touches malloc's settings. Every op result is a
// fresh ArrayBuffer, and JavaScript frees the old ones only when the
// collector runs, so a training loop allocates and frees large blocks in
// waves. With glibc's defaults the freed top of the heap goes back to the OS
// at each wave and the next results fault their pages in again: 30% of the
// time of a 256 x 256 matmul in a loop, 100+ page faults per MLP training
// step. Keeping a pad of freed memory mapped (as PyTorch's own allocation
// pattern gets for free: its results are freed by reference count, at once)
// removes those faults for the cost of that much resident memory.
#include "heap.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <climits>

namespace kd {

bool set_heap_top_pad(int64_t bytes) {
#if defined(__GLIBC__)
  if (bytes < 0 || bytes > INT_MAX) return false;
  return mallopt(M_TOP_PAD, static_cast<int>(bytes)) == 1;
#else
  (void)bytes;
  return false;
#endif
}

}  // namespace kd
