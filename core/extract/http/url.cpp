#include "core/extract/http/url.hpp"

#include <charconv>
#include <optional>
#include <system_error>

#include "core/common/ascii.hpp"

namespace ingestd::extract::http {
namespace {

// How much of a bad URL an error message quotes.
constexpr std::size_t kQuoteBytes = 200;

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsUnreserved(char c) { return IsAlpha(c) || IsAsciiDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool IsControlOrSpace(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

void AppendPercent(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[byte >> 4];
  out += kHex[byte & 0x0f];
}

std::string PercentDecodeQueryPart(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {  // application/x-www-form-urlencoded, which query strings use
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && HexDigitValue(text[i + 1]) >= 0 && HexDigitValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigitValue(text[i + 1]) * 16 + HexDigitValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// The URL as an error message may show it: no query or fragment (they may
// carry api keys), no userinfo (it may carry a password), printable, bounded.
std::string QuoteForError(std::string_view text) {
  text = text.substr(0, text.find_first_of("?#"));
  const std::size_t scheme_end = text.find("://");
  const std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t authority_end = text.find('/', authority_start);
  const std::size_t at = text.substr(0, authority_end).rfind('@');
  std::string cleaned;
  if (at != std::string_view::npos && at >= authority_start) {
    cleaned = std::string(text.substr(0, authority_start)) + std::string(text.substr(at + 1));
  } else {
    cleaned = std::string(text);
  }
  std::string out = "\"";
  for (std::size_t i = 0; i < cleaned.size() && i < kQuoteBytes; ++i) {
    const char c = cleaned[i];
    out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
  }
  if (cleaned.size() > kQuoteBytes) out += "...";
  out += '"';
  return out;
}

Error BadUrl(std::string_view text, std::string_view what) {
  return InvalidArgument("invalid URL " + QuoteForError(text) + ": " + std::string(what));
}

std::uint16_t DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

// RFC 3986 reg-name / IPv4 characters (percent escapes allowed).
bool IsHostChar(char c) {
  static constexpr std::string_view kSubDelims = "!$&'()*+,;=";
  return IsUnreserved(c) || c == '%' || kSubDelims.find(c) != std::string_view::npos;
}

// The parts of a URI reference (RFC 3986 §4.1); unset means absent, which
// differs from empty for authority and query.
struct Reference {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
};

Reference SplitReference(std::string_view text) {
  Reference ref;
  text = text.substr(0, text.find('#'));
  // A scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) before the first ':',
  // and only when that ':' comes before any '/', '?'.
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos && colon > 0 && IsAlpha(text[0]) &&
      text.substr(0, colon).find_first_of("/?") == std::string_view::npos) {
    bool valid = true;
    for (char c : text.substr(0, colon)) {
      if (!(IsAlpha(c) || IsAsciiDigit(c) || c == '+' || c == '-' || c == '.')) valid = false;
    }
    if (valid) {
      ref.scheme = text.substr(0, colon);
      text.remove_prefix(colon + 1);
    }
  }
  if (text.starts_with("//")) {
    text.remove_prefix(2);
    const std::size_t end = text.find_first_of("/?");
    ref.authority = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  const std::size_t q = text.find('?');
  ref.path = text.substr(0, q);
  if (q != std::string_view::npos) ref.query = text.substr(q + 1);
  return ref;
}

// RFC 3986 §5.2.4.
std::string RemoveDotSegments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.starts_with("../")) {
      input.remove_prefix(3);
    } else if (input.starts_with("./")) {
      input.remove_prefix(2);
    } else if (input.starts_with("/./")) {
      input.remove_prefix(2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.starts_with("/../") || input == "/..") {
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      const std::size_t slash = output.rfind('/');
      output.erase(slash == std::string::npos ? 0 : slash);
    } else if (input == "." || input == "..") {
      input = {};
    } else {
      const std::size_t next = input.find('/', input.front() == '/' ? 1 : 0);
      const std::size_t len = next == std::string_view::npos ? input.size() : next;
      output.append(input.substr(0, len));
      input.remove_prefix(len);
    }
  }
  return output;
}

// The authority as written in a URL: default port omitted, IPv6 bracketed.
std::string UrlAuthority(const Url& url) {
  std::string out = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != DefaultPort(url.scheme)) out += ":" + std::to_string(url.port);
  return out;
}

}  // namespace

Result<Url> Url::Parse(std::string_view text) {
  for (char c : text) {
    if (IsControlOrSpace(c)) return BadUrl(text, "contains a space or control character");
  }
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return BadUrl(text, "not an absolute http or https URL");
  Url url;
  url.scheme = ToLower(text.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https") {
    return BadUrl(text, "scheme must be http or https");
  }
  std::string_view rest = text.substr(colon + 1);
  if (!rest.starts_with("//")) return BadUrl(text, "no host (expected \"" + url.scheme + "://host/...\")");
  rest.remove_prefix(2);
  rest = rest.substr(0, rest.find('#'));

  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end == std::string_view::npos ? rest.size() : authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(text, "credentials in the URL (user:pass@) are not allowed; use the auth settings");
  }

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(text, "unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    for (char c : host) {
      if (!(IsAsciiDigit(c) || HexDigitValue(c) >= 0 || c == ':' || c == '.')) return BadUrl(text, "bad IPv6 address");
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl(text, "unexpected characters after the IPv6 address");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const std::size_t port_colon = authority.rfind(':');
    host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(port_colon + 1);
    }
    for (char c : host) {
      if (!IsHostChar(c)) return BadUrl(text, "invalid character in the host");
    }
  }
  if (host.empty()) return BadUrl(text, "no host");
  url.host = ToLower(host);

