// Process heap settings the native backend applies at load.
#pragma once
#include <cstdint>

namespace kd {

// Asks the C library to keep `bytes` of freed memory at the top of the heap
// instead of returning it to the OS (glibc's M_TOP_PAD), and to serve blocks
// up to 32 MiB from the heap rather than from fresh mmaps (M_MMAP_THRESHOLD;
// heap.cc says why). Returns false where the C library has no such setting
// (or refused it).
bool set_heap_top_pad(int64_t bytes);

}  // namespace kd
