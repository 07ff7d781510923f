#include "core/extract/sql/sql_source.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "core/common/abbreviate.hpp"
#include "core/extract/sql/pg_types.hpp"
#include "core/extract/sql/pg_value_to_json.hpp"
#include "core/extract/sql/sql_connection.hpp"
#include "core/extract/sql/sql_query_builder.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::sql {
namespace {

constexpr std::string_view kCursorName = "ingestd_cursor";
// How much of a query an error message quotes.
constexpr std::size_t kQueryShownBytes = 120;

// Deterministic output whatever the server's or role's defaults are.
constexpr std::string_view kSessionSetup =
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
    "SET bytea_output = 'hex'; SET extra_float_digits = 3";
constexpr std::string_view kBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

// One column of the selected relation, from the row description.
struct ColumnInfo {
  std::string name;
  std::uint32_t type_oid = 0;
  int typmod = -1;
  bool not_null = false;
};

// The bound's text for a `$n::type` parameter: strings without their JSON
// quotes, numbers and booleans as JSON writes them.
Result<std::string> BoundText(const CursorValue& value) {
  std::string json = value.ToJson();
  if (value.kind() != CursorValue::Kind::kString) return json;
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsString()) return Internal("cursor value " + json + " is not a JSON string");
  return std::string(doc.GetString(), doc.GetStringLength());
}

std::string_view OrderKindName(CursorOrder order) {
  switch (order) {
    case CursorOrder::kNumber: return "numbers";
    case CursorOrder::kString: return "strings";
    case CursorOrder::kBool: return "booleans";
    case CursorOrder::kUnordered: break;
  }
  return "values that do not sort";
}

bool Matches(CursorOrder order, CursorValue::Kind kind) {
  switch (order) {
    case CursorOrder::kNumber: return kind == CursorValue::Kind::kNumber;
    case CursorOrder::kString: return kind == CursorValue::Kind::kString;
    case CursorOrder::kBool: return kind == CursorValue::Kind::kBool;
    case CursorOrder::kUnordered: break;
  }
  return false;
}

// Everything one extraction or reflection needs from the config.
class Session {
 public:
  Session(const std::string& resource, const SqlConfig& config) : resource_(resource), config_(config) {}

  // "sql source of resource orders: table \"public\".\"orders\"" for messages.
  std::string Context() const {
    std::string out = "sql source of resource " + resource_ + ": ";
    if (config_.table) return out + "table " + relation_;
    return out + "query `" + Abbreviate(config_.query.value_or(""), kQueryShownBytes) + "`";
  }

  // Checks the config and builds the FROM item.
  Status Validate() {
    if (config_.table.has_value() == config_.query.has_value()) {
      return InvalidArgument("sql source of resource " + resource_ + ": set exactly one of table and query");
    }
    if (config_.chunk_size == 0) {
      return InvalidArgument("sql source of resource " + resource_ + ": chunk_size must be at least 1");
    }
    if (config_.dsn.starts_with("env:") || config_.dsn.starts_with("file:")) {
      return InvalidArgument("sql source of resource " + resource_ +
                             ": the dsn is an unresolved secret reference (the runner resolves env:/file: before "
                             "extracting)");
    }
    std::unordered_set<std::string> seen;
    for (const std::string& column : config_.columns) {
      if (column.empty()) return InvalidArgument("sql source of resource " + resource_ + ": empty column name");
      if (!seen.insert(column).second) {
        return InvalidArgument("sql source of resource " + resource_ + ": column '" + column + "' listed twice");
      }
    }
    if (config_.table) {
      auto name = ParseTableName(*config_.table);
      if (!name.ok()) return name.error().WithContext("sql source of resource " + resource_);
      relation_ = QuotedTableName(*name);
    } else {
      if (TrimQuery(*config_.query).empty()) {
        return InvalidArgument("sql source of resource " + resource_ + ": query is empty");
      }
      relation_ = QueryRelation(*config_.query);
    }
    return OkStatus();
  }

  // Connects, sets up the session and opens the read-only snapshot.
  Status Open() {
    auto conn = SqlConnection::Connect(config_.dsn);
    if (!conn.ok()) return conn.error().WithContext("cannot connect to the sql source of resource " + resource_);
    conn_.emplace(std::move(conn).value());
    auto setup = conn_->Exec(kSessionSetup);  // several statements: the simple protocol
    if (!setup.ok()) return setup.error().WithContext(Context());
    return Run(kBegin);
  }

