#include "core/destinations/destination.hpp"

#include <utility>

namespace ingestd::destinations {
namespace {

// For destinations without a streaming load: remembers the appended files
// and hands everything to Load() at Commit(), so the whole transaction still
// happens in one call (no overlap, same result).
class BufferedLoadSession final : public LoadSession {
 public:
  BufferedLoadSession(Destination& destination, LoadBegin begin)
      : destination_(destination), begin_(std::move(begin)) {}

  bool already_loaded() const override { return false; }

  Status Append(const schema::Schema& /*schema*/, const std::vector<TableLoad>& tables,
                std::stop_token /*stop*/) override {
    for (const TableLoad& t : tables) Add(t);
    return OkStatus();
  }

  Result<LoadResult> Commit(const LoadRequest& request, std::stop_token stop) override {
    if (request.load_id != begin_.load_id) {
      return Internal("load session " + begin_.load_id + " asked to commit load " + request.load_id);
    }
    for (const TableLoad& t : request.tables) Add(t);
    LoadRequest whole = request;
    whole.tables = std::move(tables_);
    tables_.clear();
    return destination_.Load(whole, std::move(stop));
  }

  // One entry per table (in the order tables first came), files in order.
  void Add(const TableLoad& t) {
    for (TableLoad& existing : tables_) {
      if (existing.table == t.table) {
        existing.files.insert(existing.files.end(), t.files.begin(), t.files.end());
        return;
      }
    }
    tables_.push_back(t);
  }

 private:
  Destination& destination_;
  LoadBegin begin_;
  std::vector<TableLoad> tables_;
};

}  // namespace

Result<std::unique_ptr<LoadSession>> Destination::BeginLoad(const LoadBegin& begin, std::stop_token /*stop*/) {
  if (begin.load_id.empty()) return InvalidArgument("load session without a load id");
  return std::unique_ptr<LoadSession>(std::make_unique<BufferedLoadSession>(*this, begin));
}

}  // namespace ingestd::destinations
