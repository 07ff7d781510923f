// `ingestd run` with 0, 1 and 2 normalize worker processes, normalizing
// alongside extraction or after it, over the same
// rotated input loads the same tables: the result does not depend on the
// worker count, including when two item files discover one column with
// different types (the later one goes to a variant column, as one
// sequential pass would have it).

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/ingestd_process.hpp"

namespace ingestd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Every user table of a SQLite file as text: columns with types, then the
// rows sorted, without the random row ids and the load id.
std::string DumpTables(const fs::path& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return "cannot open";
  auto query = [db](const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return rows;
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* text = sqlite3_column_text(st, i);
        row.push_back(text == nullptr ? "NULL" : reinterpret_cast<const char*>(text));
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    return rows;
  };
  std::string out;
  for (const auto& table : query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_dlt%' "
                                 "ORDER BY name")) {
    out += "table " + table[0] + ":";
    std::vector<std::string> columns;
    for (const auto& column : query("SELECT name, type FROM pragma_table_info('" + table[0] + "')")) {
      out += " " + column[0] + " " + column[1] + ",";
      if (column[0] != "_dlt_id" && column[0] != "_dlt_parent_id" && column[0] != "_dlt_root_id" &&
          column[0] != "_dlt_load_id") {
        columns.push_back("\"" + column[0] + "\"");
      }
    }
    out += "\n";
    std::string select;
    for (const std::string& c : columns) select += (select.empty() ? "" : ", ") + c;
    std::vector<std::string> lines;
    for (const auto& row : query("SELECT " + select + " FROM \"" + table[0] + "\"")) {
      std::string line;
      for (const std::string& v : row) line += v + "|";
      lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    for (const std::string& line : lines) out += "  " + line + "\n";
  }
  sqlite3_close(db);
  return out;
}

class NormalizeWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ingestd-workers-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Runs the spec with `workers` normalize workers into its own data dir;
  // returns the dump of the loaded tables.
  std::string RunWith(int workers, bool overlap_extract = true) {
    const fs::path data = dir_ / ("data-" + std::to_string(workers) + (overlap_extract ? "" : "-sequential"));
    testing::IngestdRunOptions options;
    options.extra_args = "--normalize-workers " + std::to_string(workers);
    // Normalize after extraction instead of alongside it (a benchmark knob).
    if (!overlap_extract) options.environment = "INGESTD_BENCH_SEQUENTIAL_EXTRACT=1";
    testing::ProcessResult r = testing::RunIngestdProcess(INGESTD_BINARY, (dir_ / "spec.json").string(),
                                                          data.string(), options);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return DumpTables(data / "p.sqlite");
  }

  fs::path dir_;
};

TEST_F(NormalizeWorkersTest, TheLoadedTablesDoNotDependOnTheWorkerCount) {
  // 40 records per item file (file_max_items), so ten jobs. Records 0-199
  // carry `size` as a number, 200-399 as text: the job that meets text
  // first sees a new column, and merging in file order turns it into a
  // variant column. The last file adds a column and a nested table.
  std::ofstream input(dir_ / "items.jsonl");
  for (int i = 0; i < 400; ++i) {
    input << "{\"id\": " << i << ", \"user\": {\"login\": \"u" << i % 7 << "\"}, \"labels\": [{\"name\": \"l"
          << i % 3 << "\"}, {\"name\": \"x\"}], \"size\": ";
    if (i < 200) {
      input << i * 10;
    } else {
      input << "\"big-" << i << "\"";
    }
    if (i >= 360) input << ", \"closed_by\": {\"login\": \"c\"}, \"events\": [" << i << "]";
    input << "}\n";
  }
  input.close();
  std::ofstream(dir_ / "spec.json") << R"({"name": "p", "options": {"file_max_items": 40},
      "resources": [{"name": "issues", "source": {"kind": "files", "paths": [")"
                                     << (dir_ / "items.jsonl").string() << R"("]}}]})";

  const std::string in_process = RunWith(0);
  EXPECT_THAT(in_process, HasSubstr(" size__v_text TEXT,")) << in_process;
  EXPECT_THAT(in_process, HasSubstr("table issues__events:"));
  EXPECT_EQ(RunWith(1), in_process);
  EXPECT_EQ(RunWith(2), in_process);
  // Normalization alongside extraction (the default) merges as after it.
  EXPECT_EQ(RunWith(2, /*overlap_extract=*/false), in_process);
  EXPECT_EQ(RunWith(0, /*overlap_extract=*/false), in_process);
}

}  // namespace
}  // namespace ingestd
