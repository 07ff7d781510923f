#include "core/package/load_package.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/package/item_file.hpp"
#include "core/package/load_file.hpp"
#include "core/package/load_file_set_writer.hpp"
#include "core/package/package_manifest.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::package {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using schema::DataType;
using schema::Value;

// One per test: /tmp/ingestd_load_package_XXXXXX.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("load_package") {}
};

using testing::ReadAll;
using testing::WriteAll;

std::vector<std::string> ReadLines(const std::string& path, std::size_t max_line = ItemFileReader::kDefaultMaxLineBytes,
                                   Status* status = nullptr) {
  std::vector<std::string> lines;
  auto reader = ItemFileReader::Open(path, max_line);
  if (!reader.ok()) {
    if (status) *status = reader.error();
    return lines;
  }
  std::string_view line;
  while (true) {
    auto more = reader->Next(line);
    if (!more.ok()) {
      if (status) *status = more.error();
      return lines;
    }
    if (!*more) return lines;
    lines.emplace_back(line);
  }
}

// ---------------------------------------------------------------------------
// Item files

TEST(ItemFileTest, RotatesByItemCount) {
  TempDir dir;
  ItemFileOptions options;
  options.file_max_items = 3;
  auto writer = ItemFileWriter::Create(dir.path(), "orders", "orders_table", options);
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(writer->Write("{\"id\":" + std::to_string(i) + "}").ok());
  EXPECT_EQ(writer->items_written(), 7u);
  auto files = writer->Finish();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->resource, "orders");
  EXPECT_EQ(files->table, "orders_table");
  EXPECT_EQ(files->items, 7u);
  EXPECT_THAT(files->files,
              ElementsAre("extracted/orders.0.jsonl", "extracted/orders.1.jsonl", "extracted/orders.2.jsonl"));
  EXPECT_EQ(ReadAll(dir.path() + "/orders.0.jsonl"), "{\"id\":0}\n{\"id\":1}\n{\"id\":2}\n");
  EXPECT_THAT(ReadLines(dir.path() + "/orders.2.jsonl"), ElementsAre("{\"id\":6}"));
  EXPECT_FALSE(writer->Write("{}").ok());
}

TEST(ItemFileTest, AnnouncesEachFileOnceItIsComplete) {
  TempDir dir;
  ItemFileOptions options;
  options.file_max_items = 2;
  auto writer = ItemFileWriter::Create(dir.path(), "orders", "orders", options);
  ASSERT_TRUE(writer.ok());
  std::vector<std::string> announced;
  std::vector<std::vector<std::string>> contents;
  writer->set_on_file_closed([&](std::size_t index, const std::string& relative) {
    EXPECT_EQ(index, announced.size());
    announced.push_back(relative);
    contents.push_back(ReadLines(dir.path() + "/" + relative.substr(relative.find('/') + 1)));
  });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer->Write("{\"id\":" + std::to_string(i) + "}").ok());
  EXPECT_THAT(announced, ElementsAre("extracted/orders.0.jsonl", "extracted/orders.1.jsonl"));
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_THAT(announced,
              ElementsAre("extracted/orders.0.jsonl", "extracted/orders.1.jsonl", "extracted/orders.2.jsonl"));
  // Complete when announced: a reader sees every item of the file.
  ASSERT_EQ(contents.size(), 3u);
  EXPECT_THAT(contents[1], ElementsAre("{\"id\":2}", "{\"id\":3}"));
  EXPECT_THAT(contents[2], ElementsAre("{\"id\":4}"));
}

TEST(ItemFileTest, RotatesByBytes) {
  TempDir dir;
  ItemFileOptions options;
  options.file_max_bytes = 10;
  auto writer = ItemFileWriter::Create(dir.path(), "r", "r", options);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Write("aaaa").ok());              // 5 bytes
  ASSERT_TRUE(writer->Write("bbbb").ok());              // 10 bytes: still fits
  ASSERT_TRUE(writer->Write("c").ok());                 // would be 12: new file
  ASSERT_TRUE(writer->Write(std::string(50, 'd')).ok());  // larger than the limit: its own file
  ASSERT_TRUE(writer->Write("e").ok());
  auto files = writer->Finish();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->files.size(), 4u);
  EXPECT_THAT(ReadLines(dir.path() + "/r.0.jsonl"), ElementsAre("aaaa", "bbbb"));
  EXPECT_THAT(ReadLines(dir.path() + "/r.1.jsonl"), ElementsAre("c"));
  EXPECT_THAT(ReadLines(dir.path() + "/r.2.jsonl"), ElementsAre(std::string(50, 'd')));
  EXPECT_THAT(ReadLines(dir.path() + "/r.3.jsonl"), ElementsAre("e"));
}

