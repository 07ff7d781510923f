// The spec's top-level `rest_api` key: dlt's rest_api config
// ({client, resource_defaults, resources}) expanded into one ResourceSpec per
// resource (reference §10; docs/pipeline-spec.md, section rest_api).
//
// Each resource is read into a draft whose keys are unset when absent, the
// resource_defaults draft is merged under it as dlt merges (resource keys
// replace defaults; endpoint keys replace defaults' endpoint keys, except
// params and json, merged key by key; columns merged per column and hint),
// and the merged draft is checked as a whole: placeholders, legacy params,
// the parent. Errors name the path where the offending value was written,
// which for a default is under rest_api.resource_defaults.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/extract/http/http_types.hpp"
#include "core/extract/rest/json_path.hpp"
#include "core/extract/rest/rest_api_config.hpp"
#include "core/pipeline/spec_json_parts.hpp"

namespace ingestd::pipeline::spec_json {
namespace {

namespace http = extract::http;
namespace rest = extract::rest;

// ---------------------------------------------------------------------------
// Small values

Result<std::string> AsJsonPath(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string text, AsNonEmptyString(v, path));
  if (auto parsed = rest::JsonPath::Parse(text); !parsed.ok()) return At(path, parsed.error().message());
  return text;
}

Result<double> AsPositiveSeconds(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(double d, AsNumber(v, path));
  if (d <= 0) return At(path, "expected a number of seconds > 0, got " + CompactJson(v));
  return d;
}

Result<int> AsInt(const Value& v, std::string_view path, int min, int max = std::numeric_limits<int>::max()) {
  INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(v, path, min, max));
  return static_cast<int>(n);
}

// A query parameter or form value: strings as they are, numbers and
// booleans as their JSON text.
std::optional<std::string> ScalarText(const Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNumber() || v.IsBool()) return CompactJson(v);
  return std::nullopt;
}

// Reports Validate() errors of the http option structs at the field they
// name: "retry option max_attempts must be at least 1, got 0" becomes
// "<path>.max_attempts: must be at least 1, got 0".
Error AtNamedField(const std::string& path, std::string_view prefix, const Error& error,
                   const std::vector<std::string_view>& fields) {
  std::string_view message = error.message();
  if (message.starts_with(prefix)) {
    std::string_view rest_of = message.substr(prefix.size());
    for (std::string_view field : fields) {
      if (rest_of.starts_with(field) && rest_of.size() > field.size() && rest_of[field.size()] == ' ') {
        return At(Join(path, field), rest_of.substr(field.size() + 1));
      }
    }
  }
  return At(path, message);
}

// ---------------------------------------------------------------------------
// Auth

Result<rest::AuthConfig> ParseAuth(const Value& v, const std::string& path) {
  if (!v.IsObject()) return WrongType(path, "an object {type, ...}", v);
  rest::AuthConfig auth;
  std::string type = "bearer";
  if (auto it = v.FindMember("type"); it != v.MemberEnd()) {
    INGESTD_ASSIGN_OR_RETURN(type, AsEnum(it->value, Join(path, "type"),
                                          {"bearer", "api_key", "http_basic", "oauth2_client_credentials"}));
  } else if (!v.HasMember("token")) {
    return At(path, "missing required key \"type\" (one of \"bearer\", \"api_key\", \"http_basic\", "
                    "\"oauth2_client_credentials\"; it may be left out for bearer with \"token\")");
  }
  const std::vector<KnownKey> rejected = {
      {"session", "not supported by ingestd (a Python requests session)"},
      {"access_token", "not supported by ingestd (the token is always obtained from access_token_url)"},
  };
  if (type == "bearer") {
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"type", "token"}, rejected));
    auth.type = rest::AuthConfig::Type::kBearer;
    INGESTD_ASSIGN_OR_RETURN(const Value* token, o.Require("token"));
    INGESTD_ASSIGN_OR_RETURN(auth.token, AsSecret(*token, o.PathOf("token")));
  } else if (type == "api_key") {
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"type", "api_key", "name", "location"}, rejected));
    auth.type = rest::AuthConfig::Type::kApiKey;
    INGESTD_ASSIGN_OR_RETURN(const Value* key, o.Require("api_key"));
    INGESTD_ASSIGN_OR_RETURN(auth.api_key, AsSecret(*key, o.PathOf("api_key")));
    if (const Value* x = o.Find("name")) {
      INGESTD_ASSIGN_OR_RETURN(auth.name, AsNonEmptyString(*x, o.PathOf("name")));
    }
    if (const Value* x = o.Find("location")) {
      std::string p = o.PathOf("location");
      if (x->IsString() && std::string_view(x->GetString()) == "cookie") {
        return At(p, "\"cookie\" is not supported by ingestd (use \"header\" or \"query\")");
      }
      // dlt accepts "param" for the query string too.
      INGESTD_ASSIGN_OR_RETURN(std::string location, AsEnum(*x, p, {"header", "query", "param"}));
      auth.location = location == "header" ? rest::AuthConfig::Location::kHeader : rest::AuthConfig::Location::kQuery;
    }
  } else if (type == "http_basic") {
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"type", "username", "password"}, rejected));
    auth.type = rest::AuthConfig::Type::kHttpBasic;
    INGESTD_ASSIGN_OR_RETURN(const Value* user, o.Require("username"));
    INGESTD_ASSIGN_OR_RETURN(auth.username, AsNonEmptyString(*user, o.PathOf("username")));
    INGESTD_ASSIGN_OR_RETURN(const Value* password, o.Require("password"));
    INGESTD_ASSIGN_OR_RETURN(auth.password, AsSecret(*password, o.PathOf("password")));
  } else {
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path,
                                                    {"type", "access_token_url", "client_id", "client_secret",
                                                     "access_token_request_data", "default_token_expiration"},
                                                    rejected));
    auth.type = rest::AuthConfig::Type::kOAuth2ClientCredentials;
    INGESTD_ASSIGN_OR_RETURN(const Value* url, o.Require("access_token_url"));
    std::string url_path = o.PathOf("access_token_url");
    INGESTD_ASSIGN_OR_RETURN(auth.access_token_url, AsNonEmptyString(*url, url_path));
    std::string_view token_url = auth.access_token_url;
    if (token_url.starts_with("http:") || token_url.starts_with("https:")) {
      if (auto bad = CheckAbsoluteHttpUrl(token_url)) return At(url_path, *bad);
    }
    INGESTD_ASSIGN_OR_RETURN(const Value* id, o.Require("client_id"));
    INGESTD_ASSIGN_OR_RETURN(auth.client_id, AsSecret(*id, o.PathOf("client_id")));
    INGESTD_ASSIGN_OR_RETURN(const Value* secret, o.Require("client_secret"));
    INGESTD_ASSIGN_OR_RETURN(auth.client_secret, AsSecret(*secret, o.PathOf("client_secret")));
    if (const Value* x = o.Find("access_token_request_data")) {
      std::string p = o.PathOf("access_token_request_data");
      if (!x->IsObject()) return WrongType(p, "an object of strings, numbers or booleans", *x);
      for (const auto& m : x->GetObject()) {
        std::optional<std::string> text = ScalarText(m.value);
        if (!text) return WrongType(Join(p, KeyOf(m)), "a string, a number or a boolean", m.value);
        auth.access_token_request_data.emplace_back(std::string(KeyOf(m)), std::move(*text));
      }
    }
    if (const Value* x = o.Find("default_token_expiration")) {
      INGESTD_ASSIGN_OR_RETURN(auth.default_token_expiration,
                               AsPositiveSeconds(*x, o.PathOf("default_token_expiration")));
    }
  }
  return auth;
}

