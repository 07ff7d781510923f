#pragma once

// Private to the paginators: the per-kind factories MakePaginator dispatches
// to, and the pieces they share (reading a has_more flag, writing a value
// into a query parameter or a body path).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/rest/json_path.hpp"
#include "core/extract/rest/paginator.hpp"
#include "core/extract/rest/rest_api_config.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::rest::internal {

// Each validates its part of `config`; errors are not yet prefixed with the
// paginator type (MakePaginator adds it).
Result<std::unique_ptr<Paginator>> MakeSinglePagePaginator();
Result<std::unique_ptr<Paginator>> MakeOffsetPaginator(const PaginatorConfig& config);
Result<std::unique_ptr<Paginator>> MakePageNumberPaginator(const PaginatorConfig& config);
Result<std::unique_ptr<Paginator>> MakeJsonLinkPaginator(const PaginatorConfig& config);
Result<std::unique_ptr<Paginator>> MakeHeaderLinkPaginator(const PaginatorConfig& config);
Result<std::unique_ptr<Paginator>> MakeCursorPaginator(const PaginatorConfig& config);
Result<std::unique_ptr<Paginator>> MakeHeaderCursorPaginator(const PaginatorConfig& config);

// Parses a configured JSONPath; errors name the setting ("total_path: ...").
Result<JsonPath> ParseConfigPath(std::string_view setting, const std::string& text);

// Parses a body path (cursor_body_path, offset_body_path, ...): a JSONPath
// of plain names that JsonPath::Set accepts, checked here so that a bad
// path fails when the paginator is made rather than on the first request.
Result<JsonPath> ParseBodyPath(std::string_view setting, const std::string& text);

// Where a paginator writes a value: a query parameter, or a path in the
// JSON body (which replaces the parameter when configured).
struct RequestTarget {
  std::string param;
  std::optional<JsonPath> body_path;

  // Integers go into params as decimal text and into bodies as numbers.
  Status Write(PageRequest& request, std::int64_t value) const;
  // `text` is the parameter value; `body_value` goes into the body.
  Status Write(PageRequest& request, const std::string& text, const rapidjson::Value& body_value) const;
};

// Reads the boolean at `has_more_path`: true/false, or a string such as
// "true"/"false"/"yes"/"no"/"1"/"0" (as dlt's str2bool). A missing (or null)
// value and any other type are errors naming the path.
Result<bool> ReadHasMore(const JsonPath& has_more_path, const rapidjson::Value* body);

// The value at `path` as a query parameter: strings as they are, numbers as
// their JSON text.
std::string ScalarText(const rapidjson::Value& value);

// A JSONPath text for a sequence of object keys that JsonPath::Parse reads
// back: `data.items`, or `['@odata.nextLink']` for keys that are not plain
// identifiers. An empty sequence gives "$".
std::string JoinPath(const std::vector<std::string>& keys);

}  // namespace ingestd::extract::rest::internal
