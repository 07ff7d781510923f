// ingestd_limit_kernel: the floor of a JSON Lines → PostgreSQL load.
//
// It does what every implementation has to do and nothing else: read the
// file, parse each record (RapidJSON SAX, the project's flags), flatten it
// into rows (nested objects → `a__b` columns of the same row, lists → child
// tables `<parent>__<field>` with `_dlt_parent_id` and `_dlt_list_idx`,
// lists of scalars → a `value` column) and stream the rows with COPY FROM
// STDIN. No schema logic: no naming convention (keys are quoted as they are),
// no type inference beyond the first value, no evolution, no contracts, no
// UTF-8 validation (PostgreSQL validates), no SHAKE128 row ids (a counter),
// no load files, no state. See docs/benchmarks.md, "The limit kernel".
//
//   ingestd_limit_kernel FILE.jsonl [--mode parse|flatten|copy] [--format text|binary]
//       [--dsn DSN] [--schema NAME] [--table NAME] [--prescan N] [--unique-ids]
//
// Columns per table are fixed by a pre-scan of the first N records (union of
// keys with a non-null value; the column type comes from the first value seen:
// integer → bigint, other number → double precision, bool → boolean, an
// ISO-8601 date-time string → timestamptz, anything else → text). After the
// pre-scan, values of unseen keys or tables are dropped and counted
// (`dropped=`), values that do not fit their column's type become NULL and are
// counted (`mismatched=`). The pre-scan parses those N records a second time
// and is included in the time.
//
// Prints one line: kernel mode=copy bytes=N records=N rows=N seconds=S mb_per_s=X ...

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <libpq-fe.h>

#include "core/json/rapidjson.hpp"

namespace {

[[noreturn]] void Fail(const std::string& message) { throw std::runtime_error(message); }

struct PgConnDeleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// One libpq connection; every PQ* call of the kernel goes through it.
class PgConnection {
 public:
  static PgConnection Connect(const std::string& dsn) {
    PgConnPtr conn(PQconnectdb(dsn.c_str()));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
      Fail(std::string("connect: ") + (conn ? PQerrorMessage(conn.get()) : "out of memory"));
    }
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);  // "schema does not exist, skipping"
    return PgConnection(std::move(conn));
  }

  void Exec(const std::string& sql) {
    PgResultPtr result(PQexec(conn_.get(), sql.c_str()));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      Fail(sql.substr(0, 80) + ": " + PQerrorMessage(conn_.get()));
    }
  }

  void BeginCopy(const std::string& sql) {
    PgResultPtr result(PQexec(conn_.get(), sql.c_str()));
    if (PQresultStatus(result.get()) != PGRES_COPY_IN) Fail(sql.substr(0, 80) + ": " + PQerrorMessage(conn_.get()));
  }

  void PutCopyData(std::string_view data) {
    if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
      Fail(std::string("COPY data: ") + PQerrorMessage(conn_.get()));
    }
  }

  void EndCopy() {
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) Fail(std::string("COPY end: ") + PQerrorMessage(conn_.get()));
    PgResultPtr result(PQgetResult(conn_.get()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) Fail(std::string("COPY: ") + PQerrorMessage(conn_.get()));
    while (PgResultPtr more{PQgetResult(conn_.get())}) {
    }
  }

 private:
  explicit PgConnection(PgConnPtr conn) : conn_(std::move(conn)) {}
  PgConnPtr conn_;
};

std::string QuoteIdent(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) quoted += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

enum class ColumnType { kText, kBigint, kDouble, kBool, kTimestamptz };

const char* SqlType(ColumnType type) {
  switch (type) {
    case ColumnType::kText: return "text";
    case ColumnType::kBigint: return "bigint";
    case ColumnType::kDouble: return "double precision";
    case ColumnType::kBool: return "boolean";
    case ColumnType::kTimestamptz: return "timestamptz";
  }
  return "text";
}

// YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM) → microseconds since 2000-01-01 UTC
// (PostgreSQL's binary timestamptz). False when `s` has another shape.
bool ParseTimestamp(std::string_view s, int64_t* micros_since_2000) {
  auto digits = [&](std::size_t at, std::size_t n, int* out) {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !digits(0, 4, &y) || s[4] != '-' || !digits(5, 2, &mo) || s[7] != '-' ||
      !digits(8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !digits(11, 2, &h) || s[13] != ':' ||
      !digits(14, 2, &mi) || s[16] != ':' || !digits(17, 2, &sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::size_t at = 19;
  int64_t fraction = 0;
  if (at < s.size() && s[at] == '.') {
    int64_t scale = 100000;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, scale /= 10) fraction += (s[at] - '0') * scale;
  }
  int64_t offset_s = 0;
  if (at + 1 == s.size() && s[at] == 'Z') {
  } else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    int oh, om;
    if (!digits(at + 1, 2, &oh) || !digits(at + 4, 2, &om)) return false;
    offset_s = (s[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  // Days from civil (Howard Hinnant's algorithm), relative to 2000-01-01.
  const int yy = y - (mo <= 2);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(yy - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(mo + (mo > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468 - 10957;
  const int64_t seconds = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  *micros_since_2000 = seconds * 1000000 + fraction;
  return true;
}

bool IsInteger(std::string_view raw) {
  std::size_t digits = raw.size() - (!raw.empty() && raw[0] == '-');
  return digits <= 18 && raw.find_first_of(".eE") == std::string_view::npos;
}

enum class CellKind : uint8_t { kString, kNumber, kTrue, kFalse };

struct Cell {
  const char* data = nullptr;  // in the parser's in-situ buffer: valid until the record is done
  uint32_t size = 0;
  uint32_t generation = 0;  // set in the open row iff == Table::generation
  CellKind kind = CellKind::kString;
};

struct Column {
  std::string name;
  ColumnType type;
};

// A table and its one open row (a row of a table never contains a row of the
// same table: child tables have longer names), plus its COPY stream.
struct Table {
  std::string name;
  bool is_root = false;
  std::vector<Column> columns;
  std::unordered_map<std::string, std::size_t> column_index;
  std::vector<Cell> cells;
  uint32_t generation = 0;
  std::string path;  // key prefix inside the open row ("user__")
  char row_id[14];
  char parent_id[14];
  uint64_t list_idx = 0;
  std::string out;  // encoded rows not yet sent
  uint64_t rows = 0;
  PgConnection* pg = nullptr;
};

enum class Mode { kParse, kFlatten, kCopy };
enum class Format { kText, kBinary };

class Flattener {
 public:
  using Ch = char;

  Flattener(std::string root_table, Format format, std::string load_id)
      : root_name_(std::move(root_table)), format_(format), load_id_(std::move(load_id)) {}

  void set_learning(bool learning) { learning_ = learning; }
  // Called with a table whose encoded rows reached kFlushBytes (and once per table at the end).
  void set_flush(std::function<void(Table&)> flush) { flush_ = std::move(flush); }
  void Flush(Table& t) { flush_(t); }
  std::vector<std::unique_ptr<Table>>& tables() { return tables_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t mismatched() const { return mismatched_; }
  uint64_t rows() const { return rows_; }

  // SAX handler (kParseNumbersAsStringsFlag: numbers arrive through RawNumber).
  bool Null() { return Scalar(nullptr, 0, CellKind::kString, true); }
  bool Bool(bool b) { return Scalar(nullptr, 0, b ? CellKind::kTrue : CellKind::kFalse, false); }
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return Scalar(s, n, CellKind::kNumber, false); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return Scalar(s, n, CellKind::kString, false); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key_ = std::string_view(s, n);
    return true;
  }
  bool StartObject() {
    if (skip_depth_ > 0) return ++skip_depth_, true;
    if (frames_.empty()) {  // a record
      BeginRow(*RootTable(), nullptr, 0);
      frames_.push_back({Frame::kRow, root_, 0});
    } else if (frames_.back().kind == Frame::kList) {
      Table& child = *tables_[frames_.back().table];
      BeginRow(child, parent_of_list_.back(), child.list_idx++);
      frames_.push_back({Frame::kRow, frames_.back().table, 0});
    } else {
      Table& t = *tables_[frames_.back().table];
      frames_.push_back({Frame::kObject, frames_.back().table, t.path.size()});
      t.path.append(key_).append("__");
    }
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    if (skip_depth_ > 0) return --skip_depth_, true;
    Frame f = frames_.back();
    frames_.pop_back();
    Table& t = *tables_[f.table];
    if (f.kind == Frame::kRow) {
      EndRow(t);
    } else {
      t.path.resize(f.path_size);
    }
    return true;
  }
  bool StartArray() {
    if (skip_depth_ > 0) return ++skip_depth_, true;
    if (frames_.empty() || frames_.back().kind == Frame::kList) {  // a list in a list, a list as record
      skip_depth_ = 1;
      ++dropped_;
      return true;
    }
    Table& parent = *tables_[frames_.back().table];
    scratch_.assign(parent.name).append("__").append(parent.path).append(key_);
    auto it = table_index_.find(scratch_);
    std::size_t child;
    if (it != table_index_.end()) {
      child = it->second;
    } else if (learning_) {
      child = AddTable(scratch_, false);
    } else {
      skip_depth_ = 1;
      ++dropped_;
      return true;
    }
    tables_[child]->list_idx = 0;
    parent_of_list_.push_back(parent.row_id);
    frames_.push_back({Frame::kList, child, 0});
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    if (skip_depth_ > 0) return --skip_depth_, true;
    frames_.pop_back();
    parent_of_list_.pop_back();
    return true;
  }

  void AfterRecord() {
    if (!frames_.empty() || skip_depth_ != 0) Fail("internal: unbalanced record");
  }

 private:
  struct Frame {
    enum Kind { kRow, kObject, kList } kind;
    std::size_t table;
    std::size_t path_size;
  };

  Table* RootTable() {
    if (tables_.empty()) root_ = AddTable(root_name_, true);
    return tables_[root_].get();
  }

  std::size_t AddTable(const std::string& name, bool is_root) {
    auto table = std::make_unique<Table>();
    table->name = name;
    table->is_root = is_root;
    tables_.push_back(std::move(table));
    table_index_.emplace(name, tables_.size() - 1);
    return tables_.size() - 1;
  }

  void NextId(char* id) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t v = ++next_id_;
    for (int i = 13; i >= 0; --i, v >>= 6) id[i] = kAlphabet[v & 63];
  }

  void BeginRow(Table& t, const char* parent_id, uint64_t list_idx) {
    ++t.generation;
    t.path.clear();
    if (t.cells.size() < t.columns.size()) t.cells.resize(t.columns.size());
    if (learning_) return;
    NextId(t.row_id);
    if (parent_id != nullptr) std::memcpy(t.parent_id, parent_id, 14);
    t.list_idx = list_idx;
  }

  bool Scalar(const char* s, std::size_t n, CellKind kind, bool is_null) {
    if (skip_depth_ > 0) {
      dropped_ += !is_null;
      return true;
    }
    if (frames_.empty()) return false;  // a record that is a bare scalar
    Frame& f = frames_.back();
    Table& t = *tables_[f.table];
    if (f.kind == Frame::kList) {  // a list of scalars: one row per element, in `value`
      BeginRow(t, parent_of_list_.back(), t.list_idx++);
      SetCell(t, "value", s, n, kind, is_null);
      EndRow(t);
      return true;
    }
    scratch_.assign(t.path).append(key_);
    SetCell(t, scratch_, s, n, kind, is_null);
    return true;
  }

  void SetCell(Table& t, const std::string& column, const char* s, std::size_t n, CellKind kind, bool is_null) {
    auto it = t.column_index.find(column);
    if (it == t.column_index.end()) {
      if (is_null) return;
      if (!learning_) {
        ++dropped_;
        return;
      }
      ColumnType type = ColumnType::kText;
      int64_t ignored;
      if (kind == CellKind::kNumber) {
        type = IsInteger({s, n}) ? ColumnType::kBigint : ColumnType::kDouble;
      } else if (kind != CellKind::kString) {
        type = ColumnType::kBool;
      } else if (ParseTimestamp({s, n}, &ignored)) {
        type = ColumnType::kTimestamptz;
      }
      t.columns.push_back({column, type});
      it = t.column_index.emplace(column, t.columns.size() - 1).first;
      t.cells.resize(t.columns.size());
    }
    if (learning_ || is_null) return;
    Cell& cell = t.cells[it->second];
    cell = {s, static_cast<uint32_t>(n), t.generation, kind};
  }

  // --- encoding of one finished row into the table's COPY stream -----------
  void EndRow(Table& t) {
    if (learning_) return;
    ++t.rows;
    ++rows_;
    if (format_ == Format::kBinary) {
      const std::size_t fields = t.columns.size() + (t.is_root ? 2 : 3);
      PutBe(t.out, static_cast<uint16_t>(fields));
    }
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const Cell& cell = t.cells[i];
      if (cell.generation != t.generation || !EncodeValue(t.out, t.columns[i].type, cell)) PutNull(t.out);
      if (format_ == Format::kText) t.out += '\t';
    }
    // The system columns come last and never need escaping.
    if (t.is_root) {
      PutId(t.out, load_id_, '\t');
      PutId(t.out, {t.row_id, 14}, '\n');
    } else {
      PutId(t.out, {t.parent_id, 14}, '\t');
      if (format_ == Format::kText) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, t.list_idx);
        t.out.append(buf, r.ptr) += '\t';
      } else {
        PutBe(t.out, uint32_t{8});
        PutBe(t.out, t.list_idx);
      }
      PutId(t.out, {t.row_id, 14}, '\n');
    }
    if (t.out.size() >= kFlushBytes) flush_(t);
  }

  // False when the value does not fit the column's type (then it is NULL).
  bool EncodeValue(std::string& out, ColumnType type, const Cell& cell) {
    const std::string_view raw(cell.data, cell.size);
    const bool text = format_ == Format::kText;
    switch (type) {
      case ColumnType::kText:
        if (cell.kind == CellKind::kString) {
          if (text) return EscapeText(out, raw), true;
          return PutBinaryString(out, raw), true;
        }
        if (!text) PutBe(out, static_cast<uint32_t>(cell.kind == CellKind::kNumber ? raw.size() : cell.kind == CellKind::kTrue ? 4 : 5));
        out.append(cell.kind == CellKind::kNumber ? raw : cell.kind == CellKind::kTrue ? "true" : "false");
        return true;
      case ColumnType::kBigint:
        if (cell.kind != CellKind::kNumber || !IsInteger(raw)) return ++mismatched_, false;
        if (text) return out.append(raw), true;
        {
          int64_t v = 0;
          std::from_chars(raw.data(), raw.data() + raw.size(), v);
          PutBe(out, uint32_t{8});
          PutBe(out, static_cast<uint64_t>(v));
        }
        return true;
      case ColumnType::kDouble:
        if (cell.kind != CellKind::kNumber) return ++mismatched_, false;
        if (text) return out.append(raw), true;
        {
          double v = 0;
          if (std::from_chars(raw.data(), raw.data() + raw.size(), v).ec != std::errc()) return ++mismatched_, false;
          uint64_t bits;
          std::memcpy(&bits, &v, 8);
          PutBe(out, uint32_t{8});
          PutBe(out, bits);
        }
        return true;
      case ColumnType::kBool:
        if (cell.kind != CellKind::kTrue && cell.kind != CellKind::kFalse) return ++mismatched_, false;
        if (text) return out += (cell.kind == CellKind::kTrue ? 't' : 'f'), true;
        PutBe(out, uint32_t{1});
        out += static_cast<char>(cell.kind == CellKind::kTrue);
        return true;
      case ColumnType::kTimestamptz: {
        int64_t micros;
        if (cell.kind != CellKind::kString || !ParseTimestamp(raw, &micros)) return ++mismatched_, false;
        if (text) return out.append(raw), true;  // the pattern has no characters COPY text escapes
        PutBe(out, uint32_t{8});
        PutBe(out, static_cast<uint64_t>(micros));
        return true;
      }
    }
    return false;
  }

  // COPY text: backslash, tab, newline and CR are escaped; NUL cannot be stored in text and is left out.
  static void EscapeText(std::string& out, std::string_view s) {
    static constexpr auto kSpecial = [] {
      std::array<bool, 256> special{};
      for (unsigned char c : {'\\', '\t', '\n', '\r', '\0'}) special[c] = true;
      return special;
    }();
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (!kSpecial[static_cast<unsigned char>(c)]) continue;
      out.append(s.data() + start, i - start);
      start = i + 1;
      if (c == '\\') out += "\\\\";
      if (c == '\t') out += "\\t";
      if (c == '\n') out += "\\n";
      if (c == '\r') out += "\\r";
    }
    out.append(s.data() + start, s.size() - start);
  }

  static void PutBinaryString(std::string& out, std::string_view s) {
    if (s.find('\0') == std::string_view::npos) {
      PutBe(out, static_cast<uint32_t>(s.size()));
      out.append(s);
      return;
    }
    std::string clean;
    for (char c : s) {
      if (c != '\0') clean += c;
    }
    PutBinaryString(out, clean);
  }

  void PutId(std::string& out, std::string_view s, char text_terminator) {
    if (format_ == Format::kText) {
      out.append(s) += text_terminator;
    } else {
      PutBinaryString(out, s);
    }
  }

  void PutNull(std::string& out) {
    if (format_ == Format::kText) {
      out += "\\N";
    } else {
      PutBe(out, uint32_t{0xFFFFFFFF});
    }
  }

  template <class T>
  static void PutBe(std::string& out, T v) {
    char buf[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) buf[i] = static_cast<char>(v >> (8 * (sizeof(T) - 1 - i)));
    out.append(buf, sizeof(T));
  }

  static constexpr std::size_t kFlushBytes = 1 << 20;

  std::function<void(Table&)> flush_;
  std::string root_name_;
  Format format_;
  std::string load_id_;
  bool learning_ = true;
  std::vector<std::unique_ptr<Table>> tables_;
  std::unordered_map<std::string, std::size_t> table_index_;
  std::size_t root_ = 0;
  std::vector<Frame> frames_;
  std::vector<const char*> parent_of_list_;
  std::string_view key_;
  std::string scratch_;
  uint64_t skip_depth_ = 0;
  uint64_t next_id_ = 0;
  uint64_t dropped_ = 0;
  uint64_t mismatched_ = 0;
  uint64_t rows_ = 0;
};

constexpr unsigned kParseFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag;

// Calls `on_line(char* line)` for each non-empty line (NUL-terminated in place,
// so the parser can work in situ) until it returns false. Returns bytes read.
template <class OnLine>
uint64_t ForEachLine(const std::string& path, OnLine&& on_line) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) Fail(path + ": " + std::strerror(errno));
  std::vector<char> buf(8 << 20);
  std::size_t filled = 0;
  uint64_t total = 0;
  bool more = true;
  bool eof = false;
  while (more && !eof) {
    if (filled + 1 >= buf.size()) buf.resize(buf.size() * 2);  // a line longer than the buffer
    const ssize_t n = read(fd, buf.data() + filled, buf.size() - filled - 1);
    if (n < 0) {
      close(fd);
      Fail(path + ": read: " + std::strerror(errno));
    }
    eof = n == 0;
    total += static_cast<uint64_t>(n);
    filled += static_cast<std::size_t>(n);
    if (eof && filled > 0 && buf[filled - 1] != '\n') buf[filled++] = '\n';  // the last line has no newline
    std::size_t start = 0;
    for (char* nl; more && (nl = static_cast<char*>(std::memchr(buf.data() + start, '\n', filled - start)));) {
      *nl = '\0';
      const std::size_t end = static_cast<std::size_t>(nl - buf.data());
      if (end > start) more = on_line(buf.data() + start);
      start = end + 1;
    }
    std::memmove(buf.data(), buf.data() + start, filled - start);
    filled -= start;
  }
  close(fd);
  return total;
}

