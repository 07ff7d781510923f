// `ingestctl run PIPELINE`: starts (or queues) a run (StartRun); with --wait
// follows it to the end and exits by its outcome.

#include <array>
#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client::commands {
namespace {

constexpr std::array kFlags{
    FlagSpec{"--wait", "", "", "follow the run with live progress until it ends; exit 1 unless it succeeded"},
    FlagSpec{"--idempotency-key", "", "K", "a retry with the same key returns the run the key started"},
    FlagSpec{"--timeout-seconds", "", "N", "fail the run when not finished N seconds after it was created"},
    FlagSpec{"--queue", "", "", "queue behind an active run of the pipeline instead of failing"},
};

int RunRun(CommandContext& context, const ParsedArgs& args) {
  v1::StartRunRequest request;
  request.set_pipeline(args.positionals()[0]);
  request.set_idempotency_key(args.Value("--idempotency-key").value_or(""));
  if (auto text = args.Value("--timeout-seconds")) {
    auto seconds = ParseUnsignedFlag("--timeout-seconds", *text, UINT32_MAX);
    if (!seconds.ok()) return context.UsageError(seconds.error().message());
    request.set_timeout_seconds(static_cast<std::uint32_t>(*seconds));
  }
  request.set_on_active(args.Has("--queue") ? v1::ON_ACTIVE_QUEUE : v1::ON_ACTIVE_REFUSE);

  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::StartRunResponse response;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::StartRun, request, response);
  if (!status.ok()) return context.Fail(status);

  const v1::Run& run = response.run();
  std::string line = "run " + run.run_id();
  if (response.created()) {
    line += " of pipeline " + run.pipeline() + " (version " + std::to_string(run.pipeline_version()) + ") " +
            std::string(RunStatusName(run.status()));
  } else {
    line += " already started with idempotency key " + run.idempotency_key() + ": " +
            std::string(RunStatusName(run.status()));
  }
  if (!args.Has("--wait")) {
    if (context.json()) return context.PrintJson(response);
    context.out() << line << '\n';
    return kExitOk;
  }
  // stdout keeps only the result (the finished run); the rest is progress.
  context.out() << std::flush;
  context.err() << line << std::endl;
  return FollowRun(context, **client, run.run_id());
}

}  // namespace

extern constinit const Command kRunCommand{
    .name = "run",
    .synopsis = "PIPELINE [--wait] [--idempotency-key K] [--timeout-seconds N] [--queue]",
    .summary = "start a run of a pipeline, and with --wait follow it to the end",
    .description =
        "Starts a run (StartRun). Without --queue, a pipeline with a run already active\n"
        "refuses (exit 5). With --wait, shows live progress on stderr until the run ends,\n"
        "then the finished run on stdout; the exit code is 0 when it succeeded and 1 when\n"
        "it failed or was cancelled. Interrupting ingestctl (Ctrl-C) stops following, not\n"
        "the run: 'ingestctl watch RUN' picks it up again, 'ingestctl cancel RUN' stops it.\n",
    .flags = kFlags,
    .min_args = 1,
    .max_args = 1,
    .run = &RunRun,
};

}  // namespace ingestd::client::commands
