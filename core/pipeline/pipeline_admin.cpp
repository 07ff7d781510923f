#include "core/pipeline/pipeline_admin.hpp"

#include <filesystem>
#include <system_error>
#include <utility>

#include "core/package/file_io.hpp"
#include "core/package/package_store.hpp"

namespace ingestd::pipeline {
namespace {

// The runner's limit for the same files (pipeline_runner.cpp).
constexpr std::size_t kMaxLocalFileBytes = 256u << 20;

std::string PipelineDir(const std::string& data_dir, std::string_view pipeline) {
  return data_dir + "/pipelines/" + std::string(pipeline);
}

// The file's contents; nullopt when it does not exist (any other failure is
// an error: an unreadable file must not pass for "no runs yet").
Result<std::optional<std::string>> ReadIfExists(const std::string& path) {
  Result<std::string> content = package::ReadSmallFile(path, kMaxLocalFileBytes);
  if (content.ok()) return std::optional<std::string>(std::move(content).value());
  if (content.error().code() == ErrorCode::kNotFound) return std::optional<std::string>();
  return std::move(content).error();
}

}  // namespace

Result<std::optional<std::string>> ReadLocalSchemaJson(const std::string& data_dir, std::string_view pipeline) {
  return ReadIfExists(PipelineDir(data_dir, pipeline) + "/schema.json");
}

Result<std::optional<state::PipelineState>> ReadLocalState(const std::string& data_dir, std::string_view pipeline) {
  const std::string path = PipelineDir(data_dir, pipeline) + "/state.json";
  INGESTD_ASSIGN_OR_RETURN(std::optional<std::string> json, ReadIfExists(path));
  if (!json) return std::optional<state::PipelineState>();
  Result<state::PipelineState> parsed = state::PipelineState::FromJson(*json);
  if (!parsed.ok()) return std::move(parsed).error().WithContext(path);
  return std::optional<state::PipelineState>(std::move(parsed).value());
}

Result<std::size_t> CountPendingPackages(const std::string& data_dir, std::string_view pipeline) {
  const std::string dir = PipelineDir(data_dir, pipeline);
  // PackageStore::Open creates the directories; a count must not.
  std::error_code ec;
  if (!std::filesystem::exists(dir + "/packages", ec)) {
    if (ec) return Internal("cannot look at " + dir + "/packages: " + ec.message());
    return std::size_t{0};
  }
  INGESTD_ASSIGN_OR_RETURN(package::PackageStore store, package::PackageStore::Open(dir));
  INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> pending, store.ListPending());
  return pending.size();
}

Result<state::PipelineState> ResetPipelineState(const PipelineSpec& spec, const std::string& data_dir,
                                                std::string_view resource) {
  if (!resource.empty()) {
    bool known = false;
    for (const ResourceSpec& r : spec.resources) known = known || r.name == resource;
    if (!known) return NotFound("pipeline " + spec.name + " has no resource " + std::string(resource));
  }
  INGESTD_ASSIGN_OR_RETURN(std::size_t pending, CountPendingPackages(data_dir, spec.name));
  if (pending > 0) {
    return FailedPrecondition("pipeline " + spec.name + " has " + std::to_string(pending) +
                              " pending load package(s) whose state would overwrite the reset when they load; "
                              "run the pipeline first, then reset");
  }
  INGESTD_ASSIGN_OR_RETURN(std::optional<state::PipelineState> stored, ReadLocalState(data_dir, spec.name));
  if (!stored) {
    return state::PipelineState::New(spec.name, spec.dataset_name, spec.name,
                                     DestinationKindName(spec.destination.kind));
  }
  state::PipelineState state = std::move(*stored);
  // The source of every resource is the pipeline (extract_stage.cpp keys
  // incremental cursors by the pipeline name, its schema's name).
  if (resource.empty()) {
    state.ResetSources();
  } else {
    state.ResetResource(spec.name, resource);
  }
  state.BumpVersion();
  // A reset must be written whole or not at all: a torn state.json would
  // fail the next run.
  INGESTD_TRY(package::WriteFileAtomically(PipelineDir(data_dir, spec.name) + "/state.json", state.ToJson()));
  return state;
}

}  // namespace ingestd::pipeline
