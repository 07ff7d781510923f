#include "core/pipeline/background_load.hpp"

#include <utility>

namespace ingestd::pipeline {
namespace {

// Batches taken together become one Append: one COPY per table, with the
// newest schema (it contains every earlier one's columns).
void Coalesce(std::vector<destinations::TableLoad>& into, std::vector<destinations::TableLoad>&& tables) {
  for (destinations::TableLoad& t : tables) {
    bool found = false;
    for (destinations::TableLoad& existing : into) {
      if (existing.table != t.table) continue;
      existing.files.insert(existing.files.end(), std::make_move_iterator(t.files.begin()),
                            std::make_move_iterator(t.files.end()));
      found = true;
      break;
    }
    if (!found) into.push_back(std::move(t));
  }
}

}  // namespace

BackgroundLoad::BackgroundLoad(destinations::Destination& destination, destinations::LoadBegin begin,
                               std::stop_token run_stop, bool open_now)
    : destination_(destination), begin_(std::move(begin)), run_stop_(std::move(run_stop)), open_(open_now) {
  thread_ = std::jthread([this](std::stop_token stop) { Loop(std::move(stop)); });
  on_run_stop_.emplace(run_stop_, std::function<void()>([this] { thread_.request_stop(); }));
}

BackgroundLoad::~BackgroundLoad() {
  (void)Stop();
  session_.reset();  // rolls back an uncommitted transaction
}

void BackgroundLoad::Submit(std::shared_ptr<const schema::Schema> schema, std::vector<destinations::TableLoad> tables,
                            std::uint64_t rows) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Batch{std::move(schema), std::move(tables), rows});
  }
  changed_.notify_all();
}

void BackgroundLoad::Open() {
  {
    std::lock_guard lock(mutex_);
    open_ = true;
  }
  changed_.notify_all();
}

void BackgroundLoad::Loop(std::stop_token stop) {
  auto fail = [&](Error error) {
    error_ = std::move(error);
    // A cancelled run or a Stop() is not the loader's failure: the caller
    // reports its own error then.
    if (!run_stop_.stop_requested() && !stopping_.load()) failed_.request_stop();
  };
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, stop, [&] { return open_ || closed_; });
    if (stop.stop_requested()) {
      fail(Error(ErrorCode::kCancelled, "load " + begin_.load_id + " cancelled before it began"));
      return;
    }
  }
  Result<std::unique_ptr<destinations::LoadSession>> opened = destination_.BeginLoad(begin_, stop);
  if (!opened.ok()) {
    fail(std::move(opened).error());
    return;
  }
  session_ = std::move(opened).value();
  while (true) {
    std::vector<Batch> batches;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, stop, [&] { return !queue_.empty() || closed_; });
      if (stop.stop_requested()) {
        fail(Error(ErrorCode::kCancelled, "load " + begin_.load_id + " cancelled; rolled back"));
        return;
      }
      if (queue_.empty()) return;  // closed and drained
      batches.swap(queue_);
    }
    std::vector<destinations::TableLoad> tables;
    std::uint64_t rows = 0;
    for (Batch& b : batches) {
      Coalesce(tables, std::move(b.tables));
      rows += b.rows;
    }
    Status appended = session_->Append(*batches.back().schema, tables, stop);
    if (!appended.ok()) {
      fail(std::move(appended).error());
      return;
    }
    rows_loaded_.fetch_add(rows, std::memory_order_relaxed);
  }
}

void BackgroundLoad::Join() {
  if (thread_.joinable()) thread_.join();
}

std::optional<Error> BackgroundLoad::Stop() {
  stopping_.store(true);
  on_run_stop_.reset();
  thread_.request_stop();
  Join();
  if (failed_.stop_requested()) return error_;
  return std::nullopt;
}

Result<destinations::LoadResult> BackgroundLoad::Finish(const destinations::LoadRequest& request) {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
  Join();
  on_run_stop_.reset();
  if (error_) return *error_;
  if (!session_) return Internal("load " + begin_.load_id + ": the load session never opened");
  // The thread has ended (joined): the session is this thread's now.
  return session_->Commit(request, run_stop_);
}

}  // namespace ingestd::pipeline
