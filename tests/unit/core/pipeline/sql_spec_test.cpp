// The `sql` source kind of a resource.

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "core/pipeline/pipeline_spec.hpp"

namespace ingestd::pipeline {
namespace {

std::string WithSql(const std::string& source, const std::string& extra = "") {
  return R"({"name": "p", "resources": [{"name": "orders", )" + extra + R"("source": )" + source + "}]}";
}

TEST(SqlSpec, TableWithColumnsAndChunkSize) {
  auto spec = ParsePipelineSpec(WithSql(
      R"({"kind": "sql", "dsn": "env:SHOP_DSN", "table": "public.orders", "columns": ["id", "updated_at"],
          "chunk_size": 500})",
      R"("incremental": {"cursor_path": "updated_at", "initial_value": "2024-01-01"}, )"));
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  const ResourceSpec& r = spec->resources[0];
  EXPECT_EQ(SourceKindName(r.source), "sql");
  const auto& sql = std::get<extract::sql::SqlConfig>(r.source);
  EXPECT_EQ(sql.dsn, "env:SHOP_DSN");
  EXPECT_EQ(sql.table, "public.orders");
  EXPECT_FALSE(sql.query.has_value());
  EXPECT_EQ(sql.columns, (std::vector<std::string>{"id", "updated_at"}));
  EXPECT_EQ(sql.chunk_size, 500u);
  ASSERT_TRUE(r.incremental.has_value());
  EXPECT_EQ(r.incremental->cursor_path, "updated_at");
}

TEST(SqlSpec, QueryWithDefaults) {
  auto spec = ParsePipelineSpec(
      WithSql(R"({"kind": "sql", "dsn": "postgresql://u@db/shop", "query": "SELECT id, total FROM orders"})"));
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  const auto& sql = std::get<extract::sql::SqlConfig>(spec->resources[0].source);
  EXPECT_EQ(sql.dsn, "postgresql://u@db/shop");
  EXPECT_FALSE(sql.table.has_value());
  EXPECT_EQ(sql.query, "SELECT id, total FROM orders");
  EXPECT_TRUE(sql.columns.empty());
  EXPECT_EQ(sql.chunk_size, 10000u);
}

TEST(SqlSpec, JsonPathCursorOfOneTopLevelField) {
  auto spec = ParsePipelineSpec(WithSql(R"({"kind": "sql", "dsn": "file:/run/dsn", "table": "orders"})",
                                        R"("incremental": {"cursor_path": "$.updated_at"}, )"));
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
}

struct ErrorCase {
  std::string json;
  std::string message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.json; }

class SqlSpecErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SqlSpecErrors, NamesThePath) {
  auto spec = ParsePipelineSpec(GetParam().json);
  ASSERT_FALSE(spec.ok()) << GetParam().json;
  EXPECT_EQ(spec.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(spec.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Spec, SqlSpecErrors,
    ::testing::Values(
        ErrorCase{WithSql(R"({"kind": "sql", "table": "t"})"), "resources[0].source: missing required key \"dsn\""},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "env:", "table": "t"})"),
                  "resources[0].source.dsn: secret reference \"env:\" names nothing (use env:VARIABLE or "
                  "file:/path/to/secret)"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "", "table": "t"})"), "resources[0].source.dsn: must not be empty"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "t", "query": "SELECT 1"})"),
                  "resources[0].source: set one of \"table\" and \"query\", not both"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x"})"),
                  "resources[0].source: missing required key \"table\" or \"query\""},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "a.b.c"})"),
                  "resources[0].source.table: expected \"table\" or \"schema.table\", got \"a.b.c\""},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": ".t"})"),
                  "resources[0].source.table: expected \"table\" or \"schema.table\", got \".t\""},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "query": ""})"), "resources[0].source.query: must not be empty"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "query": "SELECT 1", "columns": ["a"]})"),
                  "resources[0].source.columns: only with \"table\" (a query selects its own columns)"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "t", "columns": ["a", "a"]})"),
                  "resources[0].source.columns[1]: duplicate column \"a\""},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "t", "columns": []})"),
                  "resources[0].source.columns: expected at least one column (leave the key out for all columns)"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "t", "chunk_size": 0})"),
                  "resources[0].source.chunk_size: expected a positive integer, got 0"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "t", "paths": ["a"]})"),
                  "resources[0].source.paths: unknown key (allowed: kind, dsn, table, query, columns, chunk_size)"},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "t"})",
                          R"("incremental": {"cursor_path": "meta.updated_at"}, )"),
                  "resources[0].incremental.cursor_path: the sql source needs a plain column name, got "
                  "\"meta.updated_at\""},
        ErrorCase{WithSql(R"({"kind": "sql", "dsn": "x", "table": "t"})",
                          R"("incremental": {"cursor_path": "items[0]"}, )"),
                  "resources[0].incremental.cursor_path: the sql source needs a plain column name, got \"items[0]\""},
        ErrorCase{WithSql(R"({"kind": "mysql", "dsn": "x", "table": "t"})"),
                  "resources[0].source.kind: expected one of \"files\", \"sql\", \"push\", got \"mysql\""}));

}  // namespace
}  // namespace ingestd::pipeline
