#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/http/http_metrics.hpp"
#include "core/extract/http/http_types.hpp"
#include "core/extract/incremental.hpp"
#include "core/extract/rest/authenticator.hpp"
#include "core/extract/rest/rest_api_config.hpp"
#include "core/extract/source.hpp"

namespace ingestd::extract::rest {

/// Something the REST source did that a person watching the run wants to
/// know (HTTP retries come separately, as http::HttpEvent).
struct RestEvent {
  enum class Kind : std::uint8_t {
    kPaginatorDetected,  // auto-detection chose a paginator (message: which and why)
    kResponseIgnored,    // a response_action "ignore" ended a request series
    kResourceFinished,   // every request series of the resource ended
  };
  Kind kind = Kind::kResourceFinished;
  std::string resource;
  std::string message;
};

/// One resource of the source, with where its items go.
struct RestResourceBinding {
  std::string name;
  const RestResourceConfig* config = nullptr;
  /// Null for a resource that is not loaded (`selected: false`): its items
  /// only feed its children.
  ItemSink* sink = nullptr;
  /// The resource's incremental, or null. It supplies the endpoint's
  /// start/end params and `{incremental.*}` placeholders, and filters the
  /// records: a record it drops goes neither to the sink nor to the
  /// children (as in dlt, where transformers see what the incremental
  /// step kept). So `sink` must not filter again.
  Incremental* incremental = nullptr;
};

struct RestSourceOptions {
  SecretResolver resolve_secret;
  const http::HttpMetrics* metrics = nullptr;  // may be null
  http::HttpEventCallback on_http_event;       // may be empty
  std::function<void(const RestEvent&)> on_event;  // may be empty
  std::uint64_t random_seed = 0;               // retry jitter
};

struct RestResourceStats {
  std::string name;
  std::uint64_t pages = 0;      // responses whose records were read
  std::uint64_t items = 0;      // records passed on (to the sink and/or children)
  std::uint64_t series = 0;     // request series (1, or one per parent item)
  std::uint64_t ignored = 0;    // series ended by a response_action "ignore"
};

/// Extracts every resource of one rest_api source (all bindings share one
/// ClientConfig) concurrently on one io_context run by the calling thread:
/// top-level resources page at once; a child resource runs one request
/// series per parent item while the parent is still paging, at most
/// concurrent_children at a time, and the parent stops requesting pages
/// while a child's queue of waiting parent items is full (back-pressure, so
/// memory holds a bounded number of pages however large the API). Within a
/// series, pages go one at a time, or concurrent_pages at a time after the
/// first when the paginator knows the page count; items are passed on in
/// page order either way.
///
/// Each page: the response_actions are checked (ignore ends the series),
/// then a status >= 400 fails the extraction (after the client's retries);
/// the body must be JSON (an empty body has no records); records come from
/// the data selector (or detection), get `_<parent>_<field>` fields from
/// include_from_parent, and go to the sink as compact JSON. A paginator that
/// asks again for a page of its series (a repeat or a cycle) fails instead of
/// looping.
///
/// On the first error everything in flight is cancelled and the error is
/// returned, prefixed with the resource name; items already accepted stay
/// accepted (the runner discards the package). `stop` cancels (kCancelled).
Result<std::vector<RestResourceStats>> ExtractRestApi(const std::vector<RestResourceBinding>& resources,
                                                      const RestSourceOptions& options, std::stop_token stop);

}  // namespace ingestd::extract::rest
