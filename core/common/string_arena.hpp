#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace ingestd {

/// Append-only storage for many small strings with stable addresses: the
/// views it returns stay valid until Clear(). Clear() keeps the first block,
/// so a batch that is filled and cleared in a loop stops allocating.
/// Not thread-safe.
class StringArena {
 public:
  explicit StringArena(std::size_t block_size = 64 * 1024) : block_size_(block_size) {}
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;
  StringArena(StringArena&&) = default;
  StringArena& operator=(StringArena&&) = default;

  /// Copies `s` into the arena and returns a view of the copy.
  std::string_view Store(std::string_view s) {
    if (s.empty()) return {};
    char* p = Allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  /// Uninitialized storage for `n` bytes (n > 0).
  char* Allocate(std::size_t n);

  /// Forgets every string; keeps one block for reuse.
  void Clear();

  /// Bytes held in blocks (for memory accounting).
  std::size_t bytes_reserved() const { return reserved_; }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };
  std::size_t block_size_;
  std::vector<Block> blocks_;
  std::size_t used_in_last_ = 0;
  std::size_t reserved_ = 0;
};

}  // namespace ingestd
