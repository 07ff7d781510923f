#include "core/catalog/sql_catalog.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

namespace ingestd::catalog {
namespace {

// Column lists, in the order the readers below expect them.
constexpr std::string_view kPipelineColumns = "name, spec_json, version, paused, created_at, updated_at";
constexpr std::string_view kRunColumns =
    "run_id, pipeline, pipeline_version, status, run_trigger, idempotency_key, requested_by, created_at, "
    "started_at, finished_at, deadline_at, error_code, error_message, summary_json, cancel_requested, owner, "
    "push_file";
constexpr std::string_view kRunPlaceholders =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17";
constexpr std::string_view kEventColumns = "run_id, sequence, event_time, kind, payload_json";
constexpr std::string_view kContractColumns = "pipeline, table_name, contract_json, changed_by, changed_at";
// schema_json last, so listings can leave it out.
constexpr std::string_view kSchemaVersionColumns = "pipeline, version, version_hash, created_at, run_id";

constexpr std::size_t kMaxRunsPerPage = 1000;

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

// LIMIT takes a signed 64-bit count.
std::int64_t SqlLimit(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(n, kMax));
}

std::int64_t SqlBool(bool b) { return b ? 1 : 0; }

std::string Quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

Error PipelineNotFound(std::string_view name) { return NotFound("pipeline " + Quoted(name) + " does not exist"); }
Error RunNotFound(std::string_view run_id) { return NotFound("run " + Quoted(run_id) + " does not exist"); }

PipelineRecord ReadPipeline(const SqlRows& row) {
  PipelineRecord p;
  p.name = row.Text(0);
  p.spec_json = row.Text(1);
  p.version = row.Int(2);
  p.paused = row.Bool(3);
  p.created_at = row.Real(4);
  p.updated_at = row.Real(5);
  return p;
}

Result<RunRecord> ReadRun(const SqlRows& row) {
  RunRecord r;
  r.run_id = row.Text(0);
  r.pipeline = row.Text(1);
  r.pipeline_version = row.Int(2);
  const std::string status = row.Text(3);
  std::optional<RunStatus> parsed_status = ParseRunStatus(status);
  if (!parsed_status) return DataLoss("catalog: run " + Quoted(r.run_id) + " has unknown status " + Quoted(status));
  r.status = *parsed_status;
  const std::string trigger = row.Text(4);
  std::optional<RunTrigger> parsed_trigger = ParseRunTrigger(trigger);
  if (!parsed_trigger) {
    return DataLoss("catalog: run " + Quoted(r.run_id) + " has unknown trigger " + Quoted(trigger));
  }
  r.trigger = *parsed_trigger;
  r.idempotency_key = row.Text(5);
  r.requested_by = row.Text(6);
  r.created_at = row.Real(7);
  r.started_at = row.Real(8);
  r.finished_at = row.Real(9);
  r.deadline_at = row.Real(10);
  r.error_code = row.Text(11);
  r.error_message = row.Text(12);
  r.summary_json = row.Text(13);
  r.cancel_requested = row.Bool(14);
  r.owner = row.Text(15);
  r.push_file = row.Text(16);
  return r;
}

StoredEvent ReadEvent(const SqlRows& row) {
  return StoredEvent{row.Text(0), row.Int(1), row.Real(2), row.Text(3), row.Text(4)};
}

ContractChange ReadContractChange(const SqlRows& row) {
  return ContractChange{row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Real(4)};
}

SchemaVersionRecord ReadSchemaVersion(const SqlRows& row, bool with_schema) {
  SchemaVersionRecord v;
  v.pipeline = row.Text(0);
  v.version = row.Int(1);
  v.version_hash = row.Text(2);
  v.created_at = row.Real(3);
  v.run_id = row.Text(4);
  if (with_schema) v.schema_json = row.Text(5);
  return v;
}

// Every row of `rows`, decoded by `read` (which returns T or Result<T>).
template <class T, class Read>
Result<std::vector<T>> Collect(SqlRows& rows, Read&& read) {
  std::vector<T> out;
  while (true) {
    INGESTD_ASSIGN_OR_RETURN(bool more, rows.Next());
    if (!more) break;
    Result<T> item = read(rows);
    if (!item.ok()) return std::move(item).error();
    out.push_back(std::move(item).value());
  }
  return out;
}

// The run as CreateRun stores it: queued, with nothing of a later state.
RunRecord NewRun(const RunRecord& run) {
  RunRecord r = run;
  r.status = RunStatus::kQueued;
  r.started_at = 0;
  r.finished_at = 0;
  r.error_code.clear();
  r.error_message.clear();
  r.summary_json.clear();
  r.cancel_requested = false;
  r.owner.clear();
  return r;
}

std::vector<SqlValue> RunValues(const RunRecord& r) {
  return {r.run_id,
          r.pipeline,
          r.pipeline_version,
          RunStatusName(r.status),
          RunTriggerName(r.trigger),
          r.idempotency_key,
          r.requested_by,
          r.created_at,
          r.started_at,
          r.finished_at,
          r.deadline_at,
          r.error_code,
          r.error_message,
          r.summary_json,
          SqlBool(r.cancel_requested),
          r.owner,
          r.push_file};
}

}  // namespace

