#include "core/extract/rest/placeholders.hpp"

#include <utility>

#include "core/extract/http/url.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::rest {
namespace {

// One piece of a template: literal text or a placeholder name.
struct Piece {
  bool placeholder = false;
  std::string text;
};

Result<std::vector<Piece>> Split(std::string_view text) {
  std::vector<Piece> pieces;
  std::string literal;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      literal += '}';
      ++i;
    } else if (c == '{') {
      const std::size_t close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        return InvalidArgument("unclosed '{' at offset " + std::to_string(i) + " in \"" + std::string(text) +
                               "\" (write {{ for a literal brace)");
      }
      std::string name(text.substr(i + 1, close - i - 1));
      if (name.empty() || name.find('{') != std::string::npos) {
        return InvalidArgument("empty or nested placeholder at offset " + std::to_string(i) + " in \"" +
                               std::string(text) + "\"");
      }
      if (!literal.empty()) pieces.push_back({false, std::move(literal)});
      literal.clear();
      pieces.push_back({true, std::move(name)});
      i = close;
    } else if (c == '}') {
      return InvalidArgument("stray '}' at offset " + std::to_string(i) + " in \"" + std::string(text) +
                             "\" (write }} for a literal brace)");
    } else {
      literal += c;
    }
  }
  if (!literal.empty()) pieces.push_back({false, std::move(literal)});
  return pieces;
}

}  // namespace

Result<std::vector<std::string>> FindPlaceholders(std::string_view text) {
  INGESTD_ASSIGN_OR_RETURN(std::vector<Piece> pieces, Split(text));
  std::vector<std::string> names;
  for (Piece& p : pieces) {
    if (p.placeholder) names.push_back(std::move(p.text));
  }
  return names;
}

Result<std::string> ExpandPlaceholders(std::string_view text, const PlaceholderLookup& lookup,
                                       PlaceholderEscaping escaping, std::string_view where, bool* unset) {
  if (unset != nullptr) *unset = false;
  INGESTD_ASSIGN_OR_RETURN(std::vector<Piece> pieces, Split(text));
  std::string out;
  for (const Piece& p : pieces) {
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    INGESTD_ASSIGN_OR_RETURN(std::optional<std::string> value, lookup(p.text));
    if (!value) {
      if (unset != nullptr) {
        *unset = true;
        return std::string();
      }
      return InvalidArgument(std::string(where) + ": placeholder {" + p.text + "} has no value");
    }
    out += escaping == PlaceholderEscaping::kPathSegment ? http::PercentEncodePathSegment(*value) : *value;
  }
  return out;
}

namespace {

// True when `text` is a JSON number or boolean literal, so a string holding
// exactly one placeholder can become that type.
bool IsJsonScalarLiteral(const std::string& text) {
  if (text == "true" || text == "false") return true;
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  return !d.HasParseError() && d.IsNumber();
}

Status ExpandValue(rapidjson::Value& value, rapidjson::Document::AllocatorType& alloc,
                   const PlaceholderLookup& lookup) {
  if (value.IsObject()) {
    for (auto& member : value.GetObject()) INGESTD_TRY(ExpandValue(member.value, alloc, lookup));
  } else if (value.IsArray()) {
    for (auto& element : value.GetArray()) INGESTD_TRY(ExpandValue(element, alloc, lookup));
  } else if (value.IsString()) {
    std::string_view text(value.GetString(), value.GetStringLength());
    INGESTD_ASSIGN_OR_RETURN(std::vector<Piece> pieces, Split(text));
    if (pieces.size() == 1 && pieces[0].placeholder) {
      INGESTD_ASSIGN_OR_RETURN(std::optional<std::string> v, lookup(pieces[0].text));
      if (!v) {
        value.SetNull();
      } else if (IsJsonScalarLiteral(*v)) {
        rapidjson::Document parsed(&alloc);
        parsed.Parse(v->data(), v->size());
        value.CopyFrom(parsed, alloc);
      } else {
        value.SetString(v->data(), v->size(), alloc);
      }
      return OkStatus();
    }
    bool any = false;
    for (const Piece& p : pieces) any = any || p.placeholder;
    if (!any) return OkStatus();
    INGESTD_ASSIGN_OR_RETURN(std::string expanded,
                             ExpandPlaceholders(text, lookup, PlaceholderEscaping::kNone, "json"));
    value.SetString(expanded.data(), expanded.size(), alloc);
  }
  return OkStatus();
}

}  // namespace

Result<std::string> ExpandJsonPlaceholders(std::string_view json, const PlaceholderLookup& lookup) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) return InvalidArgument("json body is not valid JSON");
  INGESTD_TRY(ExpandValue(doc, doc.GetAllocator(), lookup));
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace ingestd::extract::rest
