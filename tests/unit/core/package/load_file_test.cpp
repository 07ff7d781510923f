#include "core/package/load_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace ingestd::package {
namespace {

using ::testing::HasSubstr;
using schema::DataType;
using schema::Value;

// One per test: /tmp/ingestd_load_file_XXXXXX.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("load_file") {}
};

using testing::ReadAll;
using testing::WriteAll;

schema::ColumnSchema Col(std::string name, DataType type) {
  schema::ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  return c;
}

// Rows built cell by cell; text values live in `storage` (a deque-like
// vector of owned strings, reserved so views stay valid).
class RowsBuilder {
 public:
  explicit RowsBuilder(std::string table) { rows_.table = std::move(table); }
  RowsBuilder& Cell(std::uint32_t column, Value value) {
    if (!value.text.empty()) {
      storage_.push_back(std::make_unique<std::string>(value.text));
      value.text = *storage_.back();
    }
    rows_.cells.push_back({column, value});
    return *this;
  }
  RowsBuilder& EndRow() {
    rows_.row_ends.push_back(static_cast<std::uint32_t>(rows_.cells.size()));
    return *this;
  }
  const normalize::TableRows& rows() const { return rows_; }

 private:
  normalize::TableRows rows_;
  std::vector<std::unique_ptr<std::string>> storage_;
};

// A read-back row: (schema column index, value) with owned text.
struct ReadCell {
  std::uint32_t column = 0;
  DataType type = DataType::kText;
  std::int64_t int_value = 0;
  double double_value = 0;
  bool bool_value = false;
  std::string text;
};

ReadCell Own(const normalize::Cell& c) {
  ReadCell r;
  r.column = c.column;
  r.type = c.value.type;
  switch (c.value.type) {
    case DataType::kDouble: r.double_value = c.value.double_value; break;
    case DataType::kBool: r.bool_value = c.value.bool_value; break;
    case DataType::kBigint:
    case DataType::kTimestamp:
    case DataType::kDate:
    case DataType::kTime: r.int_value = c.value.int_value; break;
    default: r.text = std::string(c.value.text); break;
  }
  return r;
}

// Reads every row; returns the error if any, and the rows read before it.
Status ReadRows(const std::string& path, const schema::TableSchema& table, std::vector<std::vector<ReadCell>>& out) {
  INGESTD_ASSIGN_OR_RETURN(LoadFileReader reader, LoadFileReader::Open(path, table));
  std::span<const normalize::Cell> row;
  while (true) {
    INGESTD_ASSIGN_OR_RETURN(bool more, reader.Next(row));
    if (!more) return OkStatus();
    std::vector<ReadCell> cells;
    for (const normalize::Cell& c : row) cells.push_back(Own(c));
    out.push_back(std::move(cells));
  }
}

schema::TableSchema AllTypesTable() {
  schema::TableSchema t("items");
  t.AddColumn(Col("t_text", DataType::kText));
  t.AddColumn(Col("t_double", DataType::kDouble));
  t.AddColumn(Col("t_bool", DataType::kBool));
  t.AddColumn(Col("t_timestamp", DataType::kTimestamp));
  t.AddColumn(Col("t_bigint", DataType::kBigint));
  t.AddColumn(Col("t_binary", DataType::kBinary));
  t.AddColumn(Col("t_json", DataType::kJson));
  t.AddColumn(Col("t_decimal", DataType::kDecimal));
  t.AddColumn(Col("t_wei", DataType::kWei));
  t.AddColumn(Col("t_date", DataType::kDate));
  t.AddColumn(Col("t_time", DataType::kTime));
  return t;
}

