#include "core/workers/job_update_merge.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/normalize/json_normalizer.hpp"
#include "core/schema/schema_json.hpp"
#include "tests/support/batch_view.hpp"

namespace ingestd::workers {
namespace {

using schema::ContractMode;

normalize::NormalizeOptions Options() {
  normalize::NormalizeOptions options;
  options.load_id = "1700000000.5";
  options.row_id_seed = 7;
  return options;
}

struct Normalized {
  schema::Schema schema;
  schema::SchemaUpdate update;
  // "column=value" cells of the rows of table "items" (no _dlt columns:
  // row ids are random), per file.
  std::vector<std::vector<std::string>> item_columns;
};

std::vector<std::string> ItemColumns(const normalize::NormalizedBatch& batch, const schema::Schema& schema) {
  std::vector<std::string> cells;
  for (const auto& row : ingestd::testing::RowsOf(batch, schema, "items")) {
    for (const auto& [name, value] : row) {
      if (name.rfind("_dlt", 0) != 0) cells.push_back(name + "=" + value);
    }
  }
  return cells;
}

// One normalizer over every file in order: the reference.
Result<Normalized> Sequential(const schema::Schema& start, const std::vector<std::string>& files) {
  INGESTD_ASSIGN_OR_RETURN(normalize::JsonNormalizer normalizer, normalize::JsonNormalizer::Create(start, Options()));
  Normalized out{start, {}, {}};
  for (const std::string& file : files) {
    normalize::NormalizedBatch batch;
    INGESTD_TRY(normalizer.NormalizeLines(file, "items", batch));
    out.item_columns.push_back(ItemColumns(batch, normalizer.schema()));
  }
  out.schema = normalizer.schema();
  return out;
}

// Each file against the starting schema, merged in file order, redone
// against RedoSchema when MergeJobUpdate says so: what the worker pool does.
Result<Normalized> PerFile(const schema::Schema& start, const std::vector<std::string>& files, int* redos) {
  Normalized out{start, {}, {}};
  for (const std::string& file : files) {
    INGESTD_ASSIGN_OR_RETURN(normalize::JsonNormalizer job, normalize::JsonNormalizer::Create(start, Options()));
    normalize::NormalizedBatch batch;
    INGESTD_TRY(job.NormalizeLines(file, "items", batch));
    INGESTD_ASSIGN_OR_RETURN(MergeVerdict verdict, MergeJobUpdate(out.schema, job.update()));
    if (verdict == MergeVerdict::kRedo) {
      ++*redos;
      INGESTD_ASSIGN_OR_RETURN(normalize::JsonNormalizer again,
                               normalize::JsonNormalizer::Create(RedoSchema(out.schema, start), Options()));
      batch.Clear();
      INGESTD_TRY(again.NormalizeLines(file, "items", batch));
      INGESTD_ASSIGN_OR_RETURN(verdict, MergeJobUpdate(out.schema, again.update()));
      EXPECT_EQ(verdict, MergeVerdict::kMerged) << "a redone job never conflicts";
      out.item_columns.push_back(ItemColumns(batch, again.schema()));
    } else {
      out.item_columns.push_back(ItemColumns(batch, job.schema()));
    }
  }
  return out;
}

// Runs both and expects the same schema (columns, types, order) and the
// same cells per row.
void ExpectSameAsSequential(const schema::Schema& start, const std::vector<std::string>& files, int expected_redos) {
  Result<Normalized> sequential = Sequential(start, files);
  ASSERT_TRUE(sequential.ok()) << sequential.error().ToString();
  int redos = 0;
  Result<Normalized> per_file = PerFile(start, files, &redos);
  ASSERT_TRUE(per_file.ok()) << per_file.error().ToString();
  EXPECT_EQ(schema::SchemaToJson(per_file->schema, true), schema::SchemaToJson(sequential->schema, true));
  EXPECT_EQ(per_file->item_columns, sequential->item_columns);
  EXPECT_EQ(redos, expected_redos);
}

TEST(MergeJobUpdate, FilesWithTheSameShapeMergeWithoutRedo) {
  ExpectSameAsSequential(schema::Schema::CreateDefault("s"),
                         {R"({"id": 1, "user": {"login": "a"}, "labels": [{"name": "bug"}]})",
                          R"({"id": 2, "user": {"login": "b"}, "labels": [{"name": "p1"}], "extra": true})",
                          R"({"id": 3, "title": "t"})"},
                         0);
}

TEST(MergeJobUpdate, AColumnDiscoveredWithTwoTypesIsRedoneIntoAVariant) {
  // Sequentially, x is bigint from the first file and "a" goes to x__v_text.
  ExpectSameAsSequential(schema::Schema::CreateDefault("s"),
                         {R"({"id": 1, "x": 1})", R"({"id": 2, "x": "a", "y": 2.5})", R"({"id": 3, "x": 3})"}, 1);
  schema::Schema merged = schema::Schema::CreateDefault("s");
  auto first = normalize::JsonNormalizer::Create(merged, Options());
  normalize::NormalizedBatch batch;
  ASSERT_TRUE(first->NormalizeLines(R"({"x": 1})", "items", batch).ok());
  ASSERT_EQ(MergeJobUpdate(merged, first->update()).value(), MergeVerdict::kMerged);
  auto second = normalize::JsonNormalizer::Create(schema::Schema::CreateDefault("s"), Options());
  ASSERT_TRUE(second->NormalizeLines(R"({"x": "a"})", "items", batch).ok());
  const std::string before = schema::SchemaToJson(merged);
  EXPECT_EQ(MergeJobUpdate(merged, second->update()).value(), MergeVerdict::kRedo);
  EXPECT_EQ(schema::SchemaToJson(merged), before) << "a redo verdict leaves the schema alone";
}

TEST(MergeJobUpdate, ATableNewInTheRunKeepsEvolvingWhenAJobIsRedone) {
  // Columns frozen, but the table is new in this run: dlt lets it evolve
  // for the whole run. The second file is redone (x conflicts) and must
  // still be allowed to add z.
  schema::Schema start = schema::Schema::CreateDefault("s");
  start.settings.schema_contract = schema::SchemaContract{std::nullopt, ContractMode::kFreeze, std::nullopt};
  ExpectSameAsSequential(start, {R"({"id": 1, "x": 1})", R"({"id": 2, "x": "a", "z": true})"}, 1);
}

TEST(MergeJobUpdate, DiscardedColumnsOfAnExistingTableStayDiscarded) {
  schema::Schema start = schema::Schema::CreateDefault("s");
  auto seed = normalize::JsonNormalizer::Create(start, Options());
  normalize::NormalizedBatch batch;
  ASSERT_TRUE(seed->NormalizeLines(R"({"id": 0})", "items", batch).ok());
  start = seed->schema();
  start.settings.schema_contract = schema::SchemaContract{std::nullopt, ContractMode::kDiscardValue, std::nullopt};
  ExpectSameAsSequential(start, {R"({"id": 1, "x": 1})", R"({"id": 2, "x": 2, "w": "v"})"}, 0);
}

TEST(MergeJobUpdate, SeenDataAndNewChildTablesMergeInJobOrder) {
  ExpectSameAsSequential(schema::Schema::CreateDefault("s"),
                         {R"({"id": 1})", R"({"id": 2, "tags": ["a"], "kids": [{"n": 1}]})",
                          R"({"id": 3, "kids": [{"n": 2, "m": "x"}], "tags": ["b"]})"},
                         0);
}

}  // namespace
}  // namespace ingestd::workers
