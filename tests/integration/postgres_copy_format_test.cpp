// COPY text and binary store identical values: every data type, edge values
// and NULLs are loaded through both formats and compared as SELECT ...::text.
// Also: the per-type measurement behind the format choice (disabled; run
// with --gtest_also_run_disabled_tests, see docs/destinations.md).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/destinations/postgres/pg_connection.hpp"
#include "core/destinations/postgres/pg_copy_binary.hpp"
#include "core/destinations/postgres/pg_copy_text.hpp"
#include "core/destinations/postgres/postgres_destination.hpp"
#include "core/package/load_file.hpp"
#include "core/schema/schema.hpp"
#include "tests/support/postgres_fixture.hpp"

namespace ingestd::destinations::postgres {
namespace {

namespace fs = std::filesystem;
using schema::DataType;
using schema::Value;
using ::testing::HasSubstr;
using Format = PostgresConfig::CopyFormatChoice;
using Rows = std::vector<std::vector<std::string>>;

class PostgresCopyFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> dsn = ingestd::testing::TestPostgresDsn();
    ASSERT_TRUE(dsn.ok()) << dsn.error().ToString();
    dsn_ = *dsn;
    Result<PgConnection> conn = PgConnection::Connect(dsn_);
    ASSERT_TRUE(conn.ok()) << conn.error().ToString();
    conn_.emplace(std::move(conn).value());
    // Output independent of the server's settings.
    ASSERT_TRUE(conn_->Exec("SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET DateStyle = 'ISO, YMD'").ok());
    dir_ = fs::temp_directory_path() / ("ingestd-copyfmt-" + ingestd::testing::FreshDatasetName("d"));
    fs::create_directories(dir_);
    schema_ = schema::Schema::CreateDefault("copyfmt");
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void AddTable(const std::string& name, const std::vector<schema::ColumnSchema>& columns) {
    schema::TableSchema t(name);
    for (const schema::ColumnSchema& c : columns) t.AddColumn(c);
    schema_.AddTable(t);
    schema_.BumpVersion();
  }

  // Loads `rows` into `table` of a fresh dataset with the given format;
  // returns the dataset name, or the load's error.
  Result<std::string> LoadWith(Format format, const std::string& table, const normalize::TableRows& rows) {
    const std::string dataset = ingestd::testing::FreshDatasetName(format == Format::kText ? "copytext" : "copybin");
    PostgresConfig config{dsn_, dataset, ""};
    config.copy_format = format;
    INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<Destination> dest, OpenPostgres(config));
    const std::string path = (dir_ / (dataset + ".lf")).string();
    {
      INGESTD_ASSIGN_OR_RETURN(package::LoadFileWriter writer, package::LoadFileWriter::Create(path));
      INGESTD_TRY(writer.Append(rows, *schema_.FindTable(table)));
      INGESTD_TRY(writer.Finish());
    }
    LoadRequest request;
    request.load_id = "copyfmt.1";
    request.schema = &schema_;
    request.tables = {TableLoad{table, {path}}};
    INGESTD_ASSIGN_OR_RETURN(LoadResult loaded, dest->Load(request, std::stop_token{}));
    (void)loaded;
    return dataset;
  }

  Rows Query(const std::string& sql) {
    Rows out;
    Result<PgResult> r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return out;
    for (int i = 0; i < r->row_count(); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < r->column_count(); ++j) {
        row.push_back(r->IsNull(i, j) ? std::string("<null>") : std::string(r->Value(i, j)));
      }
      out.push_back(std::move(row));
    }
    return out;
  }

  std::string dsn_;
  std::optional<PgConnection> conn_;
  fs::path dir_;
  schema::Schema schema_;
};

schema::ColumnSchema Column(std::string name, DataType type, std::optional<int> precision = std::nullopt,
                            std::optional<int> scale = std::nullopt) {
  schema::ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  c.precision = precision;
  c.scale = scale;
  return c;
}

