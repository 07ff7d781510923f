#include "core/destinations/sqlite/sqlite_destination.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/digest.hpp"
#include "core/destinations/sqlite/sqlite_connection.hpp"
#include "core/destinations/sqlite/sqlite_type_mapping.hpp"
#include "core/package/load_file.hpp"
#include "core/schema/schema_json.hpp"

namespace ingestd::destinations::sqlite {
namespace {

using schema::ColumnHint;
using schema::ColumnSchema;
using schema::DataType;
using schema::MergeStrategy;
using schema::TableSchema;
using schema::WriteDisposition;

// SQLite has no identifier limit; 9999 is what SQLAlchemy's dialects (and so
// dlt's sqlalchemy destination on SQLite) report.
constexpr std::size_t kMaxIdentifierLength = 9999;
// The load connection's page cache (see SqliteOpenOptions::cache_kib):
// chosen by measurement (docs/benchmarks.md), within the memory budget.
constexpr int kLoadCacheKib = 16 * 1024;
// The page cache while unique indexes are built after a load's rows: the
// sorter's in-memory limit follows it. With the cache left as it was, the
// index builds raised the benchmark's largest process from 58 to 89 MB
// (1M records); with this, to 65 MB, at the same speed.
constexpr int kIndexBuildCacheKib = 8 * 1024;

constexpr std::string_view kValidFrom = "_dlt_valid_from";
constexpr std::string_view kValidTo = "_dlt_valid_to";
// Helper tables of the merge statements, in the connection's temp schema.
constexpr std::string_view kDeleteKeys = "_ingestd_delete";
constexpr std::string_view kInsertKeys = "_ingestd_insert";

std::string Main(std::string_view table) { return "main." + QuoteIdentifier(table); }
std::string Temp(std::string_view table) { return "temp." + QuoteIdentifier(table); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::int64_t SecondsToMicros(double seconds) { return std::llround(seconds * 1e6); }

ColumnSchema Column(std::string name, DataType type, bool nullable) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  c.nullable = nullable;
  return c;
}

// The system tables as dlt defines them, for schemas that lack them.
const schema::Schema& DefaultSchema() {
  static const schema::Schema kSchema = [] {
    schema::Schema s = schema::Schema::CreateDefault("ingestd");
    s.AddTable(schema::PipelineStateTableSchema());
    return s;
  }();
  return kSchema;
}

const TableSchema& SystemTable(const schema::Schema& schema, std::string_view name) {
  const TableSchema* t = schema.FindTable(name);
  if (t != nullptr && t->HasCompleteColumns()) return *t;
  t = DefaultSchema().FindTable(name);
  INGESTD_CHECK(t != nullptr);
  return *t;
}

// A table as this load creates and fills it.
struct TablePlan {
  const TableSchema* table = nullptr;
  // Indexes (into table->columns()) of the columns the destination has and
  // this load writes: the complete ones, in schema order, without the scd2
  // validity columns.
  std::vector<std::uint32_t> columns;
  // 1-based INSERT parameter of each schema column (0: not inserted).
  std::vector<int> parameter_of;
  bool scd2_root = false;

  const ColumnSchema& column(std::size_t i) const { return table->column(columns[i]); }
  const std::string& name() const { return table->name(); }

  bool Has(std::string_view column_name) const {
    for (std::uint32_t c : columns) {
      if (table->column(c).name == column_name) return true;
    }
    return false;
  }

  // Names of the columns carrying `hint`.
  std::vector<std::string> WithHint(ColumnHint hint) const {
    std::vector<std::string> out;
    for (std::uint32_t c : columns) {
      if (table->column(c).HasHint(hint)) out.push_back(table->column(c).name);
    }
    return out;
  }

  // `"a", "b"` or, with a prefix, `s."a", s."b"`.
  std::string ColumnList(std::string_view prefix = {}) const {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) out += ", ";
      out += prefix;
      out += QuoteIdentifier(column(i).name);
    }
    return out;
  }
};

// `d."a" = s."a" AND d."b" = s."b"`.
std::string KeyEquals(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys) {
    if (!out.empty()) out += " AND ";
    out += "d." + QuoteIdentifier(key) + " = s." + QuoteIdentifier(key);
  }
  return out;
}

std::string JoinQuoted(const std::vector<std::string>& names, std::string_view prefix = {}) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += prefix;
    out += QuoteIdentifier(name);
  }
  return out;
}

// What the parts of one load share (one LoadRun per part, each against the
// schema as it stood when its files were written).
struct LoadMemo {
  std::set<std::string, std::less<>> emptied;  // tables of replaced chains emptied so far
  std::map<std::string, std::vector<std::string>, std::less<>> staging;  // temp table -> its columns
  std::vector<std::string> roots;  // roots of the tables that received rows, in order
  // (table, column) of unique columns of tables this load created: indexed
  // after their rows (see UniqueIndexName).
  std::vector<std::pair<std::string, std::string>> deferred_unique;
  bool copy_checkpoint_called = false;
  LoadResult result;
};

// One part of a load (Append) or its end (Finish), inside the transaction.
class LoadRun {
 public:
  LoadRun(SqliteConnection& connection, const LoadRequest& request, LoadMemo& memo, std::stop_token stop)
      : db_(connection), request_(request), schema_(*request.schema), memo_(memo), stop_(std::move(stop)) {}

  Result<bool> AlreadyLoaded();
  // Creates or widens the tables with rows and inserts request.tables.
  Status AppendRows();
  // AppendRows, then everything else of the package: chains, replace,
  // merge, system rows.
  Result<LoadResult> Finish();

 private:
  Status CheckStop(std::string_view where) const;
  Status EmptyOnce(const std::string& table);
  Result<TablePlan*> EnsureTable(const TableSchema& table, bool scd2_root);
  Status AddColumn(const TableSchema& table, const ColumnSchema& column);
  Status EnsureExists(const TableSchema& table);
  Status EnsureStaging(TablePlan& plan);
  Result<std::uint64_t> CopyFiles(const TableLoad& load, TablePlan& plan, bool staging);
  Status BindCell(SqliteStatement& stmt, int parameter, const normalize::Cell& cell,
                  const ColumnSchema& column);
  Status MergeByKeys(const std::vector<TablePlan*>& chain, MergeStrategy strategy);
  Status MergeScd2(const std::vector<TablePlan*>& chain);
  Result<std::string> NestedLink(const TablePlan& root, const TablePlan& nested) const;
  Status Execute(const std::string& sql, std::string_view doing);
  Status InsertSchemaVersion();
  Status InsertState();
  Status InsertLoad();

