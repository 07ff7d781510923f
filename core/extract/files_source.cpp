#include "core/extract/files_source.hpp"

#include <glob.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unordered_set>
#include <utility>

#include "core/common/check.hpp"
#include "core/common/utf8.hpp"
#include "core/json/rapidjson.hpp"
#include "core/json/syntax_check.hpp"

namespace ingestd::extract {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
// SAX parse of a whole file: iterative (no recursion on hostile nesting),
// strict UTF-8, numbers as their text so they pass through unchanged.
constexpr unsigned kJsonFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseNumbersAsStringsFlag;

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string ErrnoText(int err) { return std::strerror(err); }

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != suffix[i]) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Raw bytes of a file, inflated when it is gzip. Not movable: zlib's state
// points back at the z_stream.
class FileInput {
 public:
  static Result<std::unique_ptr<FileInput>> Open(const std::string& path) {
    FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) {
      int err = errno;
      if (err == ENOENT) return NotFound(path + ": no such file");
      return Error(ErrorCode::kUnavailable, path + ": cannot open: " + ErrnoText(err));
    }
    auto input = std::make_unique<FileInput>(path, std::move(file));
    INGESTD_TRY(input->FillRaw());
    bool magic = input->raw_.size() >= 2 && static_cast<unsigned char>(input->raw_[0]) == 0x1f &&
                 static_cast<unsigned char>(input->raw_[1]) == 0x8b;
    if (magic || EndsWithNoCase(path, ".gz")) {
      if (inflateInit2(&input->zs_, 16 + MAX_WBITS) != Z_OK) {
        return Internal(path + ": cannot initialize zlib");
      }
      input->gzip_ = true;
    }
    return input;
  }

  FileInput(std::string path, FilePtr file) : path_(std::move(path)), file_(std::move(file)) {}
  FileInput(const FileInput&) = delete;
  FileInput& operator=(const FileInput&) = delete;
  ~FileInput() {
    if (gzip_) inflateEnd(&zs_);
  }

  bool gzip() const { return gzip_; }

  /// Up to `cap` bytes into `out`; 0 at the end of the data.
  Result<std::size_t> Read(char* out, std::size_t cap) {
    if (!gzip_) {
      if (raw_pos_ < raw_.size()) {
        std::size_t n = std::min(cap, raw_.size() - raw_pos_);
        std::memcpy(out, raw_.data() + raw_pos_, n);
        raw_pos_ += n;
        return n;
      }
      if (raw_eof_) return std::size_t{0};
      std::size_t n = std::fread(out, 1, cap, file_.get());
      if (n == 0) {
        if (std::ferror(file_.get())) return DataLoss(path_ + ": read error: " + ErrnoText(errno));
        raw_eof_ = true;
      }
      return n;
    }
    for (;;) {
      if (zs_.avail_in == 0 && !raw_eof_) {
        INGESTD_TRY(FillRaw());
      }
      if (member_ended_) {
        if (zs_.avail_in == 0 && raw_eof_) return std::size_t{0};
        if (zs_.avail_in == 0) continue;
        // Another gzip member follows (concatenated .gz files are valid).
        if (inflateReset(&zs_) != Z_OK) return Internal(path_ + ": zlib reset failed");
        member_ended_ = false;
      }
      zs_.next_out = reinterpret_cast<Bytef*>(out);
      zs_.avail_out = static_cast<uInt>(cap);
      int ret = inflate(&zs_, Z_NO_FLUSH);
      std::size_t produced = cap - zs_.avail_out;
      if (ret == Z_STREAM_END) {
        member_ended_ = true;
        if (produced > 0) return produced;
        continue;
      }
      if (ret != Z_OK && ret != Z_BUF_ERROR) {
        return Error(ErrorCode::kInvalidArgument,
                     path_ + ": corrupt gzip data at compressed byte " + std::to_string(zs_.total_in) + ": " +
                         (zs_.msg != nullptr ? zs_.msg : "inflate error " + std::to_string(ret)));
      }
      if (produced > 0) return produced;
      if (zs_.avail_in == 0 && raw_eof_) {
        return Error(ErrorCode::kInvalidArgument, path_ + ": gzip data ends unexpectedly (truncated file?)");
      }
    }
  }

 private:
  Status FillRaw() {
    raw_.resize(kChunkBytes);
    std::size_t n = std::fread(raw_.data(), 1, raw_.size(), file_.get());
    if (n == 0 && std::ferror(file_.get())) return DataLoss(path_ + ": read error: " + ErrnoText(errno));
    raw_eof_ = std::feof(file_.get()) != 0;
    raw_.resize(n);
    raw_pos_ = 0;
    zs_.next_in = reinterpret_cast<Bytef*>(raw_.data());
    zs_.avail_in = static_cast<uInt>(n);
    return OkStatus();
  }

  std::string path_;
  FilePtr file_;
  std::vector<char> raw_;
  std::size_t raw_pos_ = 0;  // plain files: bytes of raw_ already handed out
  bool raw_eof_ = false;
  bool gzip_ = false;
  bool member_ended_ = false;
  z_stream zs_{};
};