TEST(LoadFileTest, RoundTripsEveryType) {
  TempDir dir;
  std::string path = dir.path() + "/items.0.lf";
  schema::TableSchema table = AllTypesTable();
  const std::string binary("\0a\0\xff\0", 5);
  RowsBuilder b("items");
  b.Cell(0, Value::Text(DataType::kText, "héllo"))
      .Cell(1, Value::Double(-0.5))
      .Cell(2, Value::Bool(true))
      .Cell(3, Value::Timestamp(1'700'000'000'123'456))
      .Cell(4, Value::Bigint(std::numeric_limits<std::int64_t>::min()))
      .Cell(5, Value::Text(DataType::kBinary, binary))
      .Cell(6, Value::Text(DataType::kJson, R"({"a":[1,2]})"))
      .Cell(7, Value::Text(DataType::kDecimal, "-12.340"))
      .Cell(8, Value::Text(DataType::kWei, "115792089237316195423570985008687907853269984665640564039457584007913129639935"))
      .Cell(9, Value::Date(-719162))
      .Cell(10, Value::Time(86'399'999'999))
      .EndRow();
  b.EndRow();  // a row of NULLs only
  b.Cell(4, Value::Bigint(std::numeric_limits<std::int64_t>::max()))
      .Cell(0, Value::Text(DataType::kText, ""))
      .Cell(2, Value::Bool(false))
      .Cell(1, Value::Double(std::numeric_limits<double>::infinity()))
      .EndRow();
  b.Cell(1, Value::Double(std::numeric_limits<double>::quiet_NaN())).EndRow();
  {
    auto writer = LoadFileWriter::Create(path);
    ASSERT_TRUE(writer.ok()) << writer.error().ToString();
    ASSERT_TRUE(writer->Append(b.rows(), table).ok());
    EXPECT_EQ(writer->rows_written(), 4u);
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(writer->bytes_written(), std::filesystem::file_size(path));
    EXPECT_EQ(writer->path(), path);
  }
  std::vector<std::vector<ReadCell>> rows;
  Status s = ReadRows(path, table, rows);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_EQ(rows.size(), 4u);
  ASSERT_EQ(rows[0].size(), 11u);
  EXPECT_EQ(rows[0][0].text, "héllo");
  EXPECT_EQ(rows[0][1].double_value, -0.5);
  EXPECT_TRUE(rows[0][2].bool_value);
  EXPECT_EQ(rows[0][3].type, DataType::kTimestamp);
  EXPECT_EQ(rows[0][3].int_value, 1'700'000'000'123'456);
  EXPECT_EQ(rows[0][4].int_value, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(rows[0][5].text, binary);
  EXPECT_EQ(rows[0][5].type, DataType::kBinary);
  EXPECT_EQ(rows[0][6].text, R"({"a":[1,2]})");
  EXPECT_EQ(rows[0][7].text, "-12.340");
  EXPECT_EQ(rows[0][8].text.size(), 78u);
  EXPECT_EQ(rows[0][9].int_value, -719162);
  EXPECT_EQ(rows[0][10].int_value, 86'399'999'999);
  for (std::uint32_t i = 0; i < 11; ++i) EXPECT_EQ(rows[0][i].column, i);
  EXPECT_TRUE(rows[1].empty());
  ASSERT_EQ(rows[2].size(), 4u);
  EXPECT_EQ(rows[2][0].column, 4u);
  EXPECT_EQ(rows[2][0].int_value, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(rows[2][1].column, 0u);
  EXPECT_EQ(rows[2][1].text, "");
  EXPECT_FALSE(rows[2][2].bool_value);
  EXPECT_TRUE(std::isinf(rows[2][3].double_value));
  ASSERT_EQ(rows[3].size(), 1u);
  EXPECT_TRUE(std::isnan(rows[3][0].double_value));
}

TEST(LoadFileTest, LargeTextValues) {
  TempDir dir;
  std::string path = dir.path() + "/big.0.lf";
  schema::TableSchema table("big");
  table.AddColumn(Col("body", DataType::kText));
  table.AddColumn(Col("n", DataType::kBigint));
  std::string large(5 * 1024 * 1024 + 17, 'x');
  for (std::size_t i = 0; i < large.size(); i += 4093) large[i] = static_cast<char>('a' + i % 26);
  RowsBuilder b("big");
  b.Cell(0, Value::Text(DataType::kText, large)).Cell(1, Value::Bigint(1)).EndRow();
  b.Cell(1, Value::Bigint(2)).Cell(0, Value::Text(DataType::kText, large.substr(1000))).EndRow();
  b.Cell(1, Value::Bigint(3)).EndRow();
  auto writer = LoadFileWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Append(b.rows(), table).ok());
  ASSERT_TRUE(writer->Finish().ok());

  auto reader = LoadFileReader::Open(path, table);
  ASSERT_TRUE(reader.ok());
  std::span<const normalize::Cell> row;
  ASSERT_TRUE(*reader->Next(row));
  ASSERT_EQ(row.size(), 2u);
  EXPECT_EQ(row[0].value.text, large);
  EXPECT_EQ(row[1].value.int_value, 1);
  ASSERT_TRUE(*reader->Next(row));
  EXPECT_EQ(row[1].value.text, large.substr(1000));
  ASSERT_TRUE(*reader->Next(row));
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].value.int_value, 3);
  auto end = reader->Next(row);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
  // At the end it stays at the end.
  EXPECT_FALSE(*reader->Next(row));
}

TEST(LoadFileTest, ColumnsAppearingMidFile) {
  TempDir dir;
  std::string path = dir.path() + "/t.0.lf";
  schema::TableSchema table("t");
  table.AddColumn(Col("id", DataType::kBigint));
  auto writer = LoadFileWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  RowsBuilder first("t");
  first.Cell(0, Value::Bigint(1)).EndRow();
  ASSERT_TRUE(writer->Append(first.rows(), table).ok());
  // Schema evolution between batches: two new columns.
  table.AddColumn(Col("name", DataType::kText));
  table.AddColumn(Col("score", DataType::kDouble));
  RowsBuilder second("t");
  second.Cell(2, Value::Double(1.5)).Cell(0, Value::Bigint(2)).EndRow();
  second.Cell(1, Value::Text(DataType::kText, "b")).Cell(0, Value::Bigint(3)).EndRow();
  ASSERT_TRUE(writer->Append(second.rows(), table).ok());
  ASSERT_TRUE(writer->Finish().ok());

  // Read with the final table, whose columns are in a different order than
  // the file defined them: cells must map by name.
  schema::TableSchema reordered("t");
  reordered.AddColumn(Col("extra", DataType::kBool));
  reordered.AddColumn(Col("score", DataType::kDouble));
  reordered.AddColumn(Col("name", DataType::kText));
  reordered.AddColumn(Col("id", DataType::kBigint));
  std::vector<std::vector<ReadCell>> rows;
  ASSERT_TRUE(ReadRows(path, reordered, rows).ok());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0].column, 3u);
  EXPECT_EQ(rows[0][0].int_value, 1);
  EXPECT_EQ(rows[1][0].column, 1u);
  EXPECT_EQ(rows[1][0].double_value, 1.5);
  EXPECT_EQ(rows[2][0].column, 2u);
  EXPECT_EQ(rows[2][0].text, "b");
}

TEST(LoadFileTest, ManyRows) {
  TempDir dir;
  std::string path = dir.path() + "/many.0.lf";
  schema::TableSchema table("many");
  table.AddColumn(Col("id", DataType::kBigint));
  table.AddColumn(Col("label", DataType::kText));
  auto writer = LoadFileWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  constexpr int kBatches = 20;
  constexpr int kRowsPerBatch = 10'000;
  for (int batch = 0; batch < kBatches; ++batch) {
    RowsBuilder b("many");
    for (int i = 0; i < kRowsPerBatch; ++i) {
      int id = batch * kRowsPerBatch + i;
      b.Cell(0, Value::Bigint(id));
      if (id % 3 == 0) b.Cell(1, Value::Text(DataType::kText, "label-" + std::to_string(id)));
      b.EndRow();
    }
    ASSERT_TRUE(writer->Append(b.rows(), table).ok());
  }
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(writer->rows_written(), std::uint64_t{kBatches * kRowsPerBatch});

  auto reader = LoadFileReader::Open(path, table);
  ASSERT_TRUE(reader.ok());
  std::span<const normalize::Cell> row;
  std::int64_t expected = 0;
  while (true) {
    auto more = reader->Next(row);
    ASSERT_TRUE(more.ok()) << more.error().ToString();
    if (!*more) break;
    ASSERT_EQ(row[0].value.int_value, expected);
    if (expected % 3 == 0) {
      ASSERT_EQ(row.size(), 2u);
      ASSERT_EQ(row[1].value.text, "label-" + std::to_string(expected));
    } else {
      ASSERT_EQ(row.size(), 1u);
    }
    ++expected;
  }
  EXPECT_EQ(expected, kBatches * kRowsPerBatch);
}

TEST(LoadFileTest, WriterRejectsBadCells) {
  TempDir dir;
  schema::TableSchema table("t");
  table.AddColumn(Col("id", DataType::kBigint));
  schema::ColumnSchema incomplete;
  incomplete.name = "pending";
  table.AddColumn(incomplete);
  auto writer = LoadFileWriter::Create(dir.path() + "/t.0.lf");
  ASSERT_TRUE(writer.ok());

  RowsBuilder wrong_type("t");
  wrong_type.Cell(0, Value::Text(DataType::kText, "1")).EndRow();
  Status s = writer->Append(wrong_type.rows(), table);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message(), HasSubstr("id"));

  RowsBuilder no_type("t");
  no_type.Cell(1, Value::Bigint(1)).EndRow();
  s = writer->Append(no_type.rows(), table);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("pending"));

  RowsBuilder out_of_range("t");
  out_of_range.Cell(7, Value::Bigint(1)).EndRow();
  EXPECT_FALSE(writer->Append(out_of_range.rows(), table).ok());

  // Rejected rows left nothing behind: the file is still valid.
  RowsBuilder good("t");
  good.Cell(0, Value::Bigint(5)).EndRow();
  ASSERT_TRUE(writer->Append(good.rows(), table).ok());
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_FALSE(writer->Append(good.rows(), table).ok());
  std::vector<std::vector<ReadCell>> rows;
  ASSERT_TRUE(ReadRows(writer->path(), table, rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].int_value, 5);
}

TEST(LoadFileTest, ReaderRejectsColumnsNotInTable) {
  TempDir dir;
  std::string path = dir.path() + "/t.0.lf";
  schema::TableSchema table("t");
  table.AddColumn(Col("id", DataType::kBigint));
  table.AddColumn(Col("name", DataType::kText));
  auto writer = LoadFileWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  RowsBuilder b("t");
  b.Cell(0, Value::Bigint(1)).EndRow();
  b.Cell(1, Value::Text(DataType::kText, "x")).EndRow();
  ASSERT_TRUE(writer->Append(b.rows(), table).ok());
  ASSERT_TRUE(writer->Finish().ok());

  schema::TableSchema missing("t");
  missing.AddColumn(Col("id", DataType::kBigint));
  std::vector<std::vector<ReadCell>> rows;
  Status s = ReadRows(path, missing, rows);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kDataLoss);
  EXPECT_THAT(s.error().message(), HasSubstr(path));
  EXPECT_THAT(s.error().message(), HasSubstr("name"));
  EXPECT_EQ(rows.size(), 1u);  // the row before the definition was fine

  schema::TableSchema other_type("t");
  other_type.AddColumn(Col("id", DataType::kText));
  other_type.AddColumn(Col("name", DataType::kText));
  rows.clear();
  s = ReadRows(path, other_type, rows);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kDataLoss);
  EXPECT_THAT(s.error().message(), HasSubstr("id"));
  EXPECT_THAT(s.error().message(), HasSubstr("bigint"));
}