  std::vector<const TableSchema*> ChainOf(std::string_view root) const;

  SqliteConnection& db_;
  const LoadRequest& request_;
  const schema::Schema& schema_;
  LoadMemo& memo_;
  std::stop_token stop_;
  std::map<std::string, TablePlan, std::less<>> plans_;
};

Status LoadRun::CheckStop(std::string_view where) const {
  if (stop_.stop_requested()) {
    return Error(ErrorCode::kCancelled, "load " + request_.load_id + " cancelled " + std::string(where) +
                                            "; rolled back");
  }
  return OkStatus();
}

Status LoadRun::Execute(const std::string& sql, std::string_view doing) { return db_.Exec(sql, doing); }

Result<bool> LoadRun::AlreadyLoaded() {
  INGESTD_ASSIGN_OR_RETURN(bool exists, db_.TableExists(schema::kLoadsTableName));
  if (!exists) return false;
  INGESTD_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_.Prepare("SELECT 1 FROM " + Main(schema::kLoadsTableName) + " WHERE load_id = ?1",
                  "looking up load " + request_.load_id + " in _dlt_loads"));
  INGESTD_TRY(stmt.BindText(1, request_.load_id));
  return stmt.Step();
}

std::vector<const TableSchema*> LoadRun::ChainOf(std::string_view root) const {
  std::vector<const TableSchema*> chain;
  // Root first, then nested tables in schema order (parents before children,
  // as the normalizer adds them).
  if (const TableSchema* r = schema_.FindTable(root)) chain.push_back(r);
  for (const TableSchema& t : schema_.tables()) {
    if (t.name() == root || !t.parent) continue;
    const TableSchema* r = schema_.RootTableOf(t.name());
    if (r != nullptr && r->name() == root) chain.push_back(&t);
  }
  return chain;
}

// The unique index of a column that is not declared UNIQUE inline: added by
// ALTER TABLE, or of a table this load created (indexed after its rows).
std::string UniqueIndexName(std::string_view table, std::string_view column) {
  return std::string(table) + "__" + std::string(column) + "__unique";
}

Status LoadRun::AddColumn(const TableSchema& table, const ColumnSchema& column) {
  // SQLite's ADD COLUMN cannot add UNIQUE, and NOT NULL only with a default:
  // the column is added nullable and uniqueness becomes a unique index.
  const std::string doing = "adding column " + column.name + " to table " + table.name();
  INGESTD_TRY(Execute("ALTER TABLE " + Main(table.name()) + " ADD COLUMN " + QuoteIdentifier(column.name) +
                          " " + SqliteTypeName(column),
                      doing));
  if (column.HasHint(ColumnHint::kUnique)) {
    INGESTD_TRY(Execute("CREATE UNIQUE INDEX main." + QuoteIdentifier(UniqueIndexName(table.name(), column.name)) +
                            " ON " + QuoteIdentifier(table.name()) + " (" + QuoteIdentifier(column.name) + ")",
                        doing));
  }
  return OkStatus();
}

Result<TablePlan*> LoadRun::EnsureTable(const TableSchema& table, bool scd2_root) {
  if (auto it = plans_.find(table.name()); it != plans_.end()) return &it->second;
  TablePlan plan;
  plan.table = &table;
  plan.scd2_root = scd2_root;
  plan.parameter_of.assign(table.columns().size(), 0);
  std::vector<ColumnSchema> validity;
  for (std::uint32_t i = 0; i < table.columns().size(); ++i) {
    const ColumnSchema& c = table.column(i);
    if (!c.IsComplete()) continue;
    if (scd2_root && (c.name == kValidFrom || c.name == kValidTo)) continue;
    plan.columns.push_back(i);
    plan.parameter_of[i] = static_cast<int>(plan.columns.size());
  }
  if (scd2_root) {
    validity.push_back(Column(std::string(kValidFrom), DataType::kTimestamp, true));
    validity.push_back(Column(std::string(kValidTo), DataType::kTimestamp, true));
  }
  if (plan.columns.empty()) return nullptr;  // nothing to create until data types are known

  INGESTD_ASSIGN_OR_RETURN(bool exists, db_.TableExists(table.name()));
  if (!exists) {
    std::string sql = "CREATE TABLE " + Main(table.name()) + " (";
    auto add_definition = [&](const ColumnSchema& c, bool first) {
      if (!first) sql += ", ";
      sql += QuoteIdentifier(c.name) + " " + SqliteTypeName(c);
      if (!c.IsNullable()) sql += " NOT NULL";
      // scd2 keeps retired versions next to active ones, so the row hash in
      // `_dlt_id` repeats (dlt drops its unique hint there too).
      bool unique = c.HasHint(ColumnHint::kUnique) && !(scd2_root && c.name == schema::kDltId);
      // The index is built once the load's rows are in (Finish): one sorted
      // build instead of a random B-tree insertion per row, which made
      // loads of millions of rows several times slower once the index
      // outgrew the page cache.
      if (unique) memo_.deferred_unique.emplace_back(table.name(), c.name);
    };
    for (std::size_t i = 0; i < plan.columns.size(); ++i) add_definition(plan.column(i), i == 0);
    for (const ColumnSchema& c : validity) add_definition(c, false);
    sql += ")";
    INGESTD_TRY(Execute(sql, "creating table " + table.name()));
  } else {
    // Existing columns (case-insensitive, as SQLite compares names).
    std::map<std::string, std::string> declared;
    {
      INGESTD_ASSIGN_OR_RETURN(SqliteStatement info,
                               db_.Prepare("SELECT name, type FROM pragma_table_info(?1, 'main')",
                                           "reading the columns of table " + table.name()));
      INGESTD_TRY(info.BindText(1, table.name()));
      while (true) {
        INGESTD_ASSIGN_OR_RETURN(bool row, info.Step());
        if (!row) break;
        declared.emplace(Lower(info.ColumnText(0)), std::string(info.ColumnText(1)));
      }
    }
    auto reconcile = [&](const ColumnSchema& c) -> Status {
      const std::string expected = SqliteTypeName(c);
      auto it = declared.find(Lower(c.name));
      if (it == declared.end()) return AddColumn(table, c);
      if (!SqliteTypeMatches(it->second, expected)) {
        return FailedPrecondition("table " + table.name() + ": column " + c.name + " exists with declared type '" +
                                  it->second + "' but the schema's " +
                                  std::string(schema::DataTypeName(*c.data_type)) + " needs '" + expected +
                                  "' (ingestd never retypes columns; rename or drop the column, or change "
                                  "the schema)");
      }
      return OkStatus();
    };
    for (std::size_t i = 0; i < plan.columns.size(); ++i) INGESTD_TRY(reconcile(plan.column(i)));
    for (const ColumnSchema& c : validity) INGESTD_TRY(reconcile(c));
  }
  auto [it, inserted] = plans_.emplace(table.name(), std::move(plan));
  (void)inserted;
  return &it->second;
}

