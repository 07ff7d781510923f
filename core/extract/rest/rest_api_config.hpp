#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/extract/http/http_types.hpp"

namespace ingestd::extract::rest {

/// The declarative REST API source (reference §10; docs/sources.md): the
/// shape of dlt's rest_api config, `{client, resource_defaults, resources}`,
/// parsed by pipeline::ParsePipelineSpec from the spec's top-level
/// `rest_api` key into one pipeline::ResourceSpec per resource whose source
/// is a RestResourceConfig. Plain data; defaults as dlt's.
///
/// Strings that take values at run time contain placeholders, resolved per
/// request: `{resources.<parent>.<field>}` (a field of the parent item, dlt's
/// resolve) and `{incremental.start_value|initial_value|last_value|end_value}`.
/// `{{` and `}}` are literal braces.

struct PaginatorConfig {
  enum class Type : std::uint8_t {
    kAuto,          // detect from the first response (reference §10)
    kSinglePage,    // one request
    kJsonLink,      // next URL in the body at next_url_path
    kHeaderLink,    // next URL in the Link header, rel=links_next_key
    kHeaderCursor,  // cursor in a response header cursor_key, sent as cursor_param
    kCursor,        // cursor in the body at cursor_path, sent as cursor_param (or cursor_body_path)
    kOffset,        // offset/limit query params (or body paths)
    kPageNumber,    // page query param (or body path)
  };
  Type type = Type::kAuto;

  // json_link
  std::string next_url_path = "next";
  // header_link
  std::string links_next_key = "next";
  // header_cursor: cursor_key names the response header
  std::string cursor_key = "next";
  // cursor and header_cursor
  std::string cursor_path = "cursors.next";
  std::string cursor_param = "cursor";
  std::optional<std::string> cursor_body_path;  // instead of cursor_param: set in the JSON body
  // offset
  std::optional<std::int64_t> limit;  // required for offset
  std::int64_t offset = 0;
  std::string offset_param = "offset";
  std::string limit_param = "limit";
  std::optional<std::string> offset_body_path;
  std::optional<std::string> limit_body_path;
  std::optional<std::int64_t> maximum_offset;
  // page_number
  std::int64_t base_page = 0;
  std::optional<std::int64_t> page;  // first page to request; default base_page
  std::string page_param = "page";
  std::optional<std::string> page_body_path;
  std::optional<std::int64_t> maximum_page;
  // offset and page_number: the total (items for offset, pages for
  // page_number) at this JSON path. Default "total"; the spec's `null`
  // turns it off. Unlike dlt, a total_path absent from a response is not an
  // error: paging then stops by stop_after_empty_page / has_more_path.
  std::optional<std::string> total_path = "total";
  // offset, page_number (default true) and cursor (default false)
  std::optional<bool> stop_after_empty_page;
  // offset, page_number, cursor: a boolean at this path; false stops.
  std::optional<std::string> has_more_path;
};

struct AuthConfig {
  enum class Type : std::uint8_t { kBearer, kApiKey, kHttpBasic, kOAuth2ClientCredentials };
  enum class Location : std::uint8_t { kHeader, kQuery };
  Type type = Type::kBearer;
  // Secret values are stored as written: a literal or a reference `env:NAME`
  // / `file:PATH`, resolved at run time (pipeline::ResolveSecret), never
  // logged or reported.
  std::string token;  // bearer
  std::string api_key;  // api_key
  std::string name = "Authorization";  // api_key: header or query parameter name
  Location location = Location::kHeader;
  std::string username;  // http_basic
  std::string password;  // http_basic (secret)
  std::string access_token_url;  // oauth2_client_credentials (absolute or relative to base_url)
  std::string client_id;
  std::string client_secret;  // secret
  std::vector<std::pair<std::string, std::string>> access_token_request_data;  // extra form fields
  double default_token_expiration = 3600;  // seconds, when the token response has no expires_in
};

struct ResponseAction {
  /// Matches when every given condition holds (at least one is given).
  std::optional<int> status_code;
  std::optional<std::string> content;  // a substring of the body
  enum class Action : std::uint8_t { kIgnore };
  /// ignore: end this request series without error and without items.
  Action action = Action::kIgnore;
};

/// Incremental request parameters of an endpoint. The cursor itself
/// (cursor_path, initial_value, end_value, ...) is the resource's
/// extract::IncrementalConfig (pipeline::ResourceSpec::incremental), which
/// also filters the items.
struct IncrementalParams {
  /// Query parameter set to the cursor's start_value (e.g. "since").
  std::optional<std::string> start_param;
  /// Query parameter set to end_value when there is one.
  std::optional<std::string> end_param;
};

struct EndpointConfig {
  /// Relative to client.base_url, or an absolute http(s) URL. Placeholders allowed.
  std::string path;
  std::string method = "GET";  // GET or POST
  /// Query parameters in order; values are text (JSON numbers and booleans
  /// written as JSON), placeholders allowed.
  std::vector<std::pair<std::string, std::string>> params;
  /// JSON request body as compact text; placeholders allowed inside strings.
  std::optional<std::string> json;
  http::HeaderList headers;  // merged over client.headers
  /// Over resource_defaults and client. The spec parser sets single_page
  /// (and data_selector `$`) for a path ending in a `{placeholder}` segment,
  /// as dlt does; the driver takes the config as given.
  std::optional<PaginatorConfig> paginator;
  /// JSONPath to the records in each page; unset: detected (reference §10).
  std::optional<std::string> data_selector;
  std::vector<ResponseAction> response_actions;
  std::optional<IncrementalParams> incremental;
  std::optional<AuthConfig> auth;  // overrides client.auth for this endpoint
  /// Page requests in flight at once for this resource (>= 1, default 1):
  /// offset and page_number paginators with a known total fetch the pages
  /// after the first concurrently; other paginators go one page at a time.
  int concurrent_pages = 1;
};

struct ClientConfig {
  std::string base_url;
  http::HeaderList headers;
  std::optional<AuthConfig> auth;
  std::optional<PaginatorConfig> paginator;
  /// Timeouts, retries, per-host limits (the spec's `client.http` and
  /// `client.retry` / `client.limits` keys).
  http::HttpClientOptions http;
};

struct RestResourceConfig {
  /// Shared by every resource of the source.
  std::shared_ptr<const ClientConfig> client;
  /// resource_defaults.endpoint merged in (params and json deeply).
  EndpointConfig endpoint;
  /// The resource whose items feed this one (from `{resources.<parent>...}`
  /// placeholders); unset for a top-level resource.
  std::optional<std::string> parent;
  /// Parent fields copied into each child item as `_<parent>_<field>`.
  std::vector<std::string> include_from_parent;
  /// false: extracted only to feed children, not loaded (dlt's `selected`).
  bool selected = true;
  /// Parent items whose child request series run at once (>= 1, default 4;
  /// dlt's `parallelized`). Also the bound of the queue of parent items
  /// waiting for their children: the parent stops paging while it is full.
  int concurrent_children = 4;
};

}  // namespace ingestd::extract::rest
