// The GEMM driver (Goto/BLIS loop nest): blocks of B are packed into NR-wide
// panels shared by all threads, blocks of A into MR-high panels, and the
// register tiles of each block are split among the pool's threads.
#include "gemm.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "buffer.h"
#include "pool.h"

namespace kd {
namespace isa_portable {
#include "gemm_generic.h"
}

GemmKernels portable_gemm_kernels() {
  GemmKernels k;
  k.f32 = MicroKernel<float>{4, 8, 256, 128, 2048, isa_portable::ukr_generic<float, 4, 8>,
                             KD_GEMM_GENERIC_ENTRIES(isa_portable, float, 4, 8)};
  k.f64 = MicroKernel<double>{4, 4, 256, 128, 2048, isa_portable::ukr_generic<double, 4, 4>,
                              KD_GEMM_GENERIC_ENTRIES(isa_portable, double, 4, 4)};
  return k;
}

namespace {

GemmKernels g_kernels = portable_gemm_kernels();

template <typename T>
const MicroKernel<T>& kernel_for();
template <>
const MicroKernel<float>& kernel_for<float>() { return g_kernels.f32; }
template <>
const MicroKernel<double>& kernel_for<double>() { return g_kernels.f64; }

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

constexpr int kMaxTile = 16 * 32;  // largest MR * NR of any kernel

// Row blocks that threads claim one at a time (see split_job_fn).
struct RowClaim {
  std::atomic<int64_t> next{0};
  int64_t rows = 0;  // per claim, a multiple of MR
};

// One thread's GEMM on a block of C: c[m x n] (row stride ldc) (+)= bias + A B,
// where `bias` (data null: none) is a strided, possibly broadcast, [m x n] view.
// With `claim` (one k block and one n block only), the thread computes the
// row blocks it claims instead of all of them.
template <typename T>
void gemm_block(const MicroKernel<T>& K, T* c, int64_t ldc, const T* a, int64_t rsa, int64_t csa, const T* b,
                int64_t rsb, int64_t csb, int64_t m, int64_t n, int64_t k, bool accumulate, MatArg<T> bias,
                RowClaim* claim = nullptr);

// Writes bias into c[rows x cols] (adds it with `accumulate`).
template <typename T>
void add_bias(T* c, int64_t ldc, const T* bias, int64_t rs, int64_t cs, int64_t rows, int64_t cols, bool accumulate) {
  for (int64_t r = 0; r < rows; ++r) {
    T* cr = c + r * ldc;
    const T* br = bias + r * rs;
    if (accumulate) {
      for (int64_t j = 0; j < cols; ++j) cr[j] += br[j * cs];
    } else if (cs == 0) {
      for (int64_t j = 0; j < cols; ++j) cr[j] = br[0];
    } else {
      for (int64_t j = 0; j < cols; ++j) cr[j] = br[j * cs];
    }
  }
}

// Threads split C into independent blocks, each packing its own panels: no
// barriers, so a thread that the OS descheduled (2 cores shared by several
// processes) delays only its own block, never the others at a barrier.
template <typename T>
struct SplitJob {
  const MicroKernel<T>* K;
  T* c;
  const T* a;
  int64_t rsa, csa;
  const T* b;
  int64_t rsb, csb;
  int64_t m, n, k;
  bool accumulate;
  bool split_m;
  MatArg<T> bias;
  RowClaim* claim;  // split_m with one k and n block: rows claimed dynamically
};

template <typename T>
void split_job_fn(void* ctx, int ith, int nth) {
  const SplitJob<T>& J = *static_cast<SplitJob<T>*>(ctx);
  const MicroKernel<T>& K = *J.K;
  if (J.claim != nullptr) {
    // NOTE: threads claim row blocks as they go, so one the OS delays (the
    // other core runs V8's GC threads too) leaves its blocks to the others
    // instead of stalling the op at the end.
    gemm_block(K, J.c, J.n, J.a, J.rsa, J.csa, J.b, J.rsb, J.csb, J.m, J.n, J.k, J.accumulate, J.bias, J.claim);
  } else if (J.split_m) {
    const int64_t np = ceil_div(J.m, K.mr);
    const int64_t i0 = np * ith / nth * K.mr, i1 = min64(J.m, np * (ith + 1) / nth * K.mr);
    MatArg<T> bias = J.bias;
    if (bias.data != nullptr) bias.data += i0 * bias.rs;
    if (i1 > i0)
      gemm_block(K, J.c + i0 * J.n, J.n, J.a + i0 * J.rsa, J.rsa, J.csa, J.b, J.rsb, J.csb, i1 - i0, J.n, J.k, J.accumulate,
                 bias);
  } else {
    const int64_t np = ceil_div(J.n, K.nr);
    const int64_t j0 = np * ith / nth * K.nr, j1 = min64(J.n, np * (ith + 1) / nth * K.nr);
    MatArg<T> bias = J.bias;
    if (bias.data != nullptr) bias.data += j0 * bias.cs;
    if (j1 > j0)
      gemm_block(K, J.c + j0, J.n, J.a, J.rsa, J.csa, J.b + j0 * J.csb, J.rsb, J.csb, J.m, j1 - j0, J.k, J.accumulate, bias);
  }
}

template <typename T>
ScratchBuffer<T>& pack_buffer_a() {
  static thread_local ScratchBuffer<T> buf;
  return buf;
}
template <typename T>
ScratchBuffer<T>& pack_buffer_b() {
  static thread_local ScratchBuffer<T> buf;
  return buf;
}

template <typename T>
void gemm_block(const MicroKernel<T>& K, T* c, int64_t ldc, const T* a, int64_t rsa, int64_t csa, const T* b,
                int64_t rsb, int64_t csb, int64_t m, int64_t n, int64_t k, bool accumulate, MatArg<T> bias,
                RowClaim* claim) {
  const int MR = K.mr, NR = K.nr;
  // A task the caller runs after its own may find every row block claimed.
  if (claim != nullptr && claim->next.load(std::memory_order_relaxed) >= m) return;
  // Equal k blocks (k = 1100 runs as 2 x 550, not 1024 + 76): a short last
  // block pays a full pass over C for a fraction of the work.
  const int64_t kcb = ceil_div(k, ceil_div(k, K.kc));
  T* ap = pack_buffer_a<T>().get(static_cast<size_t>(ceil_div(min64(K.mc, m), MR) * MR * kcb));
  T* bp = pack_buffer_b<T>().get(static_cast<size_t>(ceil_div(min64(K.nc, n), NR) * NR * kcb));
  alignas(64) T tile[kMaxTile];
  for (int64_t jc = 0; jc < n; jc += K.nc) {
    const int64_t nc = min64(K.nc, n - jc);
    const int64_t npb = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < k; pc += kcb) {
      const int64_t kc = min64(kcb, k - pc);
      const int beta0 = (pc > 0 || accumulate) ? 1 : 0;
      for (int64_t jp = 0; jp < npb; ++jp) {
        const int64_t j0 = jc + jp * NR;
        K.pack_b(bp + jp * NR * kc, b + pc * rsb + j0 * csb, rsb, csb, kc, min64(NR, n - j0));
      }
      const int64_t step = claim != nullptr ? claim->rows : K.mc;
      for (int64_t ic = claim != nullptr ? claim->next.fetch_add(step) : 0; ic < m;
           ic = claim != nullptr ? claim->next.fetch_add(step) : ic + step) {
        const int64_t mc = min64(step, m - ic);
        const int64_t npa = ceil_div(mc, MR);
        for (int64_t ip = 0; ip < npa; ++ip) {
          const int64_t i0 = ic + ip * MR;
          K.pack_a(ap + ip * MR * kc, a + i0 * rsa + pc * csa, rsa, csa, min64(MR, m - i0), kc);
        }
        // B micro-panel outer: it stays in L1 (small k) or L2 while the A
        // block streams past it.
        for (int64_t jp = 0; jp < npb; ++jp) {
          const int64_t cols = min64(NR, nc - jp * NR);
          const T* bpp = bp + jp * NR * kc;
          for (int64_t ip = 0; ip < npa; ++ip) {
            const int64_t rows = min64(MR, mc - ip * MR);
            T* cp = c + (ic + ip * MR) * ldc + jc + jp * NR;
            const T* app = ap + ip * MR * kc;
            int beta = beta0;
            if (pc == 0 && bias.data != nullptr) {
              // NOTE: the bias goes into the C tile just before the kernel
              // adds to it, so the kernel's reload hits L1 (a separate pass
              // writing the bias into C first cost a pass over cold memory).
              add_bias(cp, ldc, bias.data + (ic + ip * MR) * bias.rs + (jc + jp * NR) * bias.cs, bias.rs, bias.cs, rows, cols,
                       accumulate);
              beta = 1;
            }
            if (rows == MR && cols == NR) {
              K.fn(kc, app, bpp, cp, ldc, beta);
            } else {
              K.fn(kc, app, bpp, tile, NR, 0);
              for (int64_t r = 0; r < rows; ++r)
                for (int64_t cc = 0; cc < cols; ++cc)
                  cp[r * ldc + cc] = beta ? cp[r * ldc + cc] + tile[r * NR + cc] : tile[r * NR + cc];
            }
          }
        }
      }
    }
  }
}

template <typename T>
bool use_direct(const MicroKernel<T>& K, int64_t m, int64_t n, int64_t k, int64_t csa, int64_t rsb, int64_t csb) {
  if (m * n * k <= 4096) return true;
  // NOTE: when C is narrower or shorter than half a register tile, most of
  // the tile would be padding; contiguous dot products (A rows against B
  // columns) waste nothing. This is the shape of a convolution's weight
  // gradient per sample (e.g. [16, 784] @ [784, 9]).
  if (csa == 1 && rsb == 1 && (n * 2 <= K.nr || m * 2 <= K.mr)) return true;
  // NOTE: a tiny k (an outer product, e.g. the first layer of the seed model,
  // k = 1) is faster as rows of axpy than packed: packing would cost more than
  // the multiply-adds.
  if (k <= 4 && csb == 1) return true;
  // Matrix-vector shapes waste most of a register tile.
  if (m == 1 && (csb == 1 || rsb == 1)) return true;
  if (n == 1) return true;
  return false;
}

template <typename T>
void gemm_one(T* c, const T* a, int64_t rsa, int64_t csa, const T* b, int64_t rsb, int64_t csb, int64_t m, int64_t n,
              int64_t k, bool accumulate, MatArg<T> bias, int want_threads) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (bias.data != nullptr) add_bias(c, n, bias.data, bias.rs, bias.cs, m, n, accumulate);
    else if (!accumulate) std::memset(c, 0, sizeof(T) * m * n);
    return;
  }
  const MicroKernel<T>& K = kernel_for<T>();
  if (use_direct<T>(K, m, n, k, csa, rsb, csb)) {
    if (bias.data != nullptr) {
      add_bias(c, n, bias.data, bias.rs, bias.cs, m, n, accumulate);
      accumulate = true;
    }
    K.direct(c, a, rsa, csa, b, rsb, csb, m, n, k, accumulate);
    return;
  }
  // NOTE: a thread costs a wake-up of a few microseconds; below ~2^18
  // multiply-adds one thread finishes first.
  int nth = (m * n * k < (int64_t(1) << 18)) ? 1 : want_threads;
  const int64_t pm = ceil_div(m, K.mr), pn = ceil_div(n, K.nr);
  // Split rows when there are enough row panels for every thread to get
  // several (B is then packed once per thread); else split columns.
  const bool split_m = pm >= 4 * nth || pm >= pn;
  const int64_t parts = split_m ? pm : pn;
  if (nth > parts) nth = static_cast<int>(parts);
  if (nth <= 1) {
    gemm_block(K, c, n, a, rsa, csa, b, rsb, csb, m, n, k, accumulate, bias);
    return;
  }
  RowClaim claim;
  const bool dynamic = split_m && k <= K.kc && n <= K.nc;
  if (dynamic) {
    // About four claims per thread, whole register tiles, at most mc rows.
    claim.rows = min64(K.mc, ceil_div(ceil_div(m, 4 * nth), K.mr) * K.mr);
  }
  SplitJob<T> J{&K, c, a, rsa, csa, b, rsb, csb, m, n, k, accumulate, split_m, bias, dynamic ? &claim : nullptr};
  pool_run(split_job_fn<T>, &J, nth);
}