// ---------------------------------------------------------------------------
// Paginator

const std::vector<std::string_view>& PaginatorTypes() {
  static const std::vector<std::string_view> kTypes = {"auto",   "single_page", "json_link",  "header_link",
                                                       "header_cursor", "cursor", "offset", "page_number",
                                                       "json_response"};
  return kTypes;
}

rest::PaginatorConfig::Type PaginatorType(std::string_view name) {
  using T = rest::PaginatorConfig::Type;
  if (name == "single_page") return T::kSinglePage;
  if (name == "json_link" || name == "json_response") return T::kJsonLink;  // json_response: dlt's old name
  if (name == "header_link") return T::kHeaderLink;
  if (name == "header_cursor") return T::kHeaderCursor;
  if (name == "cursor") return T::kCursor;
  if (name == "offset") return T::kOffset;
  if (name == "page_number") return T::kPageNumber;
  return T::kAuto;
}

Result<rest::PaginatorConfig> ParsePaginator(const Value& v, const std::string& path) {
  rest::PaginatorConfig config;
  if (v.IsString()) {
    INGESTD_ASSIGN_OR_RETURN(std::string type, AsEnum(v, path, PaginatorTypes()));
    if (type == "offset") return At(path, "\"offset\" needs a limit: write {\"type\": \"offset\", \"limit\": N}");
    config.type = PaginatorType(type);
    return config;
  }
  if (!v.IsObject()) return WrongType(path, "a paginator type name or an object {type, ...}", v);
  auto type_it = v.FindMember("type");
  if (type_it == v.MemberEnd()) return At(path, "missing required key \"type\"");
  INGESTD_ASSIGN_OR_RETURN(std::string type, AsEnum(type_it->value, Join(path, "type"), PaginatorTypes()));
  config.type = PaginatorType(type);
  using T = rest::PaginatorConfig::Type;
  std::vector<std::string_view> allowed = {"type"};
  switch (config.type) {
    case T::kAuto:
    case T::kSinglePage:
      break;
    case T::kJsonLink:
      allowed.insert(allowed.end(), {"next_url_path"});
      break;
    case T::kHeaderLink:
      allowed.insert(allowed.end(), {"links_next_key"});
      break;
    case T::kHeaderCursor:
      allowed.insert(allowed.end(), {"cursor_key", "cursor_param"});
      break;
    case T::kCursor:
      allowed.insert(allowed.end(),
                     {"cursor_path", "cursor_param", "cursor_body_path", "stop_after_empty_page", "has_more_path"});
      break;
    case T::kOffset:
      allowed.insert(allowed.end(), {"limit", "offset", "offset_param", "limit_param", "offset_body_path",
                                     "limit_body_path", "total_path", "maximum_offset", "stop_after_empty_page",
                                     "has_more_path"});
      break;
    case T::kPageNumber:
      allowed.insert(allowed.end(), {"base_page", "page", "page_param", "page_body_path", "total_path",
                                     "maximum_page", "stop_after_empty_page", "has_more_path"});
      break;
  }
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, allowed));
  auto string_key = [&](std::string_view key, std::string& out) -> Status {
    if (const Value* x = o.Find(key)) {
      INGESTD_ASSIGN_OR_RETURN(out, AsNonEmptyString(*x, o.PathOf(key)));
    }
    return {};
  };
  auto json_path_key = [&](std::string_view key, auto& out) -> Status {
    if (const Value* x = o.Find(key)) {
      INGESTD_ASSIGN_OR_RETURN(out, AsJsonPath(*x, o.PathOf(key)));
    }
    return {};
  };
  auto int_key = [&](std::string_view key, std::int64_t min, auto& out) -> Status {
    if (const Value* x = o.Find(key)) {
      INGESTD_ASSIGN_OR_RETURN(out, AsInteger(*x, o.PathOf(key), min));
    }
    return {};
  };
  INGESTD_TRY(json_path_key("next_url_path", config.next_url_path));
  INGESTD_TRY(string_key("links_next_key", config.links_next_key));
  INGESTD_TRY(string_key("cursor_key", config.cursor_key));
  INGESTD_TRY(json_path_key("cursor_path", config.cursor_path));
  INGESTD_TRY(string_key("cursor_param", config.cursor_param));
  INGESTD_TRY(json_path_key("cursor_body_path", config.cursor_body_path));
  if (o.Find("cursor_param") != nullptr && o.Find("cursor_body_path") != nullptr) {
    return At(o.PathOf("cursor_body_path"), "set one of cursor_param and cursor_body_path, not both");
  }
  if (config.type == T::kOffset) {
    INGESTD_ASSIGN_OR_RETURN(const Value* limit, o.Require("limit"));
    INGESTD_ASSIGN_OR_RETURN(config.limit, AsInteger(*limit, o.PathOf("limit"), 1));
  }
  INGESTD_TRY(int_key("offset", 0, config.offset));
  INGESTD_TRY(string_key("offset_param", config.offset_param));
  INGESTD_TRY(string_key("limit_param", config.limit_param));
  INGESTD_TRY(json_path_key("offset_body_path", config.offset_body_path));
  INGESTD_TRY(json_path_key("limit_body_path", config.limit_body_path));
  INGESTD_TRY(int_key("maximum_offset", 0, config.maximum_offset));
  INGESTD_TRY(int_key("base_page", std::numeric_limits<std::int64_t>::min(), config.base_page));
  INGESTD_TRY(int_key("page", std::numeric_limits<std::int64_t>::min(), config.page));
  INGESTD_TRY(string_key("page_param", config.page_param));
  INGESTD_TRY(json_path_key("page_body_path", config.page_body_path));
  INGESTD_TRY(int_key("maximum_page", std::numeric_limits<std::int64_t>::min(), config.maximum_page));
  if (const Value* x = o.Find("total_path")) {
    if (x->IsNull()) {
      config.total_path.reset();  // the API has no total: stop by empty page / has_more_path
    } else {
      INGESTD_ASSIGN_OR_RETURN(config.total_path, AsJsonPath(*x, o.PathOf("total_path")));
    }
  }
  if (const Value* x = o.Find("stop_after_empty_page")) {
    INGESTD_ASSIGN_OR_RETURN(config.stop_after_empty_page, AsBool(*x, o.PathOf("stop_after_empty_page")));
  }
  INGESTD_TRY(json_path_key("has_more_path", config.has_more_path));
  return config;
}

