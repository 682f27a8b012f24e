// Strided iteration over up to four operands (ggml's ne/nb in elements):
// dimensions are coalesced, then a range of the flat index space is walked
// row by row, one callback per row, never one per element.
#pragma once
#include <cstdint>

namespace kd {

constexpr int kMaxDims = 16;
constexpr int kMaxOps = 4;

struct Iter {
  int nd = 0;
  int nops = 0;
  int64_t shape[kMaxDims];
  int64_t offset[kMaxOps];
  int64_t strides[kMaxOps][kMaxDims];

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= shape[d];
    return n;
  }

  // Drops size-1 dimensions and merges neighbours every operand walks
  // contiguously (the same rule as the js backend's coalesce).
  void coalesce() {
    int out = 0;
    for (int d = 0; d < nd; ++d) {
      const int64_t n = shape[d];
      if (n == 0) {
        nd = 1;
        shape[0] = 0;
        return;
      }
      if (n == 1) continue;
      bool merge = out > 0;
      for (int k = 0; merge && k < nops; ++k) merge = strides[k][out - 1] == strides[k][d] * n;
      if (merge) {
        shape[out - 1] *= n;
        for (int k = 0; k < nops; ++k) strides[k][out - 1] = strides[k][d];
      } else {
        shape[out] = n;
        for (int k = 0; k < nops; ++k) strides[k][out] = strides[k][d];
        ++out;
      }
    }
    nd = out;
  }
};

// Calls row(offs, len, pos) for the rows covering flat indices [start, end):
// offs[k] is operand k's element offset at flat index pos.
template <typename F>
void for_rows(const Iter& it, int64_t start, int64_t end, F&& row) {
  int64_t offs[kMaxOps];
  if (start >= end) return;
  if (it.nd == 0) {
    for (int k = 0; k < it.nops; ++k) offs[k] = it.offset[k];
    row(offs, int64_t(1), int64_t(0));
    return;
  }
  const int nd = it.nd;
  int64_t idx[kMaxDims];
  int64_t rem = start;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % it.shape[d];
    rem /= it.shape[d];
  }
  for (int k = 0; k < it.nops; ++k) {
    int64_t o = it.offset[k];
    for (int d = 0; d < nd; ++d) o += idx[d] * it.strides[k][d];
    offs[k] = o;
  }
  const int last = nd - 1;
  int64_t pos = start;
  while (pos < end) {
    int64_t len = it.shape[last] - idx[last];
    if (len > end - pos) len = end - pos;
    row(offs, len, pos);
    pos += len;
    if (pos >= end) break;
    // The row ended at the end of the last dimension: carry like an odometer.
    for (int k = 0; k < it.nops; ++k) offs[k] += (len - it.shape[last]) * it.strides[k][last];
    idx[last] = 0;
    for (int d = last - 1; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < it.nops; ++k) offs[k] += it.strides[k][d];
      if (idx[d] < it.shape[d]) break;
      for (int k = 0; k < it.nops; ++k) offs[k] -= it.shape[d] * it.strides[k][d];
      idx[d] = 0;
    }
  }
}

}  // namespace kd