Status LoadRun::EnsureExists(const TableSchema& table) {
  auto plan = EnsureTable(table, false);
  if (!plan.ok()) return std::move(plan).error();
  return OkStatus();
}

Status LoadRun::EnsureStaging(TablePlan& plan) {
  if (auto it = memo_.staging.find(plan.name()); it != memo_.staging.end()) {
    // Created by an earlier part: add the columns later parts brought.
    for (std::size_t i = 0; i < plan.columns.size(); ++i) {
      const ColumnSchema& c = plan.column(i);
      if (std::find(it->second.begin(), it->second.end(), c.name) != it->second.end()) continue;
      INGESTD_TRY(Execute("ALTER TABLE " + Temp(plan.name()) + " ADD COLUMN " + QuoteIdentifier(c.name) + " " +
                              SqliteTypeName(c),
                          "adding column " + c.name + " to the staging table of " + plan.name()));
      it->second.push_back(c.name);
    }
    return OkStatus();
  }
  // The temp schema belongs to this connection and follows its transaction:
  // a rollback undoes the staging tables with everything else.
  const std::string doing = "creating the staging table of " + plan.name();
  INGESTD_TRY(Execute("DROP TABLE IF EXISTS " + Temp(plan.name()), doing));
  std::string sql = "CREATE TEMP TABLE " + QuoteIdentifier(plan.name()) + " (";
  std::vector<std::string> names;
  for (std::size_t i = 0; i < plan.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += QuoteIdentifier(plan.column(i).name) + " " + SqliteTypeName(plan.column(i));
    names.push_back(plan.column(i).name);
  }
  sql += ")";
  INGESTD_TRY(Execute(sql, doing));
  memo_.staging.emplace(plan.name(), std::move(names));
  return OkStatus();
}

Status LoadRun::BindCell(SqliteStatement& stmt, int parameter, const normalize::Cell& cell,
                         const ColumnSchema& column) {
  const schema::Value& v = cell.value;
  switch (v.type) {
    case DataType::kBigint: return stmt.BindInt64(parameter, v.int_value);
    case DataType::kDouble: return stmt.BindDouble(parameter, v.double_value);
    case DataType::kBool: return stmt.BindInt64(parameter, v.bool_value ? 1 : 0);
    case DataType::kTimestamp:
      return stmt.BindText(parameter, FormatSqliteTimestamp(v.int_value, column.timezone.value_or(true)),
                           /*copy=*/true);
    case DataType::kDate: return stmt.BindText(parameter, FormatSqliteDate(v.int_value), /*copy=*/true);
    case DataType::kTime: return stmt.BindText(parameter, FormatSqliteTime(v.int_value), /*copy=*/true);
    case DataType::kBinary: return stmt.BindBlob(parameter, v.text);
    case DataType::kText:
    case DataType::kJson:
    case DataType::kDecimal:
    case DataType::kWei: return stmt.BindText(parameter, v.text);
  }
  return Internal("unknown data type");
}

// Rows inserted between checks of the stop token: a few milliseconds of work.
constexpr std::uint64_t kStopCheckRows = 4096;

Result<std::uint64_t> LoadRun::CopyFiles(const TableLoad& load, TablePlan& plan, bool staging) {
  // One prepared INSERT per table, reused for every row inside the one
  // transaction: SQLite's bulk path.
  std::string sql = "INSERT INTO " + (staging ? Temp(plan.name()) : Main(plan.name())) + " (" +
                    plan.ColumnList() + ") VALUES (";
  for (std::size_t i = 0; i < plan.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += "?" + std::to_string(i + 1);
  }
  sql += ")";
  const std::string doing = std::string(staging ? "staging rows of table " : "inserting into table ") + plan.name();
  INGESTD_ASSIGN_OR_RETURN(SqliteStatement insert, db_.Prepare(sql, doing));

  std::uint64_t rows = 0;
  for (const std::string& file : load.files) {
    INGESTD_TRY(CheckStop("before file " + file));
    auto reader = package::LoadFileReader::Open(file, *plan.table);
    if (!reader.ok()) return reader.error().WithContext("table " + plan.name());
    std::span<const normalize::Cell> row;
    while (true) {
      auto more = reader->Next(row);
      if (!more.ok()) return more.error().WithContext("table " + plan.name());
      if (!*more) break;
      insert.ClearBindings();
      for (const normalize::Cell& cell : row) {
        const int parameter = cell.column < plan.parameter_of.size() ? plan.parameter_of[cell.column] : 0;
        if (parameter == 0) {
          return DataLoss("table " + plan.name() + ": file " + file + " has a value for column #" +
                          std::to_string(cell.column) + ", which the destination table does not have");
        }
        INGESTD_TRY(BindCell(insert, parameter, cell, plan.table->column(cell.column)));
      }
      auto status = insert.Run();
      if (!status.ok()) return std::move(status).error().WithContext("file " + file);
      // A cancel must not wait for a whole (possibly huge) load file.
      if (++rows % kStopCheckRows == 0) INGESTD_TRY(CheckStop("while inserting into table " + plan.name()));
    }
  }
  return rows;
}

Result<std::string> LoadRun::NestedLink(const TablePlan& root, const TablePlan& nested) const {
  for (std::uint32_t c : nested.columns) {
    const ColumnSchema& column = nested.table->column(c);
    if (column.HasHint(ColumnHint::kRootKey) || column.name == schema::kDltRootId) return column.name;
  }
  // dlt's fallback: first-level children reach the root through the parent key.
  if (nested.table->parent && *nested.table->parent == root.name() && nested.Has(schema::kDltParentId)) {
    return std::string(schema::kDltParentId);
  }
  return FailedPrecondition("table " + nested.name() + " (nested in merge table " + root.name() +
                            ") has no " + std::string(schema::kDltRootId) +
                            " column to tie its rows to the root row");
}

