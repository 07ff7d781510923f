#include "core/extract/files_source.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stop_token>
#include <string>
#include <vector>

#include "tests/support/compression.hpp"

namespace ingestd::extract {
namespace {

namespace fs = std::filesystem;

class CollectingSink : public ItemSink {
 public:
  Status Accept(std::string_view item) override {
    items.emplace_back(item);
    return OkStatus();
  }
  std::vector<std::string> items;
};

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "ingestd_files_XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, std::string_view content) {
    std::string path = (dir_ / name).string();
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return path;
  }

  Result<std::vector<std::string>> Read(const std::string& path, FileFormat format, CsvOptions csv = {}) {
    CollectingSink sink;
    Status status = ReadItemsFromFile(path, format, csv, sink);
    if (!status.ok()) return status.error();
    return sink.items;
  }

  fs::path dir_;
};

// --- JSON

TEST_F(FilesTest, JsonArrayYieldsOneCompactItemPerElement) {
  std::string path = Write("a.json", R"([
    {"id": 1, "big": 12345678901234567890123, "f": 1.10, "s": "caf\u00e9 \"q\""},
    {"id": 2, "nested": {"list": [1, [2, 3], {"x": null}]}, "t": true},
    7, "text", [1, 2]
  ])");
  auto items = Read(path, FileFormat::kJson);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  EXPECT_EQ(*items, (std::vector<std::string>{
                        R"({"id":1,"big":12345678901234567890123,"f":1.10,"s":"café \"q\""})",
                        R"({"id":2,"nested":{"list":[1,[2,3],{"x":null}]},"t":true})",
                        "7",
                        R"("text")",
                        "[1,2]",
                    }));
}

TEST_F(FilesTest, JsonSingleObjectIsOneItem) {
  auto items = Read(Write("one.json", "\n{\"a\": [1, 2], \"b\": {}}\n"), FileFormat::kJson);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  EXPECT_EQ(*items, std::vector<std::string>{R"({"a":[1,2],"b":{}})"});
}

TEST_F(FilesTest, JsonEmptyArrayYieldsNothing) {
  auto items = Read(Write("empty.json", "[ ]"), FileFormat::kJson);
  ASSERT_TRUE(items.ok());
  EXPECT_TRUE(items->empty());
}

TEST_F(FilesTest, JsonMalformedHalfwayKeepsEarlierItemsAndNamesTheLine) {
  std::string path = Write("bad.json", "[\n{\"id\": 1},\n{\"id\": 2},\n{\"id\" 3}\n]");
  CollectingSink sink;
  Status status = ReadItemsFromFile(path, FileFormat::kJson, {}, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message(),
            path + ": line 4 (byte 30): invalid JSON: Missing a colon after a name of object member.");
  EXPECT_EQ(sink.items, (std::vector<std::string>{R"({"id":1})", R"({"id":2})"}));
}

TEST_F(FilesTest, JsonTrailingContentAndInvalidUtf8AreErrors) {
  auto trailing = Read(Write("t.json", "[1] [2]"), FileFormat::kJson);
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().message().find("The document root must not be followed by other values"),
            std::string::npos);
  auto utf8 = Read(Write("u.json", "[\"\xff\"]"), FileFormat::kJson);
  ASSERT_FALSE(utf8.ok());
  EXPECT_NE(utf8.error().message().find("Invalid encoding in string"), std::string::npos);
  auto nul = Read(Write("n.json", std::string("[1]\0[2]", 7)), FileFormat::kJson);
  ASSERT_FALSE(nul.ok());
  EXPECT_NE(nul.error().message().find("NUL"), std::string::npos);
}

// 100k elements (about 20 MB) stream through with flat memory, in order.
TEST_F(FilesTest, LargeJsonArrayStreamsInOrderWithBoundedMemory) {
  constexpr int kItems = 100000;
  std::string path = (dir_ / "big.json").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "[";
    std::string padding(160, 'x');
    for (int i = 0; i < kItems; ++i) {
      if (i > 0) out << ",\n";
      out << R"({"id":)" << i << R"(,"pad":")" << padding << R"("})";
    }
    out << "]";
  }
  ASSERT_GT(fs::file_size(path), 17u * 1000 * 1000);

  class CheckingSink : public ItemSink {
   public:
    Status Accept(std::string_view item) override {
      std::string expected_prefix = R"({"id":)" + std::to_string(count) + ",";
      if (item.substr(0, expected_prefix.size()) != expected_prefix) {
        return Internal("out of order at " + std::to_string(count) + ": " + std::string(item.substr(0, 30)));
      }
      ++count;
      std::size_t in_use = mallinfo2().uordblks;
      if (in_use > peak) peak = in_use;
      return OkStatus();
    }
    int count = 0;
    std::size_t peak = 0;
  };
  CheckingSink sink;
  std::size_t baseline = mallinfo2().uordblks;
  Status status = ReadItemsFromFile(path, FileFormat::kJson, {}, sink);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(sink.count, kItems);
  // Chunk buffers and one item; nowhere near the file's size. (Under ASan
  // mallinfo2 does not see the allocations and the check is vacuous.)
  EXPECT_LT(sink.peak > baseline ? sink.peak - baseline : 0, 2u * 1024 * 1024);
}

