// What dlt's rest_api does when neither a paginator nor a data selector is
// configured (reference §10; dlt's rest_client/detector.py): guess both from
// the first response.

#include <array>

#include "core/common/ascii.hpp"
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/extract/rest/paginator.hpp"
#include "core/extract/rest/paginator_internal.hpp"

namespace ingestd::extract::rest {
namespace {

// Deeper bodies are not searched for paging hints (dlt has no limit; this
// keeps hostile nesting off the C++ stack).
constexpr int kMaxHintDepth = 32;

std::string_view Key(const rapidjson::Value& name) { return {name.GetString(), name.GetStringLength()}; }

// A value that can be a next link or cursor. dlt also takes booleans (they
// are ints in Python); a flag like `next_page: true` is no cursor.
bool IsHintScalar(const rapidjson::Value& v) { return v.IsString() || v.IsNumber(); }

struct Hint {
  std::vector<std::string> keys;
  const rapidjson::Value* value = nullptr;
};

// dlt's find_next_page_path: depth-first through objects in member order;
// the first key starting with "next" (case-insensitive: next, nextPage,
// next_cursor, nextPageToken...) that holds a string or number, or an
// object with a member starting with "href" or "url" that holds one.
bool FindNextHint(const rapidjson::Value& object, Hint& hint, int depth) {
  if (depth > kMaxHintDepth) return false;
  for (const auto& member : object.GetObject()) {
    const std::string_view key = Key(member.name);
    hint.keys.emplace_back(key);
    if (StartsWithIgnoreAsciiCase(key, "next")) {
      if (member.value.IsObject()) {
        for (const auto& inner : member.value.GetObject()) {
          const std::string_view inner_key = Key(inner.name);
          if ((StartsWithIgnoreAsciiCase(inner_key, "href") || StartsWithIgnoreAsciiCase(inner_key, "url")) &&
              IsHintScalar(inner.value)) {
            hint.keys.emplace_back(inner_key);
            hint.value = &inner.value;
            return true;
          }
        }
      } else if (IsHintScalar(member.value)) {
        hint.value = &member.value;
        return true;
      }
    }
    if (member.value.IsObject() && FindNextHint(member.value, hint, depth + 1)) return true;
    hint.keys.pop_back();
  }
  return false;
}

// dlt's find_total_pages_path: the first key named total_pages, pages or
// totalpages (case-insensitive, so totalPages too) holding a string or
// number, depth-first.
bool FindTotalPagesHint(const rapidjson::Value& object, Hint& hint, int depth) {
  if (depth > kMaxHintDepth) return false;
  for (const auto& member : object.GetObject()) {
    const std::string_view key = Key(member.name);
    hint.keys.emplace_back(key);
    if ((EqualsIgnoreAsciiCase(key, "total_pages") || EqualsIgnoreAsciiCase(key, "pages") ||
         EqualsIgnoreAsciiCase(key, "totalpages")) &&
        IsHintScalar(member.value)) {
      hint.value = &member.value;
      return true;
    }
    if (member.value.IsObject() && FindTotalPagesHint(member.value, hint, depth + 1)) return true;
    hint.keys.pop_back();
  }
  return false;
}

// As Python's int(): a finite number, or a string holding an integer.
bool IsIntegerLike(const rapidjson::Value& v) {
  if (v.IsNumber()) return !v.IsDouble() || std::isfinite(v.GetDouble());
  if (!v.IsString()) return false;
  std::string_view text(v.GetString(), v.GetStringLength());
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long long parsed = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

bool LooksLikeUrl(const rapidjson::Value& v) {
  if (!v.IsString()) return false;
  const std::string_view text(v.GetString(), v.GetStringLength());
  return text.starts_with("http") || text.starts_with("/");
}

// OData's next link (v4 `@odata.nextLink`, v3 `odata.nextLink`), at the top.
std::optional<std::string> FindODataNextLink(const rapidjson::Value& body) {
  for (const auto& member : body.GetObject()) {
    const std::string_view key = Key(member.name);
    if ((EqualsIgnoreAsciiCase(key, "@odata.nextlink") || EqualsIgnoreAsciiCase(key, "odata.nextlink")) &&
        member.value.IsString() && member.value.GetStringLength() > 0) {
      return std::string(key);
    }
  }
  return std::nullopt;
}

bool HasNextLinkHeader(const http::HttpResponse* http) {
  if (http == nullptr) return false;
  for (const auto& [name, value] : http->headers) {
    if (!EqualsIgnoreAsciiCase(name, "link")) continue;
    const std::optional<std::string> next = FindLinkRel(value, "next");
    if (next && !next->empty()) return true;
  }
  return false;
}

Result<DetectedPaginator> Detected(const PaginatorConfig& config, const PageResponse& first_page,
                                   std::string explanation) {
  INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<Paginator> paginator, MakePaginator(config));
  Status seen = paginator->Update(first_page);
  if (!seen.ok()) return seen.error().WithContext("detected " + explanation);
  return DetectedPaginator{std::move(paginator), std::move(explanation)};
}

constexpr std::array<std::string_view, 11> kRecordKeys = {
    "data", "items", "results", "entries", "records", "rows", "entities", "payload", "content", "objects", "values"};

bool IsRecordKey(std::string_view key) {
  for (std::string_view record_key : kRecordKeys) {
    if (key == record_key) return true;
  }
  return false;
}

std::vector<const rapidjson::Value*> Elements(const rapidjson::Value& array) {
  std::vector<const rapidjson::Value*> out;
  out.reserve(array.Size());
  for (const auto& element : array.GetArray()) out.push_back(&element);
  return out;
}

// Sets the optional out-parameter. (Taking a std::string by value also keeps
// GCC 12 from a false -Wrestrict on assigning a literal.)
void Report(std::string* detected_path, std::string path) {
  if (detected_path != nullptr) *detected_path = std::move(path);
}

}  // namespace

Result<DetectedPaginator> DetectPaginator(const PageResponse& first_page) {
  PaginatorConfig config;
  if (HasNextLinkHeader(first_page.http)) {
    config.type = PaginatorConfig::Type::kHeaderLink;
    return Detected(config, first_page, "header_link (Link header with rel=\"next\")");
  }
  const rapidjson::Value* body = first_page.body;
  if (body != nullptr && body->IsObject()) {
    Hint next;
    const bool has_next = FindNextHint(*body, next, 0);
    if (has_next && LooksLikeUrl(*next.value)) {
      config.type = PaginatorConfig::Type::kJsonLink;
      config.next_url_path = internal::JoinPath(next.keys);
      return Detected(config, first_page, "json_link at " + config.next_url_path);
    }
    if (std::optional<std::string> odata_key = FindODataNextLink(*body)) {
      config.type = PaginatorConfig::Type::kJsonLink;
      config.next_url_path = internal::JoinPath({*odata_key});
      return Detected(config, first_page, "json_link at " + config.next_url_path);
    }
    Hint total;
    if (FindTotalPagesHint(*body, total, 0) && IsIntegerLike(*total.value)) {
      // The first request went out without a page parameter, which APIs
      // answer with their first page: count it as page 1 and ask for 2 next.
      config.type = PaginatorConfig::Type::kPageNumber;
      config.base_page = 1;
      config.page = 1;
      config.total_path = internal::JoinPath(total.keys);
      return Detected(config, first_page, "page_number with the page count at " + *config.total_path);
    }
    if (has_next) {
      config.type = PaginatorConfig::Type::kCursor;
      config.cursor_path = internal::JoinPath(next.keys);
      return Detected(config, first_page,
                      "cursor at " + config.cursor_path + " (sent as parameter " + config.cursor_param + ")");
    }
  }
  config.type = PaginatorConfig::Type::kSinglePage;
  return Detected(config, first_page, "single_page (no paging hints in the first response)");
}

std::vector<const rapidjson::Value*> SelectRecords(const rapidjson::Value& body, const JsonPath* selector,
                                                   std::string* detected_path) {
  if (selector != nullptr) {
    Report(detected_path, selector->text());
    std::vector<const rapidjson::Value*> matches = selector->Find(body);
    if (matches.size() == 1) {
      const rapidjson::Value& only = *matches.front();
      if (only.IsNull()) return {};
      if (only.IsArray()) return Elements(only);
      return {&only};
    }
    std::vector<const rapidjson::Value*> records;
    for (const rapidjson::Value* match : matches) {
      if (!match->IsNull()) records.push_back(match);
    }
    return records;
  }

  Report(detected_path, "$");
  if (body.IsNull()) return {};
  if (body.IsArray()) return Elements(body);
  if (!body.IsObject()) return {&body};  // a scalar body is one record, as in dlt

  // Arrays as members of the root object and of objects up to two levels
  // below it, level by level and in member order within a level. (dlt walks
  // depth first although it means to prefer the least nested list; this
  // takes the shallowest.)
  struct Level {
    const rapidjson::Value* object;
    std::vector<std::string> keys;
  };
  std::vector<Level> level{{&body, {}}};
  std::optional<Level> first_array;
  for (int depth = 0; depth < 3 && !level.empty(); ++depth) {
    std::vector<Level> deeper;
    for (const Level& parent : level) {
      for (const auto& member : parent.object->GetObject()) {
        const std::string_view key = Key(member.name);
        if (!member.value.IsArray() && !member.value.IsObject()) continue;
        Level child{&member.value, parent.keys};
        child.keys.emplace_back(key);
        if (member.value.IsObject()) {
          deeper.push_back(std::move(child));
          continue;
        }
        if (IsRecordKey(key)) {
          Report(detected_path, internal::JoinPath(child.keys));
          return Elements(member.value);
        }
        if (!first_array) first_array = std::move(child);
      }
    }
    level = std::move(deeper);
  }
  if (first_array) {
    Report(detected_path, internal::JoinPath(first_array->keys));
    return Elements(*first_array->object);
  }
  return {&body};
}

}  // namespace ingestd::extract::rest