// A small file with a bit of everything, and its rows.
std::string WriteSmallFile(const std::string& path, const schema::TableSchema& table) {
  auto writer = LoadFileWriter::Create(path);
  INGESTD_CHECK(writer.ok());
  RowsBuilder b("items");
  b.Cell(0, Value::Text(DataType::kText, "abc")).Cell(4, Value::Bigint(42)).EndRow();
  b.Cell(2, Value::Bool(true)).Cell(1, Value::Double(2.5)).EndRow();
  b.EndRow();
  b.Cell(5, Value::Text(DataType::kBinary, std::string("\0\1", 2))).Cell(0, Value::Text(DataType::kText, "")).EndRow();
  INGESTD_CHECK(writer->Append(b.rows(), table).ok());
  INGESTD_CHECK(writer->Finish().ok());
  return ReadAll(path);
}

TEST(LoadFileTest, TruncationAtEveryOffsetIsDataLoss) {
  TempDir dir;
  schema::TableSchema table = AllTypesTable();
  std::string full_path = dir.path() + "/full.lf";
  std::string bytes = WriteSmallFile(full_path, table);
  std::vector<std::vector<ReadCell>> full_rows;
  ASSERT_TRUE(ReadRows(full_path, table, full_rows).ok());
  ASSERT_EQ(full_rows.size(), 4u);

  std::string cut = dir.path() + "/cut.lf";
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    WriteAll(cut, bytes.substr(0, size));
    std::vector<std::vector<ReadCell>> rows;
    Status s = ReadRows(cut, table, rows);
    ASSERT_FALSE(s.ok()) << "prefix of " << size << " bytes was accepted";
    EXPECT_EQ(s.error().code(), ErrorCode::kDataLoss) << s.error().ToString();
    EXPECT_THAT(s.error().message(), HasSubstr(cut));
    EXPECT_THAT(s.error().message(), HasSubstr("byte offset"));
    // Whatever came out before the error is a correct prefix.
    ASSERT_LE(rows.size(), full_rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      ASSERT_EQ(rows[r].size(), full_rows[r].size());
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        EXPECT_EQ(rows[r][c].column, full_rows[r][c].column);
        EXPECT_EQ(rows[r][c].text, full_rows[r][c].text);
        EXPECT_EQ(rows[r][c].int_value, full_rows[r][c].int_value);
      }
    }
  }
}