// --- JSONL

TEST_F(FilesTest, JsonlLinesTrimmedBlankLinesSkippedCrlfAccepted) {
  auto items = Read(Write("a.jsonl", "{\"a\":1}\r\n\n   \n  {\"a\": 2}  \n{\"a\":3}"), FileFormat::kJsonl);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  EXPECT_EQ(*items, (std::vector<std::string>{R"({"a":1})", R"({"a": 2})", R"({"a":3})"}));
}

TEST_F(FilesTest, JsonlMalformedLineNamesFileLineAndColumn) {
  std::string path = Write("bad.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":}\n{\"a\":4}\n");
  CollectingSink sink;
  Status status = ReadItemsFromFile(path, FileFormat::kJsonl, {}, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), path + ": line 3 (byte 21): invalid JSON at column 6: Invalid value.");
  EXPECT_EQ(sink.items.size(), 2u);
}

TEST_F(FilesTest, JsonlTwoDocumentsOnOneLineIsAnError) {
  auto items = Read(Write("two.jsonl", "{\"a\":1} {\"a\":2}\n"), FileFormat::kJsonl);
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.error().message().find("line 1"), std::string::npos);
  EXPECT_NE(items.error().message().find("must not be followed by other values"), std::string::npos);
}

// --- CSV

TEST_F(FilesTest, CsvRfc4180) {
  std::string csv =
      "id,name,note\r\n"
      "1,plain,\r\n"
      "2,\"with, comma\",\"say \"\"hi\"\"\"\r\n"
      "3,\"multi\nline\",x\n"
      "\n"
      "4,\"\",last";  // no final newline
  auto items = Read(Write("a.csv", csv), FileFormat::kCsv);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  EXPECT_EQ(*items, (std::vector<std::string>{
                        R"({"id":"1","name":"plain","note":""})",
                        R"({"id":"2","name":"with, comma","note":"say \"hi\""})",
                        R"({"id":"3","name":"multi\nline","note":"x"})",
                        R"({"id":"4","name":"","note":"last"})",
                    }));
}

TEST_F(FilesTest, CsvBomDelimiterAndNoHeader) {
  auto semicolon = Read(Write("b.csv", "\xEF\xBB\xBFk;v\na;1\n"), FileFormat::kCsv, CsvOptions{';', true});
  ASSERT_TRUE(semicolon.ok()) << semicolon.error().ToString();
  EXPECT_EQ(*semicolon, std::vector<std::string>{R"({"k":"a","v":"1"})"});

  auto no_header = Read(Write("c.csv", "a,1\nb,2\n"), FileFormat::kCsv, CsvOptions{',', false});
  ASSERT_TRUE(no_header.ok()) << no_header.error().ToString();
  EXPECT_EQ(*no_header, (std::vector<std::string>{R"({"column_1":"a","column_2":"1"})",
                                                  R"({"column_1":"b","column_2":"2"})"}));
}

TEST_F(FilesTest, CsvStrayQuoteInUnquotedFieldIsKept) {
  auto items = Read(Write("q.csv", "a,b\nx\"y,2\n"), FileFormat::kCsv);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  EXPECT_EQ(*items, std::vector<std::string>{R"({"a":"x\"y","b":"2"})"});
}

