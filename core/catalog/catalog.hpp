#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::catalog {

/// The daemon's own records: pipelines as applied, runs, the events of each
/// run, contract changes and schema versions. Loaded data and load packages
/// are not here (they live in the destination and the data directory).
///
/// Two implementations: SQLite in the data directory (the default) and
/// PostgreSQL (several daemons sharing one deployment). Every method is
/// thread-safe and each call is one transaction. Times are Unix seconds
/// (fractional). The interface is shaped for sharing: run creation with an
/// idempotency key and ClaimRun are compare-and-set operations in the
/// database, not in memory, so two daemons on one catalog cannot start the
/// same run twice.

enum class RunStatus : std::uint8_t { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
/// "queued", "running", "succeeded", "failed", "cancelled" (stored so).
std::string_view RunStatusName(RunStatus status);
std::optional<RunStatus> ParseRunStatus(std::string_view name);
inline bool IsTerminal(RunStatus s) {
  return s == RunStatus::kSucceeded || s == RunStatus::kFailed || s == RunStatus::kCancelled;
}

enum class RunTrigger : std::uint8_t { kManual, kSchedule, kPush, kResume };
/// "manual", "schedule", "push", "resume".
std::string_view RunTriggerName(RunTrigger trigger);
std::optional<RunTrigger> ParseRunTrigger(std::string_view name);

struct PipelineRecord {
  std::string name;
  /// The spec as applied (canonical JSON text; secrets are references).
  std::string spec_json;
  /// 1 on creation; +1 for every apply that changed spec_json.
  std::int64_t version = 0;
  bool paused = false;
  double created_at = 0;
  double updated_at = 0;
};

struct PutPipelineResult {
  PipelineRecord pipeline;
  bool created = false;  // it did not exist
  bool changed = false;  // created, or spec_json differed (version went up)
};

struct RunRecord {
  /// Unique, chosen by the caller of CreateRun (e.g. "run-<16 hex>").
  std::string run_id;
  std::string pipeline;
  /// The pipeline version the run uses (its spec is fixed at creation).
  std::int64_t pipeline_version = 0;
  RunStatus status = RunStatus::kQueued;
  RunTrigger trigger = RunTrigger::kManual;
  /// Empty: none. Unique per pipeline when set.
  std::string idempotency_key;
  /// Token name of who started it ("scheduler" for schedules).
  std::string requested_by;
  double created_at = 0;
  double started_at = 0;   // 0 until running
  double finished_at = 0;  // 0 until terminal
  /// 0: no deadline. The server fails the run when it is still active then.
  double deadline_at = 0;
  /// For failed/cancelled runs: canonical code name ("INVALID_ARGUMENT",
  /// "DEADLINE_EXCEEDED", ...) and a message a person can act on.
  std::string error_code;
  std::string error_message;
  /// The final summary as JSON (the daemon's format), empty until terminal.
  std::string summary_json;
  bool cancel_requested = false;
  /// The daemon instance running it (empty while queued).
  std::string owner;
  /// For push runs: the staged input file (deleted when the run ends).
  std::string push_file;
};

struct RunFilter {
  /// Empty: every pipeline.
  std::string pipeline;
  /// Empty: every status.
  std::vector<RunStatus> statuses;
  /// At most this many (1..1000).
  std::size_t limit = 100;
  /// Page token: only runs strictly older than this run (ordered by
  /// created_at, then run_id, newest first). Empty: from the newest.
  std::string before_run_id;
};

/// One event of a run as stored (the daemon's encoding: `kind` names the
/// event, `payload_json` carries its fields).
struct StoredEvent {
  std::string run_id;
  /// 1, 2, ... per run, assigned by AppendEvent.
  std::int64_t sequence = 0;
  double time = 0;
  std::string kind;
  std::string payload_json;
};

struct ContractChange {
  std::string pipeline;
  /// Empty: the whole pipeline; else a root table name.
  std::string table;
  /// The contract as JSON (`{"tables": "evolve", "columns": "freeze"}`), or
  /// empty when the change cleared the override.
  std::string contract_json;
  std::string changed_by;
  double changed_at = 0;
};

struct SchemaVersionRecord {
  std::string pipeline;
  std::int64_t version = 0;
  std::string version_hash;
  std::string schema_json;
  double created_at = 0;
  /// The run that produced it (may be empty).
  std::string run_id;
};

class Catalog {
 public:
  virtual ~Catalog() = default;

