#include "core/common/string_arena.hpp"

#include <algorithm>

namespace ingestd {

char* StringArena::Allocate(std::size_t n) {
  if (blocks_.empty() || blocks_.back().size - used_in_last_ < n) {
    // Oversized strings get a block of their own so one huge value does not
    // make every later block huge.
    std::size_t size = std::max(block_size_, n);
    blocks_.push_back(Block{std::make_unique_for_overwrite<char[]>(size), size});
    reserved_ += size;
    used_in_last_ = 0;
  }
  char* p = blocks_.back().data.get() + used_in_last_;
  used_in_last_ += n;
  return p;
}

void StringArena::Clear() {
  if (blocks_.size() > 1 || (!blocks_.empty() && blocks_.front().size != block_size_)) {
    blocks_.clear();
    reserved_ = 0;
  }
  used_in_last_ = 0;
}

}  // namespace ingestd