  // The selected columns from a `LIMIT 0` of the select, with NOT NULL from
  // pg_attribute for table columns.
  Result<std::vector<ColumnInfo>> Reflect() {
    SelectStatement probe = BuildSelect(relation_, config_.columns, std::nullopt);
    probe.sql += " LIMIT 0";
    INGESTD_ASSIGN_OR_RETURN(SqlResult result, Exec(probe.sql, probe.params));
    std::vector<ColumnInfo> columns;
    std::unordered_set<std::string> names;
    for (int i = 0; i < result.column_count(); ++i) {
      ColumnInfo column{std::string(result.ColumnName(i)), result.ColumnType(i), result.ColumnTypmod(i), false};
      if (!names.insert(column.name).second) {
        return InvalidArgument(Context() + ": column '" + column.name +
                               "' appears twice in the result (items are objects; alias one of them)");
      }
      columns.push_back(std::move(column));
    }
    // A query's columns may be NULL whatever their source (outer joins), so
    // only a table's NOT NULL columns are non-nullable.
    if (config_.table && !columns.empty() && result.ColumnTable(0) != 0) {
      INGESTD_ASSIGN_OR_RETURN(
          SqlResult attrs,
          Exec("SELECT attnum, attnotnull FROM pg_catalog.pg_attribute WHERE attrelid = $1::oid AND attnum > 0",
               {std::to_string(result.ColumnTable(0))}));
      for (int i = 0; i < result.column_count(); ++i) {
        const std::string attnum = std::to_string(result.ColumnTableAttnum(i));
        for (int row = 0; row < attrs.row_count(); ++row) {
          if (attrs.Value(row, 0) == attnum) columns[i].not_null = attrs.Value(row, 1) == "t";
        }
      }
    }
    return columns;
  }

  // The WHERE/ORDER BY for the incremental cursor.
  Result<CursorFilter> MakeFilter(const Incremental& incremental, const std::vector<ColumnInfo>& columns) {
    const IncrementalConfig& inc = incremental.config();
    auto fail = [&](std::string message) { return InvalidArgument(Context() + ": incremental: " + message); };
    INGESTD_ASSIGN_OR_RETURN(CursorPath path, CursorPath::Parse(inc.cursor_path));
    std::optional<std::string> field = path.TopLevelField();
    if (!field) return fail("cursor_path '" + inc.cursor_path + "' must name a top-level column");
    auto it = std::find_if(columns.begin(), columns.end(), [&](const ColumnInfo& c) { return c.name == *field; });
    if (it == columns.end()) {
      std::string names;
      for (const ColumnInfo& c : columns) names += (names.empty() ? "" : ", ") + c.name;
      return fail("cursor column '" + *field + "' is not among the selected columns (" + names + ")");
    }
    INGESTD_ASSIGN_OR_RETURN(SqlResult type, Exec("SELECT pg_catalog.format_type($1::oid, NULL)",
                                                  {std::to_string(it->type_oid)}));
    CursorFilter filter;
    filter.column = *field;
    filter.type_sql = std::string(type.Value(0, 0));
    const CursorOrder order = CursorOrderOf(it->type_oid);
    if (order == CursorOrder::kUnordered) {
      return fail("cursor column '" + *field + "' has type " + filter.type_sql +
                  ", whose JSON values do not sort as the database sorts them; select it cast in a query "
                  "(e.g. " + *field + "::bigint, ::double precision or ::text)");
    }
    filter.collate_c = IsCollatableText(it->type_oid);
    filter.descending = inc.last_value_func == LastValueFunc::kMin;
    filter.start_open = inc.range_start == RangeBound::kOpen;
    filter.end_closed = inc.range_end == RangeBound::kClosed;
    switch (inc.on_cursor_value_missing) {
      case OnCursorValueMissing::kRaise: filter.nulls = CursorFilter::Nulls::kRaise; break;
      case OnCursorValueMissing::kInclude: filter.nulls = CursorFilter::Nulls::kInclude; break;
      case OnCursorValueMissing::kExclude: filter.nulls = CursorFilter::Nulls::kExclude; break;
    }
    auto bound = [&](const std::optional<CursorValue>& value, std::string_view what,
                     std::optional<std::string>& out) -> Status {
      if (!value) return OkStatus();
      if (!Matches(order, value->kind())) {
        return fail(std::string(what) + " " + value->ToJson() + " is " + std::string(value->KindName()) +
                    " but cursor column '" + *field + "' (" + filter.type_sql + ") holds " +
                    std::string(OrderKindName(order)));
      }
      INGESTD_ASSIGN_OR_RETURN(out, BoundText(*value));
      return OkStatus();
    };
    INGESTD_TRY(bound(incremental.start_value(), "start value", filter.start));
    INGESTD_TRY(bound(incremental.end_value(), "end_value", filter.end));
    return filter;
  }

