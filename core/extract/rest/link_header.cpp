// FindLinkRel: the Link header (RFC 8288 §3):
//   Link: <https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel=last
// A URI in angle brackets, then `;`-separated parameters whose values are
// tokens or quoted strings; links are separated by commas, which may also
// appear inside the brackets and inside quoted strings.

#include <optional>

#include "core/common/ascii.hpp"
#include <string>
#include <string_view>

#include "core/extract/rest/paginator.hpp"

namespace ingestd::extract::rest {
namespace {

bool IsOws(char c) { return c == ' ' || c == '\t'; }

class LinkHeaderReader {
 public:
  explicit LinkHeaderReader(std::string_view text) : text_(text) {}

  // Finds the first link whose rel lists `rel`.
  std::optional<std::string> Find(std::string_view rel) {
    while (true) {
      while (!AtEnd() && (IsOws(Peek()) || Peek() == ',')) ++pos_;
      if (AtEnd()) return std::nullopt;
      if (Peek() != '<') {  // malformed link: skip it
        SkipToNextLink();
        continue;
      }
      const std::size_t close = text_.find('>', pos_ + 1);
      if (close == std::string_view::npos) return std::nullopt;
      const std::string_view uri = text_.substr(pos_ + 1, close - pos_ - 1);
      pos_ = close + 1;
      const std::optional<std::string> rels = ReadRelParam();
      if (rels && ListsRel(*rels, rel)) return std::string(Trim(uri));
    }
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
    return s;
  }

  // Reads the parameters of one link up to the comma ending it (or the end)
  // and returns the first `rel` value (RFC 8288: later ones are ignored).
  std::optional<std::string> ReadRelParam() {
    std::optional<std::string> rel;
    while (true) {
      while (!AtEnd() && IsOws(Peek())) ++pos_;
      if (AtEnd()) return rel;
      if (Peek() == ',') {
        ++pos_;
        return rel;
      }
      if (Peek() != ';') {  // junk after a parameter: skip to the next link
        SkipToNextLink();
        return rel;
      }
      ++pos_;
      while (!AtEnd() && IsOws(Peek())) ++pos_;
      const std::size_t name_start = pos_;
      while (!AtEnd() && Peek() != '=' && Peek() != ';' && Peek() != ',' && !IsOws(Peek())) ++pos_;
      const std::string_view name = text_.substr(name_start, pos_ - name_start);
      while (!AtEnd() && IsOws(Peek())) ++pos_;
      std::string value;
      if (!AtEnd() && Peek() == '=') {
        ++pos_;
        while (!AtEnd() && IsOws(Peek())) ++pos_;
        value = ReadValue();
      }
      if (!rel && EqualsIgnoreAsciiCase(name, "rel")) rel = std::move(value);
    }
  }

  // A token or a quoted string (backslash escapes the next character).
  std::string ReadValue() {
    std::string out;
    if (!AtEnd() && Peek() == '"') {
      ++pos_;
      while (!AtEnd() && Peek() != '"') {
        if (Peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
        out.push_back(Peek());
        ++pos_;
      }
      if (!AtEnd()) ++pos_;  // closing quote
      return out;
    }
    while (!AtEnd() && Peek() != ';' && Peek() != ',' && !IsOws(Peek())) out.push_back(text_[pos_++]);
    return out;
  }

  // Past the next comma outside quotes and brackets.
  void SkipToNextLink() {
    bool quoted = false;
    bool bracketed = false;
    while (!AtEnd()) {
      const char c = text_[pos_++];
      if (quoted) {
        if (c == '\\' && !AtEnd()) ++pos_;
        else if (c == '"') quoted = false;
      } else if (bracketed) {
        if (c == '>') bracketed = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '<') {
        bracketed = true;
      } else if (c == ',') {
        return;
      }
    }
  }

  // rel may hold several space-separated relation types; they compare
  // case-insensitively.
  static bool ListsRel(std::string_view rels, std::string_view wanted) {
    std::size_t i = 0;
    while (i < rels.size()) {
      while (i < rels.size() && (IsOws(rels[i]) || rels[i] == '\n' || rels[i] == '\r')) ++i;
      const std::size_t start = i;
      while (i < rels.size() && !(IsOws(rels[i]) || rels[i] == '\n' || rels[i] == '\r')) ++i;
      if (i > start && EqualsIgnoreAsciiCase(rels.substr(start, i - start), wanted)) return true;
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> FindLinkRel(std::string_view link_header, std::string_view rel) {
  return LinkHeaderReader(link_header).Find(rel);
}

}  // namespace ingestd::extract::rest