// ---------------------------------------------------------------------------
// A RapidJSON input stream over FileInput (and the line reader and character
// source of the JSONL and CSV readers). Reads 64 KiB at a time; counts lines
// so errors can name them. A read error ends the stream; it is reported by
// status().
class ChunkStream {
 public:
  using Ch = char;

  explicit ChunkStream(FileInput& input) : input_(input), buffer_(kChunkBytes) { Refill(); }

  Ch Peek() const { return pos_ < end_ ? buffer_[pos_] : '\0'; }
  Ch Take() {
    if (pos_ >= end_) return '\0';
    Ch c = buffer_[pos_++];
    ++offset_;
    if (c == '\n') ++line_;
    if (pos_ == end_) Refill();
    return c;
  }
  std::size_t Tell() const { return offset_; }
  // Writing is only for in-situ parsing, which is not used.
  Ch* PutBegin() { INGESTD_CHECK(false); return nullptr; }
  void Put(Ch) { INGESTD_CHECK(false); }
  void Flush() { INGESTD_CHECK(false); }
  std::size_t PutEnd(Ch*) { INGESTD_CHECK(false); return 0; }

  bool AtEnd() const { return pos_ >= end_; }
  /// The 1-based line of the next character.
  std::uint64_t line() const { return line_; }
  const Status& status() const { return status_; }

  /// Reads up to (not including) the next '\n' into `line`, consuming the
  /// '\n'. False at the end of the data with nothing read.
  bool ReadLine(std::string& line) {
    line.clear();
    if (AtEnd()) return false;
    for (;;) {
      const char* start = buffer_.data() + pos_;
      const void* nl = std::memchr(start, '\n', end_ - pos_);
      if (nl != nullptr) {
        std::size_t n = static_cast<const char*>(nl) - start;
        line.append(start, n);
        pos_ += n + 1;
        offset_ += n + 1;
        ++line_;
        if (pos_ == end_) Refill();
        return true;
      }
      line.append(start, end_ - pos_);
      offset_ += end_ - pos_;
      pos_ = end_;
      Refill();
      if (AtEnd()) return true;
    }
  }

 private:
  void Refill() {
    pos_ = end_ = 0;
    if (!status_.ok()) return;
    auto n = input_.Read(buffer_.data(), buffer_.size());
    if (!n.ok()) {
      status_ = std::move(n).error();
      return;
    }
    end_ = *n;
  }

  FileInput& input_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::size_t offset_ = 0;
  std::uint64_t line_ = 1;
  Status status_;
};

Error At(const std::string& path, std::uint64_t line, std::size_t offset, std::string_view what) {
  return InvalidArgument(path + ": line " + std::to_string(line) + " (byte " + std::to_string(offset) +
                         "): " + std::string(what));
}

// Hands an item to the sink and checks for a stop request.
class Emitter {
 public:
  Emitter(ItemSink& sink, std::stop_token stop, const std::string& path)
      : sink_(sink), stop_(std::move(stop)), path_(path) {}
  Status Emit(std::string_view item) {
    INGESTD_TRY(sink_.Accept(item));
    ++items_;
    if (stop_.stop_requested()) return Error(ErrorCode::kCancelled, path_ + ": extraction cancelled");
    return OkStatus();
  }
  std::uint64_t items() const { return items_; }

 private:
  ItemSink& sink_;
  std::stop_token stop_;
  const std::string& path_;
  std::uint64_t items_ = 0;
};