// ---------------------------------------------------------------------------
// Placeholders

// A template split into literal text (escapes `{{`/`}}` kept as written)
// and `{field}` references.
struct TemplatePart {
  bool is_field = false;
  std::string text;
};

Result<std::vector<TemplatePart>> SplitTemplate(std::string_view text, std::string_view path) {
  std::vector<TemplatePart> parts;
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      literal += "{{";
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      literal += "}}";
      ++i;
    } else if (c == '{') {
      std::size_t end = text.find_first_of("{}", i + 1);
      if (end == std::string_view::npos || text[end] != '}') {
        return At(path, "unmatched '{' in " + Quoted(text) + " (write {{ for a literal brace)");
      }
      if (!literal.empty()) parts.push_back({false, std::move(literal)});
      literal.clear();
      parts.push_back({true, std::string(text.substr(i + 1, end - i - 1))});
      i = end;
    } else if (c == '}') {
      return At(path, "unmatched '}' in " + Quoted(text) + " (write }} for a literal brace)");
    } else {
      literal.push_back(c);
    }
  }
  if (!literal.empty()) parts.push_back({false, std::move(literal)});
  return parts;
}

std::string EscapeBraces(std::string_view text) {
  std::string out;
  for (char c : text) {
    out.push_back(c);
    if (c == '{' || c == '}') out.push_back(c);
  }
  return out;
}

// What the placeholders of one resource refer to.
struct PlaceholderCheck {
  bool has_incremental = false;
  std::optional<std::string> parent;
  std::string parent_path;  // where the first parent reference was written
};

Status CheckField(std::string_view field, const std::string& path, PlaceholderCheck& check) {
  static constexpr std::string_view kExpected =
      "expected {resources.<parent>.<field>} or {incremental.start_value|initial_value|last_value|end_value}; "
      "write {{ and }} for literal braces";
  std::string shown = "{" + std::string(field) + "}";
  if (field.starts_with("resources.")) {
    std::string_view rest_of = field.substr(std::string_view("resources.").size());
    std::size_t dot = rest_of.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest_of.size()) {
      return At(path, "placeholder " + shown + ": expected {resources.<parent>.<field>}");
    }
    std::string parent(rest_of.substr(0, dot));
    if (!check.parent) {
      check.parent = parent;
      check.parent_path = path;
    } else if (*check.parent != parent) {
      return At(path, "placeholder " + shown + " names a second parent " + Quoted(parent) + " (a resource has one "
                      "parent; " + Quoted(*check.parent) + " is named at " + check.parent_path + ")");
    }
    return {};
  }
  if (field.starts_with("incremental.")) {
    std::string_view what = field.substr(std::string_view("incremental.").size());
    if (what != "start_value" && what != "initial_value" && what != "last_value" && what != "end_value") {
      return At(path, "unknown placeholder " + shown + " (" + std::string(kExpected) + ")");
    }
    if (!check.has_incremental) {
      return At(path, "placeholder " + shown + " needs \"incremental\" on the endpoint");
    }
    return {};
  }
  return At(path, "unknown placeholder " + shown + " (" + std::string(kExpected) + ")");
}

Status CheckTemplate(std::string_view text, const std::string& path, PlaceholderCheck& check) {
  INGESTD_ASSIGN_OR_RETURN(std::vector<TemplatePart> parts, SplitTemplate(text, path));
  for (const TemplatePart& part : parts) {
    if (part.is_field) INGESTD_TRY(CheckField(part.text, path, check));
  }
  return {};
}

// Every string value inside a JSON body (keys are sent as written).
Status CheckJsonTemplates(const Value& v, const std::string& path, PlaceholderCheck& check) {
  if (v.IsString()) return CheckTemplate(std::string_view(v.GetString(), v.GetStringLength()), path, check);
  if (v.IsArray()) {
    for (std::size_t i = 0; i < v.Size(); ++i) INGESTD_TRY(CheckJsonTemplates(v[i], Index(path, i), check));
  }
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) INGESTD_TRY(CheckJsonTemplates(m.value, Join(path, KeyOf(m)), check));
  }
  return {};
}

// dlt's single-entity detection: a path whose last segment (trailing
// slashes aside) holds a placeholder, `users/{resources.users.id}` or
// `user/{id}`, returns one object.
bool IsSingleEntityPath(const std::vector<TemplatePart>& parts) {
  auto is_name = [](const std::string& field) {
    return !field.empty() && std::all_of(field.begin(), field.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
             c == '_';
    });
  };
  // Per segment: whether it has text at all and whether it holds a placeholder.
  bool segment_nonempty = false;
  bool segment_has_field = false;
  bool last_has_field = false;
  for (const TemplatePart& part : parts) {
    if (part.is_field) {
      segment_nonempty = true;
      segment_has_field = segment_has_field || is_name(part.text);
      continue;
    }
    for (char c : part.text) {
      if (c == '/') {
        if (segment_nonempty) last_has_field = segment_has_field;
        segment_nonempty = false;
        segment_has_field = false;
      } else {
        segment_nonempty = true;
      }
    }
  }
  if (segment_nonempty) last_has_field = segment_has_field;
  return last_has_field;
}

// ---------------------------------------------------------------------------
// Drafts

template <class T>
struct Located {
  T value;
  std::string path;
};

struct ParamDraft {
  enum class Kind : std::uint8_t { kValue, kResolve, kIncremental };
  std::string name;
  Kind kind = Kind::kValue;
  std::string value;            // kValue
  std::string resource, field;  // kResolve
  extract::IncrementalConfig incremental;  // kIncremental
  std::string path;
};

// A JSON body member with where it was written.
struct JsonMember {
  std::string key;
  const Value* value = nullptr;
  std::string path;
};

struct IncrementalDraft {
  extract::IncrementalConfig cursor;
  rest::IncrementalParams params;
  std::string path;
  bool from_param = false;  // dlt's legacy {"type": "incremental"} param
};

