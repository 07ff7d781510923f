#include "core/package/item_file.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace ingestd::package {
namespace {

constexpr std::size_t kReadBufferSize = 256 * 1024;

}  // namespace

// ---------------------------------------------------------------------------
// ItemFileWriter

Result<ItemFileWriter> ItemFileWriter::Create(std::string extracted_dir, std::string resource, std::string table,
                                              const ItemFileOptions& options) {
  INGESTD_TRY(CheckFileNamePart("resource", resource));
  if (options.file_max_items == 0 || options.file_max_bytes == 0) {
    return InvalidArgument("item file limits must be positive");
  }
  ResourceFiles files;
  files.resource = std::move(resource);
  files.table = std::move(table);
  return ItemFileWriter(std::move(extracted_dir), std::move(files), options);
}

Status ItemFileWriter::Rotate() {
  if (current_) {
    INGESTD_TRY(current_->Sync());
    INGESTD_TRY(current_->Close());
    current_.reset();
    if (on_file_closed_) on_file_closed_(files_.files.size() - 1, files_.files.back());
  }
  std::string name = files_.resource + "." + std::to_string(files_.files.size()) + ".jsonl";
  INGESTD_ASSIGN_OR_RETURN(BufferedFileWriter out, BufferedFileWriter::Create(extracted_dir_ + "/" + name));
  current_.emplace(std::move(out));
  current_items_ = 0;
  files_.files.push_back("extracted/" + name);
  return OkStatus();
}

Status ItemFileWriter::Write(std::string_view item_json) {
  if (finished_) return FailedPrecondition("resource " + files_.resource + ": item written after Finish");
  if (std::memchr(item_json.data(), '\n', item_json.size()) != nullptr) {
    return InvalidArgument("resource " + files_.resource + ": item contains a newline byte");
  }
  const std::uint64_t size = item_json.size() + 1;
  if (!current_ || current_items_ >= options_.file_max_items ||
      (current_items_ > 0 && current_->bytes_written() + size > options_.file_max_bytes)) {
    Status rotated = Rotate();
    if (!rotated.ok()) return rotated.error().WithContext("resource " + files_.resource);
  }
  INGESTD_TRY(current_->Write(item_json));
  INGESTD_TRY(current_->Write("\n", 1));
  ++current_items_;
  ++files_.items;
  return OkStatus();
}

Result<ResourceFiles> ItemFileWriter::Finish() {
  if (finished_) return FailedPrecondition("resource " + files_.resource + ": Finish called twice");
  finished_ = true;
  if (current_) {
    INGESTD_TRY(current_->Sync());
    INGESTD_TRY(current_->Close());
    current_.reset();
    if (on_file_closed_) on_file_closed_(files_.files.size() - 1, files_.files.back());
  }
  return std::move(files_);
}

// ---------------------------------------------------------------------------
// ItemFileReader

ItemFileReader::ItemFileReader(std::string path, FileDescriptor fd, std::size_t max_line_bytes)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      max_line_bytes_(max_line_bytes),
      capacity_(std::min(kReadBufferSize, max_line_bytes + 1)) {
  buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
}

Result<ItemFileReader> ItemFileReader::Open(const std::string& path, std::size_t max_line_bytes) {
  if (max_line_bytes == 0) return InvalidArgument("max_line_bytes must be positive");
  INGESTD_ASSIGN_OR_RETURN(FileDescriptor fd, OpenForRead(path));
  return ItemFileReader(path, std::move(fd), max_line_bytes);
}

Result<bool> ItemFileReader::Next(std::string_view& line) {
  std::size_t scan = pos_;  // bytes before `scan` hold no newline
  while (true) {
    const void* nl = scan < end_ ? std::memchr(buffer_.get() + scan, '\n', end_ - scan) : nullptr;
    if (nl != nullptr) {
      const char* p = static_cast<const char*>(nl);
      std::size_t begin = pos_;
      pos_ = static_cast<std::size_t>(p - buffer_.get()) + 1;
      scan = pos_;
      if (p - buffer_.get() == static_cast<std::ptrdiff_t>(begin)) continue;  // empty line
      if (static_cast<std::size_t>(p - buffer_.get()) - begin > max_line_bytes_) {
        return ResourceExhausted("item file " + path_ + ": byte offset " + std::to_string(buffer_offset_ + begin) +
                                 ": line longer than " + std::to_string(max_line_bytes_) + " bytes");
      }
      line = std::string_view(buffer_.get() + begin, static_cast<std::size_t>(p - buffer_.get()) - begin);
      return true;
    }
    scan = end_;
    if (end_ - pos_ > max_line_bytes_) {
      return ResourceExhausted("item file " + path_ + ": byte offset " + std::to_string(buffer_offset_ + pos_) +
                               ": line longer than " + std::to_string(max_line_bytes_) + " bytes");
    }
    if (eof_) {
      if (pos_ == end_) return false;
      return DataLoss("item file " + path_ + ": byte offset " + std::to_string(buffer_offset_ + pos_) +
                      ": last line has no newline (the file was cut short)");
    }
    // Make room: drop consumed bytes, then grow (up to one max line) if full.
    if (pos_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + pos_, end_ - pos_);
      buffer_offset_ += pos_;
      end_ -= pos_;
      scan -= pos_;
      pos_ = 0;
    }
    if (end_ == capacity_) {
      std::size_t grown = std::min(capacity_ * 2, max_line_bytes_ + 1);
      auto bigger = std::make_unique_for_overwrite<char[]>(grown);
      std::memcpy(bigger.get(), buffer_.get(), end_);
      buffer_ = std::move(bigger);
      capacity_ = grown;
    }
    INGESTD_ASSIGN_OR_RETURN(std::size_t got, ReadUpTo(fd_.get(), path_, buffer_.get() + end_, capacity_ - end_));
    if (got == 0) eof_ = true;
    end_ += got;
  }
}

}  // namespace ingestd::package