// ---------------------------------------------------------------------------
// JSON: SAX events re-serialized per item. A top-level array's elements are
// the items; any other top-level value is one item.
class ItemSplitter : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ItemSplitter> {
 public:
  explicit ItemSplitter(Emitter& emitter) : emitter_(emitter), writer_(buffer_) {}

  bool Null() { return Scalar([&] { return writer_.Null(); }); }
  bool Bool(bool b) { return Scalar([&] { return writer_.Bool(b); }); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool) {
    return Scalar([&] { return writer_.RawValue(str, length, rapidjson::kNumberType); });
  }
  bool String(const char* str, rapidjson::SizeType length, bool) {
    return Scalar([&] { return writer_.String(str, length); });
  }
  bool Key(const char* str, rapidjson::SizeType length, bool) { return writer_.Key(str, length); }
  bool StartObject() {
    ++depth_;
    return writer_.StartObject();
  }
  bool EndObject(rapidjson::SizeType) {
    --depth_;
    return writer_.EndObject() && MaybeEmit();
  }
  bool StartArray() {
    if (depth_ == 0 && !top_array_) {
      top_array_ = true;
      depth_ = 1;
      return true;
    }
    ++depth_;
    return writer_.StartArray();
  }
  bool EndArray(rapidjson::SizeType) {
    if (top_array_ && depth_ == 1) {
      depth_ = 0;
      return true;
    }
    --depth_;
    return writer_.EndArray() && MaybeEmit();
  }

  const Status& status() const { return status_; }

 private:
  template <class F>
  bool Scalar(F write) {
    return write() && MaybeEmit();
  }
  bool MaybeEmit() {
    if (depth_ != (top_array_ ? 1 : 0)) return true;
    status_ = emitter_.Emit(std::string_view(buffer_.GetString(), buffer_.GetSize()));
    buffer_.Clear();
    writer_.Reset(buffer_);
    return status_.ok();
  }

  Emitter& emitter_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
  int depth_ = 0;
  bool top_array_ = false;
  Status status_;
};

Status ReadJson(const std::string& path, ChunkStream& stream, Emitter& emitter) {
  ItemSplitter splitter(emitter);
  rapidjson::Reader reader;
  rapidjson::ParseResult ok = reader.Parse<kJsonFlags>(stream, splitter);
  INGESTD_TRY(stream.status());
  INGESTD_TRY(splitter.status());
  if (!ok) {
    return At(path, stream.line(), ok.Offset(),
              std::string("invalid JSON: ") + rapidjson::GetParseError_En(ok.Code()));
  }
  // RapidJSON reads a NUL byte as the end of the input.
  if (!stream.AtEnd()) return At(path, stream.line(), stream.Tell(), "invalid JSON: unexpected NUL byte");
  return OkStatus();
}

// ---------------------------------------------------------------------------
// JSON Lines

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Status ReadJsonl(const std::string& path, ChunkStream& stream, Emitter& emitter) {
  std::string line;
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> validator;
  for (;;) {
    std::uint64_t line_no = stream.line();
    std::size_t line_offset = stream.Tell();
    if (!stream.ReadLine(line)) break;
    std::string_view text(line);
    while (!text.empty() && IsJsonSpace(text.back())) text.remove_suffix(1);
    std::size_t lead = 0;
    while (lead < text.size() && IsJsonSpace(text[lead])) ++lead;
    text.remove_prefix(lead);
    if (text.empty()) continue;
    if (text.find('\0') != std::string_view::npos) {
      return At(path, line_no, line_offset, "invalid JSON: NUL byte in line");
    }
    // UTF-8 is checked by our validator (several times faster on mostly
    // ASCII text than RapidJSON's), then the syntax without re-checking it.
    if (std::size_t bad = FindInvalidUtf8(text); bad != text.size()) {
      return At(path, line_no, line_offset + lead + bad,
                "invalid UTF-8 at column " + std::to_string(lead + bad + 1) + "; input must be UTF-8");
    }
    // The fast screen accepts most lines; RapidJSON has the last word (and
    // the exact error) on what it refuses.
    if (!json::IsValidJsonSyntax(text)) {
      rapidjson::MemoryStream ms(text.data(), text.size());
      constexpr unsigned kSyntaxOnly = kJsonFlags & ~rapidjson::kParseValidateEncodingFlag;
      rapidjson::ParseResult ok = reader.Parse<kSyntaxOnly>(ms, validator);
      if (!ok) {
        return At(path, line_no, line_offset + lead + ok.Offset(),
                  "invalid JSON at column " + std::to_string(lead + ok.Offset() + 1) + ": " +
                      rapidjson::GetParseError_En(ok.Code()));
      }
    }
    INGESTD_TRY(emitter.Emit(text));
  }
  return stream.status();
}

