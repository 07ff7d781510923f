#include "core/extract/sql/sql_query_builder.hpp"

#include <utility>

#include "core/destinations/postgres/pg_connection.hpp"

namespace ingestd::extract::sql {
namespace {

using destinations::postgres::QuoteIdent;

// One part of a table name: `"quoted ""name"""` or literal text.
Result<std::string> ParsePart(std::string_view part, std::string_view whole) {
  if (part.empty()) return InvalidArgument("invalid table name '" + std::string(whole) + "': empty name part");
  if (part.front() != '"') return std::string(part);
  std::string out;
  std::size_t i = 1;
  while (i < part.size()) {
    if (part[i] == '"') {
      if (i + 1 < part.size() && part[i + 1] == '"') {
        out.push_back('"');
        i += 2;
        continue;
      }
      if (i + 1 != part.size()) {
        return InvalidArgument("invalid table name '" + std::string(whole) + "': text after a closing quote");
      }
      if (out.empty()) return InvalidArgument("invalid table name '" + std::string(whole) + "': empty name part");
      return out;
    }
    out.push_back(part[i++]);
  }
  return InvalidArgument("invalid table name '" + std::string(whole) + "': unterminated quote");
}

}  // namespace

Result<TableName> ParseTableName(std::string_view name) {
  bool quoted = false;
  std::size_t dot = std::string_view::npos;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '"') quoted = !quoted;  // "" inside quotes toggles twice
    if (name[i] == '.' && !quoted) {
      dot = i;
      break;
    }
  }
  TableName out;
  if (dot == std::string_view::npos) {
    INGESTD_ASSIGN_OR_RETURN(out.table, ParsePart(name, name));
    return out;
  }
  INGESTD_ASSIGN_OR_RETURN(std::string schema, ParsePart(name.substr(0, dot), name));
  out.schema = std::move(schema);
  INGESTD_ASSIGN_OR_RETURN(out.table, ParsePart(name.substr(dot + 1), name));
  return out;
}

std::string QuotedTableName(const TableName& name) {
  if (name.schema) return QuoteIdent(*name.schema) + "." + QuoteIdent(name.table);
  return QuoteIdent(name.table);
}

std::string_view TrimQuery(std::string_view query) {
  while (!query.empty()) {
    const char c = query.back();
    if (c != ';' && c != ' ' && c != '\n' && c != '\t' && c != '\r') break;
    query.remove_suffix(1);
  }
  while (!query.empty()) {
    const char c = query.front();
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') break;
    query.remove_prefix(1);
  }
  return query;
}

std::string QueryRelation(std::string_view query) {
  return "(\n" + std::string(TrimQuery(query)) + "\n) AS \"ingestd_query\"";
}

SelectStatement BuildSelect(std::string_view relation, const std::vector<std::string>& columns,
                            const std::optional<CursorFilter>& filter) {
  SelectStatement out;
  std::string& sql = out.sql;
  sql = "SELECT ";
  if (columns.empty()) {
    sql += "*";
  } else {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += QuoteIdent(columns[i]);
    }
  }
  sql += " FROM ";
  sql += relation;
  if (!filter) return out;

  const std::string cursor = QuoteIdent(filter->column) + (filter->collate_c ? " COLLATE \"C\"" : "");
  auto param = [&](const std::string& value) {
    out.params.emplace_back(value);
    return "$" + std::to_string(out.params.size()) + "::" + filter->type_sql;
  };
  std::string bounds;
  if (filter->start) {
    const char* op = filter->descending ? (filter->start_open ? " < " : " <= ") : (filter->start_open ? " > " : " >= ");
    bounds = cursor + op + param(*filter->start);
  }
  if (filter->end) {
    const char* op = filter->descending ? (filter->end_closed ? " >= " : " > ") : (filter->end_closed ? " <= " : " < ");
    if (!bounds.empty()) bounds += " AND ";
    bounds += cursor + op + param(*filter->end);
  }
  std::string where;
  const std::string column = QuoteIdent(filter->column);
  switch (filter->nulls) {
    case CursorFilter::Nulls::kRaise: where = bounds; break;
    case CursorFilter::Nulls::kInclude:
      if (!bounds.empty()) where = "(" + bounds + ") OR " + column + " IS NULL";
      break;
    case CursorFilter::Nulls::kExclude:
      where = bounds.empty() ? column + " IS NOT NULL" : bounds + " AND " + column + " IS NOT NULL";
      break;
  }
  if (!where.empty()) sql += " WHERE " + where;
  sql += " ORDER BY " + cursor + (filter->descending ? " DESC" : " ASC");
  return out;
}

}  // namespace ingestd::extract::sql