TEST_F(PostgresCopyFormatTest, EveryTypeStoresTheSameValuesInTextAndBinary) {
  schema::ColumnSchema naive = Column("naive", DataType::kTimestamp);
  naive.timezone = false;
  AddTable("typed", {Column("id", DataType::kBigint), Column("t", DataType::kText),
                     Column("d", DataType::kDouble), Column("f", DataType::kBool),
                     Column("ts", DataType::kTimestamp), Column("dt", DataType::kDate),
                     Column("tm", DataType::kTime), Column("dec", DataType::kDecimal),
                     Column("wei", DataType::kWei), Column("j", DataType::kJson),
                     Column("bin", DataType::kBinary), naive,
                     Column("short", DataType::kText, 5), Column("money", DataType::kDecimal, 10, 2),
                     Column("n", DataType::kBigint)});

  const std::string text = "tab\there\\back\nnew\rcr \xC3\xA4 \\N";
  const std::string bytes("\x00\x01\\\xff", 4);
  const std::string wei_tiny = "0." + std::string(77, '0') + "1";
  const std::string wei_big = "578960446186580977117854925043439539266" + std::string(38, '0');
  const std::string wei_negative_tiny = "-" + wei_tiny;
  const std::string wei_power = "1" + std::string(60, '0');  // Values only view their text
  const double kInf = std::numeric_limits<double>::infinity();
  auto cell = [](std::uint32_t column, Value v) { return normalize::Cell{column, v}; };
  const std::vector<std::vector<normalize::Cell>> table_rows = {
      // 1: ordinary values, ones COPY text must escape
      {cell(0, Value::Bigint(1)), cell(1, Value::Text(DataType::kText, text)), cell(2, Value::Double(0.1)),
       cell(3, Value::Bool(true)), cell(4, Value::Timestamp(1700000000123456)), cell(5, Value::Date(19675)),
       cell(6, Value::Time(45296789012)), cell(7, Value::Text(DataType::kDecimal, "-12.340")),
       cell(8, Value::Text(DataType::kWei, "123456789012345678901234567890")),
       cell(9, Value::Text(DataType::kJson, R"({"a":"x\ty","b":[1,2],"c":"\u00e4"})")),
       cell(10, Value::Text(DataType::kBinary, bytes)), cell(11, Value::Timestamp(1700000000123456)),
       cell(12, Value::Text(DataType::kText, "abc")), cell(13, Value::Text(DataType::kDecimal, "1.005")),
       cell(14, Value::Bigint(-2))},
      // 2: NULL everywhere but the id
      {cell(0, Value::Bigint(2))},
      // 3: before 2000, negative, empty
      {cell(0, Value::Bigint(3)), cell(1, Value::Text(DataType::kText, "")), cell(2, Value::Double(-0.0)),
       cell(3, Value::Bool(false)), cell(4, Value::Timestamp(-1)), cell(5, Value::Date(-719528)),
       cell(6, Value::Time(0)), cell(7, Value::Text(DataType::kDecimal, "-0.5")),
       cell(8, Value::Text(DataType::kWei, wei_negative_tiny)), cell(9, Value::Text(DataType::kJson, "null")),
       cell(10, Value::Text(DataType::kBinary, "")), cell(11, Value::Timestamp(-2208988800000001)),
       cell(12, Value::Text(DataType::kText, "\xC3\xA4\xC3\xA4")),
       cell(13, Value::Text(DataType::kDecimal, "-0.004")), cell(14, Value::Bigint(0))},
      // 4: far future, limits, rounding at the column's scale
      {cell(0, Value::Bigint(4)), cell(2, Value::Double(kInf)), cell(4, Value::Timestamp(253402300799999999)),
       cell(5, Value::Date(2932896)), cell(6, Value::Time(86400000000)),
       cell(7, Value::Text(DataType::kDecimal, "12345678901234567890.123")),
       cell(8, Value::Text(DataType::kWei, wei_big)), cell(9, Value::Text(DataType::kJson, R"([1.50,"\n",{}])")),
       cell(11, Value::Timestamp(946684800000000)), cell(13, Value::Text(DataType::kDecimal, "99999999.994")),
       cell(14, Value::Bigint(std::numeric_limits<std::int64_t>::max()))},
      // 5: more numeric and double edges
      {cell(0, Value::Bigint(5)), cell(2, Value::Double(std::numeric_limits<double>::quiet_NaN())),
       cell(7, Value::Text(DataType::kDecimal, "0.0000000005")), cell(8, Value::Text(DataType::kWei, "0")),
       cell(13, Value::Text(DataType::kDecimal, "0")),
       cell(14, Value::Bigint(std::numeric_limits<std::int64_t>::min()))},
      // 6: and more
      {cell(0, Value::Bigint(6)), cell(2, Value::Double(-kInf)),
       cell(7, Value::Text(DataType::kDecimal, "0.0000000004")),
       cell(8, Value::Text(DataType::kWei, wei_power)),
       cell(13, Value::Text(DataType::kDecimal, "-99999999.99"))},
  };
  normalize::TableRows rows;
  rows.table = "typed";
  for (const auto& row : table_rows) {
    rows.cells.insert(rows.cells.end(), row.begin(), row.end());
    rows.row_ends.push_back(static_cast<std::uint32_t>(rows.cells.size()));
  }

  Result<std::string> text_ds = LoadWith(Format::kText, "typed", rows);
  ASSERT_TRUE(text_ds.ok()) << text_ds.error().ToString();
  Result<std::string> binary_ds = LoadWith(Format::kBinary, "typed", rows);
  ASSERT_TRUE(binary_ds.ok()) << binary_ds.error().ToString();
  Result<std::string> auto_ds = LoadWith(Format::kAuto, "typed", rows);
  ASSERT_TRUE(auto_ds.ok()) << auto_ds.error().ToString();

  auto select = [&](const std::string& dataset) {
    return Query("SELECT id::text, t::text, d::text, f::text, ts::text, dt::text, tm::text, dec::text, wei::text, "
                 "j::text, encode(bin, 'hex'), naive::text, short::text, money::text, "
                 "scale(dec)::text, scale(wei)::text, scale(money)::text, n::text FROM " + QualifiedName(dataset, "typed") + " ORDER BY id");
  };
  const Rows from_text = select(*text_ds);
  ASSERT_EQ(from_text.size(), 6u);
  EXPECT_EQ(select(*binary_ds), from_text);
  EXPECT_EQ(select(*auto_ds), from_text);

  // And the values are the intended ones (both formats could be wrong alike).
  EXPECT_EQ(from_text[0], (std::vector<std::string>{
                              "1", text, "0.1", "true", "2023-11-14 22:13:20.123456+00", "2023-11-14",
                              "12:34:56.789012", "-12.340000000",
                              "123456789012345678901234567890." + std::string(78, '0'),
                              R"({"a": "x\ty", "b": [1, 2], "c": "ä"})", "00015cff", "2023-11-14 22:13:20.123456",
                              "abc", "1.01", "9", "78", "2", "-2"}));
  EXPECT_EQ(from_text[1][1], "<null>");
  EXPECT_EQ(from_text[1][13], "<null>");
  EXPECT_EQ(from_text[2], (std::vector<std::string>{
                              "3", "", "-0", "false", "1969-12-31 23:59:59.999999+00", "0001-01-01 BC", "00:00:00",
                              "-0.500000000", "-" + wei_tiny, "null", "", "1899-12-31 23:59:59.999999",
                              "\xC3\xA4\xC3\xA4", "0.00", "9", "78", "2", "0"}));
  EXPECT_EQ(from_text[3][4], "9999-12-31 23:59:59.999999+00");
  EXPECT_EQ(from_text[3][5], "9999-12-31");
  EXPECT_EQ(from_text[3][6], "24:00:00");
  EXPECT_EQ(from_text[3][7], "12345678901234567890.123000000");
  EXPECT_EQ(from_text[3][8], wei_big + "." + std::string(78, '0'));
  EXPECT_EQ(from_text[3][9], R"([1.50, "\n", {}])");
  EXPECT_EQ(from_text[3][11], "2000-01-01 00:00:00");
  EXPECT_EQ(from_text[3][13], "99999999.99");
  EXPECT_EQ(from_text[3][2], "Infinity");
  EXPECT_EQ(from_text[3][17], "9223372036854775807");
  EXPECT_EQ(from_text[4][17], "-9223372036854775808");
  EXPECT_EQ(from_text[5][2], "-Infinity");
  EXPECT_EQ(from_text[5][13], "-99999999.99");
  EXPECT_EQ(from_text[4][2], "NaN");
  EXPECT_EQ(from_text[4][7], "0.000000001");  // rounded half away from zero at scale 9
  EXPECT_EQ(from_text[4][8], "0." + std::string(78, '0'));
  EXPECT_EQ(from_text[5][7], "0.000000000");
}

