// `ingestctl state show|reset`: a pipeline's incremental state (GetState,
// ResetState).

#include <array>
#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client::commands {
namespace {

void RenderState(const v1::GetStateResponse& state, std::ostream& out) {
  DetailList details;
  details.Add("Pipeline", state.pipeline());
  details.Add("State version", state.version() > 0 ? std::to_string(state.version()) : "- (no run yet)");
  details.Add("Hash", state.version_hash().empty() ? "-" : state.version_hash());
  details.Render(out);
  if (state.resources().empty()) {
    out << "\nno resource state\n";
    return;
  }
  TextTable table({"SOURCE", "RESOURCE", "STATE"});
  for (const v1::ResourceState& resource : state.resources()) {
    table.AddRow({resource.source().empty() ? "-" : resource.source(), resource.resource(),
                  resource.state_json().empty() ? "-" : CompactJson(resource.state_json())});
  }
  out << '\n';
  table.Render(out);
}

int RunStateShow(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::GetStateRequest request;
  request.set_pipeline(args.positionals()[0]);
  v1::GetStateResponse response;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::GetState, request, response);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(response);
  RenderState(response, context.out());
  return kExitOk;
}

constexpr std::array kResetFlags{
    FlagSpec{"--resource", "", "R", "only this resource (default: every resource)"},
};

int RunStateReset(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::ResetStateRequest request;
  request.set_pipeline(args.positionals()[0]);
  request.set_resource(args.Value("--resource").value_or(""));
  v1::GetStateResponse response;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::ResetState, request, response);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(response);

  std::ostream& out = context.out();
  out << "state of " << request.pipeline();
  if (!request.resource().empty()) out << " resource " << request.resource();
  out << " reset; the next run starts from the incremental initial values\n\n";
  RenderState(response, out);
  return kExitOk;
}

}  // namespace

extern constinit const Command kStateShowCommand{
    .name = "state show",
    .synopsis = "PIPELINE",
    .summary = "show a pipeline's state: incremental cursors per resource",
    .description =
        "Shows the pipeline's state (GetState): its version and each resource's state\n"
        "object on one line. -o json includes the whole state document (state_json).\n",
    .flags = {},
    .min_args = 1,
    .max_args = 1,
    .run = &RunStateShow,
};

extern constinit const Command kStateResetCommand{
    .name = "state reset",
    .synopsis = "PIPELINE [--resource R]",
    .summary = "forget a pipeline's state so the next run starts over (re-backfill)",
    .description =
        "Forgets the state of the whole pipeline or of one resource (ResetState): the next\n"
        "run extracts from the incremental initial values again. Refused while a run is\n"
        "active (exit 5).\n",
    .flags = kResetFlags,
    .min_args = 1,
    .max_args = 1,
    .run = &RunStateReset,
};

}  // namespace ingestd::client::commands