struct EndpointDraft {
  std::optional<Located<std::string>> path;
  std::optional<std::string> method;
  std::optional<std::vector<ParamDraft>> params;
  // The body: either an object (members, merged key by key) or any other
  // JSON value (whole).
  std::optional<std::vector<JsonMember>> json_members;
  std::optional<Located<const Value*>> json_other;
  std::optional<Located<http::HeaderList>> headers;
  std::optional<rest::PaginatorConfig> paginator;
  std::optional<std::string> data_selector;
  std::optional<std::vector<rest::ResponseAction>> response_actions;
  std::optional<IncrementalDraft> incremental;
  std::optional<rest::AuthConfig> auth;
  std::optional<int> concurrent_pages;
};

struct ResourceDraft {
  std::string name;
  std::string path;       // rest_api.resources[i]
  std::string name_path;  // where the name was written
  TableHints hints;
  std::string disposition_path;
  EndpointDraft endpoint;
  std::optional<Located<std::vector<std::string>>> include_from_parent;
  bool include_from_parent_is_default = false;
  std::optional<bool> selected;
  std::optional<int> concurrent_children;
};

Result<std::vector<rest::ResponseAction>> ParseResponseActions(const Value& v, const std::string& path) {
  if (!v.IsArray()) return WrongType(path, "an array of {status_code, content, action}", v);
  std::vector<rest::ResponseAction> out;
  for (std::size_t i = 0; i < v.Size(); ++i) {
    std::string p = Index(path, i);
    if (v[i].IsString()) return At(p, "response hooks (Python callables) are not supported by ingestd");
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v[i], p, {"status_code", "content", "action"}));
    rest::ResponseAction action;
    if (const Value* x = o.Find("status_code")) {
      std::string sp = o.PathOf("status_code");
      if (x->IsString()) {  // dlt accepts "404" too
        std::string s(x->GetString(), x->GetStringLength());
        bool digits = s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || s < "100" || s > "599") return At(sp, "expected an HTTP status 100..599, got " + Quoted(s));
        action.status_code = std::stoi(s);
      } else {
        if (!x->IsNumber()) return WrongType(sp, "an HTTP status 100..599", *x);
        INGESTD_ASSIGN_OR_RETURN(action.status_code, AsInt(*x, sp, 100, 599));
      }
    }
    if (const Value* x = o.Find("content")) {
      INGESTD_ASSIGN_OR_RETURN(action.content, AsNonEmptyString(*x, o.PathOf("content")));
    }
    if (!action.status_code && !action.content) return At(p, "needs \"status_code\" or \"content\" (or both)");
    INGESTD_ASSIGN_OR_RETURN(const Value* a, o.Require("action"));
    std::string ap = o.PathOf("action");
    if (!a->IsString()) return At(ap, "expected \"ignore\" (response hooks are Python callables, not supported by ingestd)");
    INGESTD_TRY(AsEnum(*a, ap, {"ignore"}));
    action.action = rest::ResponseAction::Action::kIgnore;
    out.push_back(action);
  }
  return out;
}

const std::vector<KnownKey>& IncrementalRejected() {
  static const std::vector<KnownKey> kRejected = {
      {"convert", "not supported by ingestd (a Python callable)"},
      {"transform", "not supported by ingestd (a Python callable)"},
      {"lag", "not supported by ingestd"},
      {"row_order", "not supported by ingestd"},
      {"allow_external_schedulers", "not supported by ingestd"},
  };
  return kRejected;
}

Result<IncrementalDraft> ParseEndpointIncremental(const Value& v, const std::string& path) {
  std::vector<std::string_view> allowed = IncrementalKeys();
  allowed.push_back("start_param");
  allowed.push_back("end_param");
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, allowed, IncrementalRejected()));
  IncrementalDraft draft;
  draft.path = path;
  INGESTD_ASSIGN_OR_RETURN(draft.cursor, ParseIncrementalKeys(o));
  if (const Value* x = o.Find("start_param")) {
    INGESTD_ASSIGN_OR_RETURN(draft.params.start_param, AsNonEmptyString(*x, o.PathOf("start_param")));
  }
  if (const Value* x = o.Find("end_param")) {
    INGESTD_ASSIGN_OR_RETURN(draft.params.end_param, AsNonEmptyString(*x, o.PathOf("end_param")));
  }
  return draft;
}

Result<ParamDraft> ParseParam(std::string name, const Value& v, const std::string& path) {
  ParamDraft param;
  param.name = std::move(name);
  param.path = path;
  if (std::optional<std::string> text = ScalarText(v)) {
    param.value = std::move(*text);
    return param;
  }
  static constexpr std::string_view kExpected =
      "a string, a number, a boolean or an object with type \"resolve\" or \"incremental\"";
  if (!v.IsObject()) return WrongType(path, kExpected, v);
  auto type_it = v.FindMember("type");
  if (type_it == v.MemberEnd()) return At(path, "expected " + std::string(kExpected) + ", got an object without type");
  INGESTD_ASSIGN_OR_RETURN(std::string type, AsEnum(type_it->value, Join(path, "type"), {"resolve", "incremental"}));
  if (type == "resolve") {
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"type", "resource", "field"}));
    param.kind = ParamDraft::Kind::kResolve;
    INGESTD_ASSIGN_OR_RETURN(const Value* resource, o.Require("resource"));
    INGESTD_ASSIGN_OR_RETURN(param.resource, AsNonEmptyString(*resource, o.PathOf("resource")));
    INGESTD_ASSIGN_OR_RETURN(const Value* field, o.Require("field"));
    INGESTD_ASSIGN_OR_RETURN(param.field, AsNonEmptyString(*field, o.PathOf("field")));
    return param;
  }
  std::vector<std::string_view> allowed = {"type"};
  for (std::string_view key : IncrementalKeys()) {
    if (key != "end_value") allowed.push_back(key);
  }
  std::vector<KnownKey> rejected = IncrementalRejected();
  rejected.push_back({"end_value", "not allowed on an incremental param (use endpoint.incremental with end_param)"});
  rejected.push_back({"end_param", "not allowed on an incremental param (use endpoint.incremental with end_param)"});
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, allowed, rejected));
  param.kind = ParamDraft::Kind::kIncremental;
  INGESTD_ASSIGN_OR_RETURN(param.incremental, ParseIncrementalKeys(o));
  return param;
}

