#include "core/extract/rest/paginator.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "core/extract/rest/paginator_internal.hpp"
#include "core/json/json_type_name.hpp"

namespace ingestd::extract::rest {

void PageRequest::SetParam(std::string_view key, std::string value) {
  // The first entry with the key takes the value; later duplicates go, so
  // the request carries exactly one value for a key a paginator owns.
  auto it = std::find_if(params.begin(), params.end(), [key](const auto& p) { return p.first == key; });
  if (it == params.end()) {
    params.emplace_back(std::string(key), std::move(value));
    return;
  }
  it->second = std::move(value);
  params.erase(std::remove_if(it + 1, params.end(), [key](const auto& p) { return p.first == key; }), params.end());
}

namespace {

class SinglePagePaginator final : public Paginator {
 public:
  std::unique_ptr<Paginator> Clone() const override { return std::make_unique<SinglePagePaginator>(); }
  std::string_view type_name() const override { return "single_page"; }
  Status Init(PageRequest& request) override {
    (void)request;
    has_next_ = true;
    return OkStatus();
  }
  Status Update(const PageResponse& page) override {
    (void)page;
    has_next_ = false;
    return OkStatus();
  }
  bool has_next() const override { return has_next_; }
  Status Next(PageRequest& request) override {
    (void)request;
    return Internal("single_page paginator: there is no next page");
  }

 private:
  bool has_next_ = true;
};

std::string_view TypeName(PaginatorConfig::Type type) {
  switch (type) {
    case PaginatorConfig::Type::kAuto: return "auto";
    case PaginatorConfig::Type::kSinglePage: return "single_page";
    case PaginatorConfig::Type::kJsonLink: return "json_link";
    case PaginatorConfig::Type::kHeaderLink: return "header_link";
    case PaginatorConfig::Type::kHeaderCursor: return "header_cursor";
    case PaginatorConfig::Type::kCursor: return "cursor";
    case PaginatorConfig::Type::kOffset: return "offset";
    case PaginatorConfig::Type::kPageNumber: return "page_number";
  }
  return "unknown";
}

}  // namespace

Result<std::unique_ptr<Paginator>> MakePaginator(const PaginatorConfig& config) {
  Result<std::unique_ptr<Paginator>> made = [&config]() -> Result<std::unique_ptr<Paginator>> {
    switch (config.type) {
      case PaginatorConfig::Type::kAuto:
        return InvalidArgument("auto is detected from the first response, not made from configuration");
      case PaginatorConfig::Type::kSinglePage: return internal::MakeSinglePagePaginator();
      case PaginatorConfig::Type::kJsonLink: return internal::MakeJsonLinkPaginator(config);
      case PaginatorConfig::Type::kHeaderLink: return internal::MakeHeaderLinkPaginator(config);
      case PaginatorConfig::Type::kHeaderCursor: return internal::MakeHeaderCursorPaginator(config);
      case PaginatorConfig::Type::kCursor: return internal::MakeCursorPaginator(config);
      case PaginatorConfig::Type::kOffset: return internal::MakeOffsetPaginator(config);
      case PaginatorConfig::Type::kPageNumber: return internal::MakePageNumberPaginator(config);
    }
    return Internal("unknown paginator type");
  }();
  if (!made.ok()) return made.error().WithContext(std::string(TypeName(config.type)) + " paginator");
  return made;
}

namespace internal {

Result<std::unique_ptr<Paginator>> MakeSinglePagePaginator() {
  return std::unique_ptr<Paginator>(std::make_unique<SinglePagePaginator>());
}

Result<JsonPath> ParseConfigPath(std::string_view setting, const std::string& text) {
  Result<JsonPath> path = JsonPath::Parse(text);
  if (!path.ok()) return path.error().WithContext(setting);
  return path;
}

Result<JsonPath> ParseBodyPath(std::string_view setting, const std::string& text) {
  INGESTD_ASSIGN_OR_RETURN(JsonPath path, ParseConfigPath(setting, text));
  // A trial write: Set refuses anything but plain names.
  rapidjson::Document scratch(rapidjson::kObjectType);
  Status settable = path.Set(scratch, rapidjson::Value(0), scratch.GetAllocator());
  if (!settable.ok()) return settable.error().WithContext(setting);
  return path;
}

Status RequestTarget::Write(PageRequest& request, std::int64_t value) const {
  rapidjson::Value number(static_cast<std::int64_t>(value));
  return Write(request, std::to_string(value), number);
}

Status RequestTarget::Write(PageRequest& request, const std::string& text, const rapidjson::Value& body_value) const {
  if (!body_path) {
    request.SetParam(param, text);
    return OkStatus();
  }
  if (!request.json) {
    request.json.emplace();
    request.json->SetObject();
  }
  rapidjson::Document& body = *request.json;
  rapidjson::Value copy(body_value, body.GetAllocator());
  return body_path->Set(body, std::move(copy), body.GetAllocator());
}

Result<bool> ReadHasMore(const JsonPath& has_more_path, const rapidjson::Value* body) {
  const rapidjson::Value* value = body ? has_more_path.FindFirst(*body) : nullptr;
  if (value == nullptr || value->IsNull()) {
    return InvalidArgument("has_more_path " + has_more_path.text() + " not found in the response");
  }
  if (value->IsBool()) return value->GetBool();
  if (value->IsString()) {
    std::string text(value->GetString(), value->GetStringLength());
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    if (text == "true" || text == "t" || text == "yes" || text == "y" || text == "1" || text == "on") return true;
    if (text == "false" || text == "f" || text == "no" || text == "n" || text == "0" || text == "off") return false;
    return InvalidArgument("value at " + has_more_path.text() + " is the string \"" +
                           std::string(value->GetString(), value->GetStringLength()) + "\", expected a boolean");
  }
  return InvalidArgument("value at " + has_more_path.text() + " is " + std::string(JsonTypeName(*value)) +
                         ", expected a boolean");
}

std::string ScalarText(const rapidjson::Value& value) {
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string JoinPath(const std::vector<std::string>& keys) {
  if (keys.empty()) return "$";
  auto plain = [](const std::string& key) {
    if (key.empty() || !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_')) return false;
    return std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
  };
  // A relative path must start with a bare name; otherwise root it.
  std::string out = plain(keys.front()) ? "" : "$";
  for (const std::string& key : keys) {
    if (plain(key)) {
      if (!out.empty()) out += '.';  // "$" + ".name" is fine too
      out += key;
      continue;
    }
    out += "['";
    for (char c : key) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    out += "']";
  }
  return out;
}

}  // namespace internal
}  // namespace ingestd::extract::rest