TEST(ItemFileTest, NoItemsNoFiles) {
  TempDir dir;
  auto writer = ItemFileWriter::Create(dir.path(), "empty", "empty", {});
  ASSERT_TRUE(writer.ok());
  auto files = writer->Finish();
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->files.empty());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(ItemFileTest, RejectsBadNamesAndNewlines) {
  TempDir dir;
  for (const std::string& name : std::vector<std::string>{"", ".", "..", "a/b", std::string("a\0b", 3),
                                                          std::string(201, 'x')}) {
    auto writer = ItemFileWriter::Create(dir.path(), name, "t", {});
    ASSERT_FALSE(writer.ok()) << name;
    EXPECT_EQ(writer.error().code(), ErrorCode::kInvalidArgument);
  }
  auto writer = ItemFileWriter::Create(dir.path(), "r", "r", {});
  ASSERT_TRUE(writer.ok());
  Status s = writer->Write("{\"a\":\n1}");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
}

TEST(ItemFileTest, ReaderStreamsLinesAcrossBufferRefills) {
  TempDir dir;
  std::string path = dir.path() + "/x.jsonl";
  std::string content;
  std::vector<std::string> expected;
  for (int i = 0; i < 20'000; ++i) {
    std::string line = "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(static_cast<std::size_t>(i % 97), 'p') + "\"}";
    expected.push_back(line);
    content += line + "\n";
    if (i % 1000 == 0) content += "\n";  // empty lines are skipped
  }
  // One line much larger than the initial buffer.
  std::string big(3 * 1024 * 1024, 'b');
  expected.push_back(big);
  content += big + "\n";
  WriteAll(path, content);
  Status status;
  std::vector<std::string> lines = ReadLines(path, ItemFileReader::kDefaultMaxLineBytes, &status);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(lines, expected);
}

