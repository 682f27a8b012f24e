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

// A job is `ntasks` calls fn(ctx, i, ntasks) that any thread may claim. The
// caller claims tasks too and returns once every task has finished; it never
// waits for a worker that has not started. NOTE: on a 2-core machine the
// other core is shared with V8's collector threads and other processes, and
// a worker the OS has not scheduled yet would otherwise stall every op at the
// join (measured: im2col 3x slower on two threads than on one); now the
// caller runs that worker's tasks itself.
struct Pool {
  int nthreads = 1;
  std::vector<std::thread> workers;
  std::mutex busy;  // held by the caller for the length of a job
  std::mutex m;
  std::condition_variable cv;
  // Claims: generation in the high 32 bits, next task in the low 32 bits. A
  // worker claims with a CAS that also checks the generation, so one that
  // wakes late for a finished job claims nothing (and reads nothing stale).
  std::atomic<uint64_t> claim{0};
  std::atomic<uint32_t> generation{0};
  std::atomic<int> done{0};
  std::atomic<JobFn> fn{nullptr};
  std::atomic<void*> ctx{nullptr};
  std::atomic<int> ntasks{0};
};

Pool* g_pool = nullptr;

// NOTE: workers spin briefly after a job before sleeping, because ops arrive
// back to back; the spin is short (tens of µs) so an idle pool costs nothing.
constexpr int kSpinIters = 500;

// Claims and runs tasks of job `gen` until none is left; returns how many it ran.
int run_tasks(Pool* p, uint32_t gen) {
  const JobFn fn = p->fn.load(std::memory_order_acquire);
  void* const ctx = p->ctx.load(std::memory_order_acquire);
  const int n = p->ntasks.load(std::memory_order_acquire);
  int ran = 0;
  uint64_t cur = p->claim.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<uint32_t>(cur >> 32) != gen) return ran;
    const uint32_t next = static_cast<uint32_t>(cur);
    if (next >= static_cast<uint32_t>(n)) return ran;
    if (!p->claim.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    fn(ctx, static_cast<int>(next), n);
    p->done.fetch_add(1, std::memory_order_acq_rel);
    ++ran;
    cur = p->claim.load(std::memory_order_acquire);
  }
}

void worker_main(Pool* p) {
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = p->generation.load(std::memory_order_acquire);
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
    run_tasks(p, gen);
  }
}

void run_job(JobFn fn, void* ctx, int ntasks) {
  Pool* p = g_pool;
  std::unique_lock<std::mutex> busy(p->busy, std::try_to_lock);
  if (!busy.owns_lock()) {
    for (int i = 0; i < ntasks; ++i) fn(ctx, i, ntasks);
    return;
  }
  // NOTE: a late worker may still be inside run_tasks of the previous job.
  // The claim word moves to the new generation, closed (no task claimable),
  // before fn/ctx/ntasks change, so that worker's claims fail from here on
  // and whatever it read is never used; it opens after they are written.
  const uint32_t gen = p->generation.load(std::memory_order_relaxed) + 1;
  p->claim.store((static_cast<uint64_t>(gen) << 32) | 0xFFFFFFFFu, std::memory_order_seq_cst);
  p->fn.store(fn, std::memory_order_relaxed);
  p->ctx.store(ctx, std::memory_order_relaxed);
  p->ntasks.store(ntasks, std::memory_order_relaxed);
  p->done.store(0, std::memory_order_relaxed);
  p->claim.store(static_cast<uint64_t>(gen) << 32, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lk(p->m);
    p->generation.store(gen, std::memory_order_release);
  }
  p->cv.notify_all();
  run_tasks(p, gen);
  // Only tasks already claimed by workers can be outstanding here.
  int spins = 0;
  while (p->done.load(std::memory_order_acquire) != ntasks) {
    KD_PAUSE();
    if (++spins > 4096) std::this_thread::yield();
  }
}

}  // namespace

void pool_init(int nthreads) {
  if (g_pool != nullptr) return;
  g_pool = new Pool();  // NOTE: never freed: workers live as long as the process.
  g_pool->nthreads = nthreads < 1 ? 1 : nthreads;
  for (int i = 1; i < g_pool->nthreads; ++i) {
    g_pool->workers.emplace_back(worker_main, g_pool);
    g_pool->workers.back().detach();
  }
}

int pool_threads() { return g_pool == nullptr ? 1 : g_pool->nthreads; }

void pool_run(JobFn fn, void* ctx, int want) {
  const int nth = want < pool_threads() ? want : pool_threads();
  pool_run_tasks(fn, ctx, nth);
}

void pool_run_tasks(JobFn fn, void* ctx, int ntasks) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || g_pool == nullptr || g_pool->nthreads <= 1) {
    for (int i = 0; i < ntasks; ++i) fn(ctx, i, ntasks);
    return;
  }
  run_job(fn, ctx, ntasks);
}

}  // namespace kd
