#include "core/json/syntax_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ingestd::json {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes that end a run of plain string characters: the quote, the
// backslash and the control characters.
constexpr auto kStringStop = [] {
  std::array<bool, 256> stop{};
  for (int c = 0; c < 0x20; ++c) stop[c] = true;
  stop['"'] = true;
  stop['\\'] = true;
  return stop;
}();

class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool Run() {
    SkipSpace();
    // The containers open around the current position: '{' or '['.
    std::vector<char> open;
    for (;;) {
      // A value.
      if (p_ == end_) return false;
      const char c = *p_;
      if (c == '{' || c == '[') {
        ++p_;
        SkipSpace();
        if (p_ == end_) return false;
        if ((c == '{' && *p_ == '}') || (c == '[' && *p_ == ']')) {
          ++p_;  // empty container: a complete value
        } else {
          open.push_back(c);
          if (c == '{' && !Key()) return false;
          continue;
        }
      } else if (c == '"') {
        if (!String()) return false;
      } else if (c == '-' || IsDigit(c)) {
        if (!Number()) return false;
      } else if (!Literal()) {
        return false;
      }
      // After a value: close containers, or a comma and the next value.
      for (;;) {
        SkipSpace();
        if (open.empty()) return p_ == end_;
        if (p_ == end_) return false;
        const char closing = open.back() == '{' ? '}' : ']';
        if (*p_ == closing) {
          ++p_;
          open.pop_back();
          continue;
        }
        if (*p_ != ',') return false;
        ++p_;
        SkipSpace();
        if (open.back() == '{' && !Key()) return false;
        break;
      }
    }
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && IsSpace(*p_)) ++p_;
  }

  // `"name" :` with the whitespace around the colon.
  bool Key() {
    if (p_ == end_ || *p_ != '"' || !String()) return false;
    SkipSpace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    SkipSpace();
    return true;
  }

  bool String() {
    ++p_;  // the opening quote
    for (;;) {
      // Plain characters first: the common case by far. A local pointer
      // and a table keep this loop in registers.
      const char* p = p_;
      while (p != end_ && !kStringStop[static_cast<unsigned char>(*p)]) ++p;
      p_ = p;
      if (p_ == end_) return false;
      const char c = *p_++;
      if (c == '"') return true;
      if (c != '\\') return false;  // a control character
      if (p_ == end_) return false;
      const char e = *p_++;
      switch (e) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': continue;
        case 'u': break;
        default: return false;
      }
      int unit = 0;
      if (!Hex4(unit)) return false;
      // A low surrogate alone passes, as RapidJSON lets it.
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        // A high surrogate must be followed by an escaped low one.
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
        p_ += 2;
        int low = 0;
        if (!Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      }
    }
  }

  bool Hex4(int& value) {
    if (end_ - p_ < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = HexValue(p_[i]);
      if (h < 0) return false;
      value = value * 16 + h;
    }
    p_ += 4;
    return true;
  }

  bool Digits() {
    if (p_ == end_ || !IsDigit(*p_)) return false;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number() {
    if (*p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (!Digits()) {
      return false;
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!Digits()) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits()) return false;
    }
    return true;
  }

  bool Literal() {
    for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (static_cast<std::size_t>(end_ - p_) >= word.size() && std::string_view(p_, word.size()) == word) {
        p_ += word.size();
        return true;
      }
    }
    return false;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

bool IsValidJsonSyntax(std::string_view text) { return Scanner(text).Run(); }

}  // namespace ingestd::json
