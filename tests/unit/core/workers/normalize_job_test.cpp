#include "core/workers/normalize_job.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/package/load_file.hpp"
#include "core/schema/schema.hpp"
#include "core/schema/schema_json.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::workers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using schema::ContractMode;

class NormalizeJobTest : public ::testing::Test {
 protected:
  NormalizeJobTest() : dir_("normalize_job") {
    std::filesystem::create_directories(dir_.path() + "/normalized");
  }

  // A job over `jsonl` (written to items.jsonl) against `schema`.
  NormalizeJob Job(const std::string& jsonl, const schema::Schema& schema) {
    const std::string input = dir_.path() + "/items.jsonl";
    testing::WriteAll(input, jsonl);
    NormalizeJob job;
    job.id = 7;
    job.input_path = input;
    job.root_table = "items";
    job.output_dir = dir_.path() + "/normalized";
    job.file_tag = "j7";
    job.schema_json = schema::SchemaToJson(schema);
    job.load_id = "1700000000.5";
    job.max_identifier_length = 63;
    job.row_id_seed = 42;
    job.now_unix_seconds = 1700000000.5;
    return job;
  }

  // Rows of one load file (given relative to the package directory), read
  // against `table`, as the number of cells per row.
  std::vector<std::size_t> CellsPerRow(const std::string& relative, const schema::TableSchema& table) {
    std::vector<std::size_t> out;
    auto reader = package::LoadFileReader::Open(dir_.path() + "/" + relative, table);
    EXPECT_TRUE(reader.ok()) << reader.error().ToString();
    if (!reader.ok()) return out;
    std::span<const normalize::Cell> row;
    while (true) {
      auto more = reader->Next(row);
      EXPECT_TRUE(more.ok()) << more.error().ToString();
      if (!more.ok() || !*more) break;
      out.push_back(row.size());
    }
    return out;
  }

  testing::TempDir dir_;
};

const schema::TableSchema* FindUpdate(const NormalizeJobResult& r, std::string_view name) {
  for (const schema::TableSchema& t : r.update.tables) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> ColumnNames(const schema::TableSchema& t) {
  std::vector<std::string> out;
  for (const schema::ColumnSchema& c : t.columns()) out.push_back(c.name);
  return out;
}

void ExpectSameViolation(const contracts::ContractViolation& a, const contracts::ContractViolation& b) {
  EXPECT_EQ(a.table, b.table);
  EXPECT_EQ(a.column, b.column);
  EXPECT_EQ(a.entity, b.entity);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.observed_type, b.observed_type);
  EXPECT_EQ(a.sample, b.sample);
  EXPECT_EQ(a.item_index, b.item_index);
  EXPECT_EQ(a.path, b.path);
}

void ExpectSameResult(const NormalizeJobResult& a, const NormalizeJobResult& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.tables, b.tables);
  ASSERT_EQ(a.update.tables.size(), b.update.tables.size());
  for (std::size_t i = 0; i < a.update.tables.size(); ++i) {
    EXPECT_TRUE(a.update.tables[i] == b.update.tables[i]) << "update table " << a.update.tables[i].name();
  }
  ASSERT_EQ(a.violations.size(), b.violations.size());
  for (std::size_t i = 0; i < a.violations.size(); ++i) ExpectSameViolation(a.violations[i], b.violations[i]);
  EXPECT_EQ(a.violation_total, b.violation_total);
  EXPECT_EQ(a.items, b.items);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.bytes, b.bytes);
}