TEST_F(PostgresCopyFormatTest, ValuesTheColumnRefusesFailAlikeInBothFormats) {
  // Too long for varchar(3), too big for numeric(4,2), not a number: the
  // server (or the binary encoder, for the last) refuses them in either
  // format with the same SQLSTATE, naming table, line and column.
  struct Case {
    DataType type;
    std::optional<int> precision, scale;
    std::string value;
    std::string sqlstate;
  };
  const std::vector<Case> cases = {
      {DataType::kText, 3, std::nullopt, "abcd", "SQLSTATE 22001"},
      {DataType::kDecimal, 4, 2, "123.4", "SQLSTATE 22003"},
      {DataType::kDecimal, std::nullopt, std::nullopt, "not-a-number", "SQLSTATE 22P02"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string table = "refused" + std::to_string(++n);
    AddTable(table, {Column("v", c.type, c.precision, c.scale)});
    normalize::TableRows rows;
    rows.table = table;
    rows.cells = {normalize::Cell{0, Value::Text(c.type, c.type == DataType::kText ? "ok" : "1")},
                  normalize::Cell{0, Value::Text(c.type, c.value)}};
    rows.row_ends = {1, 2};
    for (Format format : {Format::kText, Format::kBinary}) {
      Result<std::string> r = LoadWith(format, table, rows);
      ASSERT_FALSE(r.ok()) << c.value;
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
      EXPECT_THAT(r.error().message(), HasSubstr("table " + table));
      EXPECT_THAT(r.error().message(), HasSubstr("line 2, column v"));
      EXPECT_THAT(r.error().message(), HasSubstr(c.sqlstate));
    }
  }
}

TEST_F(PostgresCopyFormatTest, EmptyLoadFileAndManyChunksWorkInBinary) {
  AddTable("many", {Column("id", DataType::kBigint), Column("s", DataType::kText)});
  normalize::TableRows empty;
  empty.table = "many";
  Result<std::string> none = LoadWith(Format::kBinary, "many", empty);
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM " + QualifiedName(*none, "many")), (Rows{{"0"}}));

  // About 5 MB: several 1 MiB chunks, rows cut at chunk ends.
  normalize::TableRows rows;
  rows.table = "many";
  const std::string s(100, 'x');
  constexpr int kRows = 50000;
  for (int i = 0; i < kRows; ++i) {
    rows.cells.push_back(normalize::Cell{0, Value::Bigint(i)});
    rows.cells.push_back(normalize::Cell{1, Value::Text(DataType::kText, s)});
    rows.row_ends.push_back(rows.cells.size());
  }
  Result<std::string> loaded = LoadWith(Format::kBinary, "many", rows);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(Query("SELECT count(*), sum(id), min(length(s)) FROM " + QualifiedName(*loaded, "many")),
            (Rows{{std::to_string(kRows), std::to_string(std::int64_t{kRows} * (kRows - 1) / 2), "100"}}));
}

// ---------------------------------------------------------------------------
// The measurement behind ChooseCopyFormat(): per type, the PostgreSQL
// backend's CPU seconds (utime + stime from /proc/<pid>/stat: the fixture's
// server runs on this machine) to COPY the same rows as text and as binary,
// and the client's encoding seconds. Median of 3.

double BackendCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
  if (fields.size() < 13) return 0;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

TEST_F(PostgresCopyFormatTest, DISABLED_MeasureBackendCpuPerType) {
  constexpr int kRows = 300000;
  constexpr int kColumns = 4;
  constexpr int kRepeats = 3;
  Result<PgResult> pid_result = conn_->Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid_result.ok());
  const int pid = std::stoi(std::string(pid_result->Value(0, 0)));
  struct Kind {
    DataType type;
    const char* pg_type;
  };
  const std::vector<Kind> kinds = {
      {DataType::kBigint, "bigint"},      {DataType::kDouble, "double precision"},
      {DataType::kBool, "boolean"},       {DataType::kTimestamp, "timestamp with time zone"},
      {DataType::kDate, "date"},          {DataType::kTime, "time without time zone"},
      {DataType::kText, "character varying"}, {DataType::kJson, "jsonb"},
      {DataType::kBinary, "bytea"},       {DataType::kDecimal, "numeric(38,9)"},
      {DataType::kWei, "numeric(156,78)"},
  };
  std::printf("%-10s %13s %13s %6s %13s %13s\n", "type", "text_backend", "binary_backend", "ratio", "text_encode",
              "binary_encode");
  for (const Kind& kind : kinds) {
    std::mt19937_64 rng(42);
    std::vector<std::string> storage;
    storage.reserve(kRows * kColumns);
    std::vector<Value> values;
    for (int i = 0; i < kRows * kColumns; ++i) {
      switch (kind.type) {
        case DataType::kBigint: values.push_back(Value::Bigint(static_cast<std::int64_t>(rng() % 10'000'000'000ULL))); break;
        case DataType::kDouble: values.push_back(Value::Double(static_cast<double>(rng() % 1'000'000) / 37.0)); break;
        case DataType::kBool: values.push_back(Value::Bool((rng() & 1) != 0)); break;
        case DataType::kTimestamp:
          values.push_back(Value::Timestamp(1'200'000'000'000'000LL + static_cast<std::int64_t>(rng() % 600'000'000'000'000ULL)));
          break;
        case DataType::kDate: values.push_back(Value::Date(static_cast<std::int64_t>(rng() % 20'000))); break;
        case DataType::kTime: values.push_back(Value::Time(static_cast<std::int64_t>(rng() % 86'400'000'000ULL))); break;
        case DataType::kText:
          storage.push_back("some issue title words " + std::to_string(rng() % 100'000));
          values.push_back(Value::Text(kind.type, storage.back()));
          break;
        case DataType::kJson:
          storage.push_back(R"({"label":"bug","id":)" + std::to_string(rng() % 100'000) + R"(,"tags":[1,2,3]})");
          values.push_back(Value::Text(kind.type, storage.back()));
          break;
        case DataType::kBinary: {
          std::string b(16, '\0');
          for (char& ch : b) ch = static_cast<char>(rng());
          storage.push_back(std::move(b));
          values.push_back(Value::Text(kind.type, storage.back()));
          break;
        }
        case DataType::kDecimal: {
          const std::uint64_t v = rng() % 100'000'000'000ULL;
          storage.push_back(std::to_string(v / 1000) + "." + std::to_string(100 + v % 900) + "000000");
          values.push_back(Value::Text(kind.type, storage.back()));
          break;
        }
        case DataType::kWei:
          storage.push_back(std::to_string(rng()) + std::to_string(rng() % 1'000'000'000));
          values.push_back(Value::Text(kind.type, storage.back()));
          break;
      }
    }
    std::vector<double> backend[2];
    std::vector<double> encode[2];
    for (int repeat = 0; repeat < kRepeats; ++repeat) {
      for (int format = 0; format < 2; ++format) {
        const bool binary = format == 1;
        ASSERT_TRUE(conn_->Exec("BEGIN").ok());
        std::string columns;
        for (int c = 0; c < kColumns; ++c) {
          columns += (c > 0 ? ", c" : "c") + std::to_string(c) + " " + kind.pg_type;
        }
        ASSERT_TRUE(conn_->Exec("CREATE TEMP TABLE measured (" + columns + ")").ok());
        int row = 0;
        double encode_seconds = 0;
        bool trailer = false;
        auto source = [&](std::string& chunk) -> Result<bool> {
          chunk.clear();
          const auto start = std::chrono::steady_clock::now();
          if (binary && row == 0) AppendBinaryCopyHeader(chunk);
          for (; row < kRows && chunk.size() < (1u << 20); ++row) {
            if (binary) {
              AppendBinaryRowStart(chunk, kColumns);
              for (int c = 0; c < kColumns; ++c) INGESTD_TRY(AppendBinaryCopyValue(chunk, values[row * kColumns + c]));
            } else {
              for (int c = 0; c < kColumns; ++c) {
                if (c > 0) chunk.push_back('\t');
                AppendTextCopyValue(chunk, values[row * kColumns + c]);
              }
              chunk.push_back('\n');
            }
          }
          if (binary && row == kRows && !trailer) {
            AppendBinaryCopyTrailer(chunk);
            trailer = true;
          }
          encode_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          return !chunk.empty();
        };
        const double before = BackendCpuSeconds(pid);
        Result<std::uint64_t> copied =
            conn_->CopyIn(std::string("COPY measured FROM STDIN") + (binary ? " WITH (FORMAT binary)" : ""), source);
        ASSERT_TRUE(copied.ok()) << copied.error().ToString();
        backend[format].push_back(BackendCpuSeconds(pid) - before);
        encode[format].push_back(encode_seconds);
        ASSERT_TRUE(conn_->Exec("ROLLBACK").ok());
      }
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("%-10s %13.2f %13.2f %6.2f %13.3f %13.3f\n", std::string(schema::DataTypeName(kind.type)).c_str(),
                median(backend[0]), median(backend[1]), median(backend[1]) / std::max(median(backend[0]), 1e-9),
                median(encode[0]), median(encode[1]));
  }
}

}  // namespace
}  // namespace ingestd::destinations::postgres