Status CheckCatalogSchemaVersion(std::string_view stored) {
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(stored.data(), stored.data() + stored.size(), version);
  if (ec != std::errc() || end != stored.data() + stored.size() || version < 1) {
    return DataLoss("catalog: schema_version " + Quoted(stored) + " is not a version number");
  }
  if (version > kCatalogSchemaVersion) {
    return FailedPrecondition("catalog: schema version " + std::to_string(version) +
                              " was written by a newer ingestd (this one knows up to " +
                              std::to_string(kCatalogSchemaVersion) + ")");
  }
  return OkStatus();
}

SqlCatalog::SqlCatalog(SqlDialect dialect)
    : dialect_(std::move(dialect)),
      pipelines_(dialect_.table_prefix + "pipelines"),
      runs_(dialect_.table_prefix + "runs"),
      run_events_(dialect_.table_prefix + "run_events"),
      contract_changes_(dialect_.table_prefix + "contract_changes"),
      schema_versions_(dialect_.table_prefix + "schema_versions") {}

template <class T, class F>
Result<T> SqlCatalog::Transaction(Access access, std::string_view what, F&& body) {
  std::optional<T> out;
  Status status = Transact(access, what, [&](SqlSession& session) -> Status {
    out.reset();
    Result<T> result = body(session);
    if (!result.ok()) return std::move(result).error();
    out.emplace(std::move(result).value());
    return OkStatus();
  });
  if (!status.ok()) return std::move(status).error();
  return std::move(*out);
}

// ---------------------------------------------------------------------------
// Helpers inside a transaction

Result<std::optional<PipelineRecord>> SqlCatalog::FindPipeline(SqlSession& session, std::string_view name,
                                                               std::string_view lock) {
  INGESTD_ASSIGN_OR_RETURN(
      std::unique_ptr<SqlRows> rows,
      session.Query(Cat({"SELECT ", kPipelineColumns, " FROM ", pipelines_, " WHERE name = $1", lock}), {name}));
  INGESTD_ASSIGN_OR_RETURN(bool found, rows->Next());
  if (!found) return std::optional<PipelineRecord>();
  return std::optional<PipelineRecord>(ReadPipeline(*rows));
}

Result<std::vector<RunRecord>> SqlCatalog::QueryRuns(SqlSession& session, std::string_view sql,
                                                     const std::vector<SqlValue>& params) {
  INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<SqlRows> rows, session.Query(sql, params));
  return Collect<RunRecord>(*rows, ReadRun);
}