TEST_F(NormalizeJobTest, WritesTaggedLoadFilesAndReportsTheUpdate) {
  const std::string jsonl =
      "{\"id\": 1, \"name\": \"a\", \"tags\": [\"x\", \"y\"]}\n"
      "{\"id\": 2, \"name\": \"b\"}\n"
      "{\"id\": 3, \"score\": 1.5, \"tags\": [\"z\"]}";  // no final newline
  NormalizeJob job = Job(jsonl, schema::Schema::CreateDefault("test"));
  auto result = RunNormalizeJob(job);
  ASSERT_TRUE(result.ok()) << result.error().ToString();

  EXPECT_EQ(result->id, 7u);
  EXPECT_EQ(result->items, 3u);
  EXPECT_EQ(result->rows, 6u);  // 3 items + 3 tags
  EXPECT_EQ(result->bytes, jsonl.size());
  ASSERT_EQ(result->tables.size(), 2u);
  EXPECT_EQ(result->tables[0].table, "items");
  EXPECT_THAT(result->tables[0].files, ElementsAre("normalized/items.j7.0.lf"));
  EXPECT_EQ(result->tables[0].rows, 3u);
  EXPECT_EQ(result->tables[1].table, "items__tags");
  EXPECT_THAT(result->tables[1].files, ElementsAre("normalized/items__tags.j7.0.lf"));
  EXPECT_EQ(result->tables[1].rows, 3u);

  const schema::TableSchema* items = FindUpdate(*result, "items");
  ASSERT_NE(items, nullptr);
  EXPECT_THAT(ColumnNames(*items), ElementsAre("id", "name", "_dlt_load_id", "_dlt_id", "score"));
  const schema::TableSchema* tags = FindUpdate(*result, "items__tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_NE(tags->FindColumn("value"), nullptr);

  EXPECT_EQ(CellsPerRow(result->tables[0].files[0], *items).size(), 3u);
  EXPECT_EQ(CellsPerRow(result->tables[1].files[0], *tags).size(), 3u);
}

TEST_F(NormalizeJobTest, DiscardContractRecordsViolations) {
  schema::Schema schema = schema::Schema::CreateDefault("test");
  {
    // The table exists already (a previous run made it), so its columns
    // contract applies.
    NormalizeJob first = Job("{\"id\": 1, \"name\": \"a\"}\n", schema);
    auto made = RunNormalizeJob(first);
    ASSERT_TRUE(made.ok()) << made.error().ToString();
    for (const schema::TableSchema& t : made->update.tables) schema.AddTable(t);
    std::filesystem::remove_all(dir_.path() + "/normalized");
    std::filesystem::create_directories(dir_.path() + "/normalized");
  }
  schema.settings.schema_contract = schema::SchemaContract{std::nullopt, ContractMode::kDiscardRow, std::nullopt};
  NormalizeJob job = Job("{\"id\": 2, \"extra\": 1}\n{\"id\": 3, \"name\": \"c\"}\n{\"id\": 4, \"extra\": 2}\n", schema);
  auto result = RunNormalizeJob(job);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->rows, 1u);
  EXPECT_EQ(result->violation_total, 2u);
  ASSERT_EQ(result->violations.size(), 2u);
  EXPECT_EQ(result->violations[0].table, "items");
  EXPECT_EQ(result->violations[0].column, "extra");
  EXPECT_EQ(result->violations[0].mode, ContractMode::kDiscardRow);
  EXPECT_EQ(result->violations[1].item_index, 2u);
  EXPECT_TRUE(result->update.empty());
}

TEST_F(NormalizeJobTest, BadJsonNamesTheInputFile) {
  NormalizeJob job = Job("{\"id\": 1}\n{\"id\": \n", schema::Schema::CreateDefault("test"));
  auto result = RunNormalizeJob(job);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message(), HasSubstr(job.input_path));
}

TEST_F(NormalizeJobTest, MissingInputIsNotFoundNamingIt) {
  NormalizeJob job = Job("", schema::Schema::CreateDefault("test"));
  job.input_path = dir_.path() + "/absent.jsonl";
  auto result = RunNormalizeJob(job);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(result.error().message(), HasSubstr("absent.jsonl"));
}

TEST_F(NormalizeJobTest, StopTokenCancels) {
  NormalizeJob job = Job("{\"id\": 1}\n", schema::Schema::CreateDefault("test"));
  std::stop_source stop;
  stop.request_stop();
  auto result = RunNormalizeJob(job, stop.get_token());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kCancelled);
}

TEST_F(NormalizeJobTest, JobRoundTripsExactly) {
  NormalizeJob job = Job("", schema::Schema::CreateDefault("test"));
  job.id = std::numeric_limits<std::uint64_t>::max();
  job.row_id_seed = 0xfedcba9876543210ULL;
  job.max_identifier_length = 0;
  job.input_path = "/data/p\u00e4th \"quoted\"\n\xfe.jsonl";
  for (double now : {1700000000.123456789, 0.1, 1e300, 5e-324, -2.5, 0.0, 1152921504606846976.0}) {
    job.now_unix_seconds = now;
    job.file_options.file_max_rows = 3;
    job.file_options.file_max_bytes = std::numeric_limits<std::uint64_t>::max() - 1;
    const std::string json = NormalizeJobToJson(job);
    auto back = NormalizeJobFromJson(json);
    ASSERT_TRUE(back.ok()) << back.error().ToString() << "\n" << json;
    EXPECT_EQ(back->id, job.id);
    EXPECT_EQ(back->input_path, job.input_path);
    EXPECT_EQ(back->root_table, job.root_table);
    EXPECT_EQ(back->output_dir, job.output_dir);
    EXPECT_EQ(back->file_tag, job.file_tag);
    EXPECT_EQ(back->schema_json, job.schema_json);
    EXPECT_EQ(back->load_id, job.load_id);
    EXPECT_EQ(back->max_identifier_length, job.max_identifier_length);
    EXPECT_EQ(back->row_id_seed, job.row_id_seed);
    EXPECT_EQ(back->now_unix_seconds, job.now_unix_seconds) << json;
    EXPECT_EQ(back->file_options.file_max_rows, job.file_options.file_max_rows);
    EXPECT_EQ(back->file_options.file_max_bytes, job.file_options.file_max_bytes);
    EXPECT_EQ(NormalizeJobToJson(*back), json);
  }
}

