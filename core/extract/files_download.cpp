// FilesResource::ReadUrl: the `files` source reading an http(s) URL. Kept
// apart from files_source.cpp so the local-file reader does not compile
// Asio.

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "core/extract/files_source.hpp"
#include "core/extract/http/http_client.hpp"
#include "core/extract/http/url.hpp"

namespace ingestd::extract {
namespace {

// Deletes the download when reading is done, whatever happened.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The extension(s) of the URL's last path segment (".jsonl.gz"), so the
// temporary file keeps what format detection looks at.
std::string Extension(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.find('.');
  if (dot == std::string_view::npos || name.size() - dot > 16) return "";
  return std::string(name.substr(dot));
}

Status WriteAll(int fd, const std::string& path, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kUnavailable, path + ": cannot write the download: " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

}  // namespace

// The HTTP client of a FilesResource, with the io_context Send runs.
class UrlDownloader {
 public:
  boost::asio::io_context io;
  std::unique_ptr<http::HttpClient> client;
};

Status FilesResource::ReadUrl(const std::string& url_text, ItemSink& sink, std::stop_token stop) {
  INGESTD_ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(url_text));
  const std::string shown = url.Redacted();
  FileFormat format = config_.format;
  if (format == FileFormat::kAuto) {
    auto detected = DetectFileFormat(url.Path());
    if (!detected.ok()) {
      return InvalidArgument(shown + ": cannot tell the file format from the URL path; set \"format\" in the source");
    }
    format = *detected;
  }

  if (!downloader_) {
    auto downloader = std::make_shared<UrlDownloader>();
    INGESTD_ASSIGN_OR_RETURN(downloader->client,
                             http::HttpClient::Create(downloader->io, config_.http, options_.metrics,
                                                      options_.on_http_event, options_.random_seed));
    downloader_ = std::move(downloader);
  }
  http::HttpClient& client = *downloader_->client;
  std::stop_callback cancel(stop, [&client] { client.Cancel(); });
  http::HttpRequest request;
  request.url = url_text;
  auto response = client.Send(std::move(request));
  if (!response.ok()) return std::move(response).error().WithContext("GET " + shown);
  if (response->status != 200) {
    return Error(response->status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kNotFound,
                 "GET " + shown + " returned " + std::to_string(response->status) + " " + response->reason);
  }

  std::string dir = options_.download_dir;
  if (dir.empty()) {
    std::error_code ec;
    dir = std::filesystem::temp_directory_path(ec).string();
    if (ec) dir = "/tmp";
  }
  std::string pattern = dir + "/ingestd-download-XXXXXX" + Extension(url.Path());
  const int fd = ::mkstemps(pattern.data(), static_cast<int>(Extension(url.Path()).size()));
  if (fd < 0) {
    return Error(ErrorCode::kUnavailable, "cannot create a file in " + dir + " for the download of " + shown +
                                              ": " + std::strerror(errno));
  }
  TempFile file(pattern);
  Status written = WriteAll(fd, pattern, response->body);
  ::close(fd);
  INGESTD_TRY(written);
  response->body.clear();
  response->body.shrink_to_fit();
  Status read = ReadItemsFromFile(file.path(), format, config_.csv, sink, std::move(stop));
  if (!read.ok()) return std::move(read).error().WithContext(shown);
  return OkStatus();
}

}  // namespace ingestd::extract
