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

// Runs f(start, end) over [0, n) split among threads; `grain` is the least
// work worth a thread (in the caller's units).
template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  int nth = pool_threads();
  if (nth <= 1 || n < 2 * grain) {
    f(int64_t(0), n);
    return;
  }
  if (n / grain < nth) nth = static_cast<int>(n / grain);
  using FT = typename std::remove_reference<F>::type;
  ParallelCtx<FT> ctx{&f, n};
  pool_run(parallel_thunk<FT>, &ctx, nth);
}

}  // namespace kd