// ---------------------------------------------------------------------------
// CSV (RFC 4180)

class CsvReader {
 public:
  CsvReader(const std::string& path, ChunkStream& stream, const CsvOptions& options, Emitter& emitter)
      : path_(path), stream_(stream), options_(options), emitter_(emitter), writer_(buffer_) {}

  Status Run() {
    // A UTF-8 byte order mark (Excel writes one) is not part of the first name.
    if (static_cast<unsigned char>(stream_.Peek()) == 0xEF) {
      stream_.Take();
      if (static_cast<unsigned char>(stream_.Peek()) != 0xBB) return Fail("invalid UTF-8 at the start of the file");
      stream_.Take();
      if (static_cast<unsigned char>(stream_.Peek()) != 0xBF) return Fail("invalid UTF-8 at the start of the file");
      stream_.Take();
    }
    std::vector<std::string> fields;
    for (;;) {
      record_line_ = stream_.line();
      record_offset_ = stream_.Tell();
      INGESTD_ASSIGN_OR_RETURN(bool got, ReadRecord(fields));
      if (!got) break;
      INGESTD_TRY(stream_.status());
      if (fields.size() == 1 && fields[0].empty() && !last_field_quoted_) continue;  // blank line
      INGESTD_TRY(HandleRecord(fields));
    }
    return stream_.status();
  }

 private:
  Error Fail(std::string_view what) const { return At(path_, record_line_, record_offset_, what); }

  // Reads one record into `fields`; false at the end of the data.
  Result<bool> ReadRecord(std::vector<std::string>& fields) {
    fields.clear();
    if (stream_.AtEnd()) return false;
    const char delimiter = options_.delimiter;
    std::string field;
    for (;;) {
      last_field_quoted_ = false;
      field.clear();
      if (stream_.Peek() == '"' && !stream_.AtEnd()) {
        last_field_quoted_ = true;
        stream_.Take();
        for (;;) {
          if (stream_.AtEnd()) {
            INGESTD_TRY(stream_.status());
            return Fail("unterminated quoted field (the quote opened in this record is never closed)");
          }
          char c = stream_.Take();
          if (c == '"') {
            if (stream_.Peek() == '"' && !stream_.AtEnd()) {
              stream_.Take();
              field.push_back('"');
              continue;
            }
            break;
          }
          field.push_back(c);
        }
        if (!stream_.AtEnd()) {
          char next = stream_.Peek();
          if (next != delimiter && next != '\r' && next != '\n') {
            return At(path_, stream_.line(), stream_.Tell(),
                      std::string("unexpected character '") + next + "' after a closing quote (expected '" +
                          delimiter + "' or the end of the line)");
          }
        }
      } else {
        while (!stream_.AtEnd()) {
          char c = stream_.Peek();
          if (c == delimiter || c == '\r' || c == '\n') break;
          field.push_back(stream_.Take());
        }
      }
      fields.push_back(std::move(field));
      field = std::string();
      if (stream_.AtEnd()) return true;
      char c = stream_.Take();
      if (c == delimiter) continue;
      if (c == '\r' && stream_.Peek() == '\n' && !stream_.AtEnd()) stream_.Take();
      return true;
    }
  }

