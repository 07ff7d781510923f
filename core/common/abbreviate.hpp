#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace ingestd {

/// Text (an SQL statement, a query) as an error message shows it: runs of
/// whitespace collapsed to one space, trimmed, cut after `max_bytes` with
/// "..." so log lines stay readable.
inline std::string Abbreviate(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes + 3));
  bool in_space = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      if (!in_space && !out.empty()) out.push_back(' ');
      in_space = true;
      continue;
    }
    in_space = false;
    if (out.size() >= max_bytes) {
      out.append("...");
      return out;
    }
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace ingestd