TEST(ItemFileTest, ReaderLimitsLineLength) {
  TempDir dir;
  std::string path = dir.path() + "/x.jsonl";
  WriteAll(path, "short\n" + std::string(5000, 'x') + "\nafter\n");
  Status status;
  std::vector<std::string> lines = ReadLines(path, 1000, &status);
  EXPECT_THAT(lines, ElementsAre("short"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(status.error().message(), HasSubstr(path));
  EXPECT_THAT(status.error().message(), HasSubstr("byte offset 6"));

  // Exactly at the limit is fine.
  WriteAll(path, std::string(1000, 'y') + "\n");
  status = OkStatus();
  lines = ReadLines(path, 1000, &status);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(lines.size(), 1u);
}

TEST(ItemFileTest, ReaderRejectsCutLastLine) {
  TempDir dir;
  std::string path = dir.path() + "/x.jsonl";
  WriteAll(path, "{\"a\":1}\n{\"a\":");
  Status status;
  std::vector<std::string> lines = ReadLines(path, 1000, &status);
  EXPECT_THAT(lines, ElementsAre("{\"a\":1}"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kDataLoss);
  EXPECT_THAT(status.error().message(), HasSubstr("byte offset 8"));
}

// ---------------------------------------------------------------------------
// Load file sets

schema::ColumnSchema Col(std::string name, DataType type) {
  schema::ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  return c;
}

normalize::TableRows IdRows(const std::string& table, int first, int count) {
  normalize::TableRows rows;
  rows.table = table;
  for (int i = 0; i < count; ++i) {
    rows.cells.push_back({0, Value::Bigint(first + i)});
    rows.row_ends.push_back(static_cast<std::uint32_t>(rows.cells.size()));
  }
  return rows;
}

std::vector<std::int64_t> ReadIds(const std::string& path, const schema::TableSchema& table) {
  std::vector<std::int64_t> ids;
  auto reader = LoadFileReader::Open(path, table);
  INGESTD_CHECK(reader.ok());
  std::span<const normalize::Cell> row;
  while (true) {
    auto more = reader->Next(row);
    INGESTD_CHECK(more.ok());
    if (!*more) return ids;
    ids.push_back(row[0].value.int_value);
  }
}

TEST(LoadFileSetWriterTest, RotatesByRowsPerTable) {
  TempDir dir;
  schema::TableSchema a("a");
  a.AddColumn(Col("id", DataType::kBigint));
  schema::TableSchema b("b");
  b.AddColumn(Col("id", DataType::kBigint));
  LoadFileOptions options;
  options.file_max_rows = 5;
  auto set = LoadFileSetWriter::Create(dir.path(), options);
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE(set->Append(IdRows("b", 0, 3), b).ok());
  ASSERT_TRUE(set->Append(IdRows("a", 0, 4), a).ok());
  ASSERT_TRUE(set->Append(IdRows("a", 4, 4), a).ok());  // a.0 has 8 rows now: over the limit by one batch
  ASSERT_TRUE(set->Append(IdRows("a", 8, 1), a).ok());  // goes to a.1
  ASSERT_TRUE(set->Append(IdRows("b", 3, 0), b).ok());  // empty: nothing
  auto tables = set->Finish();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 2u);
  EXPECT_EQ((*tables)[0].table, "b");
  EXPECT_THAT((*tables)[0].files, ElementsAre("normalized/b.0.lf"));
  EXPECT_EQ((*tables)[0].rows, 3u);
  EXPECT_EQ((*tables)[1].table, "a");
  EXPECT_THAT((*tables)[1].files, ElementsAre("normalized/a.0.lf", "normalized/a.1.lf"));
  EXPECT_EQ((*tables)[1].rows, 9u);
  EXPECT_THAT(ReadIds(dir.path() + "/a.0.lf", a), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  EXPECT_THAT(ReadIds(dir.path() + "/a.1.lf", a), ElementsAre(8));
}

TEST(LoadFileSetWriterTest, RotatesByBytes) {
  TempDir dir;
  schema::TableSchema a("a");
  a.AddColumn(Col("id", DataType::kBigint));
  LoadFileOptions options;
  options.file_max_bytes = 100;
  auto set = LoadFileSetWriter::Create(dir.path(), options);
  ASSERT_TRUE(set.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(set->Append(IdRows("a", i * 10, 10), a).ok());
  auto tables = set->Finish();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  // Each batch of 10 rows is 170 bytes, so every batch gets its own file.
  EXPECT_EQ((*tables)[0].files.size(), 10u);
  EXPECT_EQ((*tables)[0].rows, 100u);
  EXPECT_THAT(ReadIds(dir.path() + "/a.9.lf", a), ElementsAre(90, 91, 92, 93, 94, 95, 96, 97, 98, 99));
}

// ---------------------------------------------------------------------------
// Manifest

TEST(PackageManifestTest, JsonRoundTrip) {
  PackageManifest m;
  m.load_id = "1700000000.123456";
  m.created_at = 1700000000.123456;
  m.stage = PackageStage::kNormalized;
  m.resources = {{"orders", "orders", {"extracted/orders.0.jsonl", "extracted/orders.1.jsonl"}, 12}};
  m.tables = {{"orders", {"normalized/orders.0.lf"}, 12}, {"orders__items", {"normalized/orders__items.0.lf"}, 30}};
  m.schema_changed = true;
  m.replace_tables = {"orders"};
  m.pipeline_state = R"({"_state_version": 3, "sources": {"s": {"cursor": "2024-01-01T00:00:00Z"}}})";
  std::string json = ManifestToJson(m);
  auto back = ManifestFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, m);

  m.pipeline_state.reset();
  back = ManifestFromJson(ManifestToJson(m), "m.json");
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->pipeline_state.has_value());
}

TEST(PackageManifestTest, RejectsMalformed) {
  PackageManifest m;
  m.load_id = "1.0";
  std::string good = ManifestToJson(m);
  for (const std::string& bad : {std::string("{"), std::string("[]"), std::string("{\"manifest_version\":1}"),
                                 std::string("{\"manifest_version\":2}")}) {
    auto parsed = ManifestFromJson(bad, "x/manifest.json");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kDataLoss);
    EXPECT_THAT(parsed.error().message(), HasSubstr("x/manifest.json"));
  }
  std::string stage = good;
  stage.replace(stage.find("\"new\""), 5, "\"old\"");
  EXPECT_FALSE(ManifestFromJson(stage, "m").ok());

  // File paths must stay inside their stage directory.
  for (std::string path : {"../etc/passwd", "normalized/../../x", "extracted/a.lf", "normalized/", "/abs"}) {
    PackageManifest p;
    p.load_id = "1.0";
    p.tables = {{"t", {path}, 1}};
    auto parsed = ManifestFromJson(ManifestToJson(p), "m");
    ASSERT_FALSE(parsed.ok()) << path;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kDataLoss);
  }
}