TEST_F(NormalizeJobTest, SuccessOutcomeRoundTripsExactly) {
  schema::Schema schema = schema::Schema::CreateDefault("test");
  {
    NormalizeJob first = Job("{\"id\": 1}\n", schema);
    auto made = RunNormalizeJob(first);
    ASSERT_TRUE(made.ok()) << made.error().ToString();
    ASSERT_TRUE(schema.ApplyUpdate(made->update).ok());
  }
  // From now on new tables are discarded (the root table exists).
  schema.settings.schema_contract = schema::SchemaContract{ContractMode::kDiscardRow, std::nullopt, std::nullopt};
  // New columns on an existing root table (a partial table without write
  // disposition) and a discarded nested table (violations).
  NormalizeJob job = Job("{\"id\": 2, \"when\": \"2024-01-01T00:00:00Z\", \"kids\": [1]}\n{\"id\": 3, \"x\": 1.25}\n",
                         schema);
  job.file_tag = "j8";
  auto result = RunNormalizeJob(job);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  ASSERT_FALSE(result->update.empty());
  EXPECT_FALSE(result->update.tables[0].write_disposition.has_value()) << "a partial table states only what changed";
  ASSERT_FALSE(result->violations.empty());

  // A sample cut inside a UTF-8 sequence, control characters: bytes travel as they are.
  result->violations[0].sample = std::string("\"caf\xc3", 5) + std::string("\0\n\x01", 3);
  result->violations[0].path = "labels[0].n\xffme";

  const std::string json = NormalizeJobOutcomeToJson(*result);
  auto back = NormalizeJobOutcomeFromJson(json);
  ASSERT_TRUE(back.ok()) << back.error().ToString() << "\n" << json;
  ASSERT_TRUE(back->ok());
  ExpectSameResult(**back, *result);
  EXPECT_EQ(NormalizeJobOutcomeToJson(*back), json);
}

TEST_F(NormalizeJobTest, ErrorOutcomeRoundTrips) {
  Result<NormalizeJobResult> failed = Error(ErrorCode::kFailedPrecondition, "normalizing /x.jsonl: frozen \"t\"");
  auto back = NormalizeJobOutcomeFromJson(NormalizeJobOutcomeToJson(failed));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ASSERT_FALSE(back->ok());
  EXPECT_EQ(back->error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(back->error().message(), "normalizing /x.jsonl: frozen \"t\"");
}

// Replaces the first `from` in `text` (which must contain it).
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST_F(NormalizeJobTest, FromJsonNamesTheWrongField) {
  NormalizeJob job = Job("", schema::Schema::CreateDefault("test"));
  const std::string json = NormalizeJobToJson(job);
  struct Case {
    std::string json;
    std::string field;
  };
  const std::vector<Case> cases = {
      {Replace(json, "\"row_id_seed\":42", "\"row_id_seed\":\"42\""), "row_id_seed"},
      {Replace(json, "\"row_id_seed\":42", "\"row_id_seed\":-1"), "row_id_seed"},
      {Replace(json, "\"max_identifier_length\":63", "\"max_identifier_length\":6.5"), "max_identifier_length"},
      {Replace(json, "\"load_id\":", "\"lode_id\":"), "load_id"},
      {Replace(json, "\"file_max_rows\":", "\"file_max_rows\":null,\"x\":"), "file_max_rows"},
      {Replace(json, "\"id\":7", "\"id\":7,\"surprise\":true"), "surprise"},
      {Replace(json, "\"now_unix_seconds\":1700000000.5", "\"now_unix_seconds\":null"), "now_unix_seconds"},
      {Replace(json, "\"input_path\":\"" + job.input_path + "\"", "\"input_path\":\"\""), "input_path"},
      {"[1]", "job"},
      {"{\"id\":", "normalize job"},
  };
  for (const Case& c : cases) {
    auto parsed = NormalizeJobFromJson(c.json);
    ASSERT_FALSE(parsed.ok()) << c.json;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(parsed.error().message(), HasSubstr(c.field)) << c.json;
  }

  auto bad_outcome = NormalizeJobOutcomeFromJson(
      R"({"result":{"id":1,"tables":[],"update":[],"violations":[{"table":"t","column":"c","entity":"rows",)"
      R"("mode":"freeze","observed_type":"","sample":"","item_index":0,"path":""}],"violation_total":1,)"
      R"("items":1,"rows":1,"bytes":1}})");
  ASSERT_FALSE(bad_outcome.ok());
  EXPECT_THAT(bad_outcome.error().message(), HasSubstr("violations.0.entity"));
  auto bad_code = NormalizeJobOutcomeFromJson(R"({"error":{"code":"oops","message":"m"}})");
  ASSERT_FALSE(bad_code.ok());
  EXPECT_THAT(bad_code.error().message(), HasSubstr("error.code"));
  auto both = NormalizeJobOutcomeFromJson(R"({"error":{"code":"internal","message":"m"},"result":{}})");
  ASSERT_FALSE(both.ok());
}

}  // namespace
}  // namespace ingestd::workers
