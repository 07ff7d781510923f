// `ingestctl describe pipeline P` and `ingestctl describe run RUN`: one object
// with every field (GetPipeline, GetRun).

#include <ostream>
#include <sstream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"
#include "client/run_details.hpp"

namespace ingestd::client::commands {
namespace {

int RunDescribePipeline(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::GetPipelineRequest request;
  request.set_name(args.positionals()[0]);
  v1::Pipeline pipeline;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::GetPipeline, request, pipeline);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(pipeline);

  DetailList details;
  details.Add("Name", pipeline.name());
  details.Add("Version", std::to_string(pipeline.version()));
  details.Add("Destination", pipeline.destination().empty() ? "-" : pipeline.destination());
  details.Add("Dataset", pipeline.dataset_name().empty() ? "-" : pipeline.dataset_name());
  details.Add("Resources", JoinList(pipeline.resources()));
  details.Add("Paused", std::string(YesNo(pipeline.paused())));
  details.Add("Schedule", pipeline.schedule().empty() ? "- (runs on request only)" : pipeline.schedule());
  details.Add("Next run", FormatTimestamp(pipeline.next_run_at()));
  details.Add("Created", FormatTimestamp(pipeline.created_at()));
  details.Add("Updated", FormatTimestamp(pipeline.updated_at()));
  details.Add("Last success", FormatTimestamp(pipeline.last_success_at()));
  std::ostream& out = context.out();
  details.Render(out);
  if (pipeline.has_last_run() && !pipeline.last_run().run_id().empty()) {
    const v1::Run& run = pipeline.last_run();
    DetailList last;
    last.Add("Run", run.run_id());
    last.Add("Status", std::string(RunStatusName(run.status())));
    last.Add("Trigger", std::string(RunTriggerName(run.trigger())));
    last.Add("Created", FormatTimestamp(run.created_at()));
    last.Add("Finished", FormatTimestamp(run.finished_at()));
    last.Add("Duration", RunDuration(run));
    last.Add("Error", RunErrorText(run));
    out << "\nLast run:\n";
    last.Render(out, "  ");
  } else {
    out << "\nLast run: none\n";
  }
  if (!pipeline.spec_json().empty()) {
    out << "\nSpec:\n";
    std::istringstream spec(pipeline.spec_json());
    for (std::string line; std::getline(spec, line);) out << "  " << line << '\n';
  }
  return kExitOk;
}

int RunDescribeRun(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::GetRunRequest request;
  request.set_run_id(args.positionals()[0]);
  v1::Run run;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::GetRun, request, run);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(run);
  RenderRunDetails(run, context.out());
  return kExitOk;
}

}  // namespace

extern constinit const Command kDescribePipelineCommand{
    .name = "describe pipeline",
    .synopsis = "PIPELINE",
    .summary = "show a pipeline: every field, its last run and its spec",
    .description = "Shows the pipeline as the daemon stores it (GetPipeline), with the spec as applied.\n",
    .flags = {},
    .min_args = 1,
    .max_args = 1,
    .run = &RunDescribePipeline,
};

extern constinit const Command kDescribeRunCommand{
    .name = "describe run",
    .synopsis = "RUN",
    .summary = "show a run: every field, its error, and rows per table",
    .description =
        "Shows the run (GetRun). A finished run also shows its summary: totals, rows per\n"
        "table, and one line per load package with the time of each stage.\n",
    .flags = {},
    .min_args = 1,
    .max_args = 1,
    .run = &RunDescribeRun,
};

}  // namespace ingestd::client::commands