// ---------------------------------------------------------------------------
// Packages

class LoadPackageTest : public ::testing::Test {
 protected:
  std::string PackageDir() const { return dir_.path() + "/1700000000.5"; }

  LoadPackage CreatePackage() {
    auto package = LoadPackage::Create(PackageDir(), "1700000000.5", 1700000000.5);
    INGESTD_CHECK(package.ok());
    return std::move(*package);
  }

  // Extracts two resources and commits.
  void Extract(LoadPackage& package) {
    auto orders = package.OpenItemWriter("orders", "orders");
    ASSERT_TRUE(orders.ok());
    ASSERT_TRUE(orders->Write(R"({"id":1})").ok());
    ASSERT_TRUE(orders->Write(R"({"id":2})").ok());
    auto users = package.OpenItemWriter("users", "users");
    ASSERT_TRUE(users.ok());
    ASSERT_TRUE(users->Write(R"({"name":"a"})").ok());
    ExtractedCommit commit;
    auto orders_files = orders->Finish();
    auto users_files = users->Finish();
    ASSERT_TRUE(orders_files.ok() && users_files.ok());
    commit.resources = {*orders_files, *users_files};
    commit.pipeline_state = R"({"cursor":2})";
    ASSERT_TRUE(package.CommitExtracted(std::move(commit)).ok());
  }

  TempDir dir_;
};

TEST_F(LoadPackageTest, StagesSurviveReopening) {
  LoadPackage package = CreatePackage();
  EXPECT_EQ(package.stage(), PackageStage::kNew);
  EXPECT_EQ(package.load_id(), "1700000000.5");
  EXPECT_TRUE(std::filesystem::is_directory(package.extracted_dir()));
  EXPECT_TRUE(std::filesystem::is_directory(package.normalized_dir()));
  {
    auto reopened = LoadPackage::Open(PackageDir());
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->stage(), PackageStage::kNew);
    EXPECT_EQ(reopened->created_at(), 1700000000.5);
  }

  Extract(package);
  EXPECT_EQ(package.stage(), PackageStage::kExtracted);
  {
    auto reopened = LoadPackage::Open(PackageDir());
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->stage(), PackageStage::kExtracted);
    ASSERT_EQ(reopened->manifest().resources.size(), 2u);
    EXPECT_EQ(reopened->manifest().resources[0].items, 2u);
    EXPECT_EQ(reopened->manifest().pipeline_state, R"({"cursor":2})");
    EXPECT_THAT(ReadLines(reopened->PathOf(reopened->manifest().resources[0].files[0])),
                ElementsAre(R"({"id":1})", R"({"id":2})"));
  }

  schema::TableSchema orders("orders");
  orders.AddColumn(Col("id", DataType::kBigint));
  auto set = package.StartNormalize();
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE(set->Append(IdRows("orders", 1, 2), orders).ok());
  NormalizedCommit commit;
  auto tables = set->Finish();
  ASSERT_TRUE(tables.ok());
  commit.tables = std::move(*tables);
  commit.schema_json = R"({"name":"s","version":2})";
  commit.schema_changed = true;
  commit.replace_tables = {"orders"};
  ASSERT_TRUE(package.CommitNormalized(std::move(commit)).ok());
  EXPECT_EQ(package.stage(), PackageStage::kNormalized);
  // Item files are gone once normalized; the manifest still lists them.
  EXPECT_FALSE(std::filesystem::exists(package.extracted_dir() + "/orders.0.jsonl"));
  {
    auto reopened = LoadPackage::Open(PackageDir());
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->stage(), PackageStage::kNormalized);
    EXPECT_EQ(reopened->manifest().resources.size(), 2u);
    ASSERT_EQ(reopened->manifest().tables.size(), 1u);
    EXPECT_EQ(reopened->manifest().tables[0].rows, 2u);
    EXPECT_TRUE(reopened->manifest().schema_changed);
    EXPECT_THAT(reopened->manifest().replace_tables, ElementsAre("orders"));
    auto schema = reopened->ReadSchemaJson();
    ASSERT_TRUE(schema.ok());
    EXPECT_EQ(*schema, R"({"name":"s","version":2})");
    std::vector<std::string> paths = reopened->LoadFilePaths(reopened->manifest().tables[0]);
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_EQ(paths[0], PackageDir() + "/normalized/orders.0.lf");
    EXPECT_THAT(ReadIds(paths[0], orders), ElementsAre(1, 2));
  }

  ASSERT_TRUE(package.CommitLoaded().ok());
  auto reopened = LoadPackage::Open(PackageDir());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->stage(), PackageStage::kLoaded);
}

