#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::extract::sql {

/// A table name as the sql source's `table` gives it.
struct TableName {
  std::optional<std::string> schema;  // unset: the search_path decides
  std::string table;
};

/// Splits "table" or "schema.table" on the first '.' outside double quotes.
/// Each part is taken literally (case kept); a part written in double quotes
/// has them removed and "" inside turned into ". Errors: an empty part, an
/// unterminated quote, text after a closing quote.
Result<TableName> ParseTableName(std::string_view name);

/// `"schema"."table"` or `"table"`, each part quoted as an identifier.
std::string QuotedTableName(const TableName& name);

/// The FROM item for a query: `(\n<query>\n) AS "ingestd_query"` with
/// trailing whitespace and semicolons removed from the query (the newlines
/// keep a trailing `-- comment` from swallowing the parenthesis).
std::string QueryRelation(std::string_view query);

/// The query's text without trailing whitespace and semicolons; empty when
/// nothing else is left.
std::string_view TrimQuery(std::string_view query);

/// The incremental pushdown: which rows the cursor bounds let through, in
/// which order.
struct CursorFilter {
  std::string column;
  /// SQL type the bound parameters are cast to (format_type of the column,
  /// without its modifier so a varchar(n) or timestamp(p) cast cannot
  /// truncate or round a bound).
  std::string type_sql;
  /// Compare and order with COLLATE "C" (text types: byte order, the order
  /// CursorValue compares strings in).
  bool collate_c = false;
  /// last_value_func min: the bounds mirror (cursor <= start, > end) and
  /// rows come in descending order.
  bool descending = false;
  /// Bounds as text, cast to type_sql on the server.
  std::optional<std::string> start;
  bool start_open = false;  // range_start open: strict inequality
  std::optional<std::string> end;
  bool end_closed = false;  // range_end closed: the end value itself is kept
  /// on_cursor_value_missing: include keeps NULL cursors (OR cursor IS NULL),
  /// exclude drops them (cursor IS NOT NULL) even without bounds; raise adds
  /// nothing, so NULL rows fail downstream unless a bound filters them (as
  /// in dlt).
  enum class Nulls { kRaise, kInclude, kExclude } nulls = Nulls::kRaise;
};

/// A statement and its $1..$n parameters (text; never spliced into the SQL).
struct SelectStatement {
  std::string sql;
  std::vector<std::optional<std::string>> params;
};

/// `SELECT <columns or *> FROM <relation> [WHERE ...] [ORDER BY cursor]`.
/// `relation` is already quoted (QuotedTableName or QueryRelation); column
/// names are quoted here.
SelectStatement BuildSelect(std::string_view relation, const std::vector<std::string>& columns,
                            const std::optional<CursorFilter>& filter);

}  // namespace ingestd::extract::sql
