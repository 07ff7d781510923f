#include "client/jsonl_batcher.hpp"

namespace ingestd::client {
namespace {

// Protobuf's cost of one repeated string beyond its bytes: the tag and the
// length varint (at most 5 bytes below 4 GiB).
constexpr std::size_t kPerRecordOverhead = 6;

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r\f\v") == std::string::npos;
}

}  // namespace

JsonLinesBatcher::JsonLinesBatcher(std::istream& in, std::size_t max_batch_bytes)
    : in_(in), max_batch_bytes_(max_batch_bytes) {}

Result<bool> JsonLinesBatcher::ReadRecord(std::string& line) {
  while (std::getline(in_, line)) {
    ++lines_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!IsBlank(line)) return true;
  }
  if (in_.bad()) return InvalidArgument("read error after line " + std::to_string(lines_));
  return false;
}

Result<bool> JsonLinesBatcher::Next(std::vector<std::string>& records) {
  records.clear();
  std::size_t bytes = 0;
  for (;;) {
    std::string line;
    if (has_pending_) {
      line = std::move(pending_);
      has_pending_ = false;
    } else {
      INGESTD_ASSIGN_OR_RETURN(const bool more, ReadRecord(line));
      if (!more) break;
    }
    const std::size_t size = line.size() + kPerRecordOverhead;
    if (!records.empty() && bytes + size > max_batch_bytes_) {
      pending_ = std::move(line);
      has_pending_ = true;
      break;
    }
    bytes += size;
    records.push_back(std::move(line));
    ++records_;
    if (bytes >= max_batch_bytes_) break;
  }
  return !records.empty();
}

}  // namespace ingestd::client