// `in_defaults`: resource_defaults.endpoint, which has no path (every
// resource's path defaults to its name, as in dlt).
Result<EndpointDraft> ParseEndpoint(const Value& v, const std::string& path, bool in_defaults) {
  EndpointDraft e;
  if (v.IsString()) {
    if (in_defaults) return At(path, "resource_defaults cannot set a path (each resource's path defaults to its name)");
    e.path = Located<std::string>{std::string(v.GetString(), v.GetStringLength()), path};
    return e;
  }
  std::vector<std::string_view> allowed = {"method",        "params",           "json",        "headers",
                                           "paginator",     "data_selector",    "response_actions",
                                           "incremental",   "auth",             "concurrent_pages"};
  if (!in_defaults) allowed.insert(allowed.begin(), "path");
  std::vector<KnownKey> rejected = {
      {"data", "not supported by ingestd (form bodies; use json)"},
      {"session", "not supported by ingestd (a Python requests session)"},
  };
  if (in_defaults) {
    rejected.push_back({"path", "not allowed in resource_defaults (each resource's path defaults to its name)"});
  }
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, allowed, rejected));
  if (const Value* x = o.Find("path")) {
    std::string p = o.PathOf("path");
    INGESTD_ASSIGN_OR_RETURN(std::string text, AsString(*x, p));
    e.path = Located<std::string>{std::move(text), p};
  }
  if (const Value* x = o.Find("method")) {
    INGESTD_ASSIGN_OR_RETURN(e.method, AsEnum(*x, o.PathOf("method"), {"GET", "POST"}));
  }
  if (const Value* x = o.Find("params")) {
    std::string p = o.PathOf("params");
    if (!x->IsObject()) return WrongType(p, "an object of query parameters", *x);
    e.params.emplace();
    for (const auto& m : x->GetObject()) {
      std::string_view key = KeyOf(m);
      for (const ParamDraft& seen : *e.params) {
        if (seen.name == key) return At(p, "duplicate key " + Quoted(key));
      }
      INGESTD_ASSIGN_OR_RETURN(ParamDraft param, ParseParam(std::string(key), m.value, Join(p, key)));
      e.params->push_back(std::move(param));
    }
  }
  if (const Value* x = o.Find("json")) {
    std::string p = o.PathOf("json");
    if (x->IsObject()) {
      e.json_members.emplace();
      for (const auto& m : x->GetObject()) {
        std::string_view key = KeyOf(m);
        for (const JsonMember& seen : *e.json_members) {
          if (seen.key == key) return At(p, "duplicate key " + Quoted(key));
        }
        e.json_members->push_back({std::string(key), &m.value, Join(p, key)});
      }
    } else {
      e.json_other = Located<const Value*>{x, p};
    }
  }
  if (const Value* x = o.Find("headers")) {
    std::string p = o.PathOf("headers");
    INGESTD_ASSIGN_OR_RETURN(http::HeaderList headers, AsStringMap(*x, p));
    e.headers = Located<http::HeaderList>{std::move(headers), p};
  }
  if (const Value* x = o.Find("paginator")) {
    INGESTD_ASSIGN_OR_RETURN(e.paginator, ParsePaginator(*x, o.PathOf("paginator")));
  }
  if (const Value* x = o.Find("data_selector")) {
    INGESTD_ASSIGN_OR_RETURN(e.data_selector, AsJsonPath(*x, o.PathOf("data_selector")));
  }
  if (const Value* x = o.Find("response_actions")) {
    INGESTD_ASSIGN_OR_RETURN(e.response_actions, ParseResponseActions(*x, o.PathOf("response_actions")));
  }
  if (const Value* x = o.Find("incremental")) {
    INGESTD_ASSIGN_OR_RETURN(e.incremental, ParseEndpointIncremental(*x, o.PathOf("incremental")));
  }
  if (const Value* x = o.Find("auth")) {
    INGESTD_ASSIGN_OR_RETURN(e.auth, ParseAuth(*x, o.PathOf("auth")));
  }
  if (const Value* x = o.Find("concurrent_pages")) {
    INGESTD_ASSIGN_OR_RETURN(e.concurrent_pages, AsInt(*x, o.PathOf("concurrent_pages"), 1, 1024));
  }
  return e;
}

const std::vector<KnownKey>& ResourceRejected() {
  static const std::vector<KnownKey> kRejected = {
      {"processing_steps", "not supported by ingestd (filter/map steps are Python callables)"},
      {"table_format", "not supported by ingestd"},
      {"file_format", "not supported by ingestd"},
      {"nested_hints", "not supported by ingestd"},
      {"references", "not supported by ingestd"},
      {"parent_table_name", "not supported by ingestd"},
      {"incremental", "belongs in \"endpoint\" in a rest_api resource (dlt's endpoint.incremental)"},
      {"source", "a rest_api resource has no \"source\" (its endpoint is the source)"},
  };
  return kRejected;
}

// A resource (or resource_defaults when `in_defaults`).
Result<ResourceDraft> ParseResourceDraft(const Value& v, const std::string& path, bool in_defaults) {
  ResourceDraft r;
  r.path = path;
  if (v.IsString() && !in_defaults) {
    INGESTD_ASSIGN_OR_RETURN(r.name, AsNonEmptyString(v, path));
    r.name_path = path;
    r.endpoint.path = Located<std::string>{r.name, path};
    return r;
  }
  if (!v.IsObject()) {
    return WrongType(path, in_defaults ? "an object" : "a resource name (the path) or an object", v);
  }
  std::vector<std::string_view> allowed;
  if (!in_defaults) allowed.push_back("name");
  allowed.push_back("endpoint");
  allowed.insert(allowed.end(), TableHints::Keys().begin(), TableHints::Keys().end());
  allowed.insert(allowed.end(), {"include_from_parent", "selected", "parallelized", "concurrent_children"});
  std::vector<KnownKey> rejected = ResourceRejected();
  if (in_defaults) rejected.push_back({"name", "not allowed in resource_defaults (every resource has its own)"});
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, allowed, rejected));
  if (!in_defaults) {
    INGESTD_ASSIGN_OR_RETURN(const Value* name, o.Require("name"));
    r.name_path = o.PathOf("name");
    INGESTD_ASSIGN_OR_RETURN(r.name, AsNonEmptyString(*name, r.name_path));
  }
  INGESTD_ASSIGN_OR_RETURN(r.hints, ParseTableHints(o));
  if (o.Find("write_disposition") != nullptr) r.disposition_path = o.PathOf("write_disposition");
  if (const Value* x = o.Find("endpoint")) {
    INGESTD_ASSIGN_OR_RETURN(r.endpoint, ParseEndpoint(*x, o.PathOf("endpoint"), in_defaults));
  }
  if (const Value* x = o.Find("include_from_parent")) {
    std::string p = o.PathOf("include_from_parent");
    if (!x->IsArray()) return WrongType(p, "an array of parent field names", *x);
    std::vector<std::string> fields;
    for (std::size_t i = 0; i < x->Size(); ++i) {
      INGESTD_ASSIGN_OR_RETURN(std::string field, AsNonEmptyString((*x)[i], Index(p, i)));
      if (std::find(fields.begin(), fields.end(), field) != fields.end()) {
        return At(Index(p, i), "duplicate field " + Quoted(field));
      }
      fields.push_back(std::move(field));
    }
    r.include_from_parent = Located<std::vector<std::string>>{std::move(fields), p};
  }
  if (const Value* x = o.Find("selected")) {
    INGESTD_ASSIGN_OR_RETURN(r.selected, AsBool(*x, o.PathOf("selected")));
  }
  const Value* parallelized = o.Find("parallelized");
  const Value* concurrent = o.Find("concurrent_children");
  if (parallelized != nullptr && concurrent != nullptr) {
    return At(o.PathOf("concurrent_children"), "set one of parallelized and concurrent_children, not both");
  }
  if (parallelized != nullptr) {
    INGESTD_ASSIGN_OR_RETURN(bool on, AsBool(*parallelized, o.PathOf("parallelized")));
    r.concurrent_children = on ? 4 : 1;
  }
  if (concurrent != nullptr) {
    INGESTD_ASSIGN_OR_RETURN(r.concurrent_children, AsInt(*concurrent, o.PathOf("concurrent_children"), 1, 1024));
  }
  return r;
}

