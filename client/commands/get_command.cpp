// `ingestctl get pipelines|runs`: lists (ListPipelines, ListRuns), paging
// through with page tokens.

#include <algorithm>
#include <array>
#include <cstdint>
#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"
#include "client/run_details.hpp"

namespace ingestd::client::commands {
namespace {

// The API's largest page.
constexpr std::uint32_t kMaxPageSize = 1000;
constexpr std::uint64_t kDefaultRunLimit = 50;
constexpr std::size_t kErrorColumnWidth = 60;

int RunGetPipelines(CommandContext& context, const ParsedArgs& /*args*/) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::ListPipelinesResponse all;
  v1::ListPipelinesRequest request;
  request.set_page_size(kMaxPageSize);
  for (;;) {
    v1::ListPipelinesResponse page;
    const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::ListPipelines, request, page);
    if (!status.ok()) return context.Fail(status);
    for (v1::Pipeline& pipeline : *page.mutable_pipelines()) *all.add_pipelines() = std::move(pipeline);
    // An empty token ends the list; the same token twice would loop forever.
    if (page.next_page_token().empty() || page.next_page_token() == request.page_token()) break;
    request.set_page_token(page.next_page_token());
  }
  if (context.json()) return context.PrintJson(all);

  TextTable table({"NAME", "VERSION", "DESTINATION", "DATASET", "SCHEDULE", "PAUSED", "LAST RUN",
                   "LAST STATUS", "LAST SUCCESS", "NEXT RUN"});
  for (const v1::Pipeline& pipeline : all.pipelines()) {
    const bool has_run = pipeline.has_last_run() && !pipeline.last_run().run_id().empty();
    table.AddRow({pipeline.name(), std::to_string(pipeline.version()),
                  pipeline.destination().empty() ? "-" : pipeline.destination(),
                  pipeline.dataset_name().empty() ? "-" : pipeline.dataset_name(),
                  pipeline.schedule().empty() ? "-" : pipeline.schedule(), std::string(YesNo(pipeline.paused())),
                  has_run ? pipeline.last_run().run_id() : "-",
                  has_run ? std::string(RunStatusName(pipeline.last_run().status())) : "-",
                  FormatTimestamp(pipeline.last_success_at()), FormatTimestamp(pipeline.next_run_at())});
  }
  table.Render(context.out());
  return kExitOk;
}

constexpr std::array kGetRunsFlags{
    FlagSpec{"--pipeline", "", "P", "only runs of pipeline P"},
    FlagSpec{"--status", "", "S[,S...]", "only runs in these states: queued, running, succeeded, failed, cancelled",
             /*repeatable=*/true},
    FlagSpec{"--limit", "", "N", "at most N runs, newest first (default 50; 0: all)"},
};

int RunGetRuns(CommandContext& context, const ParsedArgs& args) {
  v1::ListRunsRequest request;
  request.set_pipeline(args.Value("--pipeline").value_or(""));
  for (const std::string& value : args.Values("--status")) {
    for (const std::string& name : SplitCommaList(value)) {
      const auto status = ParseRunStatus(name);
      if (!status) {
        return context.UsageError("--status: unknown status '" + name +
                                  "' (queued, running, succeeded, failed, cancelled)");
      }
      request.add_statuses(*status);
    }
  }
  std::uint64_t limit = kDefaultRunLimit;
  if (auto text = args.Value("--limit")) {
    auto parsed = ParseUnsignedFlag("--limit", *text, UINT32_MAX);
    if (!parsed.ok()) return context.UsageError(parsed.error().message());
    limit = *parsed;
  }

  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::ListRunsResponse all;
  for (;;) {
    const std::uint64_t wanted = limit == 0 ? kMaxPageSize : limit - static_cast<std::uint64_t>(all.runs_size());
    request.set_page_size(static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, kMaxPageSize)));
    v1::ListRunsResponse page;
    const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::ListRuns, request, page);
    if (!status.ok()) return context.Fail(status);
    for (v1::Run& run : *page.mutable_runs()) {
      if (limit != 0 && static_cast<std::uint64_t>(all.runs_size()) >= limit) break;
      *all.add_runs() = std::move(run);
    }
    all.set_next_page_token(page.next_page_token());
    if (page.next_page_token().empty() || page.next_page_token() == request.page_token()) break;
    if (limit != 0 && static_cast<std::uint64_t>(all.runs_size()) >= limit) break;
    request.set_page_token(page.next_page_token());
  }
  if (context.json()) return context.PrintJson(all);

  TextTable table({"RUN", "PIPELINE", "STATUS", "TRIGGER", "CREATED", "DURATION", "ERROR"});
  for (const v1::Run& run : all.runs()) {
    table.AddRow({run.run_id(), run.pipeline(), std::string(RunStatusName(run.status())),
                  std::string(RunTriggerName(run.trigger())), FormatTimestamp(run.created_at()), RunDuration(run),
                  Truncate(RunErrorText(run), kErrorColumnWidth)});
  }
  table.Render(context.out());
  if (!all.next_page_token().empty()) {
    context.out() << std::flush;
    context.err() << "ingestctl: showing the newest " << all.runs_size()
                  << " runs; --limit N shows more, --limit 0 all\n";
  }
  return kExitOk;
}

}  // namespace

extern constinit const Command kGetPipelinesCommand{
    .name = "get pipelines",
    .synopsis = "",
    .summary = "list the pipelines with their last and next runs",
    .description = "Lists every pipeline by name (ListPipelines, all pages).\n",
    .flags = {},
    .min_args = 0,
    .max_args = 0,
    .run = &RunGetPipelines,
};

extern constinit const Command kGetRunsCommand{
    .name = "get runs",
    .synopsis = "[--pipeline P] [--status S[,S...]] [--limit N]",
    .summary = "list runs, newest first",
    .description =
        "Lists runs newest first (ListRuns), following page tokens until --limit runs.\n"
        "Summaries are not included: 'ingestctl describe run RUN' shows one.\n",
    .flags = kGetRunsFlags,
    .min_args = 0,
    .max_args = 0,
    .run = &RunGetRuns,
};

}  // namespace ingestd::client::commands
