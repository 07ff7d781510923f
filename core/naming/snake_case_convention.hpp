#pragma once

#include <string>
#include <string_view>

#include "core/naming/naming_convention.hpp"

namespace ingestd::naming {

/// dlt's default `snake_case` convention (case insensitive):
/// strip; translate `+`->`x`, `-`->`_`, `*`->`x`, `@`->`a`, `|`->`l`; runs of
/// characters other than ASCII letters, digits and `_` become one `_` (so
/// non-ASCII letters are lost); split camelCase (`([^_])([A-Z][a-z]+)` then
/// `([a-z0-9])([A-Z])`), lower-case; a leading digit gets a `_` prefix; each
/// trailing `_` becomes `x`; runs of `__+` collapse to `_`; then shorten.
/// Examples: createdAt -> created_at, HTTPResponseCode -> http_response_code,
/// getHTTP2Url -> get_http2_url, 123abc -> _123abc, field$ -> fieldx,
/// ÄÖÜ -> x, __x -> _x.
class SnakeCaseConvention final : public NamingConvention {
 public:
  using NamingConvention::NamingConvention;

  std::string_view Name() const override { return "snake_case"; }
  std::string NormalizeIdentifier(std::string_view identifier) const override;
};

}  // namespace ingestd::naming