Result<std::optional<RunRecord>> SqlCatalog::FindRun(SqlSession& session, std::string_view run_id) {
  INGESTD_ASSIGN_OR_RETURN(
      std::vector<RunRecord> runs,
      QueryRuns(session, Cat({"SELECT ", kRunColumns, " FROM ", runs_, " WHERE run_id = $1"}), {run_id}));
  if (runs.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(std::move(runs.front()));
}

Result<std::optional<RunRecord>> SqlCatalog::FindRunByKey(SqlSession& session, std::string_view pipeline,
                                                          std::string_view key) {
  INGESTD_ASSIGN_OR_RETURN(
      std::vector<RunRecord> runs,
      QueryRuns(session,
                Cat({"SELECT ", kRunColumns, " FROM ", runs_, " WHERE pipeline = $1 AND idempotency_key = $2"}),
                {pipeline, key}));
  if (runs.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(std::move(runs.front()));
}

Result<bool> SqlCatalog::ChangedOrNotFound(SqlSession& session, std::int64_t changed, std::string_view run_id) {
  if (changed > 0) return true;
  INGESTD_ASSIGN_OR_RETURN(std::optional<RunRecord> run, FindRun(session, run_id));
  if (!run) return RunNotFound(run_id);
  return false;
}

// ---------------------------------------------------------------------------
// Pipelines

Result<PutPipelineResult> SqlCatalog::PutPipeline(std::string_view name, std::string_view spec_json, double now) {
  if (name.empty()) return InvalidArgument("catalog: the pipeline name is empty");
  return Transaction<PutPipelineResult>(
      Access::kWrite, "putting pipeline " + Quoted(name), [&](SqlSession& s) -> Result<PutPipelineResult> {
        INGESTD_ASSIGN_OR_RETURN(std::optional<PipelineRecord> existing, FindPipeline(s, name, dialect_.for_update));
        if (!existing) {
          INGESTD_ASSIGN_OR_RETURN(std::int64_t inserted,
                                   s.Execute(Cat({"INSERT INTO ", pipelines_,
                                                  " (name, spec_json, version, paused, created_at, updated_at)"
                                                  " VALUES ($1, $2, 1, $3, $4, $5) ON CONFLICT DO NOTHING"}),
                                             {name, spec_json, SqlBool(false), now, now}));
          if (inserted == 1) {
            return PutPipelineResult{PipelineRecord{std::string(name), std::string(spec_json), 1, false, now, now},
                                     true, true};
          }
          // Another daemon created it after our read (PostgreSQL only; the
          // insert waited for its commit): carry on from its row.
          INGESTD_ASSIGN_OR_RETURN(existing, FindPipeline(s, name, dialect_.for_update));
          if (!existing) return Error(ErrorCode::kUnavailable, "catalog: pipeline " + Quoted(name) + " vanished");
        }
        PutPipelineResult out{*existing, false, false};
        if (existing->spec_json == spec_json) return out;
        INGESTD_ASSIGN_OR_RETURN(
            std::int64_t updated,
            s.Execute(Cat({"UPDATE ", pipelines_,
                           " SET spec_json = $2, version = version + 1, updated_at = $3 WHERE name = $1"}),
                      {name, spec_json, now}));
        (void)updated;
        out.pipeline.spec_json = std::string(spec_json);
        out.pipeline.version += 1;
        out.pipeline.updated_at = now;
        out.changed = true;
        return out;
      });
}

Result<PipelineRecord> SqlCatalog::GetPipeline(std::string_view name) {
  return Transaction<PipelineRecord>(
      Access::kRead, "reading pipeline " + Quoted(name), [&](SqlSession& s) -> Result<PipelineRecord> {
        INGESTD_ASSIGN_OR_RETURN(std::optional<PipelineRecord> p, FindPipeline(s, name, ""));
        if (!p) return PipelineNotFound(name);
        return std::move(*p);
      });
}

Result<std::vector<PipelineRecord>> SqlCatalog::ListPipelines(std::size_t limit, std::string_view after_name) {
  return Transaction<std::vector<PipelineRecord>>(
      Access::kRead, "listing pipelines", [&](SqlSession& s) -> Result<std::vector<PipelineRecord>> {
        INGESTD_ASSIGN_OR_RETURN(
            std::unique_ptr<SqlRows> rows,
            s.Query(Cat({"SELECT ", kPipelineColumns, " FROM ", pipelines_, " WHERE name > $1 ORDER BY name LIMIT $2"}),
                    {after_name, SqlLimit(limit)}));
        return Collect<PipelineRecord>(*rows, ReadPipeline);
      });
}

Status SqlCatalog::DeletePipeline(std::string_view name) {
  return Transact(Access::kWrite, "deleting pipeline " + Quoted(name), [&](SqlSession& s) -> Status {
    // The row lock waits for CreateRun and friends that hold it shared, so
    // the deletes below see their rows.
    INGESTD_ASSIGN_OR_RETURN(std::optional<PipelineRecord> p, FindPipeline(s, name, dialect_.for_update));
    if (!p) return PipelineNotFound(name);
    const std::string statements[] = {
        Cat({"DELETE FROM ", run_events_, " WHERE run_id IN (SELECT run_id FROM ", runs_, " WHERE pipeline = $1)"}),
        Cat({"DELETE FROM ", runs_, " WHERE pipeline = $1"}),
        Cat({"DELETE FROM ", contract_changes_, " WHERE pipeline = $1"}),
        Cat({"DELETE FROM ", schema_versions_, " WHERE pipeline = $1"}),
        Cat({"DELETE FROM ", pipelines_, " WHERE name = $1"}),
    };
    for (const std::string& sql : statements) {
      INGESTD_ASSIGN_OR_RETURN(std::int64_t deleted, s.Execute(sql, {name}));
      (void)deleted;
    }
    return OkStatus();
  });
}

Result<PipelineRecord> SqlCatalog::SetPaused(std::string_view name, bool paused, double now) {
  return Transaction<PipelineRecord>(
      Access::kWrite, "pausing pipeline " + Quoted(name), [&](SqlSession& s) -> Result<PipelineRecord> {
        INGESTD_ASSIGN_OR_RETURN(
            std::int64_t updated,
            s.Execute(Cat({"UPDATE ", pipelines_, " SET paused = $2, updated_at = $3 WHERE name = $1"}),
                      {name, SqlBool(paused), now}));
        if (updated == 0) return PipelineNotFound(name);
        INGESTD_ASSIGN_OR_RETURN(std::optional<PipelineRecord> p, FindPipeline(s, name, ""));
        if (!p) return PipelineNotFound(name);
        return std::move(*p);
      });
}

// ---------------------------------------------------------------------------
// Runs

Result<Catalog::CreateRunResult> SqlCatalog::CreateRun(const RunRecord& run) {
  if (run.run_id.empty()) return InvalidArgument("catalog: the run id is empty");
  if (run.pipeline.empty()) return InvalidArgument("catalog: run " + Quoted(run.run_id) + " names no pipeline");
  return Transaction<CreateRunResult>(
      Access::kWrite, "creating run " + Quoted(run.run_id), [&](SqlSession& s) -> Result<CreateRunResult> {
        // Shared lock: DeletePipeline cannot remove the pipeline under us.
        INGESTD_ASSIGN_OR_RETURN(std::optional<PipelineRecord> pipeline,
                                 FindPipeline(s, run.pipeline, dialect_.for_share));
        if (!pipeline) return PipelineNotFound(run.pipeline);
        if (!run.idempotency_key.empty()) {
          INGESTD_ASSIGN_OR_RETURN(std::optional<RunRecord> earlier,
                                   FindRunByKey(s, run.pipeline, run.idempotency_key));
          if (earlier) return CreateRunResult{std::move(*earlier), false};
        }
        RunRecord stored = NewRun(run);
        if (stored.pipeline_version == 0) stored.pipeline_version = pipeline->version;
        // DO NOTHING covers both unique keys (run_id and the idempotency
        // key): a concurrent CreateRun with the same key makes this wait for
        // its commit and then insert nothing.
        INGESTD_ASSIGN_OR_RETURN(std::int64_t inserted,
                                 s.Execute(Cat({"INSERT INTO ", runs_, " (", kRunColumns, ") VALUES (",
                                                kRunPlaceholders, ") ON CONFLICT DO NOTHING"}),
                                           RunValues(stored)));
        if (inserted == 1) return CreateRunResult{std::move(stored), true};
        if (!run.idempotency_key.empty()) {
          INGESTD_ASSIGN_OR_RETURN(std::optional<RunRecord> winner, FindRunByKey(s, run.pipeline, run.idempotency_key));
          if (winner) return CreateRunResult{std::move(*winner), false};
        }
        return FailedPrecondition("catalog: run " + Quoted(run.run_id) + " already exists");
      });
}

Result<RunRecord> SqlCatalog::GetRun(std::string_view run_id) {
  return Transaction<RunRecord>(Access::kRead, "reading run " + Quoted(run_id),
                                [&](SqlSession& s) -> Result<RunRecord> {
                                  INGESTD_ASSIGN_OR_RETURN(std::optional<RunRecord> run, FindRun(s, run_id));
                                  if (!run) return RunNotFound(run_id);
                                  return std::move(*run);
                                });
}

Result<std::optional<RunRecord>> SqlCatalog::FindRunByIdempotencyKey(std::string_view pipeline, std::string_view key) {
  return Transaction<std::optional<RunRecord>>(
      Access::kRead, "looking up idempotency key " + Quoted(key),
      [&](SqlSession& s) { return FindRunByKey(s, pipeline, key); });
}

Result<std::vector<RunRecord>> SqlCatalog::ListRuns(const RunFilter& filter) {
  return Transaction<std::vector<RunRecord>>(
      Access::kRead, "listing runs", [&](SqlSession& s) -> Result<std::vector<RunRecord>> {
        std::string sql = Cat({"SELECT ", kRunColumns, " FROM ", runs_, " WHERE TRUE"});
        std::vector<SqlValue> params;
        auto placeholder = [&params](SqlValue value) {
          params.push_back(value);
          return "$" + std::to_string(params.size());
        };
        if (!filter.pipeline.empty()) sql += " AND pipeline = " + placeholder(filter.pipeline);
        if (!filter.statuses.empty()) {
          sql += " AND status IN (";
          for (std::size_t i = 0; i < filter.statuses.size(); ++i) {
            if (i > 0) sql += ", ";
            sql += placeholder(RunStatusName(filter.statuses[i]));
          }
          sql += ")";
        }
        std::optional<RunRecord> before;
        if (!filter.before_run_id.empty()) {
          INGESTD_ASSIGN_OR_RETURN(before, FindRun(s, filter.before_run_id));
          if (!before) return NotFound("page token: run " + Quoted(filter.before_run_id) + " does not exist");
          const std::string at = placeholder(before->created_at);
          sql += " AND (created_at < " + at + " OR (created_at = " + at + " AND run_id < " +
                 placeholder(before->run_id) + "))";
        }
        const std::size_t limit = std::clamp<std::size_t>(filter.limit, 1, kMaxRunsPerPage);
        sql += " ORDER BY created_at DESC, run_id DESC LIMIT " + placeholder(SqlLimit(limit));
        return QueryRuns(s, sql, params);
      });
}

Result<bool> SqlCatalog::ClaimRun(std::string_view run_id, std::string_view owner, double now) {
  return Transaction<bool>(Access::kWrite, "claiming run " + Quoted(run_id), [&](SqlSession& s) -> Result<bool> {
    INGESTD_ASSIGN_OR_RETURN(
        std::int64_t changed,
        s.Execute(
            Cat({"UPDATE ", runs_, " SET status = $2, owner = $3, started_at = $4 WHERE run_id = $1 AND status = $5"}),
            {run_id, RunStatusName(RunStatus::kRunning), owner, now, RunStatusName(RunStatus::kQueued)}));
    return ChangedOrNotFound(s, changed, run_id);
  });
}

Result<bool> SqlCatalog::FinishRun(std::string_view run_id, RunStatus status, std::string_view error_code,
                                   std::string_view error_message, std::string_view summary_json, double now) {
  if (!IsTerminal(status)) {
    return InvalidArgument("catalog: cannot finish run " + Quoted(run_id) + " as " +
                           std::string(RunStatusName(status)) + " (not a terminal status)");
  }
  return Transaction<bool>(Access::kWrite, "finishing run " + Quoted(run_id), [&](SqlSession& s) -> Result<bool> {
    INGESTD_ASSIGN_OR_RETURN(
        std::int64_t changed,
        s.Execute(Cat({"UPDATE ", runs_,
                       " SET status = $2, error_code = $3, error_message = $4, summary_json = $5, finished_at = $6"
                       " WHERE run_id = $1 AND status IN ($7, $8)"}),
                  {run_id, RunStatusName(status), error_code, error_message, summary_json, now,
                   RunStatusName(RunStatus::kQueued), RunStatusName(RunStatus::kRunning)}));
    return ChangedOrNotFound(s, changed, run_id);
  });
}

Status SqlCatalog::SetCancelRequested(std::string_view run_id) {
  return Transact(Access::kWrite, "requesting cancellation of run " + Quoted(run_id), [&](SqlSession& s) -> Status {
    // A run that already ended keeps its record as it ended.
    INGESTD_ASSIGN_OR_RETURN(
        std::int64_t changed,
        s.Execute(Cat({"UPDATE ", runs_, " SET cancel_requested = $2 WHERE run_id = $1 AND status IN ($3, $4)"}),
                  {run_id, SqlBool(true), RunStatusName(RunStatus::kQueued), RunStatusName(RunStatus::kRunning)}));
    INGESTD_ASSIGN_OR_RETURN(bool found, ChangedOrNotFound(s, changed, run_id));
    (void)found;
    return OkStatus();
  });
}

Result<std::vector<RunRecord>> SqlCatalog::ListActiveRuns() {
  return Transaction<std::vector<RunRecord>>(
      Access::kRead, "listing active runs", [&](SqlSession& s) -> Result<std::vector<RunRecord>> {
        return QueryRuns(
            s, Cat({"SELECT ", kRunColumns, " FROM ", runs_, " WHERE status IN ($1, $2) ORDER BY created_at, run_id"}),
            {RunStatusName(RunStatus::kQueued), RunStatusName(RunStatus::kRunning)});
      });
}

Result<std::optional<RunRecord>> SqlCatalog::LastSucceededRun(std::string_view pipeline) {
  return Transaction<std::optional<RunRecord>>(
      Access::kRead, "reading the last successful run of " + Quoted(pipeline),
      [&](SqlSession& s) -> Result<std::optional<RunRecord>> {
        INGESTD_ASSIGN_OR_RETURN(
            std::vector<RunRecord> runs,
            QueryRuns(s,
                      Cat({"SELECT ", kRunColumns, " FROM ", runs_,
                           " WHERE pipeline = $1 AND status = $2 ORDER BY created_at DESC, run_id DESC LIMIT 1"}),
                      {pipeline, RunStatusName(RunStatus::kSucceeded)}));
        if (runs.empty()) return std::optional<RunRecord>();
        return std::optional<RunRecord>(std::move(runs.front()));
      });
}

// ---------------------------------------------------------------------------
// Run events

Result<std::int64_t> SqlCatalog::AppendEvent(std::string_view run_id, double time, std::string_view kind,
                                             std::string_view payload_json) {
  return Transaction<std::int64_t>(
      Access::kWrite, "appending an event to run " + Quoted(run_id), [&](SqlSession& s) -> Result<std::int64_t> {
        // Locking the run serializes appenders of one run across daemons,
        // so MAX(sequence) + 1 is free when we insert it.
        INGESTD_ASSIGN_OR_RETURN(
            std::unique_ptr<SqlRows> run,
            s.Query(Cat({"SELECT run_id FROM ", runs_, " WHERE run_id = $1", dialect_.for_update}), {run_id}));
        INGESTD_ASSIGN_OR_RETURN(bool found, run->Next());
        if (!found) return RunNotFound(run_id);
        INGESTD_ASSIGN_OR_RETURN(
            std::unique_ptr<SqlRows> last,
            s.Query(Cat({"SELECT COALESCE(MAX(sequence), 0) FROM ", run_events_, " WHERE run_id = $1"}), {run_id}));
        INGESTD_ASSIGN_OR_RETURN(bool has_row, last->Next());
        const std::int64_t sequence = (has_row ? last->Int(0) : 0) + 1;
        INGESTD_ASSIGN_OR_RETURN(
            std::int64_t inserted,
            s.Execute(Cat({"INSERT INTO ", run_events_, " (", kEventColumns, ") VALUES ($1, $2, $3, $4, $5)"}),
                      {run_id, sequence, time, kind, payload_json}));
        (void)inserted;
        return sequence;
      });
}

Result<std::vector<StoredEvent>> SqlCatalog::ListEvents(std::string_view run_id, std::int64_t after_sequence,
                                                        std::size_t limit) {
  return Transaction<std::vector<StoredEvent>>(
      Access::kRead, "listing the events of run " + Quoted(run_id),
      [&](SqlSession& s) -> Result<std::vector<StoredEvent>> {
        INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<SqlRows> rows,
                                 s.Query(Cat({"SELECT ", kEventColumns, " FROM ", run_events_,
                                              " WHERE run_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3"}),
                                         {run_id, after_sequence, SqlLimit(limit)}));
        return Collect<StoredEvent>(*rows, ReadEvent);
      });
}

// ---------------------------------------------------------------------------
// Contracts

Status SqlCatalog::AddContractChange(const ContractChange& change) {
  return Transact(
      Access::kWrite, "recording a contract change of " + Quoted(change.pipeline), [&](SqlSession& s) -> Status {
        INGESTD_ASSIGN_OR_RETURN(std::optional<PipelineRecord> p, FindPipeline(s, change.pipeline, dialect_.for_share));
        if (!p) return PipelineNotFound(change.pipeline);
        INGESTD_ASSIGN_OR_RETURN(
            std::int64_t inserted,
            s.Execute(Cat({"INSERT INTO ", contract_changes_, " (", kContractColumns, ") VALUES ($1, $2, $3, $4, $5)"}),
                      {change.pipeline, change.table, change.contract_json, change.changed_by, change.changed_at}));
        (void)inserted;
        return OkStatus();
      });
}

Result<std::vector<ContractChange>> SqlCatalog::ListContractChanges(std::string_view pipeline) {
  return Transaction<std::vector<ContractChange>>(
      Access::kRead, "listing the contract changes of " + Quoted(pipeline),
      [&](SqlSession& s) -> Result<std::vector<ContractChange>> {
        INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<SqlRows> rows,
                                 s.Query(Cat({"SELECT ", kContractColumns, " FROM ", contract_changes_,
                                              " WHERE pipeline = $1 ORDER BY changed_at, id"}),
                                         {pipeline}));
        return Collect<ContractChange>(*rows, ReadContractChange);
      });
}