TEST_F(FilesTest, CsvErrors) {
  std::string wrong_count = Write("w.csv", "a,b\n1,2\n3\n");
  CollectingSink sink;
  Status status = ReadItemsFromFile(wrong_count, FileFormat::kCsv, {}, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), wrong_count + ": line 3 (byte 8): expected 2 fields (as in the header), got 1");
  EXPECT_EQ(sink.items.size(), 1u);

  std::string unterminated = Write("u.csv", "a,b\n1,\"open\n2,3\n");
  auto u = Read(unterminated, FileFormat::kCsv);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().message(),
            unterminated +
                ": line 2 (byte 4): unterminated quoted field (the quote opened in this record is never closed)");

  std::string after_quote = Write("aq.csv", "a,b\n\"x\"y,2\n");
  auto aq = Read(after_quote, FileFormat::kCsv);
  ASSERT_FALSE(aq.ok());
  EXPECT_EQ(aq.error().message(),
            after_quote + ": line 2 (byte 7): unexpected character 'y' after a closing quote (expected ',' or the "
                          "end of the line)");

  std::string dup = Write("d.csv", "a,a\n1,2\n");
  auto d = Read(dup, FileFormat::kCsv);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message(), dup + ": line 1 (byte 0): duplicate header field 'a'");

  std::string empty_name = Write("e.csv", "a,,c\n1,2,3\n");
  auto e = Read(empty_name, FileFormat::kCsv);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), empty_name + ": line 1 (byte 0): header field 2 is empty");

  std::string bad_utf8 = Write("x.csv", "a\n\xff\n");
  auto x = Read(bad_utf8, FileFormat::kCsv);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.error().message(), bad_utf8 + ": line 2 (byte 2): invalid UTF-8 in field 1 ('a')");
}

// --- gzip

TEST_F(FilesTest, GzipByExtensionForEveryFormat) {
  auto json = Read(Write("a.json.gz", testing::Gzip(R"([{"a":1},{"a":2}])")), FileFormat::kJson);
  ASSERT_TRUE(json.ok()) << json.error().ToString();
  EXPECT_EQ(*json, (std::vector<std::string>{R"({"a":1})", R"({"a":2})"}));

  auto jsonl = Read(Write("a.jsonl.gz", testing::Gzip("{\"a\":1}\n{\"a\":2}\n")), FileFormat::kJsonl);
  ASSERT_TRUE(jsonl.ok()) << jsonl.error().ToString();
  EXPECT_EQ(jsonl->size(), 2u);

  auto csv = Read(Write("a.csv.gz", testing::Gzip("k\nv\n")), FileFormat::kCsv);
  ASSERT_TRUE(csv.ok()) << csv.error().ToString();
  EXPECT_EQ(*csv, std::vector<std::string>{R"({"k":"v"})"});
}

TEST_F(FilesTest, GzipByMagicBytesAndMultiMember) {
  std::string path = Write("data.jsonl", testing::Gzip("{\"a\":1}\n") + testing::Gzip("{\"a\":2}\n"));
  auto items = Read(path, FileFormat::kJsonl);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  EXPECT_EQ(*items, (std::vector<std::string>{R"({"a":1})", R"({"a":2})"}));
}

TEST_F(FilesTest, GzipLargerThanOneChunk) {
  std::string lines;
  for (int i = 0; i < 20000; ++i) lines += "{\"i\":" + std::to_string(i) + ",\"pad\":\"abcdefghij\"}\n";
  ASSERT_GT(lines.size(), 3u * 64 * 1024);
  auto items = Read(Write("big.jsonl.gz", testing::Gzip(lines)), FileFormat::kJsonl);
  ASSERT_TRUE(items.ok()) << items.error().ToString();
  ASSERT_EQ(items->size(), 20000u);
  EXPECT_EQ(items->back(), R"({"i":19999,"pad":"abcdefghij"})");
}

TEST_F(FilesTest, TruncatedAndCorruptGzipAreErrors) {
  std::string gz = testing::Gzip("{\"a\":1}\n{\"a\":2}\n");
  std::string truncated = Write("t.jsonl.gz", gz.substr(0, gz.size() - 10));
  auto t = Read(truncated, FileFormat::kJsonl);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("gzip data ends unexpectedly"), std::string::npos) << t.error().message();

  std::string corrupt_bytes = gz;
  corrupt_bytes[12] = static_cast<char>(corrupt_bytes[12] ^ 0x55);
  corrupt_bytes[13] = static_cast<char>(corrupt_bytes[13] ^ 0x55);
  auto c = Read(Write("c.jsonl.gz", corrupt_bytes), FileFormat::kJsonl);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("gzip"), std::string::npos) << c.error().message();

  auto not_gzip = Read(Write("plain.json.gz", "[1]"), FileFormat::kJson);
  ASSERT_FALSE(not_gzip.ok());
  EXPECT_NE(not_gzip.error().message().find("corrupt gzip data"), std::string::npos);
}

// --- paths, formats, the resource

