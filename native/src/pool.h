// A persistent thread pool (ggml-style): kernels are plain functions
// `(ctx, ith, nth)`; the calling thread runs ith = 0 and `nth - 1` workers run
// the rest. One job at a time: a second caller (another JS worker thread)
// that finds the pool busy runs its job serially instead of waiting.
#pragma once
#include <cstdint>

namespace kd {

using JobFn = void (*)(void* ctx, int ith, int nth);

// Sets the pool size (threads including the caller). Call once at load.
void pool_init(int nthreads);
// Threads the pool runs a job on (1 = no workers).
int pool_threads();
// Runs fn(ctx, ith, nth) for ith in [0, nth), nth = min(want, pool_threads()).
// Returns when every part has finished.
void pool_run(JobFn fn, void* ctx, int want);

}  // namespace kd
