#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/http/http_types.hpp"
#include "core/extract/rest/json_path.hpp"
#include "core/extract/rest/rest_api_config.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::rest {

/// The request of one page, as paginators change it. The driver builds it
/// from the endpoint (URL with placeholders resolved, params, JSON body) and
/// turns it into an http::HttpRequest after the paginator had its say.
struct PageRequest {
  /// Absolute URL without the params below (they are added when sending).
  std::string url;
  /// Query parameters, in order; a paginator sets one by replacing the
  /// value of an existing key or appending.
  std::vector<std::pair<std::string, std::string>> params;
  /// The JSON body, when the endpoint has one (or a paginator sets a body
  /// path, which creates an object body).
  std::optional<rapidjson::Document> json;
  /// Set by json_link/header_link: the next page's URL (query included),
  /// exactly as the response gave it, so possibly relative: the driver
  /// resolves it against the previous page's final URL (http::Url::Resolve).
  /// When set, `url` and `params` are ignored for that request, as dlt
  /// follows a next link as given.
  std::optional<std::string> next_url;

  /// Sets a query parameter: the first entry with `key` takes the value and
  /// later entries with that key are removed; appended when absent.
  void SetParam(std::string_view key, std::string value);
};

/// What a paginator sees of a page.
struct PageResponse {
  const http::HttpResponse* http = nullptr;
  /// The parsed body, null when it was not JSON (allowed for header-based
  /// paginators and single_page).
  const rapidjson::Value* body = nullptr;
  /// Records the data selector found on this page.
  std::size_t item_count = 0;
};

/// Walks one request series (one resource, or one child per parent item).
/// Use: Init(first) → send → Update(page) → while has_next(): Next(req) →
/// send → Update(page)... A paginator is stateful and used for one series;
/// Clone() gives a fresh one with the same configuration.
class Paginator {
 public:
  virtual ~Paginator() = default;
  virtual std::unique_ptr<Paginator> Clone() const = 0;
  /// "offset", "json_link", ... for errors and events.
  virtual std::string_view type_name() const = 0;

  /// Prepares the first request (e.g. offset=0&limit=100, page=1).
  virtual Status Init(PageRequest& request) = 0;
  /// Reads the page: where the next one is, or that there is none. Errors
  /// name the paginator and the path, e.g. "cursor paginator: value at
  /// cursors.next is an object, expected a string or number".
  virtual Status Update(const PageResponse& page) = 0;
  virtual bool has_next() const = 0;
  /// Prepares the request of the next page (only when has_next()).
  virtual Status Next(PageRequest& request) = 0;

  /// Random access for concurrent paging. After the first Update, a
  /// paginator that knows how many pages there are (offset and page_number
  /// with a total) returns the number of pages including the first;
  /// nullopt otherwise (then pages go one by one).
  virtual std::optional<std::int64_t> KnownPageCount() const { return std::nullopt; }
  /// Prepares the request of page `index` (0 = the first), only when
  /// KnownPageCount() is set and index < it.
  virtual Status SetPage(PageRequest& request, std::int64_t index) const {
    (void)request;
    (void)index;
    return Error(ErrorCode::kInternal, "paginator has no random access");
  }
};

/// A paginator from its configuration; kAuto is not allowed here (use
/// DetectPaginator). Errors: missing required settings (offset's `limit`,
/// positive), unparsable JSON paths, body paths that are not plain names,
/// offset/page_number without any stop condition (no total_path,
/// maximum, has_more_path and stop_after_empty_page false) — prefixed with
/// the paginator type ("offset paginator: limit is required").
///
/// What each does, and when it stops (has_next() false after Update):
/// - offset / page_number write their value (and offset's limit) as
///   decimal query parameters, or as JSON numbers at the `*_body_path`s
///   (which replace the parameter; the body becomes an object when there
///   was none). After a page the value grows by limit (offset) or 1; paging
///   stops, as in dlt, when the page had no records and
///   stop_after_empty_page (default true), when the new value >= total +
///   base_page (offset: >= total items; page_number: total = page count),
///   when the new value >= maximum_offset / maximum_page (exclusive: the
///   last request is below it), or when has_more_path is false. A total
///   (or body) absent or null is no error and no limit; a total that is
///   not an integer (a number is cut, a string must hold an integer) is an
///   error naming total_path. Random access: with a total on the first page
///   and no has_more_path, KnownPageCount() is the number of values from
///   the first one below min(total + base, maximum).
/// - cursor reads a string or number at cursor_path (a number is sent as
///   its JSON text, or as the number in a body path) and stops when it is
///   missing, null or "" (dlt failed on a null cursor), on an empty page
///   only when stop_after_empty_page (default false), or when
///   has_more_path is false. Other cursor types are errors.
/// - header_cursor: the same with the value of response header
///   cursor_key; missing or empty stops.
/// - json_link / header_link set PageRequest::next_url from the body at
///   next_url_path (a string; null, missing or "" stops) or from the Link
///   header(s) with rel=links_next_key.
/// - has_more_path holds a boolean or a string such as "true"/"false";
///   missing, null or another type is an error naming the path. Unlike
///   dlt, a true has_more never overrides another stop.
Result<std::unique_ptr<Paginator>> MakePaginator(const PaginatorConfig& config);

/// Auto-detection from the first response (reference §10), for endpoints
/// whose paginator is kAuto, in this order: a `Link: <...>; rel="next"`
/// header → header_link; a body key `next` (or `next.href`/`next.url`)
/// holding a URL (starting with http or /) → json_link; a top-level
/// `@odata.nextLink` (json_link), which dlt misses (its issue #1915); a key
/// `total_pages`, `pages` or `totalpages` holding an integer (or integer
/// text) → page_number (param "page"; the first response counts as page 1,
/// so page 2 is requested next; page count at that key); another `next`
/// value → cursor with that path (param "cursor"); else single_page.
/// As in dlt, keys are searched depth first through nested objects (not
/// arrays), compared case-insensitively, and "next" matches as a prefix
/// (`nextPageToken`, `next_cursor`; `href`/`url` likewise); a hint must be a
/// string or number (not a boolean or null). The returned paginator has
/// already seen the first page (Update was called with it).
struct DetectedPaginator {
  std::unique_ptr<Paginator> paginator;
  /// Why, for the run's events: "json_link at next", "single_page (no
  /// paging hints in the first response)".
  std::string explanation;
};
Result<DetectedPaginator> DetectPaginator(const PageResponse& first_page);

/// The records of a page. With a selector: its matches — one match that is
/// an array gives its elements, one non-array value gives that value, null
/// or no match gives none, several matches give each (nulls skipped).
/// Without one (detection, reference §10): a top-level array is the
/// records (null: none); else the first array within 3 object levels under
/// one of the keys data, items, results, entries, records, rows, entities,
/// payload, content, objects, values; else the first array within 3
/// levels; else the object (or scalar) itself as one record. "First" is
/// the shallowest, then in member order (dlt intends that but walks depth
/// first). `detected_path` (may be null) receives the path found as
/// JsonPath text ("$", "data.items", "$['odd key']"), so the driver can
/// use it for the following pages; with a selector, the selector's text.
std::vector<const rapidjson::Value*> SelectRecords(const rapidjson::Value& body, const JsonPath* selector,
                                                   std::string* detected_path);

/// Parses a Link header (RFC 8288) and returns the URI with the given rel
/// (case-insensitive, rel may list several values), or nullopt.
std::optional<std::string> FindLinkRel(std::string_view link_header, std::string_view rel);

}  // namespace ingestd::extract::rest
