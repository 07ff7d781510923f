#include "core/infer/type_coercion.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/common/ascii.hpp"
#include "core/infer/timestamp_detection.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::infer {
namespace {

using schema::DataType;
using schema::Value;

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

int DigitValue(char c, int base) {
  const int v = HexDigitValue(c);
  return v >= 0 && v < base ? v : -1;
}

// ---- Python's str.strip() --------------------------------------------------

// Byte length of the Python whitespace character (str.isspace()) starting
// at `pos`, or 0. Covers ASCII and the UTF-8 encoded Unicode spaces.
std::size_t WhitespaceAt(std::string_view s, std::size_t pos) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  const std::size_t left = s.size() - pos;
  const unsigned char c = b(0);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return 1;
  if (c == 0xC2 && left >= 2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
  if (left < 3) return 0;
  if (c == 0xE1 && b(1) == 0x9A && b(2) == 0x80) return 3;  // U+1680
  if (c == 0xE2 && b(1) == 0x80) {
    // U+2000..U+200A, U+2028, U+2029, U+202F
    const unsigned char t = b(2);
    return (t >= 0x80 && t <= 0x8A) || t == 0xA8 || t == 0xA9 || t == 0xAF ? 3 : 0;
  }
  if (c == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;  // U+3000
  return 0;
}

std::string_view StripPython(std::string_view s) {
  std::size_t start = 0;
  while (start < s.size()) {
    const std::size_t n = WhitespaceAt(s, start);
    if (n == 0) break;
    start += n;
  }
  s.remove_prefix(start);
  // Strip from the right by trying each possible width of the last char.
  while (!s.empty()) {
    std::size_t width = 0;
    for (std::size_t n = 1; n <= 3 && n <= s.size(); ++n) {
      if (WhitespaceAt(s, s.size() - n) == n) {
        width = n;
        break;
      }
    }
    if (width == 0) break;
    s.remove_suffix(width);
  }
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// ---- Python int(text, base) --------------------------------------------------

struct IntText {
  bool negative = false;
  std::string digits;  // in `base`, underscores removed, at least one digit
};

// PEP 515 rules: single underscores between digits, plus one right after a
// "0x" prefix. Only ASCII digits (Python also takes other Unicode digits).
std::optional<IntText> ParsePythonInt(std::string_view text, int base) {
  std::string_view s = StripPython(text);
  IntText out;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    out.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (base == 16 && s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    if (!s.empty() && s[0] == '_') s.remove_prefix(1);
  }
  if (s.empty() || s[0] == '_') return std::nullopt;
  out.digits.reserve(s.size());
  char prev = '\0';
  for (const char c : s) {
    if (c == '_') {
      if (prev == '_') return std::nullopt;
    } else if (DigitValue(c, base) < 0) {
      return std::nullopt;
    } else {
      out.digits.push_back(c);
    }
    prev = c;
  }
  if (prev == '_') return std::nullopt;
  return out;
}

std::optional<std::int64_t> IntTextToInt64(const IntText& t, int base) {
  std::uint64_t magnitude = 0;
  const std::uint64_t limit = t.negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  for (const char c : t.digits) {
    const auto d = static_cast<std::uint64_t>(DigitValue(c, base));
    if (magnitude > (limit - d) / static_cast<std::uint64_t>(base)) return std::nullopt;
    magnitude = magnitude * static_cast<std::uint64_t>(base) + d;
  }
  if (t.negative) {
    return magnitude == (std::uint64_t{1} << 63) ? std::numeric_limits<std::int64_t>::min()
                                                  : -static_cast<std::int64_t>(magnitude);
  }
  return static_cast<std::int64_t>(magnitude);
}

// Hex digits -> decimal digits, exactly. Longer inputs than any target can
// hold are refused so the quadratic conversion stays cheap.
constexpr std::size_t kMaxHexDigits = 1024;

std::optional<std::string> HexToDecimal(std::string_view hex) {
  const std::size_t nz = hex.find_first_not_of('0');
  if (nz == std::string_view::npos) return std::string("0");
  hex.remove_prefix(nz);
  if (hex.size() > kMaxHexDigits) return std::nullopt;
  // Little-endian limbs of 10^9.
  constexpr std::uint32_t kBase = 1'000'000'000;
  std::vector<std::uint32_t> limbs{0};
  for (const char c : hex) {
    std::uint64_t carry = static_cast<std::uint64_t>(HexDigitValue(c));
    for (std::uint32_t& limb : limbs) {
      const std::uint64_t v = static_cast<std::uint64_t>(limb) * 16 + carry;
      limb = static_cast<std::uint32_t>(v % kBase);
      carry = v / kBase;
    }
    if (carry != 0) limbs.push_back(static_cast<std::uint32_t>(carry));
  }
  std::string out = std::to_string(limbs.back());
  for (std::size_t i = limbs.size() - 1; i-- > 0;) {
    const std::string part = std::to_string(limbs[i]);
    out.append(9 - part.size(), '0');
    out += part;
  }
  return out;
}

// ---- Python float(text) -------------------------------------------------------

// Python's float() grammar (PEP 515 underscores between digits), finite
// results only: "nan", "inf" and overflowing literals are refused because
// ingestd never stores non-finite doubles.
std::optional<double> ParsePythonFloat(std::string_view text) {
  const std::string_view s = StripPython(text);
  std::string clean;
  clean.reserve(s.size());
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
  std::size_t mantissa_digits = 0;
  auto digit_part = [&]() -> std::size_t {
    std::size_t n = 0;
    while (i < s.size()) {
      if (IsAsciiDigit(s[i])) {
        clean.push_back(s[i++]);
        ++n;
      } else if (s[i] == '_' && n > 0 && i + 1 < s.size() && IsAsciiDigit(s[i + 1])) {
        ++i;
      } else {
        break;
      }
    }
    return n;
  };
  mantissa_digits += digit_part();
  if (i < s.size() && s[i] == '.') {
    clean.push_back(s[i++]);
    mantissa_digits += digit_part();
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean.push_back(s[i++]);
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
    if (digit_part() == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return DecimalLiteralToDouble(clean);
}

// ---- Python repr(float) ----------------------------------------------------------

// repr() of a finite double: the shortest round-trip digits, in fixed
// notation when the decimal exponent is in [-4, 16), else "d.ddde+XX".
std::string PythonFloatRepr(double d) {
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  const std::string_view sci(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
  std::string out;
  std::size_t i = 0;
  if (sci[0] == '-') {
    out.push_back('-');
    i = 1;
  }
  std::string digits;
  for (; i < sci.size() && sci[i] != 'e'; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  int exponent = 0;
  std::from_chars(sci.data() + i + 1 + (sci[i + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exponent);
  const int decpt = exponent + 1;
  const int ndigits = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (ndigits > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    const int e = decpt - 1;
    out.push_back('e');
    out.push_back(e < 0 ? '-' : '+');
    const std::string e_digits = std::to_string(e < 0 ? -e : e);
    if (e_digits.size() < 2) out.push_back('0');
    out += e_digits;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<std::size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(decpt));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(decpt));
  }
  return out;
}

// ---- Decimal numbers ---------------------------------------------------------------

// An exact decimal value: digits (ASCII, without sign, point or exponent)
// split at the point, times 10^exponent.
struct DecimalText {
  bool negative = false;
  std::string_view int_digits;
  std::string_view frac_digits;
  std::int64_t exponent = 0;  // saturated to +-1e15
};

// Parses `[+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?` (ASCII digits) into views of `s`.
std::optional<DecimalText> ParseDecimalText(std::string_view s) {
  DecimalText out;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) out.negative = s[i++] == '-';
  const std::size_t int_start = i;
  while (i < s.size() && IsAsciiDigit(s[i])) ++i;
  out.int_digits = s.substr(int_start, i - int_start);
  if (i < s.size() && s[i] == '.') {
    const std::size_t frac_start = ++i;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i;
    out.frac_digits = s.substr(frac_start, i - frac_start);
  }
  if (out.int_digits.empty() && out.frac_digits.empty()) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative_exp = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative_exp = s[i++] == '-';
    const std::size_t exp_start = i;
    std::int64_t e = 0;
    for (; i < s.size() && IsAsciiDigit(s[i]); ++i) {
      if (e < 1'000'000'000'000'000) e = e * 10 + (s[i] - '0');
    }
    if (i == exp_start) return std::nullopt;
    out.exponent = negative_exp ? -e : e;
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

// PostgreSQL's numeric precision limit; larger targets are refused so a
// huge exponent cannot make us write a huge literal.
constexpr int kMaxNumericPrecision = 1000;

// dlt turns Wei values beyond these bounds into text variants (Wei.__call__).
constexpr std::string_view kWeiMaxDigits = "578960446186580977117854925043439539266";
constexpr std::string_view kWeiMinDigits = "578960446186580977117854925043439539267";

class DigitSeq {
 public:
  explicit DigitSeq(const DecimalText& d) : a_(d.int_digits), b_(d.frac_digits) {}
  std::size_t size() const { return a_.size() + b_.size(); }
  char operator[](std::size_t i) const { return i < a_.size() ? a_[i] : b_[i - a_.size()]; }

 private:
  std::string_view a_;
  std::string_view b_;
};

// Compares |value| (significant digits `seq[lead..tail]`, point after
// `point` of them) with a positive integer given as digits.
int CompareMagnitude(const DigitSeq& seq, std::size_t lead, std::size_t tail, std::int64_t point,
                     std::string_view bound) {
  const auto bound_len = static_cast<std::int64_t>(bound.size());
  if (point != bound_len) return point > bound_len ? 1 : -1;
  const std::size_t n = tail - lead + 1;
  for (std::size_t i = 0; i < bound.size(); ++i) {
    const char c = i < n ? seq[lead + i] : '0';
    if (c != bound[i]) return c > bound[i] ? 1 : -1;
  }
  return n > bound.size() ? 1 : 0;  // trailing digits are non-zero by construction
}

// Rounds `d` to `scale` fractional digits, half away from zero (PostgreSQL
// numeric rounding), and checks that it fits numeric(precision, scale):
// |rounded| < 10^(precision - scale). Writes the canonical literal: no
// exponent, no "-0"; `pad` writes exactly `scale` fractional digits
// (PostgreSQL's output for a typed numeric), otherwise trailing fractional
// zeros are dropped.
std::optional<std::string> FormatDecimal(const DecimalText& d, int precision, int scale, bool pad) {
  const DigitSeq seq(d);
  std::size_t lead = 0;
  while (lead < seq.size() && seq[lead] == '0') ++lead;
  const auto write_zero = [&] {
    std::string zero(1, '0');
    if (pad && scale > 0) {
      zero.push_back('.');
      zero.append(static_cast<std::size_t>(scale), '0');
    }
    return zero;
  };
  if (lead == seq.size()) return write_zero();
  std::size_t tail = seq.size() - 1;
  while (seq[tail] == '0') --tail;
  const std::size_t n = tail - lead + 1;
  // value = 0.D * 10^point, D = seq[lead..tail] with a non-zero first digit.
  std::int64_t point = static_cast<std::int64_t>(d.int_digits.size()) - static_cast<std::int64_t>(lead) + d.exponent;
  const std::int64_t max_point = precision - scale;
  if (point > max_point) return std::nullopt;  // rounding never shrinks it
  const std::int64_t keep = point + scale;     // significant digits kept
  std::string kept;
  if (keep >= static_cast<std::int64_t>(n)) {
    kept.reserve(n);
    for (std::size_t i = lead; i <= tail; ++i) kept.push_back(seq[i]);
  } else if (keep < 0) {
    return write_zero();
  } else {
    const auto k = static_cast<std::size_t>(keep);
    kept.reserve(k + 1);
    for (std::size_t i = 0; i < k; ++i) kept.push_back(seq[lead + i]);
    if (seq[lead + k] >= '5') {
      std::size_t i = k;
      while (i > 0 && kept[i - 1] == '9') kept[--i] = '0';
      if (i == 0) {
        kept.insert(kept.begin(), '1');
        ++point;
      } else {
        ++kept[i - 1];
      }
    }
    const std::size_t nz = kept.find_last_not_of('0');
    if (nz == std::string::npos) return write_zero();
    kept.resize(nz + 1);
    if (point > max_point) return std::nullopt;
  }
  std::string out;
  if (d.negative) out.push_back('-');
  if (point <= 0) {
    out.push_back('0');
  } else {
    for (std::int64_t i = 0; i < point; ++i) {
      out.push_back(i < static_cast<std::int64_t>(kept.size()) ? kept[static_cast<std::size_t>(i)] : '0');
    }
  }
  std::string frac;
  for (std::int64_t i = point; i < point + scale; ++i) {
    frac.push_back(i >= 0 && i < static_cast<std::int64_t>(kept.size()) ? kept[static_cast<std::size_t>(i)] : '0');
  }
  if (!pad) {
    const std::size_t nz = frac.find_last_not_of('0');
    frac.resize(nz == std::string::npos ? 0 : nz + 1);
  }
  if (!frac.empty()) {
    out.push_back('.');
    out += frac;
  }
  return out;
}

bool WeiInRange(const DecimalText& d) {
  const DigitSeq seq(d);
  std::size_t lead = 0;
  while (lead < seq.size() && seq[lead] == '0') ++lead;
  if (lead == seq.size()) return true;
  std::size_t tail = seq.size() - 1;
  while (seq[tail] == '0') --tail;
  const std::int64_t point =
      static_cast<std::int64_t>(d.int_digits.size()) - static_cast<std::int64_t>(lead) + d.exponent;
  return CompareMagnitude(seq, lead, tail, point, d.negative ? kWeiMinDigits : kWeiMaxDigits) <= 0;
}

std::optional<Value> MakeDecimal(const DecimalText& d, const TargetType& target, StringArena& arena) {
  const bool wei = target.data_type == DataType::kWei;
  // dlt's defaults: decimal (38, 9); wei as PostgreSQL stores it, (156, 78).
  const int precision = target.precision == -1 ? (wei ? 156 : 38) : target.precision;
  const int scale = target.scale == -1 ? (wei ? 78 : 9) : target.scale;
  if (precision < 1 || precision > kMaxNumericPrecision || scale < 0 || scale > kMaxNumericPrecision) {
    return std::nullopt;
  }
  if (wei && !WeiInRange(d)) return std::nullopt;
  const std::optional<std::string> text = FormatDecimal(d, precision, scale, /*pad=*/!wei);
  if (!text) return std::nullopt;
  return Value::Text(target.data_type, arena.Store(*text));
}

// ---- Time helpers --------------------------------------------------------------------

// pendulum.from_timestamp: Python's utcfromtimestamp rounds the fraction
// to microseconds half-to-even and accepts years 1..9999 only.
std::optional<std::int64_t> TimestampFromSeconds(double seconds) {
  if (!std::isfinite(seconds)) return std::nullopt;
  double int_part = 0;
  double frac = std::modf(seconds, &int_part) * 1e6;
  double rounded = std::round(frac);
  if (std::fabs(frac - rounded) == 0.5) rounded = 2.0 * std::round(frac / 2.0);
  if (rounded >= 1e6) {
    rounded -= 1e6;
    int_part += 1;
  } else if (rounded < 0) {
    rounded += 1e6;
    int_part -= 1;
  }
  constexpr double kMinSeconds = static_cast<double>(kMinTimestampMicros / kMicrosPerSecond);
  constexpr double kMaxSeconds = static_cast<double>(kMaxTimestampMicros / kMicrosPerSecond);
  if (int_part < kMinSeconds || int_part > kMaxSeconds) return std::nullopt;
  return static_cast<std::int64_t>(int_part) * kMicrosPerSecond + static_cast<std::int64_t>(rounded);
}

std::optional<std::int64_t> TimestampFromSeconds(std::int64_t seconds) {
  if (seconds < kMinTimestampMicros / kMicrosPerSecond || seconds > kMaxTimestampMicros / kMicrosPerSecond) {
    return std::nullopt;
  }
  return seconds * kMicrosPerSecond;
}

// A JSON number as unix seconds.
std::optional<std::int64_t> TimestampFromNumber(const RawScalar& raw) {
  if (raw.IsIntegerLexeme()) {
    const std::optional<std::int64_t> i = raw.IntegerAsInt64();
    if (!i) return std::nullopt;
    return TimestampFromSeconds(*i);
  }
  const std::optional<double> d = raw.NumberAsDouble();
  if (!d) return std::nullopt;
  return TimestampFromSeconds(*d);
}

// dlt's ensure_pendulum_datetime_non_utc on a string: ISO-like date-time,
// a date at midnight, else float(text) as unix seconds. A time is refused.
std::optional<std::int64_t> TimestampFromText(std::string_view text) {
  if (const std::optional<IsoValue> iso = ParseIsoLike(text)) {
    switch (iso->kind) {
      case IsoKind::kDateTime:
        return iso->value;
      case IsoKind::kDate:
        return iso->value * kMicrosPerDay;
      case IsoKind::kTime:
        return std::nullopt;
    }
  }
  const std::optional<double> seconds = ParsePythonFloat(text);
  if (!seconds) return std::nullopt;
  return TimestampFromSeconds(*seconds);
}

std::int64_t DaysOf(std::int64_t micros) {
  std::int64_t q = micros / kMicrosPerDay;
  if (micros % kMicrosPerDay < 0) --q;
  return q;
}

// ---- Binary -----------------------------------------------------------------------------

// bytes.fromhex: pairs of hex digits, ASCII whitespace allowed between pairs.
std::optional<std::string> FromHex(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  std::string out;
  out.reserve(s.size() / 2);
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return std::nullopt;
    const int hi = HexDigitValue(s[i]);
    const int lo = HexDigitValue(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// base64.b64decode(text, validate=True), i.e. binascii's strict mode as
// in Python 3.12.4+: alphabet characters, then exactly the padding the
// length needs ("=" after 3 mod 4, "==" after 2 mod 4, none otherwise), no
// whitespace. Like Python, leftover bits in the last character are
// ignored ("Zh==" decodes like "Zg=="), which core/common's
// Base64DecodeStrict would refuse. (Python 3.11 to 3.12.3 also took
// surplus padding after a complete group, "Zm9v==".)
std::optional<std::string> FromBase64(std::string_view s) {
  std::size_t data_len = 0;
  while (data_len < s.size() && Base64Value(s[data_len]) >= 0) ++data_len;
  const std::size_t pads = s.size() - data_len;
  for (std::size_t i = data_len; i < s.size(); ++i) {
    if (s[i] != '=') return std::nullopt;
  }
  static constexpr std::array<std::size_t, 4> kPadsFor = {0, 99, 2, 1};
  if (pads != kPadsFor[data_len % 4]) return std::nullopt;
  std::string out;
  out.reserve(data_len / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_len; ++i) {
    acc = (acc << 6) | static_cast<std::uint32_t>(Base64Value(s[i]));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// int.to_bytes((bit_length + 7) // 8, "little") of a non-negative integer
// lexeme; negative values overflow in Python.
std::optional<std::string> IntegerToLittleEndian(std::string_view lexeme) {
  if (!lexeme.empty() && lexeme[0] == '-') {
    if (lexeme.find_first_not_of('0', 1) != std::string_view::npos) return std::nullopt;
    return std::string();
  }
  // Repeated division by 256 of the decimal digits; bounded so a hostile
  // 10 MB number cannot take quadratic time.
  const std::size_t nz = lexeme.find_first_not_of('0');
  if (nz == std::string_view::npos) return std::string();
  std::string digits(lexeme.substr(nz));
  if (digits.size() > 4300) return std::nullopt;  // Python's int max_str_digits
  std::string out;
  while (!digits.empty()) {
    std::string quotient;
    quotient.reserve(digits.size());
    unsigned rem = 0;
    for (const char c : digits) {
      const unsigned v = rem * 10 + static_cast<unsigned>(c - '0');
      if (!quotient.empty() || v / 256 != 0) quotient.push_back(static_cast<char>('0' + v / 256));
      rem = v % 256;
    }
    out.push_back(static_cast<char>(rem));
    digits = std::move(quotient);
  }
  return out;
}

// ---- JSON text -----------------------------------------------------------------------------

// Re-emits parsed JSON compactly, keeping number lexemes as written. The
// installed RapidJSON's Writer::RawNumber quotes numbers, hence RawValue.
class CompactJsonHandler {
 public:
  explicit CompactJsonHandler(rapidjson::Writer<rapidjson::StringBuffer>& writer) : w_(writer) {}
  bool Null() { return w_.Null(); }
  bool Bool(bool b) { return w_.Bool(b); }
  bool Int(int i) { return w_.Int(i); }
  bool Uint(unsigned u) { return w_.Uint(u); }
  bool Int64(std::int64_t i) { return w_.Int64(i); }
  bool Uint64(std::uint64_t u) { return w_.Uint64(u); }
  bool Double(double d) { return w_.Double(d); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool) {
    return w_.RawValue(str, length, rapidjson::kNumberType);
  }
  bool String(const char* str, rapidjson::SizeType length, bool) { return w_.String(str, length); }
  bool StartObject() { return w_.StartObject(); }
  bool Key(const char* str, rapidjson::SizeType length, bool) { return w_.Key(str, length); }
  bool EndObject(rapidjson::SizeType count) { return w_.EndObject(count); }
  bool StartArray() { return w_.StartArray(); }
  bool EndArray(rapidjson::SizeType count) { return w_.EndArray(count); }

 private:
  rapidjson::Writer<rapidjson::StringBuffer>& w_;
};

// json.loads: any JSON value (scalars too), strict RFC 8259 (no NaN).
std::optional<std::string> CompactJson(std::string_view text) {
  // RapidJSON's streams report '\0' at the end of input, so an embedded NUL
  // would end the document early; raw NULs are never valid JSON anyway.
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  CompactJsonHandler handler(writer);
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(stream);
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;
  const rapidjson::ParseResult ok = reader.Parse<kFlags>(input, handler);
  if (!ok) return std::nullopt;
  return std::string(buffer.GetString(), buffer.GetSize());
}

// ---- Coercions per target type -----------------------------------------------------

std::optional<Value> ToText(const RawScalar& raw, StringArena& arena) {
  switch (raw.kind) {
    case ScalarKind::kString:
    case ScalarKind::kJson:
      return Value::Text(DataType::kText, raw.text);
    case ScalarKind::kBool:
      return Value::Text(DataType::kText, raw.bool_value ? std::string_view("True") : std::string_view("False"));
    case ScalarKind::kNumber:
      break;
  }
  if (raw.IsIntegerLexeme()) {
    // str(int): no sign on zero, no leading zeros.
    std::string_view digits = raw.text;
    const bool negative = digits[0] == '-';
    if (negative) digits.remove_prefix(1);
    const std::size_t nz = digits.find_first_not_of('0');
    if (nz == std::string_view::npos) return Value::Text(DataType::kText, std::string_view("0"));
    digits.remove_prefix(nz);
    if (!negative && digits.size() == raw.text.size()) return Value::Text(DataType::kText, raw.text);
    if (negative && digits.size() + 1 == raw.text.size()) return Value::Text(DataType::kText, raw.text);
    std::string s = negative ? "-" : "";
    s += digits;
    return Value::Text(DataType::kText, arena.Store(s));
  }
  if (const std::optional<double> d = raw.NumberAsDouble()) {
    return Value::Text(DataType::kText, arena.Store(PythonFloatRepr(*d)));
  }
  // Overflowing or malformed lexeme: keep what the source sent.
  return Value::Text(DataType::kText, raw.text);
}

std::optional<Value> ToJson(const RawScalar& raw, StringArena& arena) {
  if (raw.kind == ScalarKind::kJson) return Value::Text(DataType::kJson, raw.text);
  if (raw.kind != ScalarKind::kString) return std::nullopt;
  const std::optional<std::string> json = CompactJson(raw.text);
  if (!json) return std::nullopt;
  return Value::Text(DataType::kJson, arena.Store(*json));
}

std::optional<Value> ToBigint(const RawScalar& raw) {
  if (raw.kind == ScalarKind::kNumber) {
    if (raw.IsIntegerLexeme()) {
      const std::optional<std::int64_t> i = raw.IntegerAsInt64();
      if (!i) return std::nullopt;
      return Value::Bigint(*i);
    }
    // _numeric_to_bigint on the float: integral values only.
    const std::optional<double> d = raw.NumberAsDouble();
    if (!d || std::trunc(*d) != *d) return std::nullopt;
    // [-2^63, 2^63): both bounds are exact doubles.
    if (*d < -9223372036854775808.0 || *d >= 9223372036854775808.0) return std::nullopt;
    return Value::Bigint(static_cast<std::int64_t>(*d));
  }
  if (raw.kind != ScalarKind::kString) return std::nullopt;
  const std::string_view trimmed = StripPython(raw.text);
  const bool hex = StartsWith(trimmed, "0x");
  const int base = hex ? 16 : 10;
  const std::optional<IntText> parsed = ParsePythonInt(hex ? trimmed.substr(2) : trimmed, base);
  if (!parsed) return std::nullopt;
  const std::optional<std::int64_t> i = IntTextToInt64(*parsed, base);
  if (!i) return std::nullopt;
  return Value::Bigint(*i);
}

std::optional<Value> ToDouble(const RawScalar& raw) {
  if (raw.kind == ScalarKind::kNumber) {
    const std::optional<double> d = raw.NumberAsDouble();
    if (!d) return std::nullopt;
    return Value::Double(*d);
  }
  if (raw.kind != ScalarKind::kString) return std::nullopt;
  const std::string_view trimmed = StripPython(raw.text);
  if (StartsWith(trimmed, "0x")) {
    const std::optional<IntText> parsed = ParsePythonInt(trimmed.substr(2), 16);
    if (!parsed) return std::nullopt;
    const std::optional<std::string> digits = HexToDecimal(parsed->digits);
    if (!digits) return std::nullopt;
    const std::optional<double> d = DecimalLiteralToDouble(*digits);
    if (!d) return std::nullopt;
    return Value::Double(parsed->negative ? -*d : *d);
  }
  const std::optional<double> d = ParsePythonFloat(trimmed);
  if (!d) return std::nullopt;
  return Value::Double(*d);
}

std::optional<Value> ToDecimal(const RawScalar& raw, const TargetType& target, StringArena& arena) {
  if (raw.kind == ScalarKind::kNumber) {
    // The exact lexeme, not the double dlt would go through.
    if (!raw.IsNumberLexeme()) return std::nullopt;
    const std::optional<DecimalText> d = ParseDecimalText(raw.text);
    if (!d) return std::nullopt;
    return MakeDecimal(*d, target, arena);
  }
  if (raw.kind != ScalarKind::kString) return std::nullopt;
  const std::string_view trimmed = StripPython(raw.text);
  if (StartsWith(trimmed, "0x")) {
    const std::optional<IntText> parsed = ParsePythonInt(trimmed.substr(2), 16);
    if (!parsed) return std::nullopt;
    const std::optional<std::string> digits = HexToDecimal(parsed->digits);
    if (!digits) return std::nullopt;
    DecimalText d;
    d.negative = parsed->negative;
    d.int_digits = *digits;
    return MakeDecimal(d, target, arena);
  }
  // Decimal(text) drops every underscore (CPython's numeric_as_ascii).
  std::string clean;
  clean.reserve(trimmed.size());
  for (const char c : trimmed) {
    if (c != '_') clean.push_back(c);
  }
  const std::optional<DecimalText> d = ParseDecimalText(clean);
  if (!d) return std::nullopt;  // includes NaN and Infinity, which ingestd refuses
  return MakeDecimal(*d, target, arena);
}

std::optional<Value> ToBool(const RawScalar& raw) {
  switch (raw.kind) {
    case ScalarKind::kBool:
      return Value::Bool(raw.bool_value);
    case ScalarKind::kNumber: {
      if (raw.IsIntegerLexeme()) {
        const std::size_t start = raw.text[0] == '-' ? 1 : 0;
        return Value::Bool(raw.text.find_first_not_of('0', start) != std::string_view::npos);
      }
      if (!raw.IsNumberLexeme()) return std::nullopt;
      // bool(float): an overflowing literal is inf (true), an underflowing
      // one is 0.0 (false).
      const std::optional<double> d = raw.NumberAsDouble();
      return Value::Bool(!d || *d != 0);
    }
    case ScalarKind::kString: {
      // dlt's str2bool: case-insensitive, no trimming.
      static constexpr std::array<std::string_view, 5> kTrue = {"yes", "true", "t", "y", "1"};
      static constexpr std::array<std::string_view, 5> kFalse = {"no", "false", "f", "n", "0"};
      if (raw.text.size() > 5) return std::nullopt;
      char lower[5];
      for (std::size_t i = 0; i < raw.text.size(); ++i) {
        const char c = raw.text[i];
        lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
      }
      const std::string_view s(lower, raw.text.size());
      for (const std::string_view t : kTrue) {
        if (s == t) return Value::Bool(true);
      }
      for (const std::string_view f : kFalse) {
        if (s == f) return Value::Bool(false);
      }
      return std::nullopt;
    }
    case ScalarKind::kJson:
      break;
  }
  return std::nullopt;
}

std::optional<Value> ToTimestamp(const RawScalar& raw) {
  std::optional<std::int64_t> micros;
  if (raw.kind == ScalarKind::kNumber) {
    micros = TimestampFromNumber(raw);
  } else if (raw.kind == ScalarKind::kString) {
    micros = TimestampFromText(raw.text);
  }
  if (!micros) return std::nullopt;
  return Value::Timestamp(*micros);
}

std::optional<Value> ToDate(const RawScalar& raw) {
  if (raw.kind == ScalarKind::kNumber) {
    const std::optional<std::int64_t> micros = TimestampFromNumber(raw);
    if (!micros) return std::nullopt;
    return Value::Date(DaysOf(*micros));
  }
  if (raw.kind != ScalarKind::kString) return std::nullopt;
  const std::optional<std::int64_t> micros = TimestampFromText(raw.text);
  if (!micros) return std::nullopt;
  return Value::Date(DaysOf(*micros));
}

std::optional<Value> ToTime(const RawScalar& raw) {
  if (raw.kind != ScalarKind::kString) return std::nullopt;
  const std::optional<std::int64_t> micros = ParseIsoTime(raw.text);
  if (!micros) return std::nullopt;
  return Value::Time(*micros);
}

std::optional<Value> ToBinary(const RawScalar& raw, StringArena& arena) {
  std::optional<std::string> bytes;
  if (raw.kind == ScalarKind::kString) {
    bytes = StartsWith(raw.text, "0x") ? FromHex(raw.text.substr(2)) : FromBase64(raw.text);
  } else if (raw.kind == ScalarKind::kNumber && raw.IsIntegerLexeme()) {
    bytes = IntegerToLittleEndian(raw.text);
  }
  if (!bytes) return std::nullopt;
  return Value::Text(DataType::kBinary, arena.Store(*bytes));
}

}  // namespace

std::optional<schema::Value> Coerce(const RawScalar& raw, const TargetType& target, StringArena& arena) {
  switch (target.data_type) {
    case DataType::kText:
      return ToText(raw, arena);
    case DataType::kJson:
      return ToJson(raw, arena);
    case DataType::kBigint:
      return ToBigint(raw);
    case DataType::kDouble:
      return ToDouble(raw);
    case DataType::kDecimal:
    case DataType::kWei:
      return ToDecimal(raw, target, arena);
    case DataType::kBool:
      return ToBool(raw);
    case DataType::kTimestamp:
      // Stored as UTC either way; `timezone` only matters to writers.
      return ToTimestamp(raw);
    case DataType::kDate:
      return ToDate(raw);
    case DataType::kTime:
      return ToTime(raw);
    case DataType::kBinary:
      return ToBinary(raw, arena);
  }
  return std::nullopt;
}

}  // namespace ingestd::infer
