// `ingestctl cancel RUN`: asks a run to stop (CancelRun).

#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client::commands {
namespace {

int RunCancel(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::CancelRunRequest request;
  request.set_run_id(args.positionals()[0]);
  v1::Run run;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::CancelRun, request, run);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(run);

  std::ostream& out = context.out();
  out << "run " << run.run_id();
  if (run.status() == v1::RUN_STATUS_CANCELLED) {
    out << " cancelled\n";
  } else if (IsFinished(run.status())) {
    out << " already finished: " << RunStatusName(run.status()) << '\n';
  } else {
    out << " cancel requested (" << RunStatusName(run.status())
        << "); it stops at its next safe point and its pending package is resumed by the next run\n";
  }
  return kExitOk;
}

}  // namespace

extern constinit const Command kCancelCommand{
    .name = "cancel",
    .synopsis = "RUN",
    .summary = "ask a run to stop",
    .description =
        "Cancels a run (CancelRun): a queued run at once, a running one at its next safe\n"
        "point; nothing is lost or loaded twice. Idempotent: a finished run is shown as it\n"
        "is. 'ingestctl watch RUN' follows it to the end.\n",
    .flags = {},
    .min_args = 1,
    .max_args = 1,
    .run = &RunCancel,
};

}  // namespace ingestd::client::commands