// delete-insert, upsert and insert-only: dlt's SQL with delete+insert in
// place of MERGE. Root rows matching a staged row on the primary key (or on
// the merge key, delete-insert only) are deleted with their nested rows;
// staged root rows are deduplicated on the primary key (the row sorting
// last by dedup_sort, else the last one staged), rows flagged by the
// hard_delete column are not inserted, and nested rows are inserted for the
// root rows that were.
Status LoadRun::MergeByKeys(const std::vector<TablePlan*>& chain, MergeStrategy strategy) {
  const TablePlan& root = *chain.front();
  const std::string& r = root.name();
  std::vector<std::string> pk = root.WithHint(ColumnHint::kPrimaryKey);
  std::vector<std::string> mk =
      strategy == MergeStrategy::kDeleteInsert ? root.WithHint(ColumnHint::kMergeKey) : std::vector<std::string>{};
  if (strategy != MergeStrategy::kDeleteInsert && pk.empty()) {
    return FailedPrecondition("table " + r + ": merge strategy " +
                              std::string(schema::MergeStrategyName(strategy)) + " needs a primary key");
  }
  const bool has_id = root.Has(schema::kDltId);
  if (chain.size() > 1 && !has_id) {
    return FailedPrecondition("table " + r + " has nested tables but no " + std::string(schema::kDltId) + " column");
  }
  const std::string id_expr = has_id ? "s." + QuoteIdentifier(schema::kDltId) : "NULL";
  const std::string doing = "merging table " + r;

  std::vector<std::string> links(chain.size());
  for (std::size_t i = 1; i < chain.size(); ++i) {
    INGESTD_ASSIGN_OR_RETURN(links[i], NestedLink(root, *chain[i]));
  }

  // 1. Delete the destination rows the staged rows replace.
  if (strategy != MergeStrategy::kInsertOnly && (!pk.empty() || !mk.empty())) {
    std::string match;
    if (!pk.empty()) match = "(" + KeyEquals(pk) + ")";
    if (!mk.empty()) match += (match.empty() ? "(" : " OR (") + KeyEquals(mk) + ")";
    // Keys are looked up in the staged rows through an index, so the cost is
    // one pass over the destination table.
    if (!pk.empty()) {
      INGESTD_TRY(Execute("CREATE INDEX temp." + QuoteIdentifier(r + "__ingestd_pk") + " ON " + QuoteIdentifier(r) +
                              " (" + JoinQuoted(pk) + ")",
                          doing));
    }
    if (!mk.empty()) {
      INGESTD_TRY(Execute("CREATE INDEX temp." + QuoteIdentifier(r + "__ingestd_mk") + " ON " + QuoteIdentifier(r) +
                              " (" + JoinQuoted(mk) + ")",
                          doing));
    }
    INGESTD_TRY(Execute("DROP TABLE IF EXISTS " + Temp(kDeleteKeys), doing));
    INGESTD_TRY(Execute("CREATE TEMP TABLE " + QuoteIdentifier(kDeleteKeys) + " AS SELECT d.rowid AS rid, " +
                            (has_id ? "d." + QuoteIdentifier(schema::kDltId) : std::string("NULL")) +
                            " AS id FROM " + Main(r) + " AS d WHERE EXISTS (SELECT 1 FROM " + Temp(r) +
                            " AS s WHERE " + match + ")",
                        doing + " (finding replaced rows)"));
    for (std::size_t i = 1; i < chain.size(); ++i) {
      INGESTD_TRY(Execute("DELETE FROM " + Main(chain[i]->name()) + " WHERE " + QuoteIdentifier(links[i]) +
                              " IN (SELECT id FROM " + Temp(kDeleteKeys) + ")",
                          "deleting replaced rows of nested table " + chain[i]->name()));
    }
    INGESTD_TRY(Execute("DELETE FROM " + Main(r) + " WHERE rowid IN (SELECT rid FROM " + Temp(kDeleteKeys) + ")",
                        doing + " (deleting replaced rows)"));
  }

  // 2. Which staged root rows to insert.
  std::string keep = "1";
  for (std::uint32_t c : root.columns) {
    const ColumnSchema& column = root.table->column(c);
    if (!column.HasHint(ColumnHint::kHardDelete)) continue;
    const std::string q = "s." + QuoteIdentifier(column.name);
    // A bool flag deletes only when true; any other type whenever it is set.
    keep = *column.data_type == DataType::kBool ? "(" + q + " IS NULL OR " + q + " = 0)" : "(" + q + " IS NULL)";
    break;
  }
  std::string rank = "1";
  if (!pk.empty()) {
    std::string order;
    for (std::uint32_t c : root.columns) {
      const ColumnSchema& column = root.table->column(c);
      if (!column.dedup_sort) continue;
      order = "s." + QuoteIdentifier(column.name) + (*column.dedup_sort == "asc" ? " ASC, " : " DESC, ");
      break;
    }
    // Ties (and no dedup_sort) keep the row staged last.
    rank = "ROW_NUMBER() OVER (PARTITION BY " + JoinQuoted(pk, "s.") + " ORDER BY " + order + "s.rowid DESC)";
  }
  std::string fresh = "1";
  if (strategy == MergeStrategy::kInsertOnly) {
    fresh = "NOT EXISTS (SELECT 1 FROM " + Main(r) + " AS d WHERE " + KeyEquals(pk) + ")";
  }
  INGESTD_TRY(Execute("DROP TABLE IF EXISTS " + Temp(kInsertKeys), doing));
  INGESTD_TRY(Execute("CREATE TEMP TABLE " + QuoteIdentifier(kInsertKeys) + " AS SELECT rid, id FROM (SELECT s.rowid AS rid, " +
                          id_expr + " AS id, " + keep + " AS keep, " + fresh + " AS fresh, " + rank +
                          " AS rn FROM " + Temp(r) + " AS s) WHERE rn = 1 AND keep AND fresh",
                      doing + " (choosing rows to insert)"));
  INGESTD_TRY(Execute("INSERT INTO " + Main(r) + " (" + root.ColumnList() + ") SELECT " + root.ColumnList() +
                          " FROM " + Temp(r) + " WHERE rowid IN (SELECT rid FROM " + Temp(kInsertKeys) +
                          ") ORDER BY rowid",
                      doing + " (inserting rows)"));
  for (std::size_t i = 1; i < chain.size(); ++i) {
    const TablePlan& n = *chain[i];
    // Nested rows are deduplicated on their row key against retried items.
    const std::string partition = n.Has(schema::kDltId) ? "s." + QuoteIdentifier(schema::kDltId) : "s.rowid";
    INGESTD_TRY(Execute("INSERT INTO " + Main(n.name()) + " (" + n.ColumnList() + ") SELECT " + n.ColumnList() +
                            " FROM " + Temp(n.name()) + " WHERE rowid IN (SELECT rid FROM (SELECT s.rowid AS rid, " +
                            "ROW_NUMBER() OVER (PARTITION BY " + partition + " ORDER BY s.rowid DESC) AS rn FROM " +
                            Temp(n.name()) + " AS s WHERE s." + QuoteIdentifier(links[i]) + " IN (SELECT id FROM " +
                            Temp(kInsertKeys) + ")) WHERE rn = 1) ORDER BY rowid",
                        "inserting rows of nested table " + n.name()));
  }
  return OkStatus();
}

