#include "core/infer/raw_scalar.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <system_error>

#include "core/common/ascii.hpp"

namespace ingestd::infer {
namespace {

// Length of the run of ASCII digits at `pos`.
std::size_t Digits(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < s.size() && IsAsciiDigit(s[pos + n])) ++n;
  return n;
}

}  // namespace

bool RawScalar::IsIntegerLexeme() const {
  if (kind != ScalarKind::kNumber) return false;
  const std::size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  const std::size_t n = Digits(text, start);
  return n > 0 && start + n == text.size();
}

bool RawScalar::IsNumberLexeme() const {
  if (kind != ScalarKind::kNumber) return false;
  std::size_t pos = !text.empty() && text[0] == '-' ? 1 : 0;
  std::size_t n = Digits(text, pos);
  if (n == 0) return false;
  pos += n;
  if (pos < text.size() && text[pos] == '.') {
    n = Digits(text, pos + 1);
    if (n == 0) return false;
    pos += 1 + n;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    n = Digits(text, pos);
    if (n == 0) return false;
    pos += n;
  }
  return pos == text.size();
}

std::optional<double> RawScalar::NumberAsDouble() const {
  if (!IsNumberLexeme()) return std::nullopt;
  return DecimalLiteralToDouble(text);
}

std::optional<std::int64_t> RawScalar::IntegerAsInt64() const {
  if (!IsIntegerLexeme()) return std::nullopt;
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> DecimalLiteralToDouble(std::string_view literal) {
  bool negative = false;
  if (!literal.empty() && (literal[0] == '+' || literal[0] == '-')) {
    negative = literal[0] == '-';
    literal.remove_prefix(1);
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value,
                                         std::chars_format::general);
  if (ec == std::errc()) {
    if (ptr != literal.data() + literal.size()) return std::nullopt;
    return negative ? -value : value;
  }
  if (ec != std::errc::result_out_of_range) return std::nullopt;
  // Out of range: decide between overflow (an error, as for Python's int ->
  // float conversion; float("1e400") would give inf, which ingestd does not
  // produce) and underflow (Python gives 0.0). The decimal exponent of the
  // first significant digit tells them apart: only extremes get here.
  const std::size_t mantissa_end = std::min(literal.find_first_of("eE"), literal.size());
  const std::string_view mantissa = literal.substr(0, mantissa_end);
  const std::size_t point = mantissa.find('.');
  const std::string_view int_part = mantissa.substr(0, point);
  const std::string_view frac_part =
      point == std::string_view::npos ? std::string_view() : mantissa.substr(point + 1);
  std::int64_t position = 0;  // decimal exponent of the first non-zero digit
  if (const std::size_t nz = int_part.find_first_not_of('0'); nz != std::string_view::npos) {
    position = static_cast<std::int64_t>(int_part.size() - nz) - 1;
  } else if (const std::size_t fz = frac_part.find_first_not_of('0'); fz != std::string_view::npos) {
    position = -static_cast<std::int64_t>(fz) - 1;
  } else {
    return negative ? -0.0 : 0.0;
  }
  std::int64_t exponent = 0;
  const std::size_t e = literal.find_first_of("eE");
  if (e != std::string_view::npos) {
    std::size_t j = e + 1;
    bool exp_negative = false;
    if (j < literal.size() && (literal[j] == '+' || literal[j] == '-')) exp_negative = literal[j++] == '-';
    for (; j < literal.size(); ++j) {
      // Saturate: anything beyond 1e15 is out of range either way.
      if (exponent < 1'000'000'000'000'000) exponent = exponent * 10 + (literal[j] - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  if (position + exponent > 0) return std::nullopt;  // overflow
  return negative ? -0.0 : 0.0;                      // underflow
}

}  // namespace ingestd::infer
