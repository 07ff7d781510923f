// json_link and header_link: the response names the next page's URL (dlt's
// JSONLinkPaginator and HeaderLinkPaginator). The URL is handed on as
// written in PageRequest::next_url; the driver resolves a relative one
// against the page's final URL (http::Url::Resolve).

#include <memory>

#include "core/common/ascii.hpp"
#include <optional>
#include <string>
#include <utility>

#include "core/extract/rest/paginator.hpp"
#include "core/extract/rest/paginator_internal.hpp"
#include "core/json/json_type_name.hpp"

namespace ingestd::extract::rest::internal {
namespace {

// Shared by both: the next URL and handing it on.
class NextUrlPaginator : public Paginator {
 public:
  Status Init(PageRequest& request) override {
    (void)request;
    next_url_.clear();
    started_ = false;
    return OkStatus();
  }
  bool has_next() const override { return !started_ || !next_url_.empty(); }
  Status Next(PageRequest& request) override {
    if (next_url_.empty()) return Internal(std::string(type_name()) + " paginator: there is no next page");
    request.next_url = next_url_;
    return OkStatus();
  }

 protected:
  // "" (missing, null or empty) stops.
  void SetNext(std::string url) {
    started_ = true;
    next_url_ = std::move(url);
  }

 private:
  bool started_ = false;  // before the first page there is one to fetch
  std::string next_url_;
};

class JsonLinkPaginator final : public NextUrlPaginator {
 public:
  explicit JsonLinkPaginator(JsonPath next_url_path) : next_url_path_(std::move(next_url_path)) {}

  std::unique_ptr<Paginator> Clone() const override { return std::make_unique<JsonLinkPaginator>(next_url_path_); }
  std::string_view type_name() const override { return "json_link"; }

  Status Update(const PageResponse& page) override {
    if (page.body == nullptr) {
      return InvalidArgument("json_link paginator: response body is not JSON, cannot read next_url_path " +
                             next_url_path_.text());
    }
    const rapidjson::Value* value = next_url_path_.FindFirst(*page.body);
    if (value == nullptr || value->IsNull()) {
      SetNext("");
      return OkStatus();
    }
    if (!value->IsString()) {
      return InvalidArgument("json_link paginator: value at " + next_url_path_.text() + " is " +
                             std::string(JsonTypeName(*value)) + ", expected a string (URL)");
    }
    SetNext(std::string(value->GetString(), value->GetStringLength()));
    return OkStatus();
  }

 private:
  JsonPath next_url_path_;
};

class HeaderLinkPaginator final : public NextUrlPaginator {
 public:
  explicit HeaderLinkPaginator(std::string rel) : rel_(std::move(rel)) {}

  std::unique_ptr<Paginator> Clone() const override { return std::make_unique<HeaderLinkPaginator>(rel_); }
  std::string_view type_name() const override { return "header_link"; }

  Status Update(const PageResponse& page) override {
    if (page.http != nullptr) {
      // A response may split its links over several Link headers.
      for (const auto& [name, value] : page.http->headers) {
        if (!EqualsIgnoreAsciiCase(name, "Link")) continue;
        if (std::optional<std::string> next = FindLinkRel(value, rel_)) {
          SetNext(std::move(*next));
          return OkStatus();
        }
      }
    }
    SetNext("");
    return OkStatus();
  }

 private:
  std::string rel_;
};

}  // namespace

Result<std::unique_ptr<Paginator>> MakeJsonLinkPaginator(const PaginatorConfig& config) {
  INGESTD_ASSIGN_OR_RETURN(JsonPath path, ParseConfigPath("next_url_path", config.next_url_path));
  return std::unique_ptr<Paginator>(std::make_unique<JsonLinkPaginator>(std::move(path)));
}

Result<std::unique_ptr<Paginator>> MakeHeaderLinkPaginator(const PaginatorConfig& config) {
  if (config.links_next_key.empty()) return InvalidArgument("links_next_key must not be empty");
  return std::unique_ptr<Paginator>(std::make_unique<HeaderLinkPaginator>(config.links_next_key));
}

}  // namespace ingestd::extract::rest::internal