// ---------------------------------------------------------------------------
// Schema versions

Status SqlCatalog::PutSchemaVersion(const SchemaVersionRecord& record) {
  if (record.version < 1) {
    return InvalidArgument("catalog: schema version " + std::to_string(record.version) + " of " +
                           Quoted(record.pipeline) + " is not positive");
  }
  return Transact(
      Access::kWrite, "recording schema version " + std::to_string(record.version) + " of " + Quoted(record.pipeline),
      [&](SqlSession& s) -> Status {
        INGESTD_ASSIGN_OR_RETURN(std::optional<PipelineRecord> p, FindPipeline(s, record.pipeline, dialect_.for_share));
        if (!p) return PipelineNotFound(record.pipeline);
        INGESTD_ASSIGN_OR_RETURN(
            std::int64_t inserted,
            s.Execute(Cat({"INSERT INTO ", schema_versions_, " (", kSchemaVersionColumns,
                           ", schema_json) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"}),
                      {record.pipeline, record.version, record.version_hash, record.created_at, record.run_id,
                       record.schema_json}));
        (void)inserted;
        return OkStatus();
      });
}

Result<std::vector<SchemaVersionRecord>> SqlCatalog::ListSchemaVersions(std::string_view pipeline) {
  return Transaction<std::vector<SchemaVersionRecord>>(
      Access::kRead, "listing the schema versions of " + Quoted(pipeline),
      [&](SqlSession& s) -> Result<std::vector<SchemaVersionRecord>> {
        INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<SqlRows> rows,
                                 s.Query(Cat({"SELECT ", kSchemaVersionColumns, " FROM ", schema_versions_,
                                              " WHERE pipeline = $1 ORDER BY version DESC"}),
                                         {pipeline}));
        return Collect<SchemaVersionRecord>(*rows, [](const SqlRows& row) { return ReadSchemaVersion(row, false); });
      });
}

