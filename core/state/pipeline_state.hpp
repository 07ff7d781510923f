#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::state {

/// The state one resource keeps: `sources.<source>.resources.<resource>`.
struct ResourceStateEntry {
  std::string source;
  std::string resource;
  /// The resource's state object as compact JSON with sorted keys
  /// (e.g. `{"incremental.id":{"last_value":5,...}}`).
  std::string json;

  bool operator==(const ResourceStateEntry&) const = default;
};

/// dlt's pipeline state (state engine 4): pipeline and dataset names, the
/// schema names, the destination, per-source and per-resource state
/// (incremental cursors, a resource's own JSON), and a `_local` part that is
/// never sent to the destination. Versioned by a content hash like schemas.
///
/// Stored in the data directory as JSON and in the destination's
/// `_dlt_pipeline_state` table compressed (zlib level 9, then base64), so dlt
/// can read ingestd's state and the other way round.
class PipelineState {
 public:
  static constexpr int kEngineVersion = 4;

  /// A fresh state (version 0 until first bumped).
  static PipelineState New(std::string_view pipeline_name, std::string_view dataset_name,
                           std::string_view schema_name, std::string_view destination);
  /// Parses a state JSON document (a data directory's state.json, or a
  /// decompressed destination row). Errors name what is wrong.
  static Result<PipelineState> FromJson(std::string_view json);
  /// Parses the compressed form stored in `_dlt_pipeline_state.state`.
  static Result<PipelineState> FromCompressed(std::string_view base64);

  PipelineState(const PipelineState& other);
  PipelineState& operator=(const PipelineState& other);
  PipelineState(PipelineState&&) noexcept = default;
  PipelineState& operator=(PipelineState&&) noexcept = default;

  /// The whole state as JSON, `_local` included (for the data directory).
  std::string ToJson() const;
  /// zlib(9) + base64 of the state without `_local` (for the destination).
  std::string Compressed() const;

  std::int64_t version() const;
  std::string version_hash() const;
  std::string pipeline_name() const;
  std::string dataset_name() const;

  /// Recomputes the content hash (without `_state_version`, `_version_hash`
  /// and `_local`); when it changed, the version goes up by one. Returns true
  /// when the version changed.
  bool BumpVersion();

  /// JSON text of `sources.<source>.resources.<resource>.<key>`, if present.
  std::optional<std::string> GetResourceValue(std::string_view source, std::string_view resource,
                                              std::string_view key) const;
  /// Sets that value to the JSON document `json` (kInvalidArgument if it is
  /// not valid JSON).
  Status SetResourceValue(std::string_view source, std::string_view resource,
                          std::string_view key, std::string_view json);
  /// Every resource that has state, ordered by source, then resource name.
  /// Members of `sources.<source>.resources` that are not objects are
  /// skipped (dlt never writes them).
  std::vector<ResourceStateEntry> ListResources() const;

  /// Removes one resource's state (nothing changes when it has none), or
  /// every source's state.
  void ResetResource(std::string_view source, std::string_view resource);
  void ResetSources();

 private:
  PipelineState() = default;
  rapidjson::Value& ObjectAt(rapidjson::Value& parent, std::string_view key);
  std::string ComputeHash() const;

  rapidjson::Document doc_;
};

/// zlib level 9 + standard base64, and back; shared with schema storage.
std::string CompressToBase64(std::string_view data);
Result<std::string> DecompressFromBase64(std::string_view base64);

}  // namespace ingestd::state
