#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/extract/http/http_types.hpp"
#include "core/extract/incremental.hpp"
#include "core/extract/rest/paginator.hpp"
#include "core/extract/rest/placeholders.hpp"
#include "core/extract/rest/rest_api_config.hpp"

namespace ingestd::extract::rest {

/// The values of the parent item a child request series is for, by field
/// path, as JSON text ("42", "\"octocat\""). Only the fields the child's
/// placeholders and include_from_parent name are kept.
using ParentFields = std::map<std::string, std::string, std::less<>>;

/// dlt's join of base_url and a relative path: exactly one '/' between
/// them (`https://api/x` + `/issues` → `https://api/x/issues`). An absolute
/// http(s) path is returned as is.
std::string JoinUrl(std::string_view base_url, std::string_view path);

/// A placeholder lookup for one request series: `resources.<parent>.<field>`
/// from `parent_fields`, `incremental.<initial_value|start_value|last_value|
/// end_value>` from `incremental` (may be null). Strings are inserted
/// without quotes, other values as their JSON text.
PlaceholderLookup MakeLookup(const std::string& parent_name, const ParentFields* parent_fields,
                             const Incremental* incremental);

/// The first request of a series: the endpoint's path (joined to
/// base_url), params (a parameter whose only value is unset is left out),
/// incremental start/end params and JSON body, with placeholders expanded;
/// and the headers (client's, then endpoint's overriding by name).
struct SeriesRequest {
  PageRequest page;
  http::HeaderList headers;
};
Result<SeriesRequest> BuildSeriesRequest(const ClientConfig& client, const EndpointConfig& endpoint,
                                         const PlaceholderLookup& lookup, const Incremental* incremental);

/// The HTTP request for a page: `next_url` resolved against `previous_url`
/// (the final URL of the page before) when the paginator set one, else url
/// + params; the JSON body with Content-Type application/json; Accept
/// application/json unless a header says otherwise.
Result<http::HttpRequest> ToHttpRequest(const std::string& method, const PageRequest& page,
                                        const http::HeaderList& headers, const std::string& previous_url);

/// The text form of a cursor value for a request: strings without quotes.
std::string CursorValueText(const CursorValue& value);

}  // namespace ingestd::extract::rest