TEST(LoadFileTest, ByteFlipsNeverCrash) {
  TempDir dir;
  schema::TableSchema table = AllTypesTable();
  std::string bytes = WriteSmallFile(dir.path() + "/full.lf", table);
  std::string flipped = dir.path() + "/flipped.lf";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char v : {0x00, 0x01, 0x7f, 0xff}) {
      std::string copy = bytes;
      copy[i] = static_cast<char>(v);
      WriteAll(flipped, copy);
      std::vector<std::vector<ReadCell>> rows;
      Status s = ReadRows(flipped, table, rows);
      if (!s.ok()) {
        EXPECT_EQ(s.error().code(), ErrorCode::kDataLoss) << s.error().ToString();
      }
    }
  }
}

// Hand-made files for each kind of corruption.
class LoadFileCorruptionTest : public ::testing::Test {
 protected:
  LoadFileCorruptionTest() : table_("t") { table_.AddColumn(Col("s", DataType::kText)); }

  static std::string U32(std::uint32_t v) {
    std::string b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return b;
  }
  static std::string U64(std::uint64_t v) { return U32(static_cast<std::uint32_t>(v)) + U32(static_cast<std::uint32_t>(v >> 32)); }
  static std::string ColumnRecord(std::uint32_t index, const std::string& name, DataType type) {
    return "C" + U32(index) + std::string{static_cast<char>(name.size()), '\0'} + name +
           std::string(1, static_cast<char>(type));
  }
  static std::string TextRow(std::uint32_t column, const std::string& s) { return "R" + U32(1) + U32(column) + U32(static_cast<std::uint32_t>(s.size())) + s; }