  // Declares the cursor and streams its rows into `sink`.
  Status Stream(const std::optional<CursorFilter>& filter, ItemSink& sink, std::stop_token stop,
                std::uint64_t& rows_read) {
    const SelectStatement select = BuildSelect(relation_, config_.columns, filter);
    INGESTD_TRY(Exec("DECLARE " + std::string(kCursorName) + " NO SCROLL CURSOR FOR " + select.sql, select.params));
    const std::string fetch = "FETCH FORWARD " + std::to_string(config_.chunk_size) + " FROM " + std::string(kCursorName);
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    while (true) {
      if (stop.stop_requested()) return Cancelled(resource_);
      INGESTD_ASSIGN_OR_RETURN(SqlResult chunk, Exec(fetch, {}));
      const int rows = chunk.row_count();
      if (rows == 0) break;
      const int columns = chunk.column_count();
      for (int row = 0; row < rows; ++row) {
        if (stop.stop_requested()) return Cancelled(resource_);
        buffer.Clear();
        writer.Reset(buffer);
        writer.StartObject();
        for (int column = 0; column < columns; ++column) {
          const std::string_view name = chunk.ColumnName(column);
          writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
          if (chunk.IsNull(row, column)) {
            writer.Null();
          } else {
            WritePgValue(writer, chunk.ColumnType(column), chunk.Value(row, column));
          }
        }
        writer.EndObject();
        INGESTD_TRY(sink.Accept(std::string_view(buffer.GetString(), buffer.GetSize())));
        ++rows_read;
      }
      if (static_cast<std::size_t>(rows) < config_.chunk_size) break;
    }
    INGESTD_TRY(Run("CLOSE " + std::string(kCursorName)));
    INGESTD_TRY(Run("COMMIT"));
    return OkStatus();
  }

 private:
  Status Run(std::string_view sql) {
    INGESTD_ASSIGN_OR_RETURN(SqlResult ignored, Exec(sql, {}));
    (void)ignored;
    return OkStatus();
  }

  // Always the extended protocol, even without parameters: it runs exactly
  // one statement, so a `query` cannot smuggle in a second one.
  Result<SqlResult> Exec(std::string_view sql, const std::vector<std::optional<std::string>>& params) {
    auto result = conn_->ExecParams(sql, params);
    if (!result.ok()) return result.error().WithContext(Context());
    return result;
  }

  const std::string& resource_;
  const SqlConfig& config_;
  std::string relation_;
  std::optional<SqlConnection> conn_;
};

std::vector<schema::ColumnSchema> ToSchemas(const std::vector<ColumnInfo>& columns) {
  std::vector<schema::ColumnSchema> out;
  out.reserve(columns.size());
  for (const ColumnInfo& c : columns) out.push_back(PgColumnSchema(c.name, c.type_oid, c.typmod, !c.not_null));
  return out;
}

}  // namespace

SqlResource::SqlResource(std::string name, SqlConfig config, const Incremental* incremental)
    : name_(std::move(name)), config_(std::move(config)), incremental_(incremental) {}

Status SqlResource::Extract(ItemSink& sink, std::stop_token stop) {
  Session session(name_, config_);
  INGESTD_TRY(session.Validate());
  if (stop.stop_requested()) return Cancelled(name_);
  INGESTD_TRY(session.Open());
  INGESTD_ASSIGN_OR_RETURN(std::vector<ColumnInfo> columns, session.Reflect());
  columns_ = ToSchemas(columns);
  std::optional<CursorFilter> filter;
  if (incremental_ != nullptr) {
    INGESTD_ASSIGN_OR_RETURN(filter, session.MakeFilter(*incremental_, columns));
  }
  return session.Stream(filter, sink, std::move(stop), rows_read_);
}

Result<std::vector<schema::ColumnSchema>> SqlResource::ReflectColumns() {
  if (columns_) return *columns_;
  Session session(name_, config_);
  INGESTD_TRY(session.Validate());
  INGESTD_TRY(session.Open());
  INGESTD_ASSIGN_OR_RETURN(std::vector<ColumnInfo> columns, session.Reflect());
  columns_ = ToSchemas(columns);
  return *columns_;
}

}  // namespace ingestd::extract::sql
