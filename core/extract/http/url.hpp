#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::extract::http {

/// An absolute http(s) URL split into what a request needs. Userinfo
/// (`user:pass@`) is rejected: credentials belong in `auth`, not in URLs
/// that end up in logs.
struct Url {
  std::string scheme;  // "http" or "https" (lower case)
  std::string host;    // lower case; IPv6 literals without brackets
  std::uint16_t port = 0;  // explicit or the scheme's default (80, 443)
  /// Path and query as sent in the request line: starts with "/", percent
  /// encoding kept as written; never contains the fragment.
  std::string target;

  /// Parses an absolute URL. Errors (kInvalidArgument) quote the URL with
  /// its query removed (queries may carry api keys) and say what is wrong:
  /// not http/https, no host, bad port, userinfo, spaces or control bytes.
  static Result<Url> Parse(std::string_view text);

  /// Resolves a reference against this URL (RFC 3986 §5.2): absolute URLs,
  /// scheme-relative `//host/x`, absolute paths `/x`, relative paths `x`
  /// and `../x`, query-only `?page=2`. The fragment is dropped.
  Result<Url> Resolve(std::string_view reference) const;

  /// "https://host:8443/a?b=1" (the default port omitted).
  std::string ToString() const;
  /// ToString() without the query: what errors, logs and events show.
  std::string Redacted() const;
  /// "host:port" (IPv6 in brackets): the connection pool and limiter key.
  std::string Authority() const;
  /// The path part of target (before '?').
  std::string_view Path() const;
  /// The query part of target (after '?', without it; "" when none).
  std::string_view Query() const;
};

/// Percent-encodes a query-string key or value (RFC 3986 unreserved
/// characters kept, everything else %XX, space as %20).
std::string PercentEncode(std::string_view text);

/// Percent-encodes one path segment (also '/' is encoded), for values put
/// into a path by `{placeholders}`.
std::string PercentEncodePathSegment(std::string_view text);

/// Returns `url` with the query parameters added (encoded), after the ones
/// already there; a parameter with the same key already in the URL is
/// replaced, so paging parameters can be set again on a `next` URL.
Url WithQueryParams(Url url, const std::vector<std::pair<std::string, std::string>>& params);

/// The decoded query parameters of a URL, in order.
std::vector<std::pair<std::string, std::string>> QueryParams(const Url& url);

}  // namespace ingestd::extract::http
