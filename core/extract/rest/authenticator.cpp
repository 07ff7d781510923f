#include "core/extract/rest/authenticator.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#include "core/common/base64.hpp"
#include "core/extract/http/url.hpp"
#include "core/json/bounded_parse.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::rest {
namespace {

using http::HttpRequest;

// Refetch a token this long before it expires, so a request never goes out
// with a token that expires on the way.
constexpr double kTokenRefreshMarginSeconds = 60;
// A token response is a flat object; anything deep is refused unparsed.
constexpr std::size_t kMaxTokenResponseDepth = 16;

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Status SetQueryParam(HttpRequest& request, const std::string& key, const std::string& value) {
  INGESTD_ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(request.url));
  request.url = http::WithQueryParams(std::move(url), {{key, value}}).ToString();
  return OkStatus();
}

// Bearer, api_key and http_basic: credentials known at creation.
class StaticAuthenticator final : public Authenticator {
 public:
  StaticAuthenticator(http::HttpClient& client, AuthConfig::Location location, std::string name, std::string value)
      : client_(client), location_(location), name_(std::move(name)), value_(std::move(value)) {}

  void AsyncPrepare(std::function<void(Status)> done) override {
    boost::asio::post(client_.executor(), [done = std::move(done)] { done(OkStatus()); });
  }

  Status Apply(HttpRequest& request) const override {
    if (location_ == AuthConfig::Location::kQuery) return SetQueryParam(request, name_, value_);
    request.headers.emplace_back(name_, value_);
    return OkStatus();
  }

 private:
  http::HttpClient& client_;
  const AuthConfig::Location location_;
  const std::string name_;
  const std::string value_;
};

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    out += http::PercentEncode(key) + '=' + http::PercentEncode(value);
  }
  return out;
}

class OAuth2ClientCredentials final : public Authenticator {
 public:
  OAuth2ClientCredentials(http::HttpClient& client, std::string token_url, std::string basic_credentials,
                          std::string form_body, double default_expiration)
      : client_(client),
        token_url_(std::move(token_url)),
        basic_credentials_(std::move(basic_credentials)),
        form_body_(std::move(form_body)),
        default_expiration_(default_expiration) {}

  void AsyncPrepare(std::function<void(Status)> done) override {
    if (!token_.empty() && SteadySeconds() < expires_at_ - kTokenRefreshMarginSeconds) {
      boost::asio::post(client_.executor(), [done = std::move(done)] { done(OkStatus()); });
      return;
    }
    waiters_.push_back(std::move(done));
    if (waiters_.size() > 1) return;  // a fetch is under way; it completes every waiter
    HttpRequest request;
    request.method = "POST";
    request.url = token_url_;
    request.headers = {{"Authorization", "Basic " + basic_credentials_},
                       {"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    request.body = form_body_;
    client_.AsyncSend(std::move(request), [this](Result<http::HttpResponse> response) {
      Status status = Accept(std::move(response));
      std::vector<std::function<void(Status)>> waiters = std::move(waiters_);
      waiters_.clear();
      for (auto& waiter : waiters) waiter(status);
    });
  }

  Status Apply(HttpRequest& request) const override {
    request.headers.emplace_back("Authorization", "Bearer " + token_);
    return OkStatus();
  }

 private:
  Status Accept(Result<http::HttpResponse> response) {
    const std::string where = "oauth2 token request to " + RedactedTokenUrl();
    if (!response.ok()) return std::move(response).error().WithContext(where);
    if (response->status != 200) {
      // The body may echo the request; it is not shown.
      return Error(ErrorCode::kFailedPrecondition,
                   where + " returned " + std::to_string(response->status) +
                       " (check client_id, client_secret and access_token_url)");
    }
    rapidjson::Document doc;
    JsonParseFailure failure;
    if (!ParseJsonBounded(doc, response->body, kMaxTokenResponseDepth, failure) || !doc.IsObject() || !doc.HasMember("access_token") ||
        !doc["access_token"].IsString()) {
      return Error(ErrorCode::kFailedPrecondition, where + ": the response has no access_token string");
    }
    token_.assign(doc["access_token"].GetString(), doc["access_token"].GetStringLength());
    double lifetime = default_expiration_;
    if (doc.HasMember("expires_in") && doc["expires_in"].IsNumber()) lifetime = doc["expires_in"].GetDouble();
    expires_at_ = SteadySeconds() + lifetime;
    return OkStatus();
  }

  std::string RedactedTokenUrl() const {
    auto url = http::Url::Parse(token_url_);
    return url.ok() ? url->Redacted() : std::string("access_token_url");
  }

  http::HttpClient& client_;
  const std::string token_url_;
  const std::string basic_credentials_;
  const std::string form_body_;
  const double default_expiration_;
  std::string token_;
  double expires_at_ = 0;
  std::vector<std::function<void(Status)>> waiters_;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> Authenticator::Create(const AuthConfig& config, const SecretResolver& resolve,
                                                             const std::string& base_url, http::HttpClient& client) {
  auto secret = [&](const std::string& reference, const char* field) -> Result<std::string> {
    auto value = resolve(reference);
    if (!value.ok()) return std::move(value).error().WithContext(std::string("auth.") + field);
    return value;
  };
  switch (config.type) {
    case AuthConfig::Type::kBearer: {
      INGESTD_ASSIGN_OR_RETURN(std::string token, secret(config.token, "token"));
      return std::unique_ptr<Authenticator>(std::make_unique<StaticAuthenticator>(
          client, AuthConfig::Location::kHeader, "Authorization", "Bearer " + token));
    }
    case AuthConfig::Type::kApiKey: {
      INGESTD_ASSIGN_OR_RETURN(std::string key, secret(config.api_key, "api_key"));
      return std::unique_ptr<Authenticator>(
          std::make_unique<StaticAuthenticator>(client, config.location, config.name, std::move(key)));
    }
    case AuthConfig::Type::kHttpBasic: {
      INGESTD_ASSIGN_OR_RETURN(std::string password, secret(config.password, "password"));
      return std::unique_ptr<Authenticator>(
          std::make_unique<StaticAuthenticator>(client, AuthConfig::Location::kHeader, "Authorization",
                                                "Basic " + Base64Encode(config.username + ":" + password)));
    }
    case AuthConfig::Type::kOAuth2ClientCredentials: {
      INGESTD_ASSIGN_OR_RETURN(std::string client_id, secret(config.client_id, "client_id"));
      INGESTD_ASSIGN_OR_RETURN(std::string client_secret, secret(config.client_secret, "client_secret"));
      INGESTD_ASSIGN_OR_RETURN(http::Url base, http::Url::Parse(base_url));
      auto token_url = base.Resolve(config.access_token_url);
      if (!token_url.ok()) return std::move(token_url).error().WithContext("auth.access_token_url");
      std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "client_credentials"}};
      for (const auto& field : config.access_token_request_data) form.push_back(field);
      return std::unique_ptr<Authenticator>(std::make_unique<OAuth2ClientCredentials>(
          client, token_url->ToString(), Base64Encode(client_id + ":" + client_secret), FormEncode(form),
          config.default_token_expiration));
    }
  }
  return Error(ErrorCode::kInternal, "unknown auth type");
}

}  // namespace ingestd::extract::rest
