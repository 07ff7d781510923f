#include "server/rpc/event_batch.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "server/runs/run_proto.hpp"

namespace ingestd::rpc {

void CoalesceProgress(std::vector<ingestd::v1::RunEvent>& batch) {
  // Walk backwards remembering the stages whose newest progress was kept.
  std::vector<std::string> seen;
  std::vector<bool> keep(batch.size(), true);
  for (std::size_t i = batch.size(); i-- > 0;) {
    if (batch[i].event_case() != ingestd::v1::RunEvent::kProgress) continue;
    const std::string& stage = batch[i].progress().stage();
    if (std::find(seen.begin(), seen.end(), stage) != seen.end()) {
      keep[i] = false;
    } else {
      seen.push_back(stage);
    }
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!keep[i]) continue;
    if (out != i) batch[out] = std::move(batch[i]);
    ++out;
  }
  batch.resize(out);
}

EventBatch DecodeEventBatch(const std::vector<catalog::StoredEvent>& stored, std::int64_t after_sequence) {
  EventBatch batch;
  batch.last_sequence = after_sequence;
  batch.events.reserve(stored.size());
  for (const catalog::StoredEvent& event : stored) {
    batch.last_sequence = std::max(batch.last_sequence, event.sequence);
    std::optional<ingestd::v1::RunEvent> decoded = runs::EventFromStored(event);
    if (decoded) {
      batch.events.push_back(std::move(*decoded));
    } else {
      ++batch.undecodable;
    }
  }
  CoalesceProgress(batch.events);
  return batch;
}

}  // namespace ingestd::rpc
