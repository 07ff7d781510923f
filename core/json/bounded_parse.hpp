#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/json/rapidjson.hpp"

namespace ingestd {

/// Why ParseJsonBounded refused a text.
struct JsonParseFailure {
  bool too_deep = false;   // nesting beyond max_depth (else: a syntax error)
  std::size_t offset = 0;  // byte offset of the problem
  std::string message;     // "Missing a comma or ']' after an array element." / "nesting deeper than 1000 levels"
};

/// Parses untrusted JSON (an HTTP response) into `doc` without recursion
/// in the parser, refusing nesting deeper than `max_depth`, so that the
/// recursive walks done on the DOM afterwards (Value::Accept, CopyFrom)
/// cannot exhaust the stack. Returns true on success; otherwise fills
/// `failure` and leaves `doc` null.
bool ParseJsonBounded(rapidjson::Document& doc, std::string_view text, std::size_t max_depth,
                      JsonParseFailure& failure);

}  // namespace ingestd