  Status HandleRecord(std::vector<std::string>& fields) {
    if (keys_.empty()) {
      if (options_.header) {
        std::unordered_set<std::string> seen;
        for (std::size_t i = 0; i < fields.size(); ++i) {
          if (fields[i].empty()) return Fail("header field " + std::to_string(i + 1) + " is empty");
          if (!seen.insert(fields[i]).second) return Fail("duplicate header field '" + fields[i] + "'");
        }
        keys_ = std::move(fields);
        return OkStatus();
      }
      for (std::size_t i = 0; i < fields.size(); ++i) keys_.push_back("column_" + std::to_string(i + 1));
    }
    if (fields.size() != keys_.size()) {
      return Fail("expected " + std::to_string(keys_.size()) + " fields" +
                  (options_.header ? " (as in the header)" : " (as in the first record)") + ", got " +
                  std::to_string(fields.size()));
    }
    buffer_.Clear();
    writer_.Reset(buffer_);
    writer_.StartObject();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!writer_.Key(keys_[i].data(), keys_[i].size())) return Fail("invalid UTF-8 in header field " + std::to_string(i + 1));
      if (!writer_.String(fields[i].data(), fields[i].size())) {
        return Fail("invalid UTF-8 in field " + std::to_string(i + 1) + " ('" + keys_[i] + "')");
      }
    }
    writer_.EndObject();
    return emitter_.Emit(std::string_view(buffer_.GetString(), buffer_.GetSize()));
  }

  const std::string& path_;
  ChunkStream& stream_;
  const CsvOptions& options_;
  Emitter& emitter_;
  std::vector<std::string> keys_;
  std::uint64_t record_line_ = 1;
  std::size_t record_offset_ = 0;
  bool last_field_quoted_ = false;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                    rapidjson::kWriteValidateEncodingFlag>
      writer_;
};

bool HasGlobChars(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string_view FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kAuto: return "auto";
    case FileFormat::kJson: return "json";
    case FileFormat::kJsonl: return "jsonl";
    case FileFormat::kCsv: return "csv";
  }
  return "auto";
}

std::optional<FileFormat> ParseFileFormat(std::string_view name) {
  for (FileFormat f : {FileFormat::kAuto, FileFormat::kJson, FileFormat::kJsonl, FileFormat::kCsv}) {
    if (FileFormatName(f) == name) return f;
  }
  return std::nullopt;
}

Result<FileFormat> DetectFileFormat(std::string_view path) {
  std::string_view base = path;
  if (EndsWithNoCase(base, ".gz")) base.remove_suffix(3);
  if (EndsWithNoCase(base, ".jsonl") || EndsWithNoCase(base, ".ndjson")) return FileFormat::kJsonl;
  if (EndsWithNoCase(base, ".json")) return FileFormat::kJson;
  if (EndsWithNoCase(base, ".csv")) return FileFormat::kCsv;
  return InvalidArgument(std::string(path) +
                         ": cannot tell the format from the extension (known: .json, .jsonl, .ndjson, .csv, each "
                         "optionally with .gz); set the source's format");
}

namespace {

// The directory glob() could not open and why: its error callback is a plain
// function, so the failure is kept per thread for the caller to word.
thread_local std::pair<std::string, int> glob_failure;

int RecordGlobFailure(const char* path, int err) {
  glob_failure = {path, err};
  return 1;  // stop: GLOB_ERR aborts anyway
}

}  // namespace

Result<std::vector<std::string>> ExpandFilePatterns(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  std::unordered_set<std::string> seen;
  for (const std::string& pattern : patterns) {
    if (pattern.empty()) return InvalidArgument("empty path");
    std::vector<std::string> matches;
    if (!HasGlobChars(pattern)) {
      struct stat st {};
      if (::stat(pattern.c_str(), &st) != 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) return NotFound(pattern + ": no such file");
        return Error(ErrorCode::kUnavailable, pattern + ": " + ErrnoText(err));
      }
      if (S_ISDIR(st.st_mode)) {
        return InvalidArgument(pattern + ": is a directory (use a pattern such as '" + pattern + "/*.jsonl')");
      }
      matches.push_back(pattern);
    } else {
      glob_t g{};
      glob_failure = {};
      int rc = ::glob(pattern.c_str(), GLOB_ERR, &RecordGlobFailure, &g);
      if (rc == 0) {
        for (std::size_t i = 0; i < g.gl_pathc; ++i) {
          std::string match = g.gl_pathv[i];
          if (!IsDirectory(match)) matches.push_back(std::move(match));
        }
      }
      globfree(&g);
      if (rc == GLOB_ABORTED) {
        // A directory of the pattern that does not exist is a pattern that
        // matches nothing, said so; one that cannot be read is named.
        const auto& [where, err] = glob_failure;
        if (err == ENOENT || err == ENOTDIR) {
          return NotFound(pattern + ": pattern matched no files (no directory " + where + ")");
        }
        return Error(ErrorCode::kUnavailable, pattern + ": cannot read directory " + where + ": " + ErrnoText(err));
      }
      if (rc == GLOB_NOSPACE) return ResourceExhausted(pattern + ": out of memory expanding the pattern");
      if (matches.empty()) return NotFound(pattern + ": pattern matched no files");
      // Byte order, not the locale's collation, so runs are reproducible.
      std::sort(matches.begin(), matches.end());
    }
    for (std::string& match : matches) {
      if (seen.insert(match).second) files.push_back(std::move(match));
    }
  }
  return files;
}

