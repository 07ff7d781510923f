#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/catalog/catalog.hpp"
#include "core/common/result.hpp"

namespace ingestd::catalog {

/// The catalog's format version, kept in catalog_meta(key, value) as
/// `schema_version`. A later ingestd migrates older catalogs up; this one
/// refuses catalogs newer than it.
inline constexpr std::int64_t kCatalogSchemaVersion = 1;

/// kFailedPrecondition when a catalog's stored schema_version is newer than
/// kCatalogSchemaVersion, kDataLoss when it is not a number.
Status CheckCatalogSchemaVersion(std::string_view stored);

/// A statement parameter. Booleans are bound as 0/1 (both databases read
/// that into their boolean column).
using SqlValue = std::variant<std::string_view, std::int64_t, double>;

/// The rows of one query, read one at a time; columns are 0-based, in the
/// order of the SELECT list.
class SqlRows {
 public:
  virtual ~SqlRows() = default;
  /// Moves to the next row: false after the last one.
  virtual Result<bool> Next() = 0;
  /// Values of the current row (NULL reads as "" / 0).
  virtual std::string Text(int column) const = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual double Real(int column) const = 0;
  virtual bool Bool(int column) const = 0;
};

/// One open transaction on the catalog's database. SQL is written once for
/// both databases, with PostgreSQL's `$1`, `$2`, ... placeholders (the SQLite
/// session reads them as `?1`, `?2`, ...) and no `$` anywhere else. Values
/// are always parameters, never part of the SQL text. Errors name what the
/// transaction was doing.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  /// A statement that returns rows. Parameters are copied (the caller's
  /// strings need not outlive the call).
  virtual Result<std::unique_ptr<SqlRows>> Query(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  /// A statement without rows; returns how many rows it changed.
  virtual Result<std::int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& params) = 0;
};

/// What differs between the databases in the shared SQL.
struct SqlDialect {
  /// Put before every table name: "" (SQLite) or `"schema".` (PostgreSQL).
  std::string table_prefix;
  /// Row locks appended to a SELECT ("" where the database locks the whole
  /// file for a write transaction anyway, as SQLite's BEGIN IMMEDIATE does).
  std::string_view for_update;
  std::string_view for_share;
};

/// The Catalog logic shared by the SQLite and PostgreSQL catalogs: every
/// method is one call of Transact(). The statements are safe under
/// PostgreSQL's READ COMMITTED with several daemons on one catalog: writers
/// lock the rows they build on (a pipeline before adding runs to it, a run
/// before numbering its next event), and creation races end in `ON CONFLICT
/// DO NOTHING` followed by a read of the winner's row.
///
/// Beyond catalog.hpp: CreateRun, AddContractChange and PutSchemaVersion
/// return kNotFound for a pipeline that does not exist; CreateRun fills
/// pipeline_version 0 with the pipeline's current version and returns
/// kFailedPrecondition for a run_id already taken (without an idempotency
/// key match); ClaimRun, FinishRun, SetCancelRequested and AppendEvent return
/// kNotFound for an unknown run; ListRuns returns kNotFound for an unknown
/// before_run_id; empty names are kInvalidArgument.
class SqlCatalog : public Catalog {
 public:
  explicit SqlCatalog(SqlDialect dialect);

  Result<PutPipelineResult> PutPipeline(std::string_view name, std::string_view spec_json, double now) final;
  Result<PipelineRecord> GetPipeline(std::string_view name) final;
  Result<std::vector<PipelineRecord>> ListPipelines(std::size_t limit, std::string_view after_name) final;
  Status DeletePipeline(std::string_view name) final;
  Result<PipelineRecord> SetPaused(std::string_view name, bool paused, double now) final;

  Result<CreateRunResult> CreateRun(const RunRecord& run) final;
  Result<RunRecord> GetRun(std::string_view run_id) final;
  Result<std::optional<RunRecord>> FindRunByIdempotencyKey(std::string_view pipeline, std::string_view key) final;
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) final;
  Result<bool> ClaimRun(std::string_view run_id, std::string_view owner, double now) final;
  Result<bool> FinishRun(std::string_view run_id, RunStatus status, std::string_view error_code,
                         std::string_view error_message, std::string_view summary_json, double now) final;
  Status SetCancelRequested(std::string_view run_id) final;
  Result<std::vector<RunRecord>> ListActiveRuns() final;
  Result<std::optional<RunRecord>> LastSucceededRun(std::string_view pipeline) final;

  Result<std::int64_t> AppendEvent(std::string_view run_id, double time, std::string_view kind,
                                   std::string_view payload_json) final;
  Result<std::vector<StoredEvent>> ListEvents(std::string_view run_id, std::int64_t after_sequence,
                                              std::size_t limit) final;

  Status AddContractChange(const ContractChange& change) final;
  Result<std::vector<ContractChange>> ListContractChanges(std::string_view pipeline) final;

  Status PutSchemaVersion(const SchemaVersionRecord& record) final;
  Result<std::vector<SchemaVersionRecord>> ListSchemaVersions(std::string_view pipeline) final;
  Result<SchemaVersionRecord> GetSchemaVersion(std::string_view pipeline, std::int64_t version) final;

 protected:
  enum class Access : std::uint8_t { kRead, kWrite };
  using Body = std::function<Status(SqlSession&)>;

  /// Runs `body` as one transaction (committed when it returns Ok, rolled
  /// back otherwise), one at a time per catalog object. `what` ("creating
  /// run r1") goes into database errors. `body` may run more than once (a
  /// retry on a new connection), so it must not keep state between runs.
  virtual Status Transact(Access access, std::string_view what, const Body& body) = 0;

 private:
  template <class T, class F>
  Result<T> Transaction(Access access, std::string_view what, F&& body);

  // Helpers for use inside a transaction.
  Result<std::optional<PipelineRecord>> FindPipeline(SqlSession& session, std::string_view name, std::string_view lock);
  Result<std::optional<RunRecord>> FindRun(SqlSession& session, std::string_view run_id);
  Result<std::optional<RunRecord>> FindRunByKey(SqlSession& session, std::string_view pipeline, std::string_view key);
  Result<std::vector<RunRecord>> QueryRuns(SqlSession& session, std::string_view sql,
                                           const std::vector<SqlValue>& params);
  /// Rows changed 0: kNotFound when the run does not exist, else false.
  Result<bool> ChangedOrNotFound(SqlSession& session, std::int64_t changed, std::string_view run_id);

  SqlDialect dialect_;
  // Table names with the dialect's prefix.
  std::string pipelines_;
  std::string runs_;
  std::string run_events_;
  std::string contract_changes_;
  std::string schema_versions_;
};

}  // namespace ingestd::catalog