template <typename T>
struct BatchJob {
  T* out;
  MatArg<T> a, b, bias;
  int64_t batch, m, n, k;
  bool accumulate;
};

template <typename T>
MatArg<T> batch_bias(const MatArg<T>& bias, int64_t bt) {
  return bias.data == nullptr ? bias : MatArg<T>{bias.data + bt * bias.bs, bias.bs, bias.rs, bias.cs};
}

// Task `ith` of `nth` runs its share of the products; there are more tasks
// than threads, claimed as threads get to them (see pool.cc).
template <typename T>
void batch_job_fn(void* ctx, int ith, int nth) {
  auto& J = *static_cast<BatchJob<T>*>(ctx);
  const int64_t b0 = J.batch * ith / nth, b1 = J.batch * (ith + 1) / nth;
  for (int64_t bt = b0; bt < b1; ++bt)
    gemm_one(J.out + bt * J.m * J.n, J.a.data + bt * J.a.bs, J.a.rs, J.a.cs, J.b.data + bt * J.b.bs, J.b.rs, J.b.cs, J.m,
             J.n, J.k, J.accumulate, batch_bias(J.bias, bt), 1);
}

constexpr int64_t kSumGroups = 8;

template <typename T>
struct SumJob {
  T* out;
  T* partials;  // groups - 1 arrays of m * n
  MatArg<T> a, b;
  int64_t batch, m, n, k;
  bool accumulate;
  int groups;
};

