#pragma once

#include <string_view>

namespace ingestd::json {

/// True when `text` is exactly one JSON value (RFC 8259) with nothing but
/// JSON whitespace around it: the syntax only, UTF-8 is checked elsewhere.
///
/// A fast screen for extraction, which checks every line of a JSON Lines
/// file before it goes into the package: it only scans, where RapidJSON's
/// SAX parse copies every string and number. It never accepts what
/// RapidJSON's parser (with kParseNumbersAsStringsFlag) rejects, so callers
/// can accept on true and ask RapidJSON for the exact error (and its
/// verdict) on false. No recursion: nesting depth is limited by memory only.
bool IsValidJsonSyntax(std::string_view text);

}  // namespace ingestd::json