  Error ReadError(const std::string& bytes) {
    std::string path = dir_.path() + "/c.lf";
    WriteAll(path, bytes);
    std::vector<std::vector<ReadCell>> rows;
    Status s = ReadRows(path, table_, rows);
    INGESTD_CHECK(!s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kDataLoss);
    EXPECT_THAT(s.error().message(), HasSubstr(path));
    return s.error();
  }

  const std::string kMagic = "INGESTD-LF1\n";
  TempDir dir_;
  schema::TableSchema table_;
};

TEST_F(LoadFileCorruptionTest, ValidBaseline) {
  std::string path = dir_.path() + "/ok.lf";
  WriteAll(path, kMagic + ColumnRecord(0, "s", DataType::kText) + TextRow(0, "hi") + "E" + U64(1));
  std::vector<std::vector<ReadCell>> rows;
  ASSERT_TRUE(ReadRows(path, table_, rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].text, "hi");
}

TEST_F(LoadFileCorruptionTest, BadMagic) {
  EXPECT_THAT(ReadError("INGESTD-LF2\n" + std::string("E") + U64(0)).message(), HasSubstr("magic"));
}

TEST_F(LoadFileCorruptionTest, UnknownTag) {
  EXPECT_THAT(ReadError(kMagic + "X" + U64(0)).message(), HasSubstr("byte offset 12: unknown record tag"));
}

