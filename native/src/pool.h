// A persistent thread pool: kernels are plain functions `(ctx, ith, nth)`
// whose parts the calling thread and the workers claim one at a time. One job at a time: a second caller (another JS worker thread)
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
// Returns when every part has finished. Parts are tasks that any thread may
// run, the caller included (so two parts may run one after the other on one
// thread): a part may not wait for another.
void pool_run(JobFn fn, void* ctx, int want);
// The same for any number of tasks (more tasks than threads balance uneven
// progress: a thread that falls behind takes fewer).
void pool_run_tasks(JobFn fn, void* ctx, int ntasks);

}  // namespace kd
