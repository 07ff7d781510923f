#include "core/naming/snake_case_convention.hpp"

#include "core/common/ascii.hpp"

namespace ingestd::naming {
namespace {

// The character classes are ASCII only, as in dlt's patterns. Non-ASCII
// bytes are never alphanumeric here, so a multi-byte UTF-8 character ends up
// inside a `_` run.
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsWordChar(char c) { return IsUpper(c) || IsLower(c) || IsAsciiDigit(c) || c == '_'; }

// Already-normalized identifiers (the common case: keys seen before, or
// sources that use snake_case) come back unchanged from every step below:
// only [a-z0-9_], no leading digit, no trailing `_` and no `__`.
bool IsAlreadyNormalized(std::string_view s) {
  if (s.empty() || IsAsciiDigit(s.front()) || s.back() == '_') return false;
  char prev = 0;
  for (const char c : s) {
    if (!(IsLower(c) || IsAsciiDigit(c) || c == '_')) return false;
    if (c == '_' && prev == '_') return false;
    prev = c;
  }
  return true;
}

// str.translate("+-*@|" -> "x_xal"), then `[^a-zA-Z\d_]+` -> `_`.
void ReduceAlphabet(std::string_view in, std::string& out) {
  out.clear();
  bool in_run = false;
  for (const char raw : in) {
    char c = raw;
    switch (raw) {
      case '+': c = 'x'; break;
      case '-': c = '_'; break;
      case '*': c = 'x'; break;
      case '@': c = 'a'; break;
      case '|': c = 'l'; break;
      default: break;
    }
    if (IsWordChar(c)) {
      out.push_back(c);
      in_run = false;
    } else if (!in_run) {
      out.push_back('_');
      in_run = true;
    }
  }
}

// re.sub("([^_])([A-Z][a-z]+)", r"\1_\2"): scan left to right; after a match
// the scan resumes behind the greedy [a-z]+ run, as re.sub does.
void BreakUpperWords(std::string_view in, std::string& out) {
  out.clear();
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    if (in[i] != '_' && i + 2 < n && IsUpper(in[i + 1]) && IsLower(in[i + 2])) {
      std::size_t end = i + 3;
      while (end < n && IsLower(in[end])) ++end;
      out.push_back(in[i]);
      out.push_back('_');
      out.append(in.substr(i + 1, end - i - 1));
      i = end;
    } else {
      out.push_back(in[i]);
      ++i;
    }
  }
}

// re.sub("([a-z0-9])([A-Z])", r"\1_\2") followed by .lower(). Group 1 can
// never be an upper-case letter, so matches cannot overlap and a single pass
// that looks at each adjacent pair is exact.
void BreakLowerUpperAndLower(std::string_view in, std::string& out) {
  out.clear();
  char prev = 0;
  for (const char c : in) {
    if (IsUpper(c)) {
      if (IsLower(prev) || IsAsciiDigit(prev)) out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
    prev = c;
  }
}

// Leading digit -> `_` prefix; each trailing `_` -> `x`; `__+` -> `_`.
std::string Finish(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 1);
  if (!in.empty() && IsAsciiDigit(in.front())) out.push_back('_');
  std::size_t body = in.size();
  while (body > 0 && in[body - 1] == '_') --body;
  const std::size_t trailing = in.size() - body;
  for (std::size_t i = 0; i < body; ++i) {
    if (in[i] == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(in[i]);
  }
  out.append(trailing, 'x');
  return out;
}

}  // namespace

std::string SnakeCaseConvention::NormalizeIdentifier(std::string_view identifier) const {
  const std::string_view stripped = StripWhitespace(identifier);
  if (IsAlreadyNormalized(stripped)) return Shorten(std::string(stripped), stripped);

  std::string a;
  std::string b;
  a.reserve(stripped.size());
  b.reserve(stripped.size() + stripped.size() / 2 + 1);
  ReduceAlphabet(stripped, a);
  BreakUpperWords(a, b);
  a.reserve(b.size() * 2);
  BreakLowerUpperAndLower(b, a);
  return Shorten(Finish(a), stripped);
}

}  // namespace ingestd::naming