template <class T>
void Take(std::optional<T>& into, const std::optional<T>& over) {
  if (over) into = over;
}

// dlt's _merge_resource_endpoints: `over` wins key by key; params and json
// members are merged by name (defaults' order first, new names after).
ResourceDraft MergeDraft(const ResourceDraft& defaults, const ResourceDraft& over) {
  ResourceDraft out = over;
  out.hints = TableHints::Merge(defaults.hints, over.hints);
  if (over.disposition_path.empty()) out.disposition_path = defaults.disposition_path;
  if (!out.include_from_parent && defaults.include_from_parent) {
    out.include_from_parent = defaults.include_from_parent;
    out.include_from_parent_is_default = true;
  }
  if (!out.selected) out.selected = defaults.selected;
  if (!out.concurrent_children) out.concurrent_children = defaults.concurrent_children;

  const EndpointDraft& d = defaults.endpoint;
  EndpointDraft& e = out.endpoint;
  EndpointDraft merged = d;
  Take(merged.path, e.path);
  Take(merged.method, e.method);
  Take(merged.headers, e.headers);
  Take(merged.paginator, e.paginator);
  Take(merged.data_selector, e.data_selector);
  Take(merged.response_actions, e.response_actions);
  Take(merged.incremental, e.incremental);
  Take(merged.auth, e.auth);
  Take(merged.concurrent_pages, e.concurrent_pages);
  if (e.params) {
    if (!merged.params) merged.params.emplace();
    for (const ParamDraft& p : *e.params) {
      auto it = std::find_if(merged.params->begin(), merged.params->end(),
                             [&](const ParamDraft& q) { return q.name == p.name; });
      if (it == merged.params->end()) {
        merged.params->push_back(p);
      } else {
        *it = p;
      }
    }
  }
  if (e.json_other) {
    merged.json_other = e.json_other;
    merged.json_members.reset();
  } else if (e.json_members) {
    if (!merged.json_members) merged.json_members.emplace();
    merged.json_other.reset();
    for (const JsonMember& m : *e.json_members) {
      auto it = std::find_if(merged.json_members->begin(), merged.json_members->end(),
                             [&](const JsonMember& q) { return q.key == m.key; });
      if (it == merged.json_members->end()) {
        merged.json_members->push_back(m);
      } else {
        *it = m;
      }
    }
  }
  e = std::move(merged);
  return out;
}

// ---------------------------------------------------------------------------
// Client


Result<rest::ClientConfig> ParseClient(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(
      Object o, Object::Open(v, path, {"base_url", "headers", "auth", "paginator", "http", "retry", "limits"},
                             {{"session", "not supported by ingestd (a Python requests session)"}}));
  rest::ClientConfig client;
  INGESTD_ASSIGN_OR_RETURN(const Value* base_url, o.Require("base_url"));
  std::string url_path = o.PathOf("base_url");
  INGESTD_ASSIGN_OR_RETURN(client.base_url, AsNonEmptyString(*base_url, url_path));
  if (auto bad = CheckAbsoluteHttpUrl(client.base_url)) {
    std::string shown = client.base_url.substr(0, client.base_url.find('?'));  // a query may hold a key
    return At(url_path, *bad + ", got " + Quoted(shown));
  }
  if (const Value* x = o.Find("headers")) {
    INGESTD_ASSIGN_OR_RETURN(client.headers, AsStringMap(*x, o.PathOf("headers")));
  }
  if (const Value* x = o.Find("auth")) {
    INGESTD_ASSIGN_OR_RETURN(client.auth, ParseAuth(*x, o.PathOf("auth")));
  }
  if (const Value* x = o.Find("paginator")) {
    INGESTD_ASSIGN_OR_RETURN(client.paginator, ParsePaginator(*x, o.PathOf("paginator")));
  }
  INGESTD_ASSIGN_OR_RETURN(client.http, ParseHttpOptions(o));
  return client;
}

// ---------------------------------------------------------------------------
// A merged draft into a ResourceSpec

std::string JsonBodyText(const EndpointDraft& e) {
  if (e.json_other) return CompactJson(*e.json_other->value);
  rapidjson::StringBuffer text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(text);
  writer.StartObject();
  for (const JsonMember& m : *e.json_members) {
    writer.Key(m.key.data(), static_cast<rapidjson::SizeType>(m.key.size()));
    m.value->Accept(writer);
  }
  writer.EndObject();
  return std::string(text.GetString(), text.GetSize());
}

// The resource's ResourceSpec and, separately, the parent it names (checked
// across resources by the caller).
struct Built {
  ResourceSpec spec;
  std::string parent_path;
};

