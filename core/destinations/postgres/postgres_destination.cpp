#include "core/destinations/postgres/postgres_destination.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/digest.hpp"
#include "core/destinations/postgres/pg_connection.hpp"
#include "core/destinations/postgres/pg_copy_binary.hpp"
#include "core/destinations/postgres/pg_copy_text.hpp"
#include "core/destinations/postgres/pg_type_mapping.hpp"
#include "core/package/load_file.hpp"
#include "core/schema/schema_json.hpp"

namespace ingestd::destinations::postgres {
namespace {

using schema::ColumnHint;
using schema::ColumnSchema;
using schema::DataType;
using schema::MergeStrategy;
using schema::TableSchema;
using schema::WriteDisposition;

constexpr std::size_t kMaxIdentifierLength = 63;  // NAMEDATALEN - 1
constexpr std::size_t kCopyChunkBytes = 1u << 20;
constexpr std::string_view kValidFrom = "_dlt_valid_from";
constexpr std::string_view kValidTo = "_dlt_valid_to";
constexpr std::string_view kTimestampTz = "timestamp with time zone";

std::string TimestampLiteral(double unix_seconds) {
  std::string out;
  AppendTimestampLiteral(out, std::llround(unix_seconds * 1e6));
  return out;
}

std::string DoubleText(double v) {
  std::string out;
  AppendDoubleLiteral(out, v);
  return out;
}

// ---------------------------------------------------------------------------
// Table definitions.

struct ColumnDef {
  std::string name;
  std::string type;  // as format_type() prints it
  bool nullable = true;
  bool unique = false;
};

/// A table as the destination should have it.
struct TablePlan {
  const TableSchema* table = nullptr;
  std::vector<ColumnDef> columns;  // complete schema columns, then added scd2 validity columns
};


bool HasExtraTrue(const ColumnSchema& c, std::string_view key) {
  for (const auto& [k, v] : c.extra) {
    if (k == key && v == "true") return true;
  }
  return false;
}

// The column carrying a role in an scd2 table: the one marked with `x_key`,
// else the default name.
std::string Scd2Column(const TableSchema& table, std::string_view x_key, std::string_view fallback) {
  for (const ColumnSchema& c : table.columns()) {
    if (c.IsComplete() && HasExtraTrue(c, x_key)) return c.name;
  }
  return std::string(fallback);
}

// "numeric(38,9)" -> "numeric"; "timestamp(6) with time zone" -> "timestamp
// with time zone". Modifiers are not compared: dlt never retypes, and a
// narrower precision set by hand is the owner's choice.
std::string BaseType(std::string_view type) {
  std::string out;
  int depth = 0;
  for (char c : type) {
    if (c == '(') ++depth;
    if (depth == 0) out.push_back(c);
    if (c == ')' && depth > 0) --depth;
  }
  if (out == "text") out = "character varying";
  return out;
}

bool TypesCompatible(std::string_view existing, std::string_view wanted) {
  return existing == wanted || BaseType(existing) == BaseType(wanted);
}

std::string ColumnDdl(const ColumnDef& c, bool with_not_null, bool with_unique) {
  std::string out = QuoteIdent(c.name) + " " + c.type;
  if (with_unique && c.unique) out += " UNIQUE";
  if (with_not_null && !c.nullable) out += " NOT NULL";
  return out;
}

std::string JoinQuoted(const std::vector<std::string>& names, std::string_view prefix = {}) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out.append(prefix).append(QuoteIdent(n));
  }
  return out;
}

std::vector<std::string> CompleteColumnNames(const TableSchema& t) {
  std::vector<std::string> out;
  for (const ColumnSchema& c : t.columns()) {
    if (c.IsComplete()) out.push_back(c.name);
  }
  return out;
}

std::vector<std::string> ColumnsWithHint(const TableSchema& t, ColumnHint hint) {
  std::vector<std::string> out;
  for (const ColumnSchema& c : t.columns()) {
    if (c.IsComplete() && c.HasHint(hint)) out.push_back(c.name);
  }
  return out;
}

/// Existing columns of the dataset: table -> (column, format_type) in
/// attribute order.
using Catalog = schema::StringMap<std::vector<std::pair<std::string, std::string>>>;

Error Cancelled(std::string_view load_id) {
  return Error(ErrorCode::kCancelled, "load " + std::string(load_id) + " cancelled; rolled back");
}

// ---------------------------------------------------------------------------

class PostgresDestination final : public Destination {
 public:
  PostgresDestination(PostgresConfig config, PgConnection conn)
      : config_(std::move(config)), conn_(std::move(conn)) {}

  std::string_view Kind() const override { return "postgres"; }
  std::size_t MaxIdentifierLength() const override { return kMaxIdentifierLength; }

  Result<bool> IsLoaded(std::string_view load_id) override {
    INGESTD_TRY(EnsureConnected());
    INGESTD_ASSIGN_OR_RETURN(bool exists, TableExists(config_.dataset, schema::kLoadsTableName));
    if (!exists) return false;
    return LoadIdPresent(load_id);
  }