// scd2: active rows (`_dlt_valid_to` NULL) whose row hash is not staged are
// retired at the boundary (request.created_at); staged hashes not active yet
// are inserted, valid from the boundary. Nested rows are inserted when their
// row key is new.
Status LoadRun::MergeScd2(const std::vector<TablePlan*>& chain) {
  const TablePlan& root = *chain.front();
  const std::string& r = root.name();
  std::string hash(schema::kDltId);
  for (std::uint32_t c : root.columns) {
    for (const auto& [key, value] : root.table->column(c).extra) {
      if (key == "x-row-version" && value == "true") hash = root.table->column(c).name;
    }
  }
  if (!root.Has(hash)) {
    return FailedPrecondition("scd2 table " + r + " has no row hash column " + hash);
  }
  const std::string h = QuoteIdentifier(hash);
  const std::string from = QuoteIdentifier(kValidFrom);
  const std::string to = QuoteIdentifier(kValidTo);
  const std::string boundary = FormatSqliteTimestamp(SecondsToMicros(request_.created_at));
  const std::string doing = "merging scd2 table " + r;

  std::string retire = "UPDATE " + Main(r) + " SET " + to + " = ?1 WHERE " + to + " IS NULL AND " + h +
                       " NOT IN (SELECT " + h + " FROM " + Temp(r) + ")";
  // With a merge key only the keys present in the load are retired (an
  // incremental load leaves other keys' versions active).
  std::vector<std::string> mk = root.WithHint(ColumnHint::kMergeKey);
  if (!mk.empty()) {
    retire += " AND (" + JoinQuoted(mk) + ") IN (SELECT " + JoinQuoted(mk) + " FROM " + Temp(r) + ")";
  }
  {
    INGESTD_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare(retire, doing + " (retiring rows)"));
    INGESTD_TRY(stmt.BindText(1, boundary));
    INGESTD_TRY(stmt.Run());
  }
  {
    INGESTD_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("INSERT INTO " + Main(r) + " (" + root.ColumnList() + ", " + from + ", " + to + ") SELECT " +
                        root.ColumnList() + ", ?1, NULL FROM " + Temp(r) +
                        " WHERE rowid IN (SELECT rid FROM (SELECT s.rowid AS rid, ROW_NUMBER() OVER (PARTITION BY s." +
                        h + " ORDER BY s.rowid DESC) AS rn FROM " + Temp(r) + " AS s) WHERE rn = 1) AND " + h +
                        " NOT IN (SELECT " + h + " FROM " + Main(r) + " WHERE " + to + " IS NULL) ORDER BY rowid",
                    doing + " (inserting new versions)"));
    INGESTD_TRY(stmt.BindText(1, boundary));
    INGESTD_TRY(stmt.Run());
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    const TablePlan& n = *chain[i];
    if (!n.Has(schema::kDltId)) {
      return FailedPrecondition("nested table " + n.name() + " of scd2 table " + r + " has no _dlt_id column");
    }
    const std::string id = QuoteIdentifier(schema::kDltId);
    INGESTD_TRY(Execute("INSERT INTO " + Main(n.name()) + " (" + n.ColumnList() + ") SELECT " + n.ColumnList() +
                            " FROM " + Temp(n.name()) + " WHERE rowid IN (SELECT rid FROM (SELECT s.rowid AS rid, " +
                            "ROW_NUMBER() OVER (PARTITION BY s." + id + " ORDER BY s.rowid DESC) AS rn FROM " +
                            Temp(n.name()) + " AS s) WHERE rn = 1) AND " + id + " NOT IN (SELECT " + id + " FROM " +
                            Main(n.name()) + ") ORDER BY rowid",
                        "inserting new rows of nested table " + n.name()));
  }
  return OkStatus();
}

Status LoadRun::InsertSchemaVersion() {
  const std::string doing = "storing schema version " + schema_.version_hash();
  {
    INGESTD_ASSIGN_OR_RETURN(SqliteStatement find,
                             db_.Prepare("SELECT 1 FROM " + Main(schema::kVersionTableName) +
                                             " WHERE version_hash = ?1 AND schema_name = ?2",
                                         doing));
    INGESTD_TRY(find.BindText(1, schema_.version_hash()));
    INGESTD_TRY(find.BindText(2, schema_.name()));
    INGESTD_ASSIGN_OR_RETURN(bool present, find.Step());
    if (present) return OkStatus();
  }
  const std::string json = schema::SchemaToJson(schema_);
  const std::string inserted_at = FormatSqliteTimestamp(SecondsToMicros(request_.created_at));
  INGESTD_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      db_.Prepare("INSERT INTO " + Main(schema::kVersionTableName) +
                      " (version, engine_version, inserted_at, schema_name, version_hash, schema) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6)",
                  doing));
  INGESTD_TRY(insert.BindInt64(1, schema_.version()));
  INGESTD_TRY(insert.BindInt64(2, schema::kSchemaEngineVersion));
  INGESTD_TRY(insert.BindText(3, inserted_at));
  INGESTD_TRY(insert.BindText(4, schema_.name()));
  INGESTD_TRY(insert.BindText(5, schema_.version_hash()));
  INGESTD_TRY(insert.BindText(6, json));
  return insert.Run();
}