  // ---- pipelines ----
  /// Creates the pipeline or, when spec_json differs from the stored one,
  /// replaces it and bumps its version. `paused` is left as it was.
  virtual Result<PutPipelineResult> PutPipeline(std::string_view name, std::string_view spec_json,
                                                double now) = 0;
  /// kNotFound when it does not exist.
  virtual Result<PipelineRecord> GetPipeline(std::string_view name) = 0;
  /// Ordered by name; at most `limit`, names strictly after `after_name`.
  virtual Result<std::vector<PipelineRecord>> ListPipelines(std::size_t limit,
                                                            std::string_view after_name) = 0;
  /// kNotFound when it does not exist. Also deletes its runs, events,
  /// contract changes and schema versions.
  virtual Status DeletePipeline(std::string_view name) = 0;
  /// kNotFound when it does not exist.
  virtual Result<PipelineRecord> SetPaused(std::string_view name, bool paused, double now) = 0;

  // ---- runs ----
  /// Inserts `run` (status queued). When it carries an idempotency key that
  /// an earlier run of the same pipeline used, nothing is inserted and that
  /// run is returned with `created` false.
  struct CreateRunResult {
    RunRecord run;
    bool created = false;
  };
  virtual Result<CreateRunResult> CreateRun(const RunRecord& run) = 0;
  /// kNotFound when it does not exist.
  virtual Result<RunRecord> GetRun(std::string_view run_id) = 0;
  /// The run of `pipeline` that used idempotency `key`, if any.
  virtual Result<std::optional<RunRecord>> FindRunByIdempotencyKey(std::string_view pipeline,
                                                                   std::string_view key) = 0;
  virtual Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) = 0;
  /// Queued → running for `owner`, if it is still queued: true when this
  /// call took it (compare-and-set; the lease of a shared catalog).
  virtual Result<bool> ClaimRun(std::string_view run_id, std::string_view owner, double now) = 0;
  /// Sets a terminal status with its error and summary. A run already
  /// terminal is left unchanged (returns false).
  virtual Result<bool> FinishRun(std::string_view run_id, RunStatus status, std::string_view error_code,
                                 std::string_view error_message, std::string_view summary_json,
                                 double now) = 0;
  virtual Status SetCancelRequested(std::string_view run_id) = 0;
  /// Runs in status queued or running, oldest first (start-up recovery).
  virtual Result<std::vector<RunRecord>> ListActiveRuns() = 0;
  /// The newest run of the pipeline that succeeded, if any.
  virtual Result<std::optional<RunRecord>> LastSucceededRun(std::string_view pipeline) = 0;

  // ---- run events ----
  /// Appends with the next sequence number of the run; returns it.
  virtual Result<std::int64_t> AppendEvent(std::string_view run_id, double time, std::string_view kind,
                                           std::string_view payload_json) = 0;
  /// Events with sequence > after_sequence, in order, at most `limit`.
  virtual Result<std::vector<StoredEvent>> ListEvents(std::string_view run_id, std::int64_t after_sequence,
                                                      std::size_t limit) = 0;

  // ---- contracts ----
  virtual Status AddContractChange(const ContractChange& change) = 0;
  /// Every change of the pipeline, oldest first.
  virtual Result<std::vector<ContractChange>> ListContractChanges(std::string_view pipeline) = 0;

  // ---- schema versions ----
  /// Records a version; a version the pipeline already has is left as is.
  virtual Status PutSchemaVersion(const SchemaVersionRecord& record) = 0;
  /// Newest first, without schema_json (it can be large).
  virtual Result<std::vector<SchemaVersionRecord>> ListSchemaVersions(std::string_view pipeline) = 0;
  /// kNotFound when the pipeline has no such version. version 0: the newest.
  virtual Result<SchemaVersionRecord> GetSchemaVersion(std::string_view pipeline, std::int64_t version) = 0;
};

/// Opens (creating tables if needed) the SQLite catalog at `path` (WAL mode).
Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path);

/// Opens the PostgreSQL catalog in `schema_name` (created if needed) of the
/// database `dsn` points to. Errors never include the DSN.
Result<std::unique_ptr<Catalog>> OpenPostgresCatalog(const std::string& dsn, const std::string& schema_name);

}  // namespace ingestd::catalog