  Result<LoadResult> Load(const LoadRequest& request, std::stop_token stop) override {
    if (request.schema == nullptr) return InvalidArgument("load " + request.load_id + ": no schema");
    LoadBegin begin{request.load_id, request.pipeline_name, request.replace_tables, request.created_at,
                    request.checkpoint};
    INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<LoadSession> session, BeginLoad(begin, stop));
    return session->Commit(request, stop);
  }

  Result<std::unique_ptr<LoadSession>> BeginLoad(const LoadBegin& begin, std::stop_token stop) override;

  // What one load's transaction has done so far (PgLoadSession holds it).
  struct SessionState {
    LoadBegin begin;
    bool open = false;            // BEGIN was sent and neither COMMIT nor ROLLBACK yet
    bool already_loaded = false;  // the load id is in `_dlt_loads`: nothing to do
    bool failed = false;          // a call failed and rolled back: the session is over
    Catalog catalog;              // the dataset's tables, kept current with our own DDL
    schema::StringMap<std::vector<std::string>> staging;  // staging table -> its columns
    std::vector<std::string> truncated;    // replaced tables emptied so far
    std::vector<std::string> merge_roots;  // roots of merge chains with rows, in order seen
    // UNIQUE constraints of tables this transaction created, added once
    // their rows are in: one sorted index build instead of an index
    // insertion per row (most of PostgreSQL's CPU in a first load).
    std::vector<std::pair<std::string, std::string>> deferred_unique;  // table, column
    LoadResult result;
  };

  std::string LoadContext(std::string_view load_id) const {
    return "postgres load " + std::string(load_id) + " into " + config_.dataset;
  }

  // BEGIN, the per-dataset lock, the idempotence check and the catalog.
  Status SessionBegin(SessionState& st, std::stop_token stop) {
    const std::string& load_id = st.begin.load_id;
    if (load_id.empty()) return InvalidArgument("load request without a load id");
    INGESTD_TRY(EnsureConnected());
    INGESTD_TRY(conn_.Exec("BEGIN"));
    st.open = true;
    checkpoint_ = &st.begin.checkpoint;
    copy_calls_ = 0;
    if (stop.stop_requested()) return Cancelled(load_id);
    // Loads into one dataset take turns; the lock ends with the transaction.
    INGESTD_TRY(conn_.ExecParams("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                 {"ingestd:" + config_.dataset}));
    INGESTD_ASSIGN_OR_RETURN(bool has_loads, TableExists(config_.dataset, schema::kLoadsTableName));
    if (has_loads) {
      INGESTD_ASSIGN_OR_RETURN(bool loaded, LoadIdPresent(load_id));
      if (loaded) {
        st.already_loaded = true;
        SessionRollback(st);
        return OkStatus();
      }
    }
    INGESTD_TRY(conn_.Exec("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(config_.dataset)));
    INGESTD_ASSIGN_OR_RETURN(st.catalog, ReadCatalog(config_.dataset));
    return OkStatus();
  }

  void SessionRollback(SessionState& st) {
    if (st.open && conn_.IsUsable()) {
      Result<PgResult> rolled_back = conn_.Exec("ROLLBACK");
      (void)rolled_back;  // the first error is the one worth reporting
    }
    st.open = false;
    checkpoint_ = nullptr;
  }

  // DDL for what `s` needs, then the rows of `tables`.
  Status SessionAppend(SessionState& st, const schema::Schema& s, const std::vector<TableLoad>& tables,
                       bool with_state, std::stop_token stop) {
    const std::string& load_id = st.begin.load_id;
    if (stop.stop_requested()) return Cancelled(load_id);
    for (const TableLoad& tl : tables) {
      const TableSchema* t = s.FindTable(tl.table);
      if (t == nullptr || !t->HasCompleteColumns()) {
        return InvalidArgument("table " + tl.table +
                               " has load files but no complete columns in schema " + s.name());
      }
      if (s.RootTableOf(tl.table) == nullptr) return InvalidArgument("table " + tl.table + ": broken parent chain");
    }
    INGESTD_ASSIGN_OR_RETURN(std::vector<TablePlan> plans, PlanTables(s, with_state));
    INGESTD_TRY(Migrate(plans, st.catalog, &st.deferred_unique, stop, load_id));
    for (const TableLoad& tl : tables) {
      if (stop.stop_requested()) return Cancelled(load_id);
      const TableSchema& t = *s.FindTable(tl.table);
      const std::string& root = s.RootTableOf(tl.table)->name();
      const bool staged = s.ResolveWriteDisposition(tl.table) == WriteDisposition::kMerge;
      if (staged) {
        if (!Contains(st.merge_roots, root)) st.merge_roots.push_back(root);
        INGESTD_TRY(EnsureStaging(st, t));
      } else if (Contains(st.begin.replace_tables, root) && !Contains(st.truncated, t.name())) {
        // replace is truncate-and-insert: empty the table before its first rows.
        INGESTD_TRY(RunSql({"TRUNCATE TABLE " + Qualified(t.name())}, stop, load_id));
        st.truncated.push_back(t.name());
      }
      Result<std::uint64_t> rows =
          CopyTable(tl, t, staged ? Staged(t.name()) : Qualified(t.name()), stop, load_id);
      if (!rows.ok()) return rows.error().WithContext("table " + tl.table);
      auto it = std::find_if(st.result.rows_per_table.begin(), st.result.rows_per_table.end(),
                             [&](const auto& e) { return e.first == tl.table; });
      if (it == st.result.rows_per_table.end()) {
        st.result.rows_per_table.emplace_back(tl.table, *rows);
      } else {
        it->second += *rows;
      }
    }
    return OkStatus();
  }

  // The rest of the package on the final schema, then COMMIT.
  Result<LoadResult> SessionCommit(SessionState& st, const LoadRequest& request, std::stop_token stop) {
    const std::string& load_id = st.begin.load_id;
    if (request.schema == nullptr) return InvalidArgument("load " + load_id + ": no schema");
    if (request.load_id != load_id) {
      return Internal("load session " + load_id + " asked to commit load " + request.load_id);
    }
    const schema::Schema& s = *request.schema;
    INGESTD_TRY(SessionAppend(st, s, request.tables, request.state.has_value(), stop));
    INGESTD_TRY(AddDeferredUnique(st, stop));

    // merge: staging for every table of the chains, also those without rows.
    for (std::size_t i = 0; i < st.merge_roots.size(); ++i) {
      const TableSchema* root = s.FindTable(st.merge_roots[i]);
      if (root == nullptr) return InvalidArgument("merge table " + st.merge_roots[i] + " is not in the schema");
      INGESTD_TRY(EnsureStaging(st, *root));
      for (const TableSchema* t : ChainOf(s, *root)) INGESTD_TRY(EnsureStaging(st, *t));
    }

    // replace: empty the rest of the replaced chains (tables without rows).
    std::string truncate;
    for (const std::string& name : request.replace_tables) {
      const TableSchema* root = s.FindTable(name);
      if (root == nullptr) return InvalidArgument("replace table " + name + " is not in the schema");
      std::vector<const TableSchema*> chain = ChainOf(s, *root);
      chain.insert(chain.begin(), root);
      for (const TableSchema* t : chain) {
        if (!t->HasCompleteColumns() || Contains(st.truncated, t->name())) continue;
        truncate += (truncate.empty() ? "TRUNCATE TABLE " : ", ") + Qualified(t->name());
        st.truncated.push_back(t->name());
      }
    }
    if (!truncate.empty()) INGESTD_TRY(RunSql({truncate}, stop, load_id));

    // Merge.
    for (std::size_t i = 0; i < st.merge_roots.size(); ++i) {
      const TableSchema& root = *s.FindTable(st.merge_roots[i]);
      const std::vector<const TableSchema*> nested = ChainOf(s, root);
      const MergeStrategy strategy = s.ResolveMergeStrategy(root.name()).value_or(MergeStrategy::kDeleteInsert);
      Status merged;
      switch (strategy) {
        case MergeStrategy::kDeleteInsert:
          merged = MergeDeleteInsert(root, nested, static_cast<int>(i), stop, load_id);
          break;
        case MergeStrategy::kUpsert: merged = MergeUpsert(root, nested, false, stop, load_id); break;
        case MergeStrategy::kInsertOnly: merged = MergeUpsert(root, nested, true, stop, load_id); break;
        case MergeStrategy::kScd2:
          merged = MergeScd2(root, nested, request.created_at, stop, load_id);
          break;
      }
      if (!merged.ok()) {
        return merged.error().WithContext("merge (" + std::string(schema::MergeStrategyName(strategy)) +
                                          ") of table " + root.name());
      }
    }
    INGESTD_TRY(InsertSystemRows(request, stop));
    if (st.begin.checkpoint) st.begin.checkpoint("commit");
    if (auto committed = conn_.Exec("COMMIT"); !committed.ok()) {
      st.open = false;  // a failed COMMIT ends the transaction too
      return committed.error().WithContext("COMMIT");
    }
    st.open = false;
    checkpoint_ = nullptr;
    return st.result;
  }

  Result<StoredPipeline> Restore(std::string_view pipeline_name,
                                 std::string_view schema_name) override {
    INGESTD_TRY(EnsureConnected());
    StoredPipeline out;
    INGESTD_ASSIGN_OR_RETURN(bool has_versions, TableExists(config_.dataset, schema::kVersionTableName));
    if (has_versions) {
      INGESTD_ASSIGN_OR_RETURN(
          PgResult r,
          conn_.ExecParams("SELECT \"schema\" FROM " + Qualified(schema::kVersionTableName) +
                               " WHERE schema_name = $1 ORDER BY inserted_at DESC, version DESC LIMIT 1",
                           {std::string(schema_name)}));
      if (r.row_count() == 1) out.schema_json = r.Get(0, 0);
    }
    INGESTD_ASSIGN_OR_RETURN(bool has_state, TableExists(config_.dataset, schema::kPipelineStateTableName));
    INGESTD_ASSIGN_OR_RETURN(bool has_loads, TableExists(config_.dataset, schema::kLoadsTableName));
    if (has_state && has_loads) {
      INGESTD_ASSIGN_OR_RETURN(
          PgResult r,
          conn_.ExecParams(
              "SELECT s.version, s.engine_version, s.pipeline_name, s.state,"
              " EXTRACT(EPOCH FROM s.created_at)::double precision, s.version_hash FROM " +
                  Qualified(schema::kPipelineStateTableName) + " AS s JOIN " +
                  Qualified(schema::kLoadsTableName) +
                  " AS l ON l.load_id = s._dlt_load_id WHERE s.pipeline_name = $1 AND l.status = 0"
                  " ORDER BY l.load_id DESC, s.version DESC LIMIT 1",
              {std::string(pipeline_name)}));
      if (r.row_count() == 1) {
        StateRow row;
        auto to_int = [&](int col) {
          std::int64_t v = 0;
          std::string_view t = r.Value(0, col);
          std::from_chars(t.data(), t.data() + t.size(), v);
          return v;
        };
        row.version = to_int(0);
        row.engine_version = to_int(1);
        row.pipeline_name = std::string(r.Value(0, 2));
        row.state = std::string(r.Value(0, 3));
        std::string_view created = r.Value(0, 4);
        std::from_chars(created.data(), created.data() + created.size(), row.created_at);
        row.version_hash = std::string(r.Value(0, 5));
        out.state = std::move(row);
      }
    }
    return out;
  }

 private:
  std::string Qualified(std::string_view table) const { return QualifiedName(config_.dataset, table); }
  std::string Staged(std::string_view table) const {
    return QualifiedName(config_.staging_dataset, table);
  }

  Status EnsureConnected() {
    if (conn_.IsUsable()) {
      // A transaction left open by a failure we could not roll back.
      if (!conn_.IsIdle()) INGESTD_TRY(conn_.Exec("ROLLBACK"));
      return OkStatus();
    }
    INGESTD_ASSIGN_OR_RETURN(conn_, PgConnection::Connect(config_.dsn));
    return OkStatus();
  }

  Result<bool> TableExists(std::string_view schema_name, std::string_view table) {
    INGESTD_ASSIGN_OR_RETURN(
        PgResult r, conn_.ExecParams("SELECT to_regclass($1) IS NOT NULL",
                                     {QualifiedName(schema_name, table)}));
    return r.Value(0, 0) == "t";
  }

  Result<bool> LoadIdPresent(std::string_view load_id) {
    INGESTD_ASSIGN_OR_RETURN(
        PgResult r, conn_.ExecParams("SELECT 1 FROM " + Qualified(schema::kLoadsTableName) +
                                         " WHERE load_id = $1 LIMIT 1",
                                     {std::string(load_id)}));
    return r.row_count() > 0;
  }

  Result<Catalog> ReadCatalog(const std::string& schema_name) {
    INGESTD_ASSIGN_OR_RETURN(
        PgResult r,
        conn_.ExecParams(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)"
            " FROM pg_catalog.pg_attribute a"
            " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0"
            " AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
            {schema_name}));
    Catalog catalog;
    for (int i = 0; i < r.row_count(); ++i) {
      catalog[std::string(r.Value(i, 0))].emplace_back(std::string(r.Value(i, 1)),
                                                       std::string(r.Value(i, 2)));
    }
    return catalog;
  }

  // The tables the destination must have: every schema table with a complete
  // column (scd2 roots get their validity columns), and the system tables.
  Result<std::vector<TablePlan>> PlanTables(const schema::Schema& s, bool with_state) {
    std::vector<TablePlan> plans;
    auto plan_of = [&](const TableSchema& t) -> Result<TablePlan> {
      if (t.name().size() > kMaxIdentifierLength) {
        return InvalidArgument("table name " + t.name() + " is longer than PostgreSQL's " +
                               std::to_string(kMaxIdentifierLength) + " bytes");
      }
      TablePlan plan;
      plan.table = &t;
      for (const ColumnSchema& c : t.columns()) {
        if (!c.IsComplete()) continue;
        if (c.name.size() > kMaxIdentifierLength) {
          return InvalidArgument("table " + t.name() + ": column name " + c.name +
                                 " is longer than PostgreSQL's " +
                                 std::to_string(kMaxIdentifierLength) + " bytes");
        }
        plan.columns.push_back(ColumnDef{c.name, PgTypeName(c), c.IsNullable(),
                                         c.HasHint(ColumnHint::kUnique)});
      }
      if (!t.parent && s.ResolveMergeStrategy(t.name()) == MergeStrategy::kScd2) {
        // The row hash repeats when a retired version comes back, so it is
        // no unique key here (dlt drops the hint on scd2 roots too).
        const std::string hash = Scd2Column(t, "x-row-version", schema::kDltId);
        for (ColumnDef& c : plan.columns) {
          if (c.name == hash) c.unique = false;
        }
        for (std::string name : {Scd2Column(t, "x-valid-from", kValidFrom),
                                 Scd2Column(t, "x-valid-to", kValidTo)}) {
          const ColumnSchema* existing = t.FindColumn(name);
          if (existing == nullptr || !existing->IsComplete()) {
            plan.columns.push_back(ColumnDef{std::move(name), std::string(kTimestampTz), true, false});
          }
        }
      }
      return plan;
    };
    for (const TableSchema& t : s.tables()) {
      if (!t.HasCompleteColumns()) continue;
      INGESTD_ASSIGN_OR_RETURN(TablePlan plan, plan_of(t));
      plans.push_back(std::move(plan));
    }
    auto ensure_builtin = [&](std::string_view name, std::optional<TableSchema>& slot,
                              TableSchema (*make)()) -> Status {
      const TableSchema* t = s.FindTable(name);
      if (t != nullptr && t->HasCompleteColumns()) return OkStatus();
      slot = make();
      INGESTD_ASSIGN_OR_RETURN(TablePlan plan, plan_of(*slot));
      plans.push_back(std::move(plan));
      return OkStatus();
    };
    INGESTD_TRY(ensure_builtin(schema::kLoadsTableName, builtin_loads_, &schema::LoadsTableSchema));
    INGESTD_TRY(ensure_builtin(schema::kVersionTableName, builtin_version_, &schema::VersionTableSchema));
    if (with_state) {
      INGESTD_TRY(ensure_builtin(schema::kPipelineStateTableName, builtin_state_, &schema::PipelineStateTableSchema));
    }
    return plans;
  }

  // Creates missing tables and columns and records them in `catalog`. All
  // conflicts are found before the first statement runs, and the caller
  // rolls back on error anyway.
  // Columns of tables created here get their UNIQUE constraint later when
  // `defer_unique` is given: recorded there, for AddDeferredUnique().
  Status Migrate(const std::vector<TablePlan>& plans, Catalog& catalog,
                 std::vector<std::pair<std::string, std::string>>* defer_unique, std::stop_token stop,
                 std::string_view load_id) {
    std::string conflicts;
    for (const TablePlan& plan : plans) {
      auto it = catalog.find(plan.table->name());
      if (it == catalog.end()) continue;
      for (const ColumnDef& c : plan.columns) {
        for (const auto& [name, type] : it->second) {
          if (name != c.name || TypesCompatible(type, c.type)) continue;
          if (!conflicts.empty()) conflicts += "; ";
          conflicts += "table " + config_.dataset + "." + plan.table->name() + ": column " + c.name +
                       " exists as " + type + " but the schema needs " + c.type;
        }
      }
    }
    if (!conflicts.empty()) {
      return FailedPrecondition(conflicts +
                                " (ingestd never retypes columns; change the column or the schema)");
    }
    for (const TablePlan& plan : plans) {
      if (stop.stop_requested()) return Cancelled(load_id);
      auto it = catalog.find(plan.table->name());
      if (it == catalog.end()) {
        std::string sql = "CREATE TABLE " + Qualified(plan.table->name()) + " (";
        std::vector<std::pair<std::string, std::string>> created;
        for (std::size_t i = 0; i < plan.columns.size(); ++i) {
          if (i > 0) sql += ", ";
          const ColumnDef& c = plan.columns[i];
          sql += ColumnDdl(c, /*with_not_null=*/true, /*with_unique=*/defer_unique == nullptr);
          if (defer_unique != nullptr && c.unique) defer_unique->emplace_back(plan.table->name(), c.name);
          created.emplace_back(c.name, c.type);
        }
        sql += ")";
        INGESTD_TRY(conn_.Exec(sql));
        catalog.emplace(plan.table->name(), std::move(created));
        continue;
      }
      std::string adds;
      for (const ColumnDef& c : plan.columns) {
        const bool present = std::any_of(it->second.begin(), it->second.end(),
                                         [&](const auto& e) { return e.first == c.name; });
        if (present) continue;
        if (!adds.empty()) adds += ", ";
        // Added columns are nullable: the table may already hold rows.
        adds += "ADD COLUMN " + ColumnDdl(c, /*with_not_null=*/false, /*with_unique=*/true);
        it->second.emplace_back(c.name, c.type);
      }
      if (!adds.empty()) INGESTD_TRY(conn_.Exec("ALTER TABLE " + Qualified(plan.table->name()) + " " + adds));
    }
    return OkStatus();
  }

  // The COPY format for a table with these column types.
  CopyFormat FormatFor(const std::vector<DataType>& types) const {
    switch (config_.copy_format) {
      case PostgresConfig::CopyFormatChoice::kText: return CopyFormat::kText;
      case PostgresConfig::CopyFormatChoice::kBinary: return CopyFormat::kBinary;
      case PostgresConfig::CopyFormatChoice::kAuto: break;
    }
    return ChooseCopyFormat(types);
  }

  // Streams the load files of one table into `target` with COPY FROM STDIN,
  // in the format FormatFor() picks for its column types.
  Result<std::uint64_t> CopyTable(const TableLoad& load, const TableSchema& table,
                                  const std::string& target, std::stop_token stop,
                                  std::string_view load_id) {
    std::vector<int> position(table.columns().size(), -1);
    std::vector<std::string> names;
    std::vector<DataType> types;
    for (std::size_t i = 0; i < table.columns().size(); ++i) {
      if (!table.column(i).IsComplete()) continue;
      position[i] = static_cast<int>(names.size());
      names.push_back(table.column(i).name);
      types.push_back(*table.column(i).data_type);
    }
    const bool binary = FormatFor(types) == CopyFormat::kBinary;
    const std::string sql = "COPY " + target + " (" + JoinQuoted(names) + ") FROM STDIN" +
                            (binary ? " WITH (FORMAT binary)" : "");
    std::vector<const schema::Value*> slots(names.size(), nullptr);
    std::optional<package::LoadFileReader> reader;
    std::size_t next_file = 0;
    std::string current_file;
    std::uint64_t line = 0;  // rows encoded so far: COPY's line number of the current row
    bool binary_header_sent = false;
    bool binary_trailer_sent = false;
    auto source = [&](std::string& chunk) -> Result<bool> {
      chunk.clear();
      if (stop.stop_requested()) return Cancelled(load_id);
      // Crash tests stop here once the first chunk of the first COPY is sent.
      if (++copy_calls_ == 2 && checkpoint_ != nullptr && *checkpoint_) (*checkpoint_)("copy");
      if (binary && !binary_header_sent) {
        AppendBinaryCopyHeader(chunk);
        binary_header_sent = true;
      }
      while (chunk.size() < kCopyChunkBytes) {
        if (!reader) {
          if (next_file == load.files.size()) {
            if (binary && !binary_trailer_sent) {
              AppendBinaryCopyTrailer(chunk);
              binary_trailer_sent = true;
            }
            return !chunk.empty();
          }
          if (stop.stop_requested()) return Cancelled(load_id);
          current_file = load.files[next_file++];
          Result<package::LoadFileReader> opened = package::LoadFileReader::Open(current_file, table);
          if (!opened.ok()) return opened.error().WithContext("load file " + current_file);
          reader.emplace(std::move(opened).value());
        }
        std::span<const normalize::Cell> row;
        Result<bool> more = reader->Next(row);
        if (!more.ok()) return more.error().WithContext("load file " + current_file);
        if (!*more) {
          reader.reset();
          continue;
        }
        std::fill(slots.begin(), slots.end(), nullptr);
        for (const normalize::Cell& cell : row) {
          if (cell.column >= position.size() || position[cell.column] < 0) {
            return DataLoss("load file " + current_file + ": a cell refers to column index " +
                            std::to_string(cell.column) + ", which table " + table.name() +
                            " does not have complete");
          }
          slots[position[cell.column]] = &cell.value;
        }
        ++line;
        if (binary) {
          AppendBinaryRowStart(chunk, static_cast<std::uint16_t>(slots.size()));
          for (std::size_t i = 0; i < slots.size(); ++i) {
            if (slots[i] == nullptr) {
              AppendBinaryNull(chunk);
              continue;
            }
            // Binary COPY would misread a value of another type: a damaged
            // load file, not a reason to take the daemon down.
            if (slots[i]->type != types[i]) {
              return DataLoss("load file " + current_file + ": COPY line " + std::to_string(line) + ", column " +
                              names[i] + " holds a value of another type than the column");
            }
            Status encoded = AppendBinaryCopyValue(chunk, *slots[i]);
            if (!encoded.ok()) {
              return encoded.error().WithContext("load file " + current_file + ": COPY line " +
                                                 std::to_string(line) + ", column " + names[i]);
            }
          }
          continue;
        }
        for (std::size_t i = 0; i < slots.size(); ++i) {
          if (i > 0) chunk.push_back('\t');
          if (slots[i] == nullptr) {
            chunk.append("\\N");
          } else {
            AppendTextCopyValue(chunk, *slots[i]);
          }
        }
        chunk.push_back('\n');
      }
      return true;
    };
    return conn_.CopyIn(sql, source);
  }

  // The column linking a nested table of `root` to its root row.
  Result<std::string> RootLinkColumn(const TableSchema& nested, const TableSchema& root) {
    const ColumnSchema* c = nested.FindColumn(schema::kDltRootId);
    if (c != nullptr && c->IsComplete()) return std::string(schema::kDltRootId);
    c = nested.FindColumn(schema::kDltParentId);
    if (nested.parent == root.name() && c != nullptr && c->IsComplete()) {
      return std::string(schema::kDltParentId);
    }
    return FailedPrecondition("nested table " + nested.name() + " of merge table " + root.name() +
                              " has no " + std::string(schema::kDltRootId) +
                              " column to link it to its root rows");
  }

  Status RunSql(const std::vector<std::string>& statements, std::stop_token stop,
                std::string_view load_id, const std::vector<PgParam>& params = {}) {
    for (const std::string& sql : statements) {
      if (stop.stop_requested()) return Cancelled(load_id);
      if (params.empty() || sql.find("$1") == std::string::npos) {
        INGESTD_TRY(conn_.Exec(sql));
      } else {
        INGESTD_TRY(conn_.ExecParams(sql, params));
      }
    }
    return OkStatus();
  }

  // SQL conditions on the hard-delete column of `table` (alias `a`): the row
  // is kept (not deleted) / is a delete. Empty when there is no such column.
  struct HardDelete {
    std::string kept;
    std::string deleted;
  };
  static HardDelete HardDeleteOf(const TableSchema& table, std::string_view alias) {
    for (const ColumnSchema& c : table.columns()) {
      if (!c.IsComplete() || !c.HasHint(ColumnHint::kHardDelete)) continue;
      const std::string col = std::string(alias) + "." + QuoteIdent(c.name);
      // A bool column deletes only on true; any other type on any value.
      if (*c.data_type == DataType::kBool) return {col + " IS DISTINCT FROM TRUE", col + " IS TRUE"};
      return {col + " IS NULL", col + " IS NOT NULL"};
    }
    return {};
  }

  Status MergeDeleteInsert(const TableSchema& root, const std::vector<const TableSchema*>& nested,
                           int chain_index, std::stop_token stop, std::string_view load_id) {
    const std::vector<std::string> pk = ColumnsWithHint(root, ColumnHint::kPrimaryKey);
    const std::vector<std::string> mk = ColumnsWithHint(root, ColumnHint::kMergeKey);
    const HardDelete hd = HardDeleteOf(root, "s");
    const std::string d_root = Qualified(root.name());
    const std::string s_root = Staged(root.name());
    const std::string id = QuoteIdent(schema::kDltId);
    const std::string suffix = std::to_string(chain_index);
    const std::string delete_tmp = QuoteIdent("_ingestd_delete_" + suffix);
    const std::string insert_tmp = QuoteIdent("_ingestd_insert_" + suffix);
    std::vector<std::string> sql;

    std::vector<std::string> links;
    for (const TableSchema* t : nested) {
      INGESTD_ASSIGN_OR_RETURN(std::string link, RootLinkColumn(*t, root));
      links.push_back(std::move(link));
    }

    if (!pk.empty() || !mk.empty()) {
      auto key_eq = [](const std::vector<std::string>& keys) {
        std::string out = "(";
        for (std::size_t i = 0; i < keys.size(); ++i) {
          if (i > 0) out += " AND ";
          out += "d." + QuoteIdent(keys[i]) + " = s." + QuoteIdent(keys[i]);
        }
        return out + ")";
      };
      std::string clause;
      if (!pk.empty()) clause = key_eq(pk);
      if (!mk.empty()) clause += (clause.empty() ? "" : " OR ") + key_eq(mk);
      const std::string matches =
          "EXISTS (SELECT 1 FROM " + s_root + " AS s WHERE " + clause + ")";
      if (nested.empty()) {
        sql.push_back("DELETE FROM " + d_root + " AS d WHERE " + matches);
      } else {
        sql.push_back("CREATE TEMP TABLE " + delete_tmp + " ON COMMIT DROP AS SELECT d." + id +
                      " FROM " + d_root + " AS d WHERE " + matches);
        for (std::size_t i = 0; i < nested.size(); ++i) {
          sql.push_back("DELETE FROM " + Qualified(nested[i]->name()) + " WHERE " +
                        QuoteIdent(links[i]) + " IN (SELECT " + id + " FROM " + delete_tmp + ")");
        }
        sql.push_back("DELETE FROM " + d_root + " WHERE " + id + " IN (SELECT " + id + " FROM " +
                      delete_tmp + ")");
      }
    }

    // The staging rows to insert: deduplicated on the primary key (the
    // dedup_sort column decides which row wins), hard deletes left out.
    std::string source = s_root + " AS s";
    std::string where = hd.kept;
    if (!pk.empty()) {
      std::string order = "(SELECT NULL)";
      for (const ColumnSchema& c : root.columns()) {
        if (c.IsComplete() && c.dedup_sort) {
          order = QuoteIdent(c.name) + (*c.dedup_sort == "asc" ? " ASC" : " DESC");
          break;
        }
      }
      source = "(SELECT *, ROW_NUMBER() OVER (PARTITION BY " + JoinQuoted(pk) + " ORDER BY " + order +
               ") AS _dlt_dedup_rn FROM " + s_root + ") AS s";
      where = "s._dlt_dedup_rn = 1" + (hd.kept.empty() ? "" : " AND " + hd.kept);
    }
    const std::string where_sql = where.empty() ? "" : " WHERE " + where;
    const std::vector<std::string> root_cols = CompleteColumnNames(root);
    if (nested.empty()) {
      sql.push_back("INSERT INTO " + d_root + " (" + JoinQuoted(root_cols) + ") SELECT " +
                    JoinQuoted(root_cols, "s.") + " FROM " + source + where_sql);
    } else {
      sql.push_back("CREATE TEMP TABLE " + insert_tmp + " ON COMMIT DROP AS SELECT s." + id + " FROM " +
                    source + where_sql);
      sql.push_back("INSERT INTO " + d_root + " (" + JoinQuoted(root_cols) + ") SELECT " +
                    JoinQuoted(root_cols, "s.") + " FROM " + s_root + " AS s WHERE s." + id +
                    " IN (SELECT " + id + " FROM " + insert_tmp + ")");
      for (std::size_t i = 0; i < nested.size(); ++i) {
        const std::vector<std::string> cols = CompleteColumnNames(*nested[i]);
        // Nested rows deduplicated on their row key (a retried package may
        // carry the same rows twice).
        sql.push_back("INSERT INTO " + Qualified(nested[i]->name()) + " (" + JoinQuoted(cols) +
                      ") SELECT " + JoinQuoted(cols, "s.") + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY " +
                      id + " ORDER BY (SELECT NULL)) AS _dlt_dedup_rn FROM " +
                      Staged(nested[i]->name()) + ") AS s WHERE s._dlt_dedup_rn = 1 AND s." +
                      QuoteIdent(links[i]) + " IN (SELECT " + id + " FROM " + insert_tmp + ")");
      }
    }
    return RunSql(sql, stop, load_id);
  }

  Status MergeUpsert(const TableSchema& root, const std::vector<const TableSchema*>& nested,
                     bool insert_only, std::stop_token stop, std::string_view load_id) {
    const std::vector<std::string> pk = ColumnsWithHint(root, ColumnHint::kPrimaryKey);
    if (pk.empty()) {
      return FailedPrecondition("table " + root.name() + ": merge strategy " +
                                (insert_only ? "insert-only" : "upsert") + " needs a primary key");
    }
    const HardDelete hd = HardDeleteOf(root, "s");
    const std::string id = QuoteIdent(schema::kDltId);
    std::vector<std::string> sql;
    auto merge = [&](const std::string& target, const std::string& source, const std::string& on,
                     const std::vector<std::string>& cols, const HardDelete& del) {
      std::string m = "MERGE INTO " + target + " AS d USING " + source + " ON " + on;
      if (!insert_only) {
        if (!del.deleted.empty()) m += " WHEN MATCHED AND " + del.deleted + " THEN DELETE";
        m += " WHEN MATCHED THEN UPDATE SET ";
        for (std::size_t i = 0; i < cols.size(); ++i) {
          if (i > 0) m += ", ";
          m += QuoteIdent(cols[i]) + " = s." + QuoteIdent(cols[i]);
        }
      }
      m += " WHEN NOT MATCHED" + (del.kept.empty() ? "" : " AND " + del.kept) + " THEN INSERT (" +
           JoinQuoted(cols) + ") VALUES (" + JoinQuoted(cols, "s.") + ")";
      return m;
    };
    std::string on;
    for (std::size_t i = 0; i < pk.size(); ++i) {
      if (i > 0) on += " AND ";
      on += "d." + QuoteIdent(pk[i]) + " = s." + QuoteIdent(pk[i]);
    }
    sql.push_back(merge(Qualified(root.name()), Staged(root.name()) + " AS s", on,
                        CompleteColumnNames(root), hd));
    const HardDelete root_hd = HardDeleteOf(root, "r");
    for (const TableSchema* t : nested) {
      INGESTD_ASSIGN_OR_RETURN(std::string link, RootLinkColumn(*t, root));
      const std::string d_t = Qualified(t->name());
      const std::string s_t = Staged(t->name());
      std::string source = s_t + " AS s";
      if (!root_hd.deleted.empty()) {
        // Nested rows of deleted roots are not inserted, and go (below).
        source = "(SELECT * FROM " + s_t + " AS s WHERE NOT EXISTS (SELECT 1 FROM " +
                 Staged(root.name()) + " AS r WHERE r." + id + " = s." + QuoteIdent(link) + " AND " +
                 root_hd.deleted + ")) AS s";
      }
      if (!insert_only) {
        // Nested rows of touched roots that the new data no longer has.
        std::string del = "DELETE FROM " + d_t + " AS d WHERE d." + QuoteIdent(link) + " IN (SELECT " +
                          id + " FROM " + Staged(root.name()) + ") AND NOT EXISTS (SELECT 1 FROM " +
                          s_t + " AS s WHERE s." + id + " = d." + id + ")";
        if (!root_hd.deleted.empty()) {
          del += " OR d." + QuoteIdent(link) + " IN (SELECT r." + id + " FROM " + Staged(root.name()) +
                 " AS r WHERE " + root_hd.deleted + ")";
        }
        sql.push_back(std::move(del));
      }
      sql.push_back(merge(d_t, source, "d." + id + " = s." + id, CompleteColumnNames(*t), {}));
    }
    return RunSql(sql, stop, load_id);
  }

  Status MergeScd2(const TableSchema& root, const std::vector<const TableSchema*>& nested,
                   double boundary, std::stop_token stop, std::string_view load_id) {
    const std::string hash = QuoteIdent(Scd2Column(root, "x-row-version", schema::kDltId));
    const std::string from_name = Scd2Column(root, "x-valid-from", kValidFrom);
    const std::string to_name = Scd2Column(root, "x-valid-to", kValidTo);
    const std::string from = QuoteIdent(from_name);
    const std::string to = QuoteIdent(to_name);
    const std::vector<std::string> mk = ColumnsWithHint(root, ColumnHint::kMergeKey);
    const HardDelete hd = HardDeleteOf(root, "s");
    const std::string d_root = Qualified(root.name());
    const std::string s_root = Staged(root.name());
    std::vector<std::string> cols;
    for (std::string& c : CompleteColumnNames(root)) {
      if (c != from_name && c != to_name) cols.push_back(std::move(c));
    }
    std::vector<std::string> sql;
    // Retire active records whose version is not in the new data (only for
    // merge key values present in it, when a merge key is set).
    std::string retire = "UPDATE " + d_root + " AS d SET " + to + " = $1::timestamptz WHERE d." + to +
                         " IS NULL AND NOT EXISTS (SELECT 1 FROM " + s_root + " AS s WHERE s." + hash +
                         " = d." + hash + (hd.kept.empty() ? "" : " AND " + hd.kept) + ")";
    if (!mk.empty()) {
      retire += " AND (" + JoinQuoted(mk, "d.") + ") IN (SELECT " + JoinQuoted(mk, "s.") + " FROM " +
                s_root + " AS s)";
    }
    sql.push_back(std::move(retire));
    // Insert new versions, once each.
    sql.push_back("INSERT INTO " + d_root + " (" + JoinQuoted(cols) + ", " + from + ", " + to +
                  ") SELECT DISTINCT ON (s." + hash + ") " + JoinQuoted(cols, "s.") +
                  ", $1::timestamptz, NULL FROM " + s_root + " AS s WHERE NOT EXISTS (SELECT 1 FROM " +
                  d_root + " AS d WHERE d." + hash + " = s." + hash + " AND d." + to + " IS NULL)" +
                  (hd.kept.empty() ? "" : " AND " + hd.kept));
    const std::string id = QuoteIdent(schema::kDltId);
    for (const TableSchema* t : nested) {
      const std::vector<std::string> ncols = CompleteColumnNames(*t);
      sql.push_back("INSERT INTO " + Qualified(t->name()) + " (" + JoinQuoted(ncols) +
                    ") SELECT DISTINCT ON (s." + id + ") " + JoinQuoted(ncols, "s.") + " FROM " +
                    Staged(t->name()) + " AS s WHERE NOT EXISTS (SELECT 1 FROM " +
                    Qualified(t->name()) + " AS d WHERE d." + id + " = s." + id + ")");
    }
    return RunSql(sql, stop, load_id, {TimestampLiteral(boundary)});
  }

  // `ALTER TABLE t ADD UNIQUE (c)`: the same constraint (and name,
  // t_c_key) as the column constraint CREATE TABLE would have had.
  Status AddDeferredUnique(SessionState& st, std::stop_token stop) {
    std::vector<std::string> sql;
    for (const auto& [table, column] : st.deferred_unique) {
      sql.push_back("ALTER TABLE " + Qualified(table) + " ADD UNIQUE (" + QuoteIdent(column) + ")");
    }
    st.deferred_unique.clear();
    return RunSql(sql, stop, st.begin.load_id);
  }

  // Nested tables of `root` with complete columns, in schema order.
  static std::vector<const TableSchema*> ChainOf(const schema::Schema& s, const TableSchema& root) {
    std::vector<const TableSchema*> nested;
    for (const TableSchema& t : s.tables()) {
      if (&t != &root && t.HasCompleteColumns() && s.RootTableOf(t.name()) == &root) nested.push_back(&t);
    }
    return nested;
  }

  static bool Contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  }

  // Creates the staging table of `t` (dropped first: it may be left from an
  // earlier load) or adds the columns it lacks.
  Status EnsureStaging(SessionState& st, const TableSchema& t) {
    auto it = st.staging.find(t.name());
    if (it == st.staging.end()) {
      if (st.staging.empty()) {
        INGESTD_TRY(conn_.Exec("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(config_.staging_dataset)));
      }
      std::vector<std::string> names;
      std::string sql = "DROP TABLE IF EXISTS " + Staged(t.name()) + "; CREATE TABLE " + Staged(t.name()) + " (";
      for (const ColumnSchema& c : t.columns()) {
        if (!c.IsComplete()) continue;
        if (!names.empty()) sql += ", ";
        sql += ColumnDdl(ColumnDef{c.name, PgTypeName(c), c.IsNullable(), false},
                         /*with_not_null=*/true, /*with_unique=*/false);
        names.push_back(c.name);
      }
      sql += ")";
      INGESTD_TRY(conn_.Exec(sql));
      st.staging.emplace(t.name(), std::move(names));
      return OkStatus();
    }
    std::string adds;
    for (const ColumnSchema& c : t.columns()) {
      if (!c.IsComplete() || Contains(it->second, c.name)) continue;
      if (!adds.empty()) adds += ", ";
      adds += "ADD COLUMN " + ColumnDdl(ColumnDef{c.name, PgTypeName(c), true, false},
                                        /*with_not_null=*/false, /*with_unique=*/false);
      it->second.push_back(c.name);
    }
    if (!adds.empty()) INGESTD_TRY(conn_.Exec("ALTER TABLE " + Staged(t.name()) + " " + adds));
    return OkStatus();
  }

  // `_dlt_version` and `_dlt_pipeline_state` rows as asked; `_dlt_loads`
  // last: it marks the load complete.
  Status InsertSystemRows(const LoadRequest& request, std::stop_token stop) {
    const schema::Schema& s = *request.schema;
    const std::string& load_id = request.load_id;
    if (stop.stop_requested()) return Cancelled(load_id);
    if (request.store_schema_version) {
      INGESTD_TRY(conn_.ExecParams(
          "INSERT INTO " + Qualified(schema::kVersionTableName) +
              " (version, engine_version, inserted_at, schema_name, version_hash, \"schema\")"
              " SELECT $1::bigint, $2::bigint, now(), $3::varchar, $4::varchar, $5::varchar"
              " WHERE NOT EXISTS (SELECT 1 FROM " + Qualified(schema::kVersionTableName) +
              " WHERE schema_name = $3::varchar AND version_hash = $4::varchar)",
          {std::to_string(s.version()), std::to_string(schema::kSchemaEngineVersion), s.name(),
           s.version_hash(), schema::SchemaToJson(s)}));
    }
    if (request.state) {
      const StateRow& st = *request.state;
      INGESTD_TRY(conn_.ExecParams(
          "INSERT INTO " + Qualified(schema::kPipelineStateTableName) +
              " (version, engine_version, pipeline_name, state, created_at, version_hash,"
              " _dlt_load_id, _dlt_id) VALUES ($1::bigint, $2::bigint, $3, $4,"
              " to_timestamp($5::double precision), $6, $7, $8)",
          {std::to_string(st.version), std::to_string(st.engine_version), st.pipeline_name, st.state,
           DoubleText(st.created_at), st.version_hash, load_id, Digest128(load_id, 10)}));
    }
    const std::string inserted_at =
        request.created_at > 0 ? "to_timestamp($4::double precision)" : "now()";
    std::vector<PgParam> params = {load_id, s.name(), s.version_hash()};
    if (request.created_at > 0) params.emplace_back(DoubleText(request.created_at));
    INGESTD_TRY(conn_.ExecParams("INSERT INTO " + Qualified(schema::kLoadsTableName) +
                                     " (load_id, schema_name, status, inserted_at, schema_version_hash)"
                                     " VALUES ($1, $2, 0, " + inserted_at + ", $3)",
                                 params));
    if (stop.stop_requested()) return Cancelled(load_id);
    return OkStatus();
  }

  PostgresConfig config_;
  const std::function<void(std::string_view)>* checkpoint_ = nullptr;  // of the running load
  int copy_calls_ = 0;
  PgConnection conn_;
  // System tables made up when the schema lacks them (referenced by plans).
  std::optional<TableSchema> builtin_loads_;
  std::optional<TableSchema> builtin_version_;
  std::optional<TableSchema> builtin_state_;
};

// The package's transaction between BeginLoad() and Commit(); rolls back
// when destroyed uncommitted.
class PgLoadSession final : public LoadSession {
 public:
  PgLoadSession(PostgresDestination& destination, LoadBegin begin) : d_(destination) {
    st_.begin = std::move(begin);
  }
  PgLoadSession(const PgLoadSession&) = delete;
  PgLoadSession& operator=(const PgLoadSession&) = delete;
  ~PgLoadSession() override { d_.SessionRollback(st_); }

  Status Begin(std::stop_token stop) { return Ended(d_.SessionBegin(st_, std::move(stop))); }

  bool already_loaded() const override { return st_.already_loaded; }

  Status Append(const schema::Schema& schema, const std::vector<TableLoad>& tables,
                std::stop_token stop) override {
    if (st_.already_loaded) return OkStatus();
    INGESTD_TRY(Usable());
    return Ended(d_.SessionAppend(st_, schema, tables, /*with_state=*/false, std::move(stop)));
  }

  Result<LoadResult> Commit(const LoadRequest& request, std::stop_token stop) override {
    if (st_.already_loaded) {
      LoadResult done;
      done.already_loaded = true;
      return done;
    }
    INGESTD_TRY(Usable());
    Result<LoadResult> result = d_.SessionCommit(st_, request, std::move(stop));
    if (!result.ok()) {
      INGESTD_TRY(Ended(Status(std::move(result).error())));
    }
    return result;
  }

 private:
  Status Usable() const {
    if (st_.failed || !st_.open) {
      return FailedPrecondition(d_.LoadContext(st_.begin.load_id) +
                                ": the load ended after an earlier error; nothing of it was committed");
    }
    return OkStatus();
  }

  // On error: roll back, and name the load in the message.
  Status Ended(Status status) {
    if (status.ok()) return status;
    st_.failed = true;
    d_.SessionRollback(st_);
    return status.error().WithContext(d_.LoadContext(st_.begin.load_id));
  }

  PostgresDestination& d_;
  PostgresDestination::SessionState st_;
};

Result<std::unique_ptr<LoadSession>> PostgresDestination::BeginLoad(const LoadBegin& begin, std::stop_token stop) {
  auto session = std::make_unique<PgLoadSession>(*this, begin);
  INGESTD_TRY(session->Begin(std::move(stop)));
  return std::unique_ptr<LoadSession>(std::move(session));
}

}  // namespace

Result<std::unique_ptr<Destination>> OpenPostgres(const PostgresConfig& config) {
  PostgresConfig c = config;
  if (c.dataset.empty()) return InvalidArgument("postgres: the dataset name is empty");
  if (c.staging_dataset.empty()) c.staging_dataset = c.dataset + "_staging";
  for (const std::string* name : {&c.dataset, &c.staging_dataset}) {
    if (name->size() > kMaxIdentifierLength) {
      return InvalidArgument("postgres: dataset name " + *name + " is longer than " +
                             std::to_string(kMaxIdentifierLength) + " bytes");
    }
  }
  if (c.staging_dataset == c.dataset) {
    return InvalidArgument("postgres: the staging dataset must differ from the dataset " + c.dataset);
  }
  INGESTD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(c.dsn));
  return std::unique_ptr<Destination>(std::make_unique<PostgresDestination>(std::move(c), std::move(conn)));
}

}  // namespace ingestd::destinations::postgres
