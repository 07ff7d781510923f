#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "core/common/result.hpp"
#include "core/destinations/destination.hpp"
#include "core/schema/schema.hpp"

namespace ingestd::pipeline {

/// Loads a package's load files on a thread of its own while the caller is
/// still normalizing: the destination's LoadSession takes each batch inside
/// the package's one transaction, and Finish() commits once normalization
/// is done. Nothing is visible in the destination before that commit, so a
/// failure anywhere (normalization, load, a crash) leaves the destination
/// as it was and the package pending, exactly as when the stages ran one
/// after the other.
///
/// The queue holds file lists, not data, so it needs no bound: when the
/// destination is slower, load files wait on disk, as they always did.
class BackgroundLoad {
 public:
  /// Starts the thread, which opens the load session (BeginLoad) first:
  /// at once, or with `open_now` false only once Open() or Finish() is
  /// called (batches submitted before wait in the queue). `run_stop`
  /// cancels the load (the session rolls back).
  BackgroundLoad(destinations::Destination& destination, destinations::LoadBegin begin, std::stop_token run_stop,
                 bool open_now = true);
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;
  /// Stops the thread and rolls back whatever was not committed.
  ~BackgroundLoad();

  /// Queues load files that are valid against `schema` (the merged schema
  /// after the job that wrote them; later batches may add columns).
  void Submit(std::shared_ptr<const schema::Schema> schema, std::vector<destinations::TableLoad> tables,
              std::uint64_t rows);

  /// Requested once the background load has failed on its own (not when
  /// the run was cancelled), so normalization can stop early; the error
  /// comes from Finish() or TakeError().
  std::stop_token failed() const { return failed_.get_token(); }

  /// Lets a loader created with `open_now` false open its session and load
  /// what was submitted so far. The runner opens the destination's
  /// transaction (and its lock) only once extraction over the network is
  /// done, so a slow API does not keep a transaction open for as long.
  void Open();

  /// Rows of the batches appended so far (for progress events).
  std::uint64_t rows_loaded() const { return rows_loaded_.load(std::memory_order_relaxed); }

  /// Waits until every queued batch is appended, then appends
  /// `request.tables` and commits `request` on the calling thread.
  Result<destinations::LoadResult> Finish(const destinations::LoadRequest& request);

  /// Stops the thread and returns its error if it failed on its own.
  std::optional<Error> Stop();

 private:
  struct Batch {
    std::shared_ptr<const schema::Schema> schema;
    std::vector<destinations::TableLoad> tables;
    std::uint64_t rows = 0;
  };

  void Loop(std::stop_token stop);
  void Join();

  destinations::Destination& destination_;
  destinations::LoadBegin begin_;
  std::stop_token run_stop_;
  std::stop_source failed_;
  std::atomic<std::uint64_t> rows_loaded_{0};
  std::atomic<bool> stopping_{false};  // Stop() was called

  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::vector<Batch> queue_;        // guarded by mutex_
  bool closed_ = false;             // guarded by mutex_: no more batches
  bool open_ = true;                // guarded by mutex_: the session may open
  std::optional<Error> error_;      // written by the thread before it ends
  std::unique_ptr<destinations::LoadSession> session_;  // the thread's until it ends

  std::jthread thread_;  // last: started after everything above exists
  std::optional<std::stop_callback<std::function<void()>>> on_run_stop_;
};

}  // namespace ingestd::pipeline
