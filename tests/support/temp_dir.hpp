#pragma once

#include <stdlib.h>

#include <filesystem>
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

}  // namespace ingestd::testing