Status LoadRun::InsertState() {
  const StateRow& state = *request_.state;
  const std::string created_at = FormatSqliteTimestamp(SecondsToMicros(state.created_at));
  const std::string row_id = Digest128(request_.load_id, 10);
  INGESTD_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      db_.Prepare("INSERT INTO " + Main(schema::kPipelineStateTableName) +
                      " (version, engine_version, pipeline_name, state, created_at, version_hash, " +
                      QuoteIdentifier(schema::kDltLoadId) + ", " + QuoteIdentifier(schema::kDltId) +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  "storing the pipeline state"));
  INGESTD_TRY(insert.BindInt64(1, state.version));
  INGESTD_TRY(insert.BindInt64(2, state.engine_version));
  INGESTD_TRY(insert.BindText(3, state.pipeline_name.empty() ? request_.pipeline_name : state.pipeline_name));
  INGESTD_TRY(insert.BindText(4, state.state));
  INGESTD_TRY(insert.BindText(5, created_at));
  if (state.version_hash.empty()) {
    INGESTD_TRY(insert.BindNull(6));
  } else {
    INGESTD_TRY(insert.BindText(6, state.version_hash));
  }
  INGESTD_TRY(insert.BindText(7, request_.load_id));
  INGESTD_TRY(insert.BindText(8, row_id));
  return insert.Run();
}

Status LoadRun::InsertLoad() {
  INGESTD_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      db_.Prepare("INSERT INTO " + Main(schema::kLoadsTableName) +
                      " (load_id, schema_name, status, inserted_at, schema_version_hash) VALUES (?1, ?2, 0, ?3, ?4)",
                  "recording load " + request_.load_id + " in _dlt_loads"));
  INGESTD_TRY(insert.BindText(1, request_.load_id));
  INGESTD_TRY(insert.BindText(2, schema_.name()));
  const std::string inserted_at = FormatSqliteTimestamp(SecondsToMicros(request_.created_at));
  INGESTD_TRY(insert.BindText(3, inserted_at));
  INGESTD_TRY(insert.BindText(4, schema_.version_hash()));
  return insert.Run();
}

Status LoadRun::EmptyOnce(const std::string& table) {
  if (!memo_.emptied.insert(table).second) return OkStatus();
  return Execute("DELETE FROM " + Main(table), "emptying replaced table " + table);
}

Status LoadRun::AppendRows() {
  INGESTD_TRY(CheckStop("before it started"));
  for (const TableLoad& load : request_.tables) {
    const WriteDisposition disposition = schema_.ResolveWriteDisposition(load.table);
    if (disposition == WriteDisposition::kSkip) continue;
    const TableSchema* table = schema_.FindTable(load.table);
    const TableSchema* root = schema_.RootTableOf(load.table);
    if (table == nullptr || root == nullptr) {
      return InvalidArgument("table " + load.table + " is not in schema " + schema_.name() +
                             " (or its parent chain is broken)");
    }
    if (std::find(memo_.roots.begin(), memo_.roots.end(), root->name()) == memo_.roots.end()) {
      memo_.roots.push_back(root->name());
    }
    const bool scd2_root = table == root && disposition == WriteDisposition::kMerge &&
                           schema_.ResolveMergeStrategy(root->name()) == MergeStrategy::kScd2;
    INGESTD_ASSIGN_OR_RETURN(TablePlan * plan, EnsureTable(*table, scd2_root));
    if (plan == nullptr) {
      if (load.files.empty()) continue;
      return InvalidArgument("table " + load.table + " has load files but no column with a data type");
    }
    const bool staging = disposition == WriteDisposition::kMerge;
    if (staging) {
      INGESTD_TRY(EnsureStaging(*plan));
    } else if (std::find(request_.replace_tables.begin(), request_.replace_tables.end(), root->name()) !=
               request_.replace_tables.end()) {
      // replace (truncate-and-insert): a table is emptied before its first rows.
      INGESTD_TRY(EmptyOnce(plan->name()));
    }
    INGESTD_ASSIGN_OR_RETURN(std::uint64_t rows, CopyFiles(load, *plan, staging));
    auto it = std::find_if(memo_.result.rows_per_table.begin(), memo_.result.rows_per_table.end(),
                           [&](const auto& e) { return e.first == load.table; });
    if (it == memo_.result.rows_per_table.end()) {
      memo_.result.rows_per_table.emplace_back(load.table, rows);
    } else {
      it->second += rows;
    }
    // Crash tests stop here: part of the package is written, nothing committed.
    if (request_.checkpoint && !memo_.copy_checkpoint_called) {
      memo_.copy_checkpoint_called = true;
      request_.checkpoint("copy");
    }
  }
  return OkStatus();
}