Result<SchemaVersionRecord> SqlCatalog::GetSchemaVersion(std::string_view pipeline, std::int64_t version) {
  if (version < 0) return InvalidArgument("catalog: schema version " + std::to_string(version) + " is negative");
  return Transaction<SchemaVersionRecord>(
      Access::kRead, "reading schema version " + std::to_string(version) + " of " + Quoted(pipeline),
      [&](SqlSession& s) -> Result<SchemaVersionRecord> {
        const std::string select =
            Cat({"SELECT ", kSchemaVersionColumns, ", schema_json FROM ", schema_versions_, " WHERE pipeline = $1"});
        Result<std::unique_ptr<SqlRows>> rows = version == 0
                                                    ? s.Query(select + " ORDER BY version DESC LIMIT 1", {pipeline})
                                                    : s.Query(select + " AND version = $2", {pipeline, version});
        if (!rows.ok()) return std::move(rows).error();
        INGESTD_ASSIGN_OR_RETURN(bool found, (*rows)->Next());
        if (!found) {
          return NotFound(
              "pipeline " + Quoted(pipeline) + " has " +
              (version == 0 ? std::string("no schema versions") : "no schema version " + std::to_string(version)));
        }
        return ReadSchemaVersion(**rows, true);
      });
}

}  // namespace ingestd::catalog
