#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/common/check.hpp"

namespace ingestd::testing {

/// A fresh directory under /tmp (`/tmp/ingestd_<prefix>_XXXXXX`), removed
/// with everything in it when the object goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "test") {
    std::string tmpl = "/tmp/ingestd_" + prefix + "_XXXXXX";
    char* dir = ::mkdtemp(tmpl.data());
    INGESTD_CHECK(dir != nullptr);
    path_ = dir;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// The whole file as bytes ("" when it cannot be read).
inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Replaces the file's contents with `bytes`.
inline void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace ingestd::testing
