#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/catalog/catalog.hpp"
#include "ingestd/v1/control.pb.h"

namespace ingestd::rpc {

/// One fetch of WatchRun: the events to write, in order.
struct EventBatch {
  std::vector<ingestd::v1::RunEvent> events;
  /// The sequence of the last stored event read (the next fetch starts
  /// after it), or the `after_sequence` given when nothing was read.
  std::int64_t last_sequence = 0;
  /// Stored events that did not decode (skipped).
  std::size_t undecodable = 0;
};

/// Drops every `progress` event that a later `progress` event of the same
/// stage follows in `batch` (a slow reader gets the newest totals, not
/// every step); keeps every other kind and the order. Pure.
void CoalesceProgress(std::vector<ingestd::v1::RunEvent>& batch);

/// Decodes stored events (runs::EventFromStored) and coalesces progress.
EventBatch DecodeEventBatch(const std::vector<catalog::StoredEvent>& stored, std::int64_t after_sequence);

}  // namespace ingestd::rpc
