// `ingestctl watch RUN`: follows a run's events with live progress
// (WatchRun, reconnecting when the stream drops), then shows the finished run.

#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/progress.hpp"
#include "client/run_details.hpp"
#include "client/run_watcher.hpp"

namespace ingestd::client::commands {

int FollowRun(CommandContext& context, ControlClient& client, const std::string& run_id) {
  v1::Run run;
  grpc::Status status;
  {
    ProgressPrinter printer(context.err(), context.terminal().stderr_is_terminal, context.terminal().width);
    status = WatchUntilFinished(
        client, run_id, [&](const v1::RunEvent& event) { printer.OnEvent(event); },
        [&](std::string_view line) { printer.Note(line); }, run);
  }
  if (!status.ok()) return context.Fail(status);
  if (context.json()) {
    if (const int code = context.PrintJson(run); code != kExitOk) return code;
  } else {
    RenderRunDetails(run, context.out());
  }
  return run.status() == v1::RUN_STATUS_SUCCEEDED ? kExitOk : context.RunNotSucceeded(run);
}

namespace {

int RunWatch(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  return FollowRun(context, **client, args.positionals()[0]);
}

}  // namespace

extern constinit const Command kWatchCommand{
    .name = "watch",
    .synopsis = "RUN",
    .summary = "follow a run with live progress until it ends",
    .description =
        "Streams the run's events (WatchRun): those that already happened, then live ones.\n"
        "On a terminal, one line is redrawn with the stage, rows, rows/s and a bar over\n"
        "extract, normalize and load, other events printed above it; otherwise one plain\n"
        "line per event. A dropped stream is resumed where it stopped, up to 5 times in a\n"
        "row with a growing wait. Then prints the finished run; the exit code is 0 when it\n"
        "succeeded and 1 when it failed or was cancelled.\n",
    .flags = {},
    .min_args = 1,
    .max_args = 1,
    .run = &RunWatch,
};

}  // namespace ingestd::client::commands
