// `ingestctl apply -f SPEC.json`: creates or updates a pipeline from its spec
// file (ApplyPipeline).

#include <array>
#include <filesystem>
#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/local_files.hpp"
#include "core/pipeline/pipeline_spec.hpp"

namespace ingestd::client::commands {
namespace {

constexpr std::array kFlags{
    FlagSpec{"--file", "-f", "SPEC.json", "the pipeline spec (docs/pipeline-spec.md); - reads stdin"},
    FlagSpec{"--dry-run", "", "", "validate only: the daemon stores nothing"},
};

// The directory relative paths in the spec are relative to: the spec file's
// (absolute), or the working directory for stdin.
std::string SpecBaseDirectory(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (path == "-") return cwd.string();
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) absolute = cwd / path;
  return absolute.lexically_normal().parent_path().string();
}

int RunApply(CommandContext& context, const ParsedArgs& args) {
  const auto path = args.Value("--file");
  if (!path || path->empty()) return context.UsageError("-f SPEC.json is required");
  auto spec = ReadTextFile(*path);
  if (!spec.ok()) return context.Fail(spec.error());
  // The daemon resolves relative paths against its own working directory;
  // make them absolute against the spec's so the spec means what it says
  // wherever the daemon runs.
  auto resolved = pipeline::ResolveSpecPaths(*spec, SpecBaseDirectory(*path));
  if (!resolved.ok()) return context.Fail(resolved.error().WithContext(*path == "-" ? "stdin" : *path));

  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::ApplyPipelineRequest request;
  request.set_spec_json(std::move(*resolved));
  request.set_dry_run(args.Has("--dry-run"));
  v1::ApplyPipelineResponse response;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::ApplyPipeline, request, response);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(response);

  const v1::Pipeline& pipeline = response.pipeline();
  const std::string version = std::to_string(pipeline.version());
  std::ostream& out = context.out();
  out << "pipeline " << pipeline.name();
  if (request.dry_run()) {
    out << " is valid (dry run: "
        << (response.created() ? "would be created"
                               : response.changed() ? "would be updated" : "unchanged, version " + version)
        << ")\n";
  } else if (response.created()) {
    out << " created (version " << version << ")\n";
  } else if (response.changed()) {
    out << " updated to version " << version << '\n';
  } else {
    out << " unchanged (version " << version << ")\n";
  }
  return kExitOk;
}

}  // namespace

extern constinit const Command kApplyCommand{
    .name = "apply",
    .synopsis = "-f SPEC.json [--dry-run]",
    .summary = "create or update a pipeline from its spec file",
    .description =
        "Sends the spec to the daemon (ApplyPipeline), which validates it fully and stores a\n"
        "new version when it changed. Relative paths in the spec (files sources, the sqlite\n"
        "path) are made absolute against the spec file's directory first, so the spec works\n"
        "whatever the daemon's working directory. Prints \"pipeline NAME created (version 1)\",\n"
        "\"updated to version N\" or \"unchanged (version N)\".\n",
    .flags = kFlags,
    .min_args = 0,
    .max_args = 0,
    .run = &RunApply,
};

}  // namespace ingestd::client::commands
