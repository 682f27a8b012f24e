// A growable, 64-byte aligned scratch buffer (packing panels, temporaries).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace kd {

template <typename T>
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { std::free(ptr_); }

  // At least n elements; contents are not preserved when it grows.
  T* get(size_t n) {
    if (n > cap_) {
      std::free(ptr_);
      size_t bytes = ((n * sizeof(T)) + 63) / 64 * 64;
      ptr_ = static_cast<T*>(std::aligned_alloc(64, bytes));
      if (ptr_ == nullptr) {
        cap_ = 0;
        throw std::bad_alloc();
      }
      cap_ = n;
    }
    return ptr_;
  }

 private:
  T* ptr_ = nullptr;
  size_t cap_ = 0;
};

}  // namespace kd