TEST_F(FilesTest, ExpandPatternsSortsDedupesAndNamesMisses) {
  std::string b = Write("in/b.jsonl", "");
  std::string a = Write("in/a.jsonl", "");
  std::string c = Write("in/c.csv", "");
  fs::create_directories(dir_ / "in" / "sub.jsonl");
  auto files = ExpandFilePatterns({(dir_ / "in/*.jsonl").string(), a, c});
  ASSERT_TRUE(files.ok()) << files.error().ToString();
  EXPECT_EQ(*files, (std::vector<std::string>{a, b, c}));

  std::string missing = (dir_ / "nope.json").string();
  auto m = ExpandFilePatterns({missing});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(m.error().message(), missing + ": no such file");

  std::string empty_glob = (dir_ / "in/*.parquet").string();
  auto g = ExpandFilePatterns({empty_glob});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().message(), empty_glob + ": pattern matched no files");

  // A pattern under a directory that does not exist matches nothing, and
  // says which directory is missing.
  std::string no_dir = (dir_ / "absent" / "*.jsonl").string();
  auto n = ExpandFilePatterns({no_dir});
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(n.error().message(), no_dir + ": pattern matched no files (no directory " + (dir_ / "absent").string() + ")");

  auto d = ExpandFilePatterns({(dir_ / "in").string()});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("is a directory"), std::string::npos);
}

TEST_F(FilesTest, DetectFormat) {
  EXPECT_EQ(*DetectFileFormat("x.json"), FileFormat::kJson);
  EXPECT_EQ(*DetectFileFormat("x.JSON.GZ"), FileFormat::kJson);
  EXPECT_EQ(*DetectFileFormat("x.jsonl"), FileFormat::kJsonl);
  EXPECT_EQ(*DetectFileFormat("x.ndjson.gz"), FileFormat::kJsonl);
  EXPECT_EQ(*DetectFileFormat("x.csv.gz"), FileFormat::kCsv);
  auto unknown = DetectFileFormat("x.txt");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message(),
            "x.txt: cannot tell the format from the extension (known: .json, .jsonl, .ndjson, .csv, each "
            "optionally with .gz); set the source's format");
  EXPECT_EQ(ParseFileFormat("jsonl"), FileFormat::kJsonl);
  EXPECT_EQ(ParseFileFormat("parquet"), std::nullopt);
}

TEST_F(FilesTest, ResourceReadsMixedFormatsInPathOrder) {
  Write("d/1.json", R"([{"n":1},{"n":2}])");
  Write("d/2.jsonl.gz", testing::Gzip("{\"n\":3}\n"));
  Write("d/3.csv", "n\n4\n");
  FilesResource resource("numbers", FilesConfig{{(dir_ / "d/*").string()}, FileFormat::kAuto, {}, {}});
  CollectingSink sink;
  Status status = resource.Extract(sink, {});
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(sink.items, (std::vector<std::string>{R"({"n":1})", R"({"n":2})", R"({"n":3})", R"({"n":"4"})"}));
  EXPECT_EQ(resource.items_read(), 4u);
  EXPECT_EQ(resource.files_read().size(), 3u);
  EXPECT_EQ(resource.name(), "numbers");
}

TEST_F(FilesTest, ResourceErrorsCarryTheResourceName) {
  std::string bad = Write("e/bad.jsonl", "{\"n\":1}\nnope\n");
  FilesResource resource("events", FilesConfig{{bad}, FileFormat::kAuto, {}, {}});
  CollectingSink sink;
  Status status = resource.Extract(sink, {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), "resource events: " + bad + ": line 2 (byte 9): invalid JSON at column 2: Invalid value.");
  EXPECT_EQ(sink.items.size(), 1u);

  FilesResource unknown("odd", FilesConfig{{Write("e/x.txt", "")}, FileFormat::kAuto, {}, {}});
  Status u = unknown.Extract(sink, {});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().message().rfind("resource odd: ", 0), 0u);
}

TEST_F(FilesTest, StopRequestCancelsBetweenItems) {
  std::string path = Write("s.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n");
  std::stop_source stop;
  class StoppingSink : public ItemSink {
   public:
    explicit StoppingSink(std::stop_source& s) : stop_(s) {}
    Status Accept(std::string_view) override {
      if (++count == 2) stop_.request_stop();
      return OkStatus();
    }
    int count = 0;

   private:
    std::stop_source& stop_;
  };
  StoppingSink sink(stop);
  FilesResource resource("s", FilesConfig{{path}, FileFormat::kAuto, {}, {}});
  Status status = resource.Extract(sink, stop.get_token());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(status.error().message(), "resource s: extraction cancelled");
  EXPECT_EQ(sink.count, 2);
}

TEST_F(FilesTest, SinkErrorStopsTheReadUnchanged) {
  class FailingSink : public ItemSink {
   public:
    Status Accept(std::string_view) override { return ResourceExhausted("disk full"); }
  };
  FailingSink sink;
  Status status = ReadItemsFromFile(Write("f.json", "[1,2,3]"), FileFormat::kJson, {}, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(status.error().message(), "disk full");
}

}  // namespace
}  // namespace ingestd::extract
