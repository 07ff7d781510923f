#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ingestd::normalize {

/// dlt's `_dlt_id` length: 10 bytes, base64 without padding = 14 characters.
inline constexpr std::size_t kRowIdBytes = 10;
inline constexpr std::size_t kRowIdChars = 14;

/// Random root row ids. dlt draws them from a CSPRNG; ids only need to be
/// unique, so a seeded generator (xoshiro256**) keeps the normalizer pure
/// and tests golden, while callers seed it from a random source per run.
class RowIdGenerator {
 public:
  explicit RowIdGenerator(std::uint64_t seed);
  /// Writes 14 base64 characters to `out`.
  void Next(char* out);

 private:
  std::uint64_t NextU64();
  std::uint64_t s_[4];
};

/// Id of a nested row: digest128("<parent id>_<table>_<index>", 10 bytes),
/// deterministic so re-normalizing the same data gives the same keys.
/// Writes 14 characters to `out`.
void NestedRowId(std::string_view parent_id, std::string_view table, std::uint32_t index,
                 char* out);

/// Id from a canonical JSON text (primary-key hash for upsert, content hash
/// for scd2): digest128(json, 10 bytes). Writes 14 characters to `out`.
void ContentRowId(std::string_view canonical_json, char* out);

/// The item as compact JSON with object keys sorted (recursively) and the
/// top-level keys starting with `_dlt` left out: the content scd2 hashes.
/// Iterative, so deep nesting cannot overflow the stack. Returns false when
/// `json` is not a valid document.
bool CanonicalItemJson(std::string_view json, std::string& out);

}  // namespace ingestd::normalize
