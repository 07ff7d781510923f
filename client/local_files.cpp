#include "client/local_files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace ingestd::client {

Result<std::string> ReadTextFile(const std::string& path) {
  if (path == "-") {
    std::ostringstream data;
    data << std::cin.rdbuf();
    if (std::cin.bad()) return InvalidArgument("cannot read standard input");
    return data.str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgument("cannot read " + path + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return Error(error == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
                 "cannot read " + path + ": " + std::strerror(error));
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  return data;
}

std::string TrimWhitespace(const std::string& text) {
  constexpr const char* kBlanks = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(kBlanks);
  return text.substr(first, last - first + 1);
}

}  // namespace ingestd::client
