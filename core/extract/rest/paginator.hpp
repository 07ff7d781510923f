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
  /// Set by json_link/header_link: the next page's complete URL (query
  /// included). When set, `url` and `params` are ignored for that request,
  /// as dlt follows a next link as given.
  std::optional<std::string> next_url;

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
/// DetectPaginator). Errors: missing required settings (offset's `limit`),
/// unparsable JSON paths — prefixed with the paginator type.
Result<std::unique_ptr<Paginator>> MakePaginator(const PaginatorConfig& config);

/// Auto-detection from the first response (reference §10), for endpoints
/// whose paginator is kAuto: a `Link: <...>; rel="next"` header →
/// header_link; a body key `next` (or `next.href`/`next.url`) holding a URL
/// (starting with http or /) → json_link; a key `total_pages`, `pages` or
/// `totalpages` → page_number (param "page", first page 1, total at that
/// key); another `next` value → cursor with that path;
/// else single_page. Also recognized: `@odata.nextLink` (json_link), which
/// dlt misses (its issue #1915). The returned paginator has already seen
/// the first page (Update was called with it).
struct DetectedPaginator {
  std::unique_ptr<Paginator> paginator;
  /// Why, for the run's events: "json_link at next", "single_page (no
  /// paging hints in the first response)".
  std::string explanation;
};
Result<DetectedPaginator> DetectPaginator(const PageResponse& first_page);

/// The records of a page. With a selector: its matches — one match that is
/// an array gives its elements, one non-array value gives that value, null
/// or no match gives none, several matches give each. Without one
/// (detection, reference §10): a top-level array is the records; else the
/// first array within 3 object levels under one of the keys data, items,
/// results, entries, records, rows, entities, payload, content, objects,
/// values; else the first array within 3 levels; else the object itself as
/// one record. `detected_path` (may be null) receives the path found, so the
/// driver can use it for the following pages.
std::vector<const rapidjson::Value*> SelectRecords(const rapidjson::Value& body, const JsonPath* selector,
                                                   std::string* detected_path);

/// Parses a Link header (RFC 8288) and returns the URI with the given rel
/// (case-insensitive, rel may list several values), or nullopt.
std::optional<std::string> FindLinkRel(std::string_view link_header, std::string_view rel);

}  // namespace ingestd::extract::rest
