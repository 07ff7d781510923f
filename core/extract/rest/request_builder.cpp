#include "core/extract/rest/request_builder.hpp"

#include <utility>

#include "core/common/ascii.hpp"
#include "core/extract/http/url.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::rest {
namespace {

bool IsAbsoluteUrl(std::string_view path) {
  return path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0;
}

// The string inside a JSON string literal, or the text itself for other values.
std::string JsonTextToPlain(const std::string& json) {
  if (json.empty() || json.front() != '"') return json;
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsString()) return json;
  return std::string(d.GetString(), d.GetStringLength());
}

void SetHeader(http::HeaderList& headers, std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (EqualsIgnoreAsciiCase(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace

std::string JoinUrl(std::string_view base_url, std::string_view path) {
  if (IsAbsoluteUrl(path)) return std::string(path);
  std::string out(base_url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return out.empty() ? std::string("/") : out + "/";
  return out + "/" + std::string(path);
}

std::string CursorValueText(const CursorValue& value) { return JsonTextToPlain(value.ToJson()); }

PlaceholderLookup MakeLookup(const std::string& parent_name, const ParentFields* parent_fields,
                             const Incremental* incremental) {
  return [parent_name, parent_fields, incremental](std::string_view name) -> Result<std::optional<std::string>> {
    constexpr std::string_view kResources = "resources.";
    constexpr std::string_view kIncremental = "incremental.";
    if (name.rfind(kResources, 0) == 0) {
      std::string_view rest = name.substr(kResources.size());
      const std::size_t dot = rest.find('.');
      if (dot == std::string_view::npos || parent_fields == nullptr || rest.substr(0, dot) != parent_name) {
        return InvalidArgument("placeholder {" + std::string(name) + "} does not name this resource's parent" +
                               (parent_name.empty() ? std::string() : " (" + parent_name + ")"));
      }
      auto it = parent_fields->find(rest.substr(dot + 1));
      if (it == parent_fields->end()) {
        return InvalidArgument("placeholder {" + std::string(name) + "}: the parent item has no such field");
      }
      if (it->second == "null") {
        return InvalidArgument("placeholder {" + std::string(name) + "}: the parent item's value is null");
      }
      return std::optional<std::string>(JsonTextToPlain(it->second));
    }
    if (name.rfind(kIncremental, 0) == 0) {
      if (incremental == nullptr) {
        return InvalidArgument("placeholder {" + std::string(name) + "} needs `incremental` on the endpoint");
      }
      std::string_view which = name.substr(kIncremental.size());
      const std::optional<CursorValue>* value = nullptr;
      if (which == "start_value") {
        value = &incremental->start_value();
      } else if (which == "last_value") {
        value = &incremental->last_value();
      } else if (which == "end_value") {
        value = &incremental->end_value();
      } else if (which == "initial_value") {
        value = &incremental->config().initial_value;
      } else {
        return InvalidArgument("unknown placeholder {" + std::string(name) +
                               "} (allowed: incremental.initial_value, start_value, last_value, end_value)");
      }
      if (!*value) return std::optional<std::string>();
      return std::optional<std::string>(CursorValueText(**value));
    }
    return InvalidArgument("unknown placeholder {" + std::string(name) +
                           "} (allowed: {resources.<parent>.<field>}, {incremental.<value>})");
  };
}

Result<SeriesRequest> BuildSeriesRequest(const ClientConfig& client, const EndpointConfig& endpoint,
                                         const PlaceholderLookup& lookup, const Incremental* incremental) {
  SeriesRequest out;
  INGESTD_ASSIGN_OR_RETURN(std::string path,
                           ExpandPlaceholders(endpoint.path, lookup, PlaceholderEscaping::kPathSegment, "path"));
  out.page.url = JoinUrl(client.base_url, path);
  for (const auto& [key, value] : endpoint.params) {
    bool unset = false;
    INGESTD_ASSIGN_OR_RETURN(std::string expanded,
                             ExpandPlaceholders(value, lookup, PlaceholderEscaping::kNone, "params." + key, &unset));
    if (!unset) out.page.SetParam(key, std::move(expanded));
  }
  if (endpoint.incremental && incremental != nullptr) {
    if (endpoint.incremental->start_param && incremental->start_value()) {
      out.page.SetParam(*endpoint.incremental->start_param, CursorValueText(*incremental->start_value()));
    }
    if (endpoint.incremental->end_param && incremental->end_value()) {
      out.page.SetParam(*endpoint.incremental->end_param, CursorValueText(*incremental->end_value()));
    }
  }
  if (endpoint.json) {
    INGESTD_ASSIGN_OR_RETURN(std::string body, ExpandJsonPlaceholders(*endpoint.json, lookup));
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    out.page.json.emplace(std::move(doc));
  }
  out.headers = client.headers;
  for (const auto& [name, value] : endpoint.headers) {
    INGESTD_ASSIGN_OR_RETURN(std::string expanded,
                             ExpandPlaceholders(value, lookup, PlaceholderEscaping::kNone, "headers." + name));
    SetHeader(out.headers, name, std::move(expanded));
  }
  return out;
}

Result<http::HttpRequest> ToHttpRequest(const std::string& method, const PageRequest& page,
                                        const http::HeaderList& headers, const std::string& previous_url) {
  http::HttpRequest request;
  request.method = method;
  if (page.next_url) {
    INGESTD_ASSIGN_OR_RETURN(http::Url previous, http::Url::Parse(previous_url.empty() ? page.url : previous_url));
    INGESTD_ASSIGN_OR_RETURN(http::Url next, previous.Resolve(*page.next_url));
    request.url = next.ToString();
  } else {
    INGESTD_ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(page.url));
    request.url = http::WithQueryParams(std::move(url), page.params).ToString();
  }
  request.headers = headers;
  if (!http::FindHeader(request.headers, "Accept")) request.headers.emplace_back("Accept", "application/json");
  if (page.json) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    page.json->Accept(writer);
    request.body.assign(buffer.GetString(), buffer.GetSize());
    if (!http::FindHeader(request.headers, "Content-Type")) {
      request.headers.emplace_back("Content-Type", "application/json");
    }
  }
  return request;
}

}  // namespace ingestd::extract::rest
