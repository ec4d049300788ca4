#pragma once
/// A vector whose resize() leaves new elements of a trivial type unwritten, for result arrays that
/// are written in full right after: value-initializing them would zero every page on the resizing
/// thread, and the later writes (on the worker threads) would touch the memory a second time.

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace tad {

/// std::allocator, except that an element constructed without arguments is default-initialized
/// (for a trivial type: not written at all).
template <typename T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;

  template <typename U>
  void construct(U* at) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(at)) U;
  }
  template <typename U, typename... Args>
  void construct(U* at, Args&&... args) {
    ::new (static_cast<void*>(at)) U(std::forward<Args>(args)...);
  }
};

template <typename T>
using UninitializedVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace tad
