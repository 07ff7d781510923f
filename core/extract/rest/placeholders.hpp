#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::extract::rest {

/// `{name}` placeholders in endpoint paths, params, headers and JSON bodies
/// (rest_api_config.hpp): `{resources.<parent>.<field>}` and
/// `{incremental.<value>}`; `{{` and `}}` are literal braces.

/// The names of the placeholders in `text`, in order (duplicates kept).
/// Errors (kInvalidArgument): an unclosed `{`, a stray `}`, an empty name.
Result<std::vector<std::string>> FindPlaceholders(std::string_view text);

/// A placeholder's value: the text to insert, or nullopt when the value is
/// unset (e.g. `{incremental.end_value}` without an end value).
/// An error ends the expansion with that error.
using PlaceholderLookup = std::function<Result<std::optional<std::string>>(std::string_view name)>;

/// How to write a value into the surrounding text.
enum class PlaceholderEscaping {
  kNone,         // as is (query values: encoded later, headers)
  kPathSegment,  // percent-encoded as a path segment
};

/// Replaces every placeholder. An unset value is an error naming the
/// placeholder and `where` ("path", "params.since"), unless `unset` is
/// given: then *unset is set to true and "" returned (the caller drops that
/// parameter).
Result<std::string> ExpandPlaceholders(std::string_view text, const PlaceholderLookup& lookup,
                                       PlaceholderEscaping escaping, std::string_view where, bool* unset = nullptr);

/// Expands placeholders inside every string (values, not keys) of a
/// compact JSON text and returns the new compact JSON. A string that is
/// exactly one placeholder takes the value's JSON type when the value is a
/// JSON number or boolean text (so `{"id": "{resources.issues.id}"}` sends
/// a number, as the parent had it); unset values become null.
Result<std::string> ExpandJsonPlaceholders(std::string_view json, const PlaceholderLookup& lookup);

}  // namespace ingestd::extract::rest
