#include "core/extract/http/http_types.hpp"

#include "core/common/ascii.hpp"

namespace ingestd::extract::http {
namespace {

}  // namespace

std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreAsciiCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace ingestd::extract::http
