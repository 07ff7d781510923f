#include "core/pipeline/item_file_feed.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

namespace ingestd::pipeline {

Result<ItemFileFeed> ItemFileFeed::Create() {
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return Internal(std::string("item file feed: eventfd: ") + std::strerror(errno));
  return ItemFileFeed(package::FileDescriptor(fd));
}

ItemFileFeed::ItemFileFeed(package::FileDescriptor wake) : wake_(std::move(wake)) {}

void ItemFileFeed::Wake() {
  const std::uint64_t one = 1;
  // Only fails when the counter would overflow, which leaves it readable.
  (void)!::write(wake_.get(), &one, sizeof one);
}

void ItemFileFeed::AddFile(std::size_t resource, std::size_t index, std::string table, std::string relative) {
  {
    std::lock_guard lock(*mutex_);
    pending_.files.push_back(File{resource, index, std::move(table), std::move(relative)});
  }
  Wake();
}

void ItemFileFeed::EndResource(std::size_t resource, std::size_t files) {
  {
    std::lock_guard lock(*mutex_);
    pending_.ended.push_back(EndedResource{resource, files});
  }
  Wake();
}

void ItemFileFeed::End(std::size_t resources) {
  {
    std::lock_guard lock(*mutex_);
    pending_.resources = resources;
  }
  Wake();
}

ItemFileFeed::Batch ItemFileFeed::Take() {
  std::uint64_t ignored = 0;
  // Drain the counter first: whatever is added after this wakes it again.
  (void)!::read(wake_.get(), &ignored, sizeof ignored);
  std::lock_guard lock(*mutex_);
  Batch out = std::move(pending_);
  pending_ = Batch{};
  return out;
}

Status ItemFileFeed::WaitForInput(const std::stop_token& stop) const {
  while (!stop.stop_requested()) {
    pollfd fd{wake_.get(), POLLIN, 0};
    const int ready = ::poll(&fd, 1, 100);
    if (ready > 0) return OkStatus();
    if (ready < 0 && errno != EINTR) {
      return Internal(std::string("item file feed: poll: ") + std::strerror(errno));
    }
  }
  return Error(ErrorCode::kCancelled, "run cancelled during normalize");
}

}  // namespace ingestd::pipeline