Result<LoadResult> LoadRun::Finish() {
  INGESTD_TRY(AppendRows());

  // System tables.
  INGESTD_TRY(EnsureExists(SystemTable(schema_, schema::kLoadsTableName)));
  INGESTD_TRY(EnsureExists(SystemTable(schema_, schema::kVersionTableName)));

  // Table chains this package touches: every table with rows, every
  // replaced root, each with all its nested tables (a merge or replace must
  // reach nested rows even when this package has none for them).
  std::vector<std::string> roots = memo_.roots;
  for (const std::string& table : request_.replace_tables) {
    const TableSchema* root = schema_.RootTableOf(table);
    if (root == nullptr) {
      return InvalidArgument("table " + table + " is not in schema " + schema_.name() +
                             " (or its parent chain is broken)");
    }
    if (std::find(roots.begin(), roots.end(), root->name()) == roots.end()) roots.push_back(root->name());
  }

  std::map<std::string, std::vector<TablePlan*>, std::less<>> chains;
  for (const std::string& root : roots) {
    const WriteDisposition disposition = schema_.ResolveWriteDisposition(root);
    if (disposition == WriteDisposition::kSkip) continue;
    const bool scd2 = disposition == WriteDisposition::kMerge &&
                      schema_.ResolveMergeStrategy(root) == MergeStrategy::kScd2;
    std::vector<TablePlan*>& chain = chains[root];
    for (const TableSchema* t : ChainOf(root)) {
      INGESTD_ASSIGN_OR_RETURN(TablePlan * plan, EnsureTable(*t, scd2 && t->name() == root));
      if (plan != nullptr) chain.push_back(plan);
    }
  }

  // replace: empty what received no rows (the rest was emptied before them).
  for (const std::string& table : request_.replace_tables) {
    const TableSchema* root = schema_.RootTableOf(table);
    auto it = chains.find(root->name());
    if (it == chains.end()) continue;
    for (TablePlan* plan : it->second) INGESTD_TRY(EmptyOnce(plan->name()));
  }

  // Merge statements per chain whose root has merge disposition.
  for (auto& [root, chain] : chains) {
    if (chain.empty() || chain.front()->name() != root) continue;
    if (schema_.ResolveWriteDisposition(root) != WriteDisposition::kMerge) continue;
    INGESTD_TRY(CheckStop("before merging table " + root));
    for (TablePlan* plan : chain) INGESTD_TRY(EnsureStaging(*plan));
    const MergeStrategy strategy = schema_.ResolveMergeStrategy(root).value_or(MergeStrategy::kDeleteInsert);
    if (strategy == MergeStrategy::kScd2) {
      INGESTD_TRY(MergeScd2(chain));
    } else {
      INGESTD_TRY(MergeByKeys(chain, strategy));
    }
  }
  // Staging tables and helpers are dropped so the next load starts clean
  // (temp tables would otherwise live as long as the connection).
  for (const auto& [name, columns] : memo_.staging) {
    INGESTD_TRY(Execute("DROP TABLE " + Temp(name), "dropping staging table " + name));
  }
  memo_.staging.clear();
  INGESTD_TRY(Execute("DROP TABLE IF EXISTS " + Temp(kDeleteKeys) + "; DROP TABLE IF EXISTS " + Temp(kInsertKeys),
                      "dropping merge helper tables"));
  // Unique indexes of the tables this load created; duplicates fail the load
  // here, inside the transaction. SQLite's sorter may hold as much memory as
  // the page cache allows before it spills to temporary files; the index
  // builds run with a small cache so that the cache's pages are handed to
  // the sorter instead of both growing (the load's peak memory stays that
  // of the inserts).
  if (!memo_.deferred_unique.empty()) {
    INGESTD_TRY(Execute("PRAGMA cache_size=-" + std::to_string(kIndexBuildCacheKib), "shrinking the page cache"));
    Status indexed = OkStatus();
    for (const auto& [table, column] : memo_.deferred_unique) {
      indexed = CheckStop("before indexing table " + table);
      if (!indexed.ok()) break;
      indexed = Execute("CREATE UNIQUE INDEX main." + QuoteIdentifier(UniqueIndexName(table, column)) + " ON " +
                            QuoteIdentifier(table) + " (" + QuoteIdentifier(column) + ")",
                        "adding the unique index on " + table + "." + column);
      if (!indexed.ok()) break;
    }
    // Restored whatever happened: the connection serves later loads.
    Status restored = Execute("PRAGMA cache_size=-" + std::to_string(kLoadCacheKib), "restoring the page cache");
    INGESTD_TRY(indexed);
    INGESTD_TRY(restored);
    memo_.deferred_unique.clear();
  }

  if (request_.store_schema_version) INGESTD_TRY(InsertSchemaVersion());
  if (request_.state) {
    const TableSchema* state_table = schema_.FindTable(schema::kPipelineStateTableName);
    if (state_table != nullptr) INGESTD_TRY(EnsureExists(*state_table));
    // dlt's columns, for a schema that lacks the table or some of them.
    plans_.erase(std::string(schema::kPipelineStateTableName));
    INGESTD_TRY(EnsureExists(*DefaultSchema().FindTable(schema::kPipelineStateTableName)));
    INGESTD_TRY(InsertState());
  }
  INGESTD_TRY(CheckStop("before commit"));
  INGESTD_TRY(InsertLoad());
  return memo_.result;
}

// The transaction of one load between BeginLoad() and Commit(): BEGIN
// IMMEDIATE takes the write lock at once, so the "already loaded?" check
// and every part see the same database (another writer waits on
// busy_timeout). Rolls back when destroyed uncommitted.
class SqliteLoadSession final : public LoadSession {
 public:
  SqliteLoadSession(SqliteConnection& db, const SqliteConfig& config, LoadBegin begin)
      : db_(db), config_(config), begin_(std::move(begin)) {}
  SqliteLoadSession(const SqliteLoadSession&) = delete;
  SqliteLoadSession& operator=(const SqliteLoadSession&) = delete;
  ~SqliteLoadSession() override { Rollback(); }

  Status Begin(std::stop_token stop) {
    if (begin_.load_id.empty()) return InvalidArgument("load request without a load id");
    if (db_.InTransaction()) {
      // Left open by an earlier failure that could not roll back.
      (void)db_.Exec("ROLLBACK", "rolling back a stale transaction");
    }
    if (auto begun = db_.Exec("BEGIN IMMEDIATE", "starting the load transaction"); !begun.ok()) {
      return begun.error().WithContext(Context());
    }
    open_ = true;
    LoadRequest probe = Part(nullptr, {});
    schema::Schema empty = schema::Schema::CreateDefault("ingestd");
    probe.schema = &empty;
    Result<bool> loaded = LoadRun(db_, probe, memo_, std::move(stop)).AlreadyLoaded();
    if (!loaded.ok()) return Ended(std::move(loaded).error());
    if (*loaded) {
      already_loaded_ = true;
      Rollback();  // nothing changed
    }
    return OkStatus();
  }

  bool already_loaded() const override { return already_loaded_; }

  Status Append(const schema::Schema& schema, const std::vector<TableLoad>& tables,
                std::stop_token stop) override {
    if (already_loaded_) return OkStatus();
    INGESTD_TRY(Usable());
    const LoadRequest part = Part(&schema, tables);
    Status appended = LoadRun(db_, part, memo_, std::move(stop)).AppendRows();
    if (!appended.ok()) return Ended(std::move(appended).error());
    return OkStatus();
  }

  Result<LoadResult> Commit(const LoadRequest& request, std::stop_token stop) override {
    if (already_loaded_) {
      LoadResult done;
      done.already_loaded = true;
      return done;
    }
    INGESTD_TRY(Usable());
    if (request.schema == nullptr) return Ended(InvalidArgument("load " + request.load_id + ": no schema"));
    if (request.load_id != begin_.load_id) {
      return Ended(Internal("load session " + begin_.load_id + " asked to commit load " + request.load_id));
    }
    Result<LoadResult> result = LoadRun(db_, request, memo_, std::move(stop)).Finish();
    if (!result.ok()) return Ended(std::move(result).error());
    if (begin_.checkpoint) begin_.checkpoint("commit");
    if (auto committed = db_.Exec("COMMIT", "committing the load"); !committed.ok()) {
      return Ended(std::move(committed).error());
    }
    open_ = false;
    return result;
  }