template <typename T>
void sum_job_fn(void* ctx, int g, int) {
  const SumJob<T>& J = *static_cast<SumJob<T>*>(ctx);
  const int64_t b0 = J.batch * g / J.groups, b1 = J.batch * (g + 1) / J.groups;
  T* dst = g == 0 ? J.out : J.partials + (g - 1) * J.m * J.n;
  for (int64_t bt = b0; bt < b1; ++bt)
    gemm_one(dst, J.a.data + bt * J.a.bs, J.a.rs, J.a.cs, J.b.data + bt * J.b.bs, J.b.rs, J.b.cs, J.m, J.n, J.k,
             bt > b0 || (g == 0 && J.accumulate), MatArg<T>{nullptr, 0, 0, 0}, 1);
}

}  // namespace

template <typename T>
void gemm_sum_batch(T* out, MatArg<T> a, MatArg<T> b, int64_t batch, int64_t m, int64_t n, int64_t k, bool accumulate) {
  if (m == 0 || n == 0) return;
  if (batch == 0 || k == 0) {
    if (!accumulate) std::memset(out, 0, sizeof(T) * m * n);
    return;
  }
  // NOTE: a product big enough for the pool to split by itself is summed one
  // after another, and so is a large output (no partials to allocate); the
  // groups are for the many small products of a convolution's weight
  // gradient ([144, 196] @ [196, 32] per sample), which one by one left the
  // second thread idle. (The size test is in double: broadcast operands can
  // make m * n * k larger than any array.)
  const bool small = m * n <= (int64_t(1) << 16) && static_cast<double>(m * n) * static_cast<double>(k) < 1048576.0;
  const int groups = small ? static_cast<int>(min64(batch, kSumGroups)) : 1;
  if (groups == 1) {
    for (int64_t bt = 0; bt < batch; ++bt)
      gemm_one(out, a.data + bt * a.bs, a.rs, a.cs, b.data + bt * b.bs, b.rs, b.cs, m, n, k, accumulate || bt > 0,
               MatArg<T>{nullptr, 0, 0, 0}, pool_threads());
    return;
  }
  std::vector<T> partials(static_cast<size_t>((groups - 1) * m * n));
  SumJob<T> J{out, partials.data(), a, b, batch, m, n, k, accumulate, groups};
  pool_run_tasks(sum_job_fn<T>, &J, groups);
  const int64_t mn = m * n;
  for (int g = 1; g < groups; ++g) {
    const T* p = partials.data() + (g - 1) * mn;
    for (int64_t i = 0; i < mn; ++i) out[i] += p[i];
  }
}