struct Options {
  std::string file;
  Mode mode = Mode::kCopy;
  Format format = Format::kText;
  std::string dsn;
  std::string schema = "ingestd_kernel";
  std::string table = "issues";
  uint64_t prescan = 10000;
  bool unique_ids = false;
  bool drop_existing = false;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  if (const char* env = std::getenv("INGESTD_BENCH_PG_DSN")) o.dsn = env;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--mode") {
      const std::string m = value();
      if (m == "parse") o.mode = Mode::kParse;
      else if (m == "flatten") o.mode = Mode::kFlatten;
      else if (m == "copy") o.mode = Mode::kCopy;
      else Fail("--mode: parse, flatten or copy, not " + m);
    } else if (arg == "--format") {
      const std::string f = value();
      if (f != "text" && f != "binary") Fail("--format: text or binary, not " + f);
      o.format = f == "text" ? Format::kText : Format::kBinary;
    } else if (arg == "--dsn") {
      o.dsn = value();
    } else if (arg == "--schema") {
      o.schema = value();
    } else if (arg == "--table") {
      o.table = value();
    } else if (arg == "--prescan") {
      o.prescan = std::stoull(value());
    } else if (arg == "--unique-ids") {
      o.unique_ids = true;
    } else if (arg == "--drop-existing") {
      o.drop_existing = true;
    } else if (!arg.empty() && arg[0] != '-' && o.file.empty()) {
      o.file = arg;
    } else {
      Fail("unknown argument " + arg +
           "\nusage: ingestd_limit_kernel FILE.jsonl [--mode parse|flatten|copy] [--format text|binary] [--dsn DSN]"
           " [--schema NAME] [--drop-existing] [--table NAME] [--prescan N] [--unique-ids]");
    }
  }
  if (o.file.empty()) Fail("no input file (usage: ingestd_limit_kernel FILE.jsonl [options])");
  return o;
}