TEST_F(LoadFileCorruptionTest, UndefinedColumn) {
  EXPECT_THAT(ReadError(kMagic + TextRow(0, "hi") + "E" + U64(1)).message(), HasSubstr("not defined"));
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", DataType::kText) + TextRow(1, "hi") + "E" + U64(1)).message(),
              HasSubstr("not defined"));
}

TEST_F(LoadFileCorruptionTest, ColumnOutOfOrderOrTwice) {
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(1, "s", DataType::kText) + "E" + U64(0)).message(),
              HasSubstr("expected 0"));
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", DataType::kText) + ColumnRecord(1, "s", DataType::kText) +
                        "E" + U64(0))
                  .message(),
              HasSubstr("twice"));
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", static_cast<DataType>(99)) + "E" + U64(0)).message(),
              HasSubstr("unknown data type"));
}

TEST_F(LoadFileCorruptionTest, LengthBeyondFile) {
  std::string row = "R" + U32(1) + U32(0) + U32(0x7fffffff) + "hi";
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", DataType::kText) + row + "E" + U64(1)).message(),
              HasSubstr("beyond the end"));
  std::string many_cells = "R" + U32(0xffffffff);
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", DataType::kText) + many_cells + "E" + U64(1)).message(),
              HasSubstr("beyond the end"));
}

TEST_F(LoadFileCorruptionTest, MissingEndRecord) {
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", DataType::kText) + TextRow(0, "hi")).message(),
              HasSubstr("missing end record"));
}

TEST_F(LoadFileCorruptionTest, RowCountMismatch) {
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", DataType::kText) + TextRow(0, "hi") + "E" + U64(2)).message(),
              HasSubstr("counts 2 rows"));
}

TEST_F(LoadFileCorruptionTest, DataAfterEnd) {
  EXPECT_THAT(ReadError(kMagic + "E" + U64(0) + "R").message(), HasSubstr("after the end record"));
}

TEST_F(LoadFileCorruptionTest, DuplicateCellAndBadBool) {
  std::string twice = "R" + U32(2) + U32(0) + U32(1) + "a" + U32(0) + U32(1) + "b";
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "s", DataType::kText) + twice + "E" + U64(1)).message(),
              HasSubstr("two cells"));
  table_.AddColumn(Col("b", DataType::kBool));
  std::string bad_bool = "R" + U32(1) + U32(0) + std::string(1, '\x02');
  EXPECT_THAT(ReadError(kMagic + ColumnRecord(0, "b", DataType::kBool) + bad_bool + "E" + U64(1)).message(),
              HasSubstr("bool"));
}

TEST_F(LoadFileCorruptionTest, ErrorIsSticky) {
  std::string path = dir_.path() + "/sticky.lf";
  WriteAll(path, kMagic + "X");
  auto reader = LoadFileReader::Open(path, table_);
  ASSERT_TRUE(reader.ok());
  std::span<const normalize::Cell> row;
  EXPECT_FALSE(reader->Next(row).ok());
  EXPECT_FALSE(reader->Next(row).ok());
}

TEST(LoadFileTest, OpenMissingFileIsNotFound) {
  auto reader = LoadFileReader::Open("/nonexistent/ingestd/x.lf", schema::TableSchema("t"));
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ingestd::package
