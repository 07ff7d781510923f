#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::client {

/// Cuts a JSON Lines stream into batches of records for PushRecords.
///
/// A record is a line without its line end (`\n` or `\r\n`); blank lines
/// (only whitespace) are skipped. The records are not parsed: the daemon
/// validates them and names the position of a bad one. A batch holds whole
/// records up to about `max_batch_bytes`; a longer record goes alone in its
/// batch (the daemon's message limit decides about it). Memory stays at one
/// batch whatever the input size.
class JsonLinesBatcher {
 public:
  JsonLinesBatcher(std::istream& in, std::size_t max_batch_bytes);

  /// Replaces `records` with the next batch. Returns false (and leaves
  /// `records` empty) at the end of the input; an error when reading fails.
  Result<bool> Next(std::vector<std::string>& records);

  /// Records handed out so far.
  std::uint64_t records() const { return records_; }
  /// Lines read so far (blank ones included).
  std::uint64_t lines() const { return lines_; }

 private:
  // Reads the next non-blank line into `line`; false at the end.
  Result<bool> ReadRecord(std::string& line);

  std::istream& in_;
  std::size_t max_batch_bytes_;
  std::string pending_;  // read but not yet handed out (did not fit the last batch)
  bool has_pending_ = false;
  std::uint64_t records_ = 0;
  std::uint64_t lines_ = 0;
};

}  // namespace ingestd::client
