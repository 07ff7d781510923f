#include "core/package/load_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/package/file_io.hpp"

namespace ingestd::package {
namespace {

constexpr std::string_view kMagic = "INGESTD-LF1\n";
constexpr char kColumnTag = 'C';
constexpr char kRowTag = 'R';
constexpr char kEndTag = 'E';
// The reader's buffer. Values longer than this are copied through it in
// chunks, so memory stays bounded by the largest single value.
constexpr std::size_t kReadBufferSize = 256 * 1024;
// The smallest encoded cell: u32 column index + a bool byte. Used to reject
// a corrupt cell count before reserving memory for it.
constexpr std::uint64_t kMinCellBytes = 5;

// Which wire representation a type uses (see the header's layout).
enum class Wire { kInt64, kFloat64, kBool, kBytes };

Wire WireOf(schema::DataType type) {
  switch (type) {
    case schema::DataType::kBigint:
    case schema::DataType::kTimestamp:
    case schema::DataType::kDate:
    case schema::DataType::kTime: return Wire::kInt64;
    case schema::DataType::kDouble: return Wire::kFloat64;
    case schema::DataType::kBool: return Wire::kBool;
    case schema::DataType::kText:
    case schema::DataType::kJson:
    case schema::DataType::kDecimal:
    case schema::DataType::kWei:
    case schema::DataType::kBinary: return Wire::kBytes;
  }
  return Wire::kBytes;
}

void EncodeU16(char* out, std::uint16_t v) {
  out[0] = static_cast<char>(v & 0xff);
  out[1] = static_cast<char>(v >> 8);
}
void EncodeU32(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void EncodeU64(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t DecodeLE(const char* in, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------
// Writer

struct LoadFileWriter::Impl {
  BufferedFileWriter out;
  // Schema column index -> file column index; -1 while not yet defined.
  std::vector<std::int64_t> file_index_of;
  // File column index -> its type, to check every later value against it.
  std::vector<schema::DataType> file_types;
  std::uint64_t rows = 0;
  bool finished = false;
  bool broken = false;  // a write failed; the file is abandoned

  explicit Impl(BufferedFileWriter w) : out(std::move(w)) {}

  Status Put(const void* data, std::size_t n) {
    Status s = out.Write(data, n);
    if (!s.ok()) broken = true;
    return s;
  }
  Status PutU32(std::uint32_t v) {
    char b[4];
    EncodeU32(b, v);
    return Put(b, sizeof b);
  }

  Status DefineColumn(std::uint32_t schema_index, const schema::TableSchema& table) {
    const schema::ColumnSchema& column = table.column(schema_index);
    if (!column.data_type) {
      return InvalidArgument("table " + table.name() + ": column " + column.name +
                             " has no data type but a value");
    }
    if (column.name.size() > std::numeric_limits<std::uint16_t>::max()) {
      return InvalidArgument("table " + table.name() + ": column name longer than 65535 bytes");
    }
    auto file_index = static_cast<std::uint32_t>(file_types.size());
    char head[1 + 4 + 2];
    head[0] = kColumnTag;
    EncodeU32(head + 1, file_index);
    EncodeU16(head + 5, static_cast<std::uint16_t>(column.name.size()));
    INGESTD_TRY(Put(head, sizeof head));
    INGESTD_TRY(Put(column.name.data(), column.name.size()));
    auto type_byte = static_cast<std::uint8_t>(*column.data_type);
    INGESTD_TRY(Put(&type_byte, 1));
    file_index_of[schema_index] = file_index;
    file_types.push_back(*column.data_type);
    return OkStatus();
  }

  Status PutCell(const normalize::Cell& cell) {
    char b[4 + 8];
    EncodeU32(b, static_cast<std::uint32_t>(file_index_of[cell.column]));
    const schema::Value& v = cell.value;
    switch (WireOf(v.type)) {
      case Wire::kInt64:
        EncodeU64(b + 4, static_cast<std::uint64_t>(v.int_value));
        return Put(b, 12);
      case Wire::kFloat64: {
        std::uint64_t bits;
        std::memcpy(&bits, &v.double_value, sizeof bits);
        EncodeU64(b + 4, bits);
        return Put(b, 12);
      }
      case Wire::kBool:
        b[4] = v.bool_value ? 1 : 0;
        return Put(b, 5);
      case Wire::kBytes:
        EncodeU32(b + 4, static_cast<std::uint32_t>(v.text.size()));
        INGESTD_TRY(Put(b, 8));
        return Put(v.text.data(), v.text.size());
    }
    return Internal("unreachable wire type");
  }
};

LoadFileWriter::LoadFileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoadFileWriter::LoadFileWriter(LoadFileWriter&&) noexcept = default;
LoadFileWriter& LoadFileWriter::operator=(LoadFileWriter&&) noexcept = default;
LoadFileWriter::~LoadFileWriter() = default;

Result<LoadFileWriter> LoadFileWriter::Create(const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(BufferedFileWriter out, BufferedFileWriter::Create(path));
  auto impl = std::make_unique<Impl>(std::move(out));
  INGESTD_TRY(impl->Put(kMagic.data(), kMagic.size()));
  return LoadFileWriter(std::move(impl));
}

Status LoadFileWriter::Append(const normalize::TableRows& rows, const schema::TableSchema& table) {
  Impl& s = *impl_;
  if (s.finished || s.broken) {
    return FailedPrecondition("load file " + s.out.path() + ": append after finish or failure");
  }
  const std::size_t column_count = table.columns().size();
  if (s.file_index_of.size() < column_count) s.file_index_of.resize(column_count, -1);
  for (std::size_t r = 0; r < rows.row_count(); ++r) {
    std::span<const normalize::Cell> row = rows.Row(r);
    if (row.size() > std::numeric_limits<std::uint32_t>::max()) {
      return InvalidArgument("table " + table.name() + ": row with more than 2^32 cells");
    }
    // Validate and define columns first, so a rejected row leaves no partial
    // row record behind (a column record alone is harmless).
    for (const normalize::Cell& cell : row) {
      if (cell.column >= column_count) {
        return InvalidArgument("table " + table.name() + ": cell refers to column " +
                               std::to_string(cell.column) + " of " + std::to_string(column_count));
      }
      if (s.file_index_of[cell.column] < 0) INGESTD_TRY(s.DefineColumn(cell.column, table));
      schema::DataType expected = s.file_types[static_cast<std::size_t>(s.file_index_of[cell.column])];
      if (cell.value.type != expected) {
        return InvalidArgument("table " + table.name() + ": column " + table.column(cell.column).name +
                               " of type " + std::string(schema::DataTypeName(expected)) +
                               " got a value of type " + std::string(schema::DataTypeName(cell.value.type)));
      }
      if (WireOf(cell.value.type) == Wire::kBytes &&
          cell.value.text.size() > std::numeric_limits<std::uint32_t>::max()) {
        return InvalidArgument("table " + table.name() + ": column " + table.column(cell.column).name +
                               ": value longer than 4 GiB");
      }
    }
    char head[1 + 4];
    head[0] = kRowTag;
    EncodeU32(head + 1, static_cast<std::uint32_t>(row.size()));
    INGESTD_TRY(s.Put(head, sizeof head));
    for (const normalize::Cell& cell : row) INGESTD_TRY(s.PutCell(cell));
    ++s.rows;
  }
  return OkStatus();
}

Status LoadFileWriter::Finish() {
  Impl& s = *impl_;
  if (s.finished) return OkStatus();
  if (s.broken) return FailedPrecondition("load file " + s.out.path() + ": finish after a failed write");
  char end[1 + 8];
  end[0] = kEndTag;
  EncodeU64(end + 1, s.rows);
  INGESTD_TRY(s.Put(end, sizeof end));
  Status synced = s.out.Sync();
  if (!synced.ok()) {
    s.broken = true;
    return synced;
  }
  INGESTD_TRY(s.out.Close());
  s.finished = true;
  return OkStatus();
}

std::uint64_t LoadFileWriter::rows_written() const { return impl_->rows; }
std::uint64_t LoadFileWriter::bytes_written() const { return impl_->out.bytes_written(); }
const std::string& LoadFileWriter::path() const { return impl_->out.path(); }

// ---------------------------------------------------------------------------
// Reader

struct LoadFileReader::Impl {
  struct FileColumn {
    std::uint32_t schema_index;
    schema::DataType type;
  };

  std::string path;
  FileDescriptor fd;
  std::uint64_t file_size = 0;
  schema::TableSchema table;  // a copy: the caller's schema may change while we stream

  std::unique_ptr<char[]> buffer = std::make_unique_for_overwrite<char[]>(kReadBufferSize);
  std::size_t pos = 0;             // next unread byte in buffer
  std::size_t end = 0;             // end of valid bytes in buffer
  std::uint64_t buffer_offset = 0;  // file offset of buffer[0]

  std::vector<FileColumn> columns;
  std::vector<normalize::Cell> row;
  std::string row_text;  // the current row's text values, back to back
  struct TextSpan {
    std::size_t cell;
    std::size_t offset;
    std::size_t size;
  };
  std::vector<TextSpan> text_spans;
  // Per schema column: the row number that last had a cell there, to reject
  // a row naming one column twice.
  std::vector<std::uint64_t> seen_in_row;
  std::uint64_t rows_read = 0;
  bool done = false;
  std::optional<Error> failed;  // sticky: a corrupt file stays corrupt

  std::uint64_t offset() const { return buffer_offset + pos; }

  Error Corrupt(std::uint64_t at, const std::string& what) const {
    return DataLoss("load file " + path + ": byte offset " + std::to_string(at) + ": " + what);
  }

  // Makes `n` (<= buffer size) bytes available at buffer[pos].
  Status Need(std::size_t n, const char* what) {
    if (end - pos >= n) return OkStatus();
    if (offset() + n > file_size) {
      return Corrupt(offset(), std::string("truncated ") + what + " (needs " + std::to_string(n) +
                                   " bytes, the file has " + std::to_string(file_size - offset()) + " left)");
    }
    std::memmove(buffer.get(), buffer.get() + pos, end - pos);
    buffer_offset += pos;
    end -= pos;
    pos = 0;
    INGESTD_ASSIGN_OR_RETURN(std::size_t got, ReadUpTo(fd.get(), path, buffer.get() + end, kReadBufferSize - end));
    end += got;
    if (end < n) return Corrupt(offset(), std::string("file shrank while reading ") + what);
    return OkStatus();
  }

  Result<std::uint64_t> ReadInt(int n, const char* what) {
    INGESTD_TRY(Need(static_cast<std::size_t>(n), what));
    std::uint64_t v = DecodeLE(buffer.get() + pos, n);
    pos += static_cast<std::size_t>(n);
    return v;
  }

  // Appends `n` bytes to `out`, through the buffer in chunks.
  Status ReadBytes(std::uint64_t n, std::string& out, const char* what) {
    if (offset() + n > file_size) {
      return Corrupt(offset(), std::string(what) + " of " + std::to_string(n) +
                                   " bytes goes beyond the end of the file (" + std::to_string(file_size) +
                                   " bytes)");
    }
    while (n > 0) {
      if (pos == end) INGESTD_TRY(Need(1, what));
      std::size_t take = std::min<std::uint64_t>(n, end - pos);
      out.append(buffer.get() + pos, take);
      pos += take;
      n -= take;
    }
    return OkStatus();
  }

  Status ReadColumn() {
    std::uint64_t at = offset() - 1;
    INGESTD_ASSIGN_OR_RETURN(std::uint64_t index, ReadInt(4, "column record"));
    if (index != columns.size()) {
      return Corrupt(at, "column record defines file column " + std::to_string(index) + ", expected " +
                             std::to_string(columns.size()));
    }
    INGESTD_ASSIGN_OR_RETURN(std::uint64_t name_size, ReadInt(2, "column record"));
    std::string name;
    INGESTD_TRY(ReadBytes(name_size, name, "column name"));
    INGESTD_ASSIGN_OR_RETURN(std::uint64_t type_byte, ReadInt(1, "column record"));
    if (type_byte >= static_cast<std::uint64_t>(schema::kDataTypeCount)) {
      return Corrupt(at, "column " + name + " has unknown data type " + std::to_string(type_byte));
    }
    auto type = static_cast<schema::DataType>(type_byte);
    int schema_index = table.FindColumnIndex(name);
    if (schema_index < 0) {
      return Corrupt(at, "column " + name + " is not in table " + table.name());
    }
    const schema::ColumnSchema& column = table.column(static_cast<std::size_t>(schema_index));
    if (!column.data_type || *column.data_type != type) {
      return Corrupt(at, "column " + name + " has type " + std::string(schema::DataTypeName(type)) +
                             " in the file but " +
                             (column.data_type ? std::string(schema::DataTypeName(*column.data_type))
                                               : std::string("no type")) +
                             " in table " + table.name());
    }
    for (const FileColumn& c : columns) {
      if (c.schema_index == static_cast<std::uint32_t>(schema_index)) {
        return Corrupt(at, "column " + name + " is defined twice");
      }
    }
    columns.push_back({static_cast<std::uint32_t>(schema_index), type});
    return OkStatus();
  }

  Status ReadRow() {
    std::uint64_t at = offset() - 1;
    INGESTD_ASSIGN_OR_RETURN(std::uint64_t count, ReadInt(4, "row record"));
    if (count * kMinCellBytes > file_size - offset()) {
      return Corrupt(at, "row of " + std::to_string(count) + " cells goes beyond the end of the file");
    }
    row.clear();
    row_text.clear();
    text_spans.clear();
    const std::uint64_t row_number = rows_read + 1;  // 0 in seen_in_row means "never"
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint64_t cell_at = offset();
      INGESTD_ASSIGN_OR_RETURN(std::uint64_t index, ReadInt(4, "cell"));
      if (index >= columns.size()) {
        return Corrupt(cell_at, "cell refers to file column " + std::to_string(index) + " which is not defined");
      }
      const FileColumn& column = columns[index];
      if (seen_in_row[column.schema_index] == row_number) {
        return Corrupt(cell_at, "row has two cells for column " + table.column(column.schema_index).name);
      }
      seen_in_row[column.schema_index] = row_number;
      normalize::Cell cell;
      cell.column = column.schema_index;
      cell.value.type = column.type;
      switch (WireOf(column.type)) {
        case Wire::kInt64: {
          INGESTD_ASSIGN_OR_RETURN(std::uint64_t v, ReadInt(8, "cell value"));
          cell.value.int_value = static_cast<std::int64_t>(v);
          break;
        }
        case Wire::kFloat64: {
          INGESTD_ASSIGN_OR_RETURN(std::uint64_t bits, ReadInt(8, "cell value"));
          std::memcpy(&cell.value.double_value, &bits, sizeof bits);
          break;
        }
        case Wire::kBool: {
          INGESTD_ASSIGN_OR_RETURN(std::uint64_t v, ReadInt(1, "cell value"));
          if (v > 1) return Corrupt(cell_at, "bool value " + std::to_string(v));
          cell.value.bool_value = v == 1;
          break;
        }
        case Wire::kBytes: {
          INGESTD_ASSIGN_OR_RETURN(std::uint64_t size, ReadInt(4, "cell length"));
          std::size_t text_offset = row_text.size();
          INGESTD_TRY(ReadBytes(size, row_text, "value"));
          text_spans.push_back({row.size(), text_offset, static_cast<std::size_t>(size)});
          break;
        }
      }
      row.push_back(cell);
    }
    // Views are made only now: row_text may have reallocated while growing.
    for (const TextSpan& span : text_spans) {
      row[span.cell].value.text = std::string_view(row_text.data() + span.offset, span.size);
    }
    ++rows_read;
    return OkStatus();
  }

  Status ReadEnd() {
    std::uint64_t at = offset() - 1;
    INGESTD_ASSIGN_OR_RETURN(std::uint64_t count, ReadInt(8, "end record"));
    if (count != rows_read) {
      return Corrupt(at, "end record counts " + std::to_string(count) + " rows, the file has " +
                             std::to_string(rows_read));
    }
    if (offset() != file_size) return Corrupt(offset(), "data after the end record");
    return OkStatus();
  }

  // One step; true when a row is in `row`.
  Result<bool> Step() {
    while (true) {
      if (offset() == file_size) {
        return Corrupt(offset(), "missing end record after " + std::to_string(rows_read) +
                                     " rows (the file was not finished)");
      }
      std::uint64_t at = offset();
      INGESTD_ASSIGN_OR_RETURN(std::uint64_t tag, ReadInt(1, "record tag"));
      switch (static_cast<char>(tag)) {
        case kColumnTag: INGESTD_TRY(ReadColumn()); break;
        case kRowTag: INGESTD_TRY(ReadRow()); return true;
        case kEndTag: INGESTD_TRY(ReadEnd()); return false;
        default: return Corrupt(at, "unknown record tag " + std::to_string(tag));
      }
    }
  }
};

LoadFileReader::LoadFileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoadFileReader::LoadFileReader(LoadFileReader&&) noexcept = default;
LoadFileReader& LoadFileReader::operator=(LoadFileReader&&) noexcept = default;
LoadFileReader::~LoadFileReader() = default;

Result<LoadFileReader> LoadFileReader::Open(const std::string& path, const schema::TableSchema& table) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  INGESTD_ASSIGN_OR_RETURN(impl->fd, OpenForRead(path));
  struct stat st {};
  if (::fstat(impl->fd.get(), &st) != 0) return IoError("stat", path, errno);
  impl->file_size = static_cast<std::uint64_t>(st.st_size);
  impl->table = table;
  impl->seen_in_row.assign(table.columns().size(), 0);
  if (impl->file_size < kMagic.size()) return impl->Corrupt(0, "too short for a load file");
  INGESTD_TRY(impl->Need(kMagic.size(), "magic"));
  if (std::string_view(impl->buffer.get(), kMagic.size()) != kMagic) {
    return impl->Corrupt(0, "not a load file (bad magic)");
  }
  impl->pos = kMagic.size();
  return LoadFileReader(std::move(impl));
}

Result<bool> LoadFileReader::Next(std::span<const normalize::Cell>& row) {
  Impl& s = *impl_;
  if (s.failed) return *s.failed;
  if (s.done) return false;
  Result<bool> step = s.Step();
  if (!step.ok()) {
    s.failed = step.error();
    return step;
  }
  if (!*step) {
    s.done = true;
    row = {};
    return false;
  }
  row = std::span<const normalize::Cell>(s.row.data(), s.row.size());
  return true;
}

}  // namespace ingestd::package