void ParseRecord(rapidjson::Reader& reader, char* line, Flattener& handler, uint64_t record) {
  rapidjson::InsituStringStream stream(line);
  if (!reader.Parse<kParseFlags>(stream, handler)) {
    Fail("record " + std::to_string(record) + ": " + rapidjson::GetParseError_En(reader.GetParseErrorCode()) +
         " at offset " + std::to_string(reader.GetErrorOffset()));
  }
  handler.AfterRecord();
}

int Run(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  const std::string load_id = std::to_string(std::chrono::duration<double>(
      std::chrono::system_clock::now().time_since_epoch()).count());
  rapidjson::Reader reader;
  uint64_t records = 0;
  uint64_t bytes = 0;
  Flattener flattener(o.table, o.format, load_id);
  std::vector<PgConnection> connections;
  int devnull = -1;

  if (o.mode == Mode::kParse) {
    rapidjson::BaseReaderHandler<> nothing;
    bytes = ForEachLine(o.file, [&](char* line) {
      rapidjson::InsituStringStream stream(line);
      if (!reader.Parse<kParseFlags>(stream, nothing)) Fail("record " + std::to_string(records + 1) + ": parse error");
      ++records;
      return true;
    });
  } else {
    // Pre-scan: learn tables and columns from the first records (parsed again below).
    uint64_t learned = 0;
    ForEachLine(o.file, [&](char* line) {
      ParseRecord(reader, line, flattener, ++learned);
      return learned < o.prescan;
    });
    flattener.set_learning(false);
    auto& tables = flattener.tables();
    if (o.mode == Mode::kCopy) {
      PgConnection admin = PgConnection::Connect(o.dsn);
      if (o.drop_existing) admin.Exec("DROP SCHEMA IF EXISTS " + QuoteIdent(o.schema) + " CASCADE");
      admin.Exec("CREATE SCHEMA " + QuoteIdent(o.schema));
      for (auto& t : tables) {
        std::string ddl = "CREATE TABLE " + QuoteIdent(o.schema) + "." + QuoteIdent(t->name) + " (";
        std::string copy = "COPY " + QuoteIdent(o.schema) + "." + QuoteIdent(t->name) + " (";
        for (const Column& c : t->columns) {
          ddl += QuoteIdent(c.name) + " " + SqlType(c.type) + ", ";
          copy += QuoteIdent(c.name) + ", ";
        }
        const std::string id = std::string("\"_dlt_id\" text NOT NULL") + (o.unique_ids ? " UNIQUE" : "");
        ddl += t->is_root ? "\"_dlt_load_id\" text NOT NULL, " + id + ")"
                          : "\"_dlt_parent_id\" text NOT NULL, \"_dlt_list_idx\" bigint NOT NULL, " + id + ")";
        copy += t->is_root ? "\"_dlt_load_id\", \"_dlt_id\")" : "\"_dlt_parent_id\", \"_dlt_list_idx\", \"_dlt_id\")";
        copy += o.format == Format::kText ? " FROM STDIN" : " FROM STDIN WITH (FORMAT binary)";
        admin.Exec(ddl);
        connections.push_back(PgConnection::Connect(o.dsn));  // one COPY in flight per connection
        connections.back().BeginCopy(copy);
      }
      for (std::size_t i = 0; i < tables.size(); ++i) tables[i]->pg = &connections[i];
    } else {
      devnull = open("/dev/null", O_WRONLY);
      if (devnull < 0) Fail(std::string("/dev/null: ") + std::strerror(errno));
    }
    if (o.format == Format::kBinary) {
      for (auto& t : tables) t->out.assign("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
    }
    flattener.set_flush([&](Table& t) {
      if (t.pg != nullptr) {
        t.pg->PutCopyData(t.out);
      } else if (write(devnull, t.out.data(), t.out.size()) < 0) {
        Fail(std::string("write: ") + std::strerror(errno));
      }
      t.out.clear();
    });
    bytes = ForEachLine(o.file, [&](char* line) {
      ParseRecord(reader, line, flattener, ++records);
      return true;
    });
    for (auto& t : tables) {
      if (o.format == Format::kBinary) t->out.append("\xFF\xFF", 2);
      flattener.Flush(*t);
      if (t->pg != nullptr) t->pg->EndCopy();
    }
    if (devnull >= 0) close(devnull);
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const char* mode_name = o.mode == Mode::kParse ? "parse" : o.mode == Mode::kFlatten ? "flatten" : "copy";
  std::size_t columns = 0;
  for (auto& t : flattener.tables()) columns += t->columns.size();
  std::printf("kernel mode=%s format=%s bytes=%llu records=%llu rows=%llu seconds=%.3f mb_per_s=%.1f "
              "records_per_s=%.0f tables=%zu columns=%zu dropped=%llu mismatched=%llu\n",
              mode_name, o.format == Format::kText ? "text" : "binary", static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(flattener.rows()), seconds,
              static_cast<double>(bytes) / 1e6 / seconds, static_cast<double>(records) / seconds,
              flattener.tables().size(), columns, static_cast<unsigned long long>(flattener.dropped()),
              static_cast<unsigned long long>(flattener.mismatched()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(ParseArgs(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ingestd_limit_kernel: %s\n", e.what());
    return 1;
  }
}
