#pragma once

#include <string>

#include "core/common/result.hpp"

namespace ingestd::client {

/// The whole file at `path` ("-": standard input). Errors (kNotFound or
/// kInvalidArgument) read "cannot read PATH: <reason>".
Result<std::string> ReadTextFile(const std::string& path);

/// `text` without leading and trailing whitespace.
std::string TrimWhitespace(const std::string& text);

}  // namespace ingestd::client
