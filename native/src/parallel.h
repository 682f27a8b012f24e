// parallel_for over a flat range on the persistent pool.
#pragma once
#include <cstdint>
#include <type_traits>

#include "pool.h"

namespace kd {

template <typename F>
struct ParallelCtx {
  F* f;
  int64_t n;
};

template <typename F>
void parallel_thunk(void* c, int ith, int nth) {
  auto* ctx = static_cast<ParallelCtx<F>*>(c);
  const int64_t s = ctx->n * ith / nth, e = ctx->n * (ith + 1) / nth;
  (*ctx->f)(s, e);
}

// Runs f(start, end) over [0, n) split into parts that threads claim; `grain`
// is the least work worth a part (in the caller's units). The split depends
// only on n, grain and the pool's size, never on timing.
template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  const int nth = pool_threads();
  if (nth <= 1 || n < 2 * grain) {
    f(int64_t(0), n);
    return;
  }
  // NOTE: up to four parts per thread, so a thread the OS delays leaves its
  // later parts to the others.
  // A multiple of the thread count when there are more parts than threads:
  // three equal parts on two threads would leave two thirds to one of them.
  const int64_t most = n / grain;
  int parts = static_cast<int>(most < 4 * nth ? most : 4 * nth);
  if (parts > nth) parts -= parts % nth;
  using FT = typename std::remove_reference<F>::type;
  ParallelCtx<FT> ctx{&f, n};
  pool_run_tasks(parallel_thunk<FT>, &ctx, parts);
}

}  // namespace kd
