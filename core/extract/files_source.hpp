#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/http/http_metrics.hpp"
#include "core/extract/http/http_types.hpp"
#include "core/extract/source.hpp"

namespace ingestd::extract {

/// How a file's bytes are read as items.
enum class FileFormat : std::uint8_t {
  kAuto,   // by extension: .json, .jsonl/.ndjson, .csv (each optionally + .gz)
  kJson,   // one JSON document: an array gives one item per element, anything else one item
  kJsonl,  // JSON Lines: one document per line; blank lines are skipped
  kCsv,    // RFC 4180 CSV
};

std::string_view FileFormatName(FileFormat format);  // "auto", "json", "jsonl", "csv"
std::optional<FileFormat> ParseFileFormat(std::string_view name);

/// CSV reading. Every value becomes a JSON string (an empty field is ""), as
/// dlt's csv reader gives strings; types come from the schema (column hints)
/// or inference downstream, not from guessing here.
struct CsvOptions {
  char delimiter = ',';
  /// true: the first record names the fields. false: fields are named
  /// column_1, column_2, ... and the first record is data.
  bool header = true;
};

/// The `files` source of a resource.
struct FilesConfig {
  /// Paths or glob(3) patterns (`*`, `?`, `[...]`; no `**`), or http(s)
  /// URLs, read in order: each pattern's matches sorted by path, a file
  /// matched twice read once.
  std::vector<std::string> paths;
  FileFormat format = FileFormat::kAuto;
  CsvOptions csv;
  /// For URLs: timeouts, retries, TLS and the size limit of one download.
  http::HttpClientOptions http;
};

/// True for "http://..." and "https://..." (case-insensitive scheme).
bool IsHttpUrl(std::string_view path);

/// How a FilesResource downloads URLs.
struct FilesResourceOptions {
  /// Where a download is kept while it is read (deleted afterwards).
  /// Empty: the system's temporary directory.
  std::string download_dir;
  const http::HttpMetrics* metrics = nullptr;   // may be null
  http::HttpEventCallback on_http_event;        // may be empty
  std::uint64_t random_seed = 0;                // retry jitter
};

/// Expands `patterns` into files: a path without glob characters must
/// exist and not be a directory; a pattern must match at least one file
/// (directories among the matches are skipped). Errors name the pattern.
Result<std::vector<std::string>> ExpandFilePatterns(const std::vector<std::string>& patterns);

/// The format of `path` from its extension (after stripping `.gz`).
Result<FileFormat> DetectFileFormat(std::string_view path);

/// Reads one file into `sink`. Input is streamed in 64 KiB chunks; gzip
/// (`.gz` extension or magic bytes 1f 8b, multi-member allowed) is inflated
/// on the fly. Memory is bounded by the largest item (one JSON array element,
/// one JSONL line, one CSV record), never by the file:
/// - json: a SAX parse (iterative) that re-serializes each element of a
///   top-level array as its own compact item; numbers keep their exact text;
/// - jsonl: each line is validated and passed on as written (trimmed);
/// - csv: RFC 4180 (quoted fields with `""` escapes, delimiters and newlines
///   inside quotes, CRLF or LF, a UTF-8 BOM is skipped); a stray quote inside
///   an unquoted field is kept literally (as Python's csv does); blank lines
///   are skipped; a record with a different field count than the header is
///   an error; header names must be unique and non-empty.
/// Errors name the file, the line and byte offset (of the uncompressed
/// data) and what was wrong; items before the error have been accepted.
/// `format` must not be kAuto.
Status ReadItemsFromFile(const std::string& path, FileFormat format, const CsvOptions& csv, ItemSink& sink,
                         std::stop_token stop = {});

/// A resource reading local files and http(s) URLs (FilesConfig). Patterns
/// are expanded when Extract runs, so a scheduled pipeline sees files that
/// appeared since. A URL is downloaded with the HTTP client (retries,
/// redirects, gzip transfer decoding, TLS) into a temporary file in
/// download_dir, which is then read like a local file (format from the
/// URL's path unless `format` says) and deleted; a download is limited to
/// http.max_response_bytes in memory.
class UrlDownloader;  // files_download.cpp: one HTTP client for all URLs of a resource

class FilesResource final : public Resource {
 public:
  FilesResource(std::string name, FilesConfig config, FilesResourceOptions options = {});

  const std::string& name() const override { return name_; }
  /// Expands the local patterns (all of them first, so a missing file fails
  /// before anything is read), then reads each file and URL in order (see
  /// ReadItemsFromFile). Errors are prefixed with the resource name.
  Status Extract(ItemSink& sink, std::stop_token stop) override;

  /// Files read completely by the last Extract.
  const std::vector<std::string>& files_read() const { return files_read_; }
  std::uint64_t items_read() const { return items_read_; }

 private:
  Status ReadUrl(const std::string& url, ItemSink& sink, std::stop_token stop);

  std::string name_;
  FilesConfig config_;
  FilesResourceOptions options_;
  // Created at the first URL and reused: one TLS context and connection
  // pool for all URLs of the resource.
  std::shared_ptr<UrlDownloader> downloader_;
  std::vector<std::string> files_read_;
  std::uint64_t items_read_ = 0;
};

}  // namespace ingestd::extract