  url.port = DefaultPort(url.scheme);
  if (has_port && !port_text.empty()) {  // "host:" means the default port (RFC 3986 §3.2.3)
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || !IsAsciiDigit(port_text.front()) ||
        value == 0 || value > 65535) {
      return BadUrl(text, "bad port (expected 1 to 65535)");
    }
    url.port = static_cast<std::uint16_t>(value);
  }

  // Path and query, with bytes outside ASCII percent-encoded (servers differ
  // in what they accept raw); existing escapes are kept as written.
  if (rest.empty() || rest.front() == '?') url.target = "/";
  for (char c : rest) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      AppendPercent(url.target, static_cast<unsigned char>(c));
    } else {
      url.target += c;
    }
  }
  return url;
}

Result<Url> Url::Resolve(std::string_view reference) const {
  for (char c : reference) {
    if (IsControlOrSpace(c)) return BadUrl(reference, "contains a space or control character");
  }
  Reference ref = SplitReference(reference);
  // RFC 3986 §5.2.2 allows "http:g" (same scheme, no authority) to mean a
  // relative reference for backward compatibility, as browsers do.
  if (ref.scheme && !ref.authority && ToLower(*ref.scheme) == scheme) ref.scheme.reset();
  if (ref.scheme) {
    const std::string ref_scheme = ToLower(*ref.scheme);
    if (ref_scheme != "http" && ref_scheme != "https") return BadUrl(reference, "scheme must be http or https");
    INGESTD_ASSIGN_OR_RETURN(Url absolute, Parse(reference));
    const std::string_view path = absolute.Path();
    const std::string_view query_part = std::string_view(absolute.target).substr(path.size());
    absolute.target = RemoveDotSegments(path) + std::string(query_part);
    return absolute;
  }

  std::string authority;
  std::string path;
  std::optional<std::string_view> query;
  if (ref.authority) {
    authority = std::string(*ref.authority);
    path = RemoveDotSegments(ref.path);
    query = ref.query;
  } else {
    authority = UrlAuthority(*this);
    const std::string_view base_path = Path();
    if (ref.path.empty()) {
      path = std::string(base_path);
      if (ref.query) {
        query = ref.query;
      } else if (target.find('?') != std::string::npos) {
        query = Query();
      }
    } else {
      if (ref.path.front() == '/') {
        path = RemoveDotSegments(ref.path);
      } else {
        // Merge (§5.2.3): the base path up to its last '/', then the reference.
        const std::size_t slash = base_path.rfind('/');
        const std::string merged =
            (slash == std::string_view::npos ? std::string("/") : std::string(base_path.substr(0, slash + 1))) +
            std::string(ref.path);
        path = RemoveDotSegments(merged);
      }
      query = ref.query;
    }
  }
  std::string text = scheme + "://" + authority + path;
  if (query) text += "?" + std::string(*query);
  return Parse(text);
}

std::string Url::ToString() const { return scheme + "://" + UrlAuthority(*this) + target; }

std::string Url::Redacted() const { return scheme + "://" + UrlAuthority(*this) + std::string(Path()); }

std::string Url::Authority() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string_view Url::Path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Url::Query() const {
  const std::string_view t = target;
  const std::size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      out += c;
    } else {
      AppendPercent(out, static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string PercentEncodePathSegment(std::string_view text) {
  // The unreserved set is also safe in a path segment; everything else,
  // '/' above all, is escaped so a value cannot change the path's shape.
  return PercentEncode(text);
}

Url WithQueryParams(Url url, const std::vector<std::pair<std::string, std::string>>& params) {
  if (params.empty()) return url;
  const std::string path(url.Path());
  const std::string_view query = url.Query();
  std::string new_query;
  auto append = [&new_query](std::string_view part) {
    if (!new_query.empty()) new_query += '&';
    new_query.append(part);
  };
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const std::size_t amp = query.find('&', start);
    const std::string_view part = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (!part.empty()) {
      const std::string key = PercentDecodeQueryPart(part.substr(0, part.find('=')));
      bool replaced = false;
      for (const auto& [name, value] : params) {
        if (name == key) replaced = true;
      }
      if (!replaced) append(part);
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  for (const auto& [name, value] : params) append(PercentEncode(name) + "=" + PercentEncode(value));
  url.target = path + "?" + new_query;
  return url;
}

std::vector<std::pair<std::string, std::string>> QueryParams(const Url& url) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string_view query = url.Query();
  std::size_t start = 0;
  while (!query.empty()) {
    const std::size_t amp = query.find('&', start);
    const std::string_view part = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      out.emplace_back(PercentDecodeQueryPart(part.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : PercentDecodeQueryPart(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

}  // namespace ingestd::extract::http