 private:
  std::string Context() const {
    return "sqlite dataset " + config_.dataset + " (" + config_.path + "), load " + begin_.load_id;
  }

  // A request for one part: the session's fields with this part's schema
  // and files.
  LoadRequest Part(const schema::Schema* schema, const std::vector<TableLoad>& tables) const {
    LoadRequest part;
    part.load_id = begin_.load_id;
    part.pipeline_name = begin_.pipeline_name;
    part.schema = schema;
    part.tables = tables;
    part.replace_tables = begin_.replace_tables;
    part.created_at = begin_.created_at;
    part.checkpoint = begin_.checkpoint;
    return part;
  }

  Status Usable() const {
    if (failed_ || !open_) {
      return FailedPrecondition(Context() + ": the load ended after an earlier error; nothing of it was committed");
    }
    return OkStatus();
  }

  // On error: roll back, and name the load in the message.
  Error Ended(Error error) {
    failed_ = true;
    Rollback();
    return error.WithContext(Context());
  }

  void Rollback() {
    // Nothing more can be done about a failed rollback: SQLite undoes an
    // unfinished transaction itself when the connection closes or the next
    // process opens the file (hot journal / WAL recovery).
    if (open_ && db_.InTransaction()) (void)db_.Exec("ROLLBACK", "rolling back the load");
    open_ = false;
  }

  SqliteConnection& db_;
  const SqliteConfig& config_;
  LoadBegin begin_;
  LoadMemo memo_;
  bool open_ = false;
  bool already_loaded_ = false;
  bool failed_ = false;
};

class SqliteDestination final : public Destination {
 public:
  SqliteDestination(SqliteConnection connection, SqliteConfig config)
      : db_(std::move(connection)), config_(std::move(config)) {}

  std::string_view Kind() const override { return "sqlite"; }
  std::size_t MaxIdentifierLength() const override { return kMaxIdentifierLength; }

  Result<bool> IsLoaded(std::string_view load_id) override {
    INGESTD_ASSIGN_OR_RETURN(bool exists, db_.TableExists(schema::kLoadsTableName));
    if (!exists) return false;
    INGESTD_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("SELECT 1 FROM " + Main(schema::kLoadsTableName) + " WHERE load_id = ?1",
                    "looking up load " + std::string(load_id)));
    INGESTD_TRY(stmt.BindText(1, load_id));
    return stmt.Step();
  }

  Result<LoadResult> Load(const LoadRequest& request, std::stop_token stop) override {
    if (request.schema == nullptr) return InvalidArgument("load " + request.load_id + ": no schema");
    LoadBegin begin{request.load_id, request.pipeline_name, request.replace_tables, request.created_at,
                    request.checkpoint};
    INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<LoadSession> session, BeginLoad(begin, stop));
    return session->Commit(request, stop);
  }

  Result<std::unique_ptr<LoadSession>> BeginLoad(const LoadBegin& begin, std::stop_token stop) override {
    auto session = std::make_unique<SqliteLoadSession>(db_, config_, begin);
    INGESTD_TRY(session->Begin(std::move(stop)));
    return std::unique_ptr<LoadSession>(std::move(session));
  }

  Result<StoredPipeline> Restore(std::string_view pipeline_name, std::string_view schema_name) override {
    StoredPipeline out;
    INGESTD_ASSIGN_OR_RETURN(bool has_versions, db_.TableExists(schema::kVersionTableName));
    if (has_versions) {
      INGESTD_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_.Prepare("SELECT schema FROM " + Main(schema::kVersionTableName) +
                          " WHERE schema_name = ?1 ORDER BY inserted_at DESC, rowid DESC LIMIT 1",
                      "reading the newest schema " + std::string(schema_name)));
      INGESTD_TRY(stmt.BindText(1, schema_name));
      INGESTD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) out.schema_json = std::string(stmt.ColumnText(0));
    }
    INGESTD_ASSIGN_OR_RETURN(bool has_state, db_.TableExists(schema::kPipelineStateTableName));
    INGESTD_ASSIGN_OR_RETURN(bool has_loads, db_.TableExists(schema::kLoadsTableName));
    if (has_state && has_loads) {
      INGESTD_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_.Prepare("SELECT s.version, s.engine_version, s.pipeline_name, s.state, s.created_at, s.version_hash "
                      "FROM " + Main(schema::kPipelineStateTableName) + " AS s JOIN " + Main(schema::kLoadsTableName) +
                          " AS l ON l.load_id = s." + QuoteIdentifier(schema::kDltLoadId) +
                          " WHERE s.pipeline_name = ?1 AND l.status = 0 ORDER BY l.load_id DESC LIMIT 1",
                      "reading the newest state of pipeline " + std::string(pipeline_name)));
      INGESTD_TRY(stmt.BindText(1, pipeline_name));
      INGESTD_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) {
        StateRow state;
        state.version = stmt.ColumnInt64(0);
        state.engine_version = stmt.ColumnInt64(1);
        state.pipeline_name = std::string(stmt.ColumnText(2));
        state.state = std::string(stmt.ColumnText(3));
        if (stmt.ColumnType(4) == SQLITE_TEXT) {
          auto micros = ParseSqliteTimestamp(stmt.ColumnText(4));
          if (!micros) {
            return DataLoss("sqlite: _dlt_pipeline_state.created_at '" + std::string(stmt.ColumnText(4)) +
                            "' is not a timestamp");
          }
          state.created_at = static_cast<double>(*micros) / 1e6;
        } else {
          state.created_at = stmt.ColumnDouble(4);
        }
        if (!stmt.IsNull(5)) state.version_hash = std::string(stmt.ColumnText(5));
        out.state = std::move(state);
      }
    }
    return out;
  }

 private:
  SqliteConnection db_;
  SqliteConfig config_;
};

}  // namespace

Result<std::unique_ptr<Destination>> OpenSqlite(const SqliteConfig& config) {
  if (config.path.empty()) return InvalidArgument("sqlite destination: no database path");
  SqliteOpenOptions options;
  options.busy_timeout_ms = config.busy_timeout_ms;
  options.cache_kib = kLoadCacheKib;
  auto connection = SqliteConnection::Open(config.path, options);
  if (!connection.ok()) return connection.error().WithContext("sqlite dataset " + config.dataset);
  return std::unique_ptr<Destination>(std::make_unique<SqliteDestination>(std::move(connection).value(), config));
}

}  // namespace ingestd::destinations::sqlite
