#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/common/result.hpp"
#include "core/extract/http/http_client.hpp"
#include "core/extract/rest/rest_api_config.hpp"

namespace ingestd::extract::rest {

/// Resolves a secret reference (`env:NAME`, `file:PATH`) or returns a
/// literal as is; errors name the reference, never the value. The runner
/// passes pipeline::ResolveSecret.
using SecretResolver = std::function<Result<std::string>(const std::string& reference)>;

/// Adds an endpoint's credentials to its requests (reference §10 auth):
/// bearer, api_key (header or query), http_basic, and OAuth2 client
/// credentials, whose token is fetched before the first request (form POST
/// `grant_type=client_credentials` with HTTP Basic client authentication and
/// the extra `access_token_request_data`) and fetched again a minute before
/// it expires (`expires_in`, else default_token_expiration). Secrets are
/// resolved once, at creation, and never appear in errors.
///
/// Used on the HTTP client's strand only (not thread-safe).
class Authenticator {
 public:
  /// Errors: a secret reference that cannot be resolved; an oauth2
  /// access_token_url that is not a URL (resolved against `base_url`).
  static Result<std::unique_ptr<Authenticator>> Create(const AuthConfig& config, const SecretResolver& resolve,
                                                       const std::string& base_url, http::HttpClient& client);
  virtual ~Authenticator() = default;

  /// Makes sure credentials are ready (fetches an OAuth2 token when there is
  /// none or it is about to expire; concurrent callers share one fetch),
  /// then calls `done` on the client's strand. Static credentials complete
  /// at once (still through the strand).
  virtual void AsyncPrepare(std::function<void(Status)> done) = 0;

  /// Adds the credentials to `request` (a header, or a query parameter for
  /// api_key in the query). Call after AsyncPrepare succeeded.
  virtual Status Apply(http::HttpRequest& request) const = 0;
};

}  // namespace ingestd::extract::rest