template void gemm_sum_batch<float>(float*, MatArg<float>, MatArg<float>, int64_t, int64_t, int64_t, int64_t, bool);
template void gemm_sum_batch<double>(double*, MatArg<double>, MatArg<double>, int64_t, int64_t, int64_t, int64_t, bool);

void set_gemm_path(KernelPath path) {
#if defined(__x86_64__) || defined(_M_X64)
  if (path == KernelPath::Avx512) {
    g_kernels = avx512_gemm_kernels();
    return;
  }
  if (path == KernelPath::Avx2Fma) {
    g_kernels = avx2_gemm_kernels();
    return;
  }
#endif
  (void)path;
  g_kernels = portable_gemm_kernels();
}

template <typename T>
void gemm(T* out, MatArg<T> a, MatArg<T> b, int64_t batch, int64_t m, int64_t n, int64_t k, bool accumulate,
          MatArg<T> bias) {
  const int64_t per = m * n * k;
  if (batch > 1 && per < (int64_t(1) << 20) && per * batch >= (int64_t(1) << 18) && pool_threads() > 1) {
    BatchJob<T> J{out, a, b, bias, batch, m, n, k, accumulate};
    // NOTE: up to four tasks per thread, not one fixed share each: nine
    // products on two threads were split 5 + 4, and the caller then waited
    // for a worker slowed by V8's collector threads on the other core.
    pool_run_tasks(batch_job_fn<T>, &J, static_cast<int>(min64(batch, 4 * pool_threads())));
    return;
  }
  for (int64_t bt = 0; bt < batch; ++bt)
    gemm_one(out + bt * m * n, a.data + bt * a.bs, a.rs, a.cs, b.data + bt * b.bs, b.rs, b.cs, m, n, k, accumulate,
             batch_bias(bias, bt), pool_threads());
}

template void gemm<float>(float*, MatArg<float>, MatArg<float>, int64_t, int64_t, int64_t, int64_t, bool, MatArg<float>);
template void gemm<double>(double*, MatArg<double>, MatArg<double>, int64_t, int64_t, int64_t, int64_t, bool,
                           MatArg<double>);

}  // namespace kd