Result<Built> BuildResource(ResourceDraft draft, const std::shared_ptr<const rest::ClientConfig>& client) {
  Built built;
  ResourceSpec& r = built.spec;
  r.name = draft.name;
  draft.hints.ApplyTo(r);
  INGESTD_TRY(CheckUpsertHasKey(r, draft.disposition_path.empty() ? draft.path : draft.disposition_path));

  EndpointDraft& e = draft.endpoint;
  rest::RestResourceConfig config;
  config.client = client;
  rest::EndpointConfig& endpoint = config.endpoint;
  // dlt: an endpoint without a path requests the resource's name.
  Located<std::string> path = e.path.value_or(Located<std::string>{draft.name, draft.name_path});
  if (std::string_view(path.value).starts_with("http:") || std::string_view(path.value).starts_with("https:")) {
    if (auto bad = CheckAbsoluteHttpUrl(path.value)) return At(path.path, *bad);
  }
  if (e.method) endpoint.method = *e.method;

  // Legacy incremental param (dlt's {"type": "incremental", ...}): the
  // param's name becomes start_param.
  std::vector<ParamDraft> params = e.params.value_or(std::vector<ParamDraft>{});
  for (auto it = params.begin(); it != params.end();) {
    if (it->kind != ParamDraft::Kind::kIncremental) {
      ++it;
      continue;
    }
    if (e.incremental && e.incremental->from_param) {
      return At(it->path, "a second incremental param (one per endpoint; the first is " + e.incremental->path + ")");
    }
    if (e.incremental) {
      return At(it->path, "an incremental param and \"incremental\" on the endpoint (" + e.incremental->path +
                              ") are exclusive; use one");
    }
    e.incremental = IncrementalDraft{it->incremental, rest::IncrementalParams{it->name, std::nullopt}, it->path, true};
    it = params.erase(it);
  }

  PlaceholderCheck check;
  check.has_incremental = e.incremental.has_value();

  // The path: single-entity detection on the path as written, then dlt's
  // legacy binding of `{name}` to a param of that name (a resolve param
  // becomes a parent placeholder, a plain value is put in the path).
  INGESTD_ASSIGN_OR_RETURN(std::vector<TemplatePart> parts, SplitTemplate(path.value, path.path));
  bool single_entity = IsSingleEntityPath(parts);
  std::string bound_path;
  for (const TemplatePart& part : parts) {
    if (!part.is_field) {
      bound_path += part.text;
      continue;
    }
    auto param = std::find_if(params.begin(), params.end(), [&](const ParamDraft& p) { return p.name == part.text; });
    if (param == params.end() || part.text.find('.') != std::string::npos) {
      bound_path += "{" + part.text + "}";
      continue;
    }
    if (param->kind == ParamDraft::Kind::kResolve) {
      bound_path += "{resources." + param->resource + "." + param->field + "}";
    } else {
      bound_path += EscapeBraces(param->value);
    }
    params.erase(param);
  }
  INGESTD_TRY(CheckTemplate(bound_path, path.path, check));
  endpoint.path = std::move(bound_path);

  for (const ParamDraft& p : params) {
    std::string value = p.kind == ParamDraft::Kind::kResolve ? "{resources." + p.resource + "." + p.field + "}"
                                                             : p.value;
    INGESTD_TRY(CheckTemplate(value, p.path, check));
    endpoint.params.emplace_back(p.name, std::move(value));
  }
  if (e.json_members || e.json_other) {
    if (e.json_other) {
      INGESTD_TRY(CheckJsonTemplates(*e.json_other->value, e.json_other->path, check));
    } else {
      for (const JsonMember& m : *e.json_members) INGESTD_TRY(CheckJsonTemplates(*m.value, m.path, check));
    }
    endpoint.json = JsonBodyText(e);
  }
  if (e.headers) {
    for (const auto& [name, value] : e.headers->value) {
      INGESTD_TRY(CheckTemplate(value, Join(e.headers->path, name), check));
    }
    endpoint.headers = e.headers->value;
  }
  endpoint.paginator = e.paginator;
  endpoint.data_selector = e.data_selector;
  if (single_entity) {
    // dlt: one object per request unless a paginator / selector is set on
    // the endpoint or in resource_defaults (a client paginator does not count).
    if (!endpoint.paginator) {
      endpoint.paginator.emplace();
      endpoint.paginator->type = rest::PaginatorConfig::Type::kSinglePage;
    }
    if (!endpoint.data_selector) endpoint.data_selector = "$";
  }
  if (e.response_actions) endpoint.response_actions = *e.response_actions;
  if (e.incremental) {
    r.incremental = e.incremental->cursor;
    endpoint.incremental = e.incremental->params;
  }
  endpoint.auth = e.auth;
  if (e.concurrent_pages) endpoint.concurrent_pages = *e.concurrent_pages;

  config.parent = check.parent;
  built.parent_path = check.parent_path;
  // A default include_from_parent applies to the children only (as in dlt).
  if (draft.include_from_parent && (config.parent || !draft.include_from_parent_is_default)) {
    if (!config.parent) {
      return At(draft.include_from_parent->path,
                "needs a parent resource (a {resources.<parent>.<field>} placeholder in the endpoint)");
    }
    config.include_from_parent = draft.include_from_parent->value;
  }
  if (draft.selected) config.selected = *draft.selected;
  if (draft.concurrent_children) config.concurrent_children = *draft.concurrent_children;
  r.source = std::move(config);
  return built;
}

}  // namespace

Result<std::vector<ResourceSpec>> ParseRestApi(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"client", "resource_defaults", "resources"}));
  INGESTD_ASSIGN_OR_RETURN(const Value* client_value, o.Require("client"));
  INGESTD_ASSIGN_OR_RETURN(rest::ClientConfig client_config, ParseClient(*client_value, o.PathOf("client")));
  auto client = std::make_shared<const rest::ClientConfig>(std::move(client_config));

  ResourceDraft defaults;
  if (const Value* x = o.Find("resource_defaults")) {
    INGESTD_ASSIGN_OR_RETURN(defaults, ParseResourceDraft(*x, o.PathOf("resource_defaults"), true));
  }

  INGESTD_ASSIGN_OR_RETURN(const Value* resources, o.Require("resources"));
  std::string resources_path = o.PathOf("resources");
  if (!resources->IsArray()) return WrongType(resources_path, "an array of resources", *resources);
  if (resources->Size() == 0) return At(resources_path, "expected at least one resource");

  std::vector<Built> built;
  for (std::size_t i = 0; i < resources->Size(); ++i) {
    std::string p = Index(resources_path, i);
    INGESTD_ASSIGN_OR_RETURN(ResourceDraft draft, ParseResourceDraft((*resources)[i], p, false));
    for (const Built& other : built) {
      if (other.spec.name == draft.name) {
        std::size_t j = static_cast<std::size_t>(&other - built.data());
        return At(draft.name_path, "duplicate resource name " + Quoted(draft.name) + " (also " +
                                       Index(resources_path, j) + ")");
      }
    }
    INGESTD_ASSIGN_OR_RETURN(Built b, BuildResource(MergeDraft(defaults, draft), client));
    built.push_back(std::move(b));
  }

  // Parents: another resource of this config, and no cycles.
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < built.size(); ++i) by_name[built[i].spec.name] = i;
  auto parent_of = [&](std::size_t i) -> const std::optional<std::string>& {
    return std::get<rest::RestResourceConfig>(built[i].spec.source).parent;
  };
  for (std::size_t i = 0; i < built.size(); ++i) {
    const std::optional<std::string>& parent = parent_of(i);
    if (!parent) continue;
    if (*parent == built[i].spec.name) {
      return At(built[i].parent_path, "resource " + Quoted(*parent) + " cannot be its own parent");
    }
    if (by_name.find(*parent) == by_name.end()) {
      return At(built[i].parent_path, "unknown parent resource " + Quoted(*parent) +
                                          " (a parent must be a resource of this rest_api config)");
    }
  }
  for (std::size_t i = 0; i < built.size(); ++i) {
    std::string chain = built[i].spec.name;
    std::size_t at = i;
    // A chain longer than the resources has a cycle; the one through `i`
    // is reported here, others at their own members.
    for (std::size_t steps = 0; steps < built.size(); ++steps) {
      const std::optional<std::string>& next = parent_of(at);
      if (!next) break;
      chain += " -> " + *next;
      at = by_name.at(*next);
      if (at == i) return At(built[i].parent_path, "parent cycle: " + chain);
    }
  }

  std::vector<ResourceSpec> out;
  out.reserve(built.size());
  for (Built& b : built) out.push_back(std::move(b.spec));
  return out;
}

