#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define KD_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define KD_PAUSE() asm volatile("yield")
#else
#define KD_PAUSE() ((void)0)
#endif

namespace kd {
namespace {

struct Pool {
  int nthreads = 1;
  std::vector<std::thread> workers;
  std::mutex busy;  // held by the caller for the length of a job
  std::mutex m;
  std::condition_variable cv;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> remaining{0};
  JobFn fn = nullptr;
  void* ctx = nullptr;
  int nth = 1;
};

Pool* g_pool = nullptr;

// NOTE: workers spin briefly after a job before sleeping, because ops arrive
// back to back; the spin is short (tens of µs) so an idle pool costs nothing.
constexpr int kSpinIters = 500;

void worker_main(Pool* p, int ith) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = p->generation.load(std::memory_order_acquire);
    int spins = 0;
    while (gen == seen && spins < kSpinIters) {
      KD_PAUSE();
      ++spins;
      gen = p->generation.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lk(p->m);
      p->cv.wait(lk, [&] { return p->generation.load(std::memory_order_acquire) != seen; });
      gen = p->generation.load(std::memory_order_acquire);
    }
    seen = gen;
    // NOTE: every worker acknowledges every job (even one it sits out), so
    // the caller cannot set up the next job while a late worker still reads
    // this one's fn/ctx/nth.
    if (ith < p->nth) p->fn(p->ctx, ith, p->nth);
    p->remaining.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace

void pool_init(int nthreads) {
  if (g_pool != nullptr) return;
  g_pool = new Pool();  // NOTE: never freed: workers live as long as the process.
  g_pool->nthreads = nthreads < 1 ? 1 : nthreads;
  for (int i = 1; i < g_pool->nthreads; ++i) {
    g_pool->workers.emplace_back(worker_main, g_pool, i);
    g_pool->workers.back().detach();
  }
}

int pool_threads() { return g_pool == nullptr ? 1 : g_pool->nthreads; }

void pool_run(JobFn fn, void* ctx, int want) {
  int nth = want < pool_threads() ? want : pool_threads();
  if (nth <= 1 || g_pool == nullptr) {
    fn(ctx, 0, 1);
    return;
  }
  Pool* p = g_pool;
  std::unique_lock<std::mutex> busy(p->busy, std::try_to_lock);
  if (!busy.owns_lock()) {
    fn(ctx, 0, 1);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->nth = nth;
  p->remaining.store(p->nthreads - 1, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lk(p->m);
    p->generation.fetch_add(1, std::memory_order_acq_rel);
  }
  p->cv.notify_all();
  fn(ctx, 0, nth);
  int spins = 0;
  while (p->remaining.load(std::memory_order_acquire) != 0) {
    KD_PAUSE();
    if (++spins > 4096) std::this_thread::yield();
  }
}

}  // namespace kd