Status ReadItemsFromFile(const std::string& path, FileFormat format, const CsvOptions& csv, ItemSink& sink,
                         std::stop_token stop) {
  INGESTD_CHECK(format != FileFormat::kAuto);
  INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<FileInput> input, FileInput::Open(path));
  ChunkStream stream(*input);
  Emitter emitter(sink, std::move(stop), path);
  switch (format) {
    case FileFormat::kJson: return ReadJson(path, stream, emitter);
    case FileFormat::kJsonl: return ReadJsonl(path, stream, emitter);
    case FileFormat::kCsv: {
      CsvReader reader(path, stream, csv, emitter);
      return reader.Run();
    }
    case FileFormat::kAuto: break;
  }
  return Internal("unreachable file format");
}

namespace {

// Counts what passes through, for FilesResource::items_read().
class CountingSink : public ItemSink {
 public:
  CountingSink(ItemSink& next, std::uint64_t& count) : next_(next), count_(count) {}
  Status Accept(std::string_view item) override {
    INGESTD_TRY(next_.Accept(item));
    ++count_;
    return OkStatus();
  }

 private:
  ItemSink& next_;
  std::uint64_t& count_;
};

}  // namespace

bool IsHttpUrl(std::string_view path) {
  auto starts = [&](std::string_view prefix) {
    if (path.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(path[i])) != prefix[i]) return false;
    }
    return true;
  };
  return starts("http://") || starts("https://");
}

FilesResource::FilesResource(std::string name, FilesConfig config, FilesResourceOptions options)
    : name_(std::move(name)), config_(std::move(config)), options_(std::move(options)) {}

Status FilesResource::Extract(ItemSink& sink, std::stop_token stop) {
  files_read_.clear();
  items_read_ = 0;
  auto context = [&](Error e) { return e.WithContext("resource " + name_); };
  // Local patterns are expanded up front: a missing file fails the run
  // before anything is read or downloaded.
  std::vector<std::vector<std::string>> expanded(config_.paths.size());
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < config_.paths.size(); ++i) {
    if (IsHttpUrl(config_.paths[i])) continue;
    auto files = ExpandFilePatterns({config_.paths[i]});
    if (!files.ok()) return context(std::move(files).error());
    for (std::string& file : *files) {
      if (seen.insert(file).second) expanded[i].push_back(std::move(file));
    }
  }
  CountingSink counting(sink, items_read_);
  for (std::size_t i = 0; i < config_.paths.size(); ++i) {
    if (stop.stop_requested()) return Cancelled(name_);
    if (IsHttpUrl(config_.paths[i])) {
      Status status = ReadUrl(config_.paths[i], counting, stop);
      if (!status.ok()) {
        if (status.error().code() == ErrorCode::kCancelled) return Cancelled(name_);
        return context(status.error());
      }
      files_read_.push_back(config_.paths[i]);
      continue;
    }
    for (const std::string& file : expanded[i]) {
      if (stop.stop_requested()) return Cancelled(name_);
      FileFormat format = config_.format;
      if (format == FileFormat::kAuto) {
        auto detected = DetectFileFormat(file);
        if (!detected.ok()) return context(std::move(detected).error());
        format = *detected;
      }
      Status status = ReadItemsFromFile(file, format, config_.csv, counting, stop);
      if (!status.ok()) {
        if (status.error().code() == ErrorCode::kCancelled) return Cancelled(name_);
        return context(status.error());
      }
      files_read_.push_back(file);
    }
  }
  return OkStatus();
}

}  // namespace ingestd::extract
