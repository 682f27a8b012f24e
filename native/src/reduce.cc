// Reductions over the middle axis of a contiguous [outer, size, inner] array.
// NOTE: sum and prod accumulate in double for float32 too, as the js backend
// does (JS numbers are doubles), so long float32 sums keep their precision.
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "parallel.h"

namespace kd {
namespace {

constexpr int64_t kChunk = 256;  // inner columns reduced together (accumulators stay in L1)

template <typename T, typename O>
void sum_prod(bool prod, O* out, const T* x, int64_t outer, int64_t size, int64_t inner) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, (int64_t(1) << 15) / size), [&](int64_t s, int64_t e) {
      for (int64_t o = s; o < e; ++o) {
        const T* xp = x + o * size;
        if (prod) {
          double acc = 1;
          for (int64_t i = 0; i < size; ++i) acc *= xp[i];
          out[o] = static_cast<O>(acc);
        } else {
          double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
          int64_t i = 0;
          for (; i + 8 <= size; i += 8)
            for (int l = 0; l < 8; ++l) acc[l] += xp[i + l];
          double t = 0;
          for (int l = 0; l < 8; ++l) t += acc[l];
          for (; i < size; ++i) t += xp[i];
          out[o] = static_cast<O>(t);
        }
      }
    });
    return;
  }
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  const int64_t work = outer * chunks;
  parallel_for(work, std::max<int64_t>(1, (int64_t(1) << 15) / (size * kChunk)), [&](int64_t s, int64_t e) {
    double acc[kChunk];
    for (int64_t w = s; w < e; ++w) {
      const int64_t o = w / chunks, j0 = (w % chunks) * kChunk;
      const int64_t nj = std::min(kChunk, inner - j0);
      const T* xp = x + o * size * inner + j0;
      for (int64_t j = 0; j < nj; ++j) acc[j] = prod ? 1 : 0;
      for (int64_t i = 0; i < size; ++i, xp += inner) {
        if (prod)
          for (int64_t j = 0; j < nj; ++j) acc[j] *= xp[j];
        else
          for (int64_t j = 0; j < nj; ++j) acc[j] += xp[j];
      }
      for (int64_t j = 0; j < nj; ++j) out[o * inner + j0 + j] = static_cast<O>(acc[j]);
    }
  });
}

// NOTE: NaN wins and the first index of the extreme value is kept (PyTorch's
// rule, and the js backend's): once the best value is NaN it stays.
template <typename T, typename O>
void extreme(bool is_max, bool want_index, O* out, const T* x, int64_t outer, int64_t size, int64_t inner) {
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  parallel_for(outer * chunks, std::max<int64_t>(1, (int64_t(1) << 15) / (size * std::min(inner, kChunk))),
               [&](int64_t s, int64_t e) {
                 T best[kChunk];
                 int64_t best_i[kChunk];
                 for (int64_t w = s; w < e; ++w) {
                   const int64_t o = w / chunks, j0 = (w % chunks) * kChunk;
                   const int64_t nj = std::min(kChunk, inner - j0);
                   const T* xp = x + o * size * inner + j0;
                   for (int64_t j = 0; j < nj; ++j) {
                     best[j] = xp[j];
                     best_i[j] = 0;
                   }
                   for (int64_t i = 1; i < size; ++i) {
                     const T* row = xp + i * inner;
                     for (int64_t j = 0; j < nj; ++j) {
                       const T v = row[j];
                       const T b = best[j];
                       if (b != b) continue;
                       const bool better = is_max ? (v > b) : (v < b);
                       if (better || v != v) {
                         best[j] = v;
                         best_i[j] = i;
                       }
                     }
                   }
                   for (int64_t j = 0; j < nj; ++j)
                     out[o * inner + j0 + j] = want_index ? static_cast<O>(best_i[j]) : static_cast<O>(best[j]);
                 }
               });
}

template <typename T, typename O>
void reduce_typed(int op, O* out, const T* x, int64_t outer, int64_t size, int64_t inner) {
  switch (op) {
    case R_SUM: return sum_prod(false, out, x, outer, size, inner);
    case R_PROD: return sum_prod(true, out, x, outer, size, inner);
    case R_MAX: return extreme(true, false, out, x, outer, size, inner);
    case R_MIN: return extreme(false, false, out, x, outer, size, inner);
    case R_ARGMAX: return extreme(true, true, out, x, outer, size, inner);
    case R_ARGMIN: return extreme(false, true, out, x, outer, size, inner);
  }
}

template <typename T>
void reduce_from(int op, void* out, DType ot, const T* x, int64_t outer, int64_t size, int64_t inner) {
  switch (ot) {
    case DType::F32: return reduce_typed(op, static_cast<float*>(out), x, outer, size, inner);
    case DType::F64: return reduce_typed(op, static_cast<double*>(out), x, outer, size, inner);
    case DType::I32: return reduce_typed(op, static_cast<int32_t*>(out), x, outer, size, inner);
    case DType::U8: return;  // rejected by the binding layer
  }
}

}  // namespace

void reduce_kernel(int op, DType t, void* out, DType ot, const void* x, int64_t outer, int64_t size, int64_t inner) {
  if (t == DType::F32)
    reduce_from(op, out, ot, static_cast<const float*>(x), outer, size, inner);
  else
    reduce_from(op, out, ot, static_cast<const double*>(x), outer, size, inner);
}

}  // namespace kd
