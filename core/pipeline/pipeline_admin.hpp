#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/state/pipeline_state.hpp"

namespace ingestd::pipeline {

/// Reading and changing what a pipeline keeps in the data directory
/// (`<data_dir>/pipelines/<name>/`) between runs. The daemon calls these
/// only while no run of the pipeline is active.

/// The schema document of the newest loaded package; nullopt before the
/// first run (or when the data directory is empty).
Result<std::optional<std::string>> ReadLocalSchemaJson(const std::string& data_dir, std::string_view pipeline);

/// The pipeline state; nullopt before the first run.
Result<std::optional<state::PipelineState>> ReadLocalState(const std::string& data_dir, std::string_view pipeline);

/// Load packages extracted but not yet loaded (a failed or cancelled run
/// left them; the next run finishes them first).
Result<std::size_t> CountPendingPackages(const std::string& data_dir, std::string_view pipeline);

/// Forgets the state of one resource (`resource` non-empty: kNotFound when
/// the spec has no such resource) or of every resource, and writes the
/// state with a new version: the next run starts from each incremental's
/// initial value and stores the new state in the destination with its
/// load. kFailedPrecondition when packages are pending (their state would
/// overwrite the reset when they load; run the pipeline first). With no
/// state yet, returns a fresh one and writes nothing.
Result<state::PipelineState> ResetPipelineState(const PipelineSpec& spec, const std::string& data_dir,
                                                std::string_view resource);

}  // namespace ingestd::pipeline