TEST_F(LoadPackageTest, StagesMoveOnlyForward) {
  LoadPackage package = CreatePackage();
  EXPECT_EQ(package.StartNormalize().error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(package.CommitNormalized({}).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(package.CommitLoaded().error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(package.ReadSchemaJson().error().code(), ErrorCode::kFailedPrecondition);
  Extract(package);
  EXPECT_EQ(package.OpenItemWriter("x", "x").error().code(), ErrorCode::kFailedPrecondition);
  Status again = package.CommitExtracted({});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(again.error().message(), HasSubstr("extracted"));
}

TEST_F(LoadPackageTest, InterruptedNormalizeIsRedone) {
  LoadPackage package = CreatePackage();
  Extract(package);
  schema::TableSchema orders("orders");
  orders.AddColumn(Col("id", DataType::kBigint));
  {
    // First attempt: writes files, then "crashes" before committing.
    auto set = package.StartNormalize();
    ASSERT_TRUE(set.ok());
    ASSERT_TRUE(set->Append(IdRows("orders", 100, 5), orders).ok());
    ASSERT_TRUE(set->Append(IdRows("stale_table", 0, 1), orders).ok());
  }
  WriteAll(package.manifest_path() + ".tmp", "half a manifest");  // an interrupted commit
  auto reopened = LoadPackage::Open(PackageDir());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->stage(), PackageStage::kExtracted);
  auto set = reopened->StartNormalize();
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(std::filesystem::is_empty(reopened->normalized_dir()));
  ASSERT_TRUE(set->Append(IdRows("orders", 1, 2), orders).ok());
  NormalizedCommit commit;
  auto tables = set->Finish();
  ASSERT_TRUE(tables.ok());
  commit.tables = std::move(*tables);
  commit.schema_json = "{}";
  ASSERT_TRUE(reopened->CommitNormalized(std::move(commit)).ok());
  EXPECT_FALSE(std::filesystem::exists(reopened->normalized_dir() + "/stale_table.0.lf"));
  EXPECT_THAT(ReadIds(reopened->normalized_dir() + "/orders.0.lf", orders), ElementsAre(1, 2));
}

TEST_F(LoadPackageTest, CorruptOrMissingManifest) {
  EXPECT_EQ(LoadPackage::Open(dir_.path() + "/nope").error().code(), ErrorCode::kNotFound);
  LoadPackage package = CreatePackage();
  WriteAll(package.manifest_path(), "{\"manifest_version\": 1, \"load_id\": 5}");
  auto reopened = LoadPackage::Open(PackageDir());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code(), ErrorCode::kDataLoss);
  EXPECT_THAT(reopened.error().message(), HasSubstr("load_id"));
}

TEST_F(LoadPackageTest, MissingSchemaIsDataLoss) {
  LoadPackage package = CreatePackage();
  Extract(package);
  NormalizedCommit commit;
  commit.schema_json = "{}";
  ASSERT_TRUE(package.CommitNormalized(std::move(commit)).ok());
  std::filesystem::remove(package.schema_path());
  EXPECT_EQ(package.ReadSchemaJson().error().code(), ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace ingestd::package