Result<http::HttpClientOptions> ParseHttpOptions(const Object& client) {
  http::HttpClientOptions options;
  if (const Value* v = client.Find("http")) {
    INGESTD_ASSIGN_OR_RETURN(
        Object o, Object::Open(*v, client.PathOf("http"),
                               {"connect_timeout_seconds", "read_timeout_seconds", "total_timeout_seconds",
                                "max_response_bytes", "max_redirects", "verify_tls", "ca_file", "user_agent",
                                "accept_compressed", "max_idle_connections_per_host"}));
    if (const Value* x = o.Find("connect_timeout_seconds")) {
      INGESTD_ASSIGN_OR_RETURN(options.connect_timeout_seconds,
                               AsPositiveSeconds(*x, o.PathOf("connect_timeout_seconds")));
    }
    if (const Value* x = o.Find("read_timeout_seconds")) {
      INGESTD_ASSIGN_OR_RETURN(options.read_timeout_seconds, AsPositiveSeconds(*x, o.PathOf("read_timeout_seconds")));
    }
    if (const Value* x = o.Find("total_timeout_seconds")) {
      INGESTD_ASSIGN_OR_RETURN(options.total_timeout_seconds,
                               AsPositiveSeconds(*x, o.PathOf("total_timeout_seconds")));
    }
    if (const Value* x = o.Find("max_response_bytes")) {
      INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(*x, o.PathOf("max_response_bytes"), 1));
      options.max_response_bytes = static_cast<std::size_t>(n);
    }
    if (const Value* x = o.Find("max_redirects")) {
      INGESTD_ASSIGN_OR_RETURN(options.max_redirects, AsInt(*x, o.PathOf("max_redirects"), 0, 100));
    }
    if (const Value* x = o.Find("verify_tls")) {
      INGESTD_ASSIGN_OR_RETURN(options.verify_tls, AsBool(*x, o.PathOf("verify_tls")));
    }
    if (const Value* x = o.Find("ca_file")) {
      INGESTD_ASSIGN_OR_RETURN(options.ca_file, AsNonEmptyString(*x, o.PathOf("ca_file")));
    }
    if (const Value* x = o.Find("user_agent")) {
      INGESTD_ASSIGN_OR_RETURN(options.user_agent, AsNonEmptyString(*x, o.PathOf("user_agent")));
    }
    if (const Value* x = o.Find("accept_compressed")) {
      INGESTD_ASSIGN_OR_RETURN(options.accept_compressed, AsBool(*x, o.PathOf("accept_compressed")));
    }
    if (const Value* x = o.Find("max_idle_connections_per_host")) {
      INGESTD_ASSIGN_OR_RETURN(options.max_idle_connections_per_host,
                               AsInt(*x, o.PathOf("max_idle_connections_per_host"), 0, 1024));
    }
  }
  if (const Value* v = client.Find("retry")) {
    static const std::vector<std::string_view> kKeys = {
        "max_attempts",  "backoff_base_seconds", "backoff_factor",  "max_delay_seconds",
        "jitter",        "min_retry_after_seconds", "retry_statuses", "honour_retry_after"};
    std::string path = client.PathOf("retry");
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(*v, path, kKeys));
    http::RetryOptions& retry = options.retry;
    if (const Value* x = o.Find("max_attempts")) {
      INGESTD_ASSIGN_OR_RETURN(retry.max_attempts,
                               AsInt(*x, o.PathOf("max_attempts"), std::numeric_limits<int>::min()));
    }
    auto number = [&](std::string_view key, double& out) -> Status {
      if (const Value* x = o.Find(key)) {
        INGESTD_ASSIGN_OR_RETURN(out, AsNumber(*x, o.PathOf(key)));
      }
      return {};
    };
    INGESTD_TRY(number("backoff_base_seconds", retry.backoff_base_seconds));
    INGESTD_TRY(number("backoff_factor", retry.backoff_factor));
    INGESTD_TRY(number("max_delay_seconds", retry.max_delay_seconds));
    INGESTD_TRY(number("jitter", retry.jitter));
    INGESTD_TRY(number("min_retry_after_seconds", retry.min_retry_after_seconds));
    if (const Value* x = o.Find("retry_statuses")) {
      std::string p = o.PathOf("retry_statuses");
      if (!x->IsArray()) return WrongType(p, "an array of HTTP statuses", *x);
      retry.retry_statuses.clear();
      for (std::size_t i = 0; i < x->Size(); ++i) {
        INGESTD_ASSIGN_OR_RETURN(int status, AsInt((*x)[i], Index(p, i), 0, 999));
        retry.retry_statuses.push_back(status);
      }
    }
    if (const Value* x = o.Find("honour_retry_after")) {
      INGESTD_ASSIGN_OR_RETURN(retry.honour_retry_after, AsBool(*x, o.PathOf("honour_retry_after")));
    }
    if (Status valid = retry.Validate(); !valid.ok()) {
      return AtNamedField(path, "retry option ", valid.error(), kKeys);
    }
  }
  if (const Value* v = client.Find("limits")) {
    std::string path = client.PathOf("limits");
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(*v, path, {"max_concurrent", "requests_per_second"}));
    http::HostLimits& limits = options.host_limits;
    if (const Value* x = o.Find("max_concurrent")) {
      INGESTD_ASSIGN_OR_RETURN(limits.max_concurrent,
                               AsInt(*x, o.PathOf("max_concurrent"), std::numeric_limits<int>::min()));
    }
    if (const Value* x = o.Find("requests_per_second")) {
      INGESTD_ASSIGN_OR_RETURN(limits.requests_per_second, AsNumber(*x, o.PathOf("requests_per_second")));
    }
    if (Status valid = limits.Validate(); !valid.ok()) {
      return AtNamedField(path, "host limit ", valid.error(), {"max_concurrent", "requests_per_second"});
    }
  }
  return options;
}

}  // namespace ingestd::pipeline::spec_json
