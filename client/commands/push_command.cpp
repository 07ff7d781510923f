// `ingestctl push PIPELINE -f FILE.jsonl`: streams JSON records into one of
// the pipeline's push resources (PushRecords) and shows the load's run.

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/jsonl_batcher.hpp"
#include "client/output_format.hpp"
#include "client/run_details.hpp"

namespace ingestd::client::commands {
namespace {

// Records per message: well below the daemon's default 4 MiB message limit,
// large enough that per-message costs do not matter.
constexpr std::size_t kBatchBytes = 1024 * 1024;

constexpr std::array kFlags{
    FlagSpec{"--file", "-f", "FILE.jsonl", "one JSON object per line; - reads stdin"},
    FlagSpec{"--resource", "", "R", "the push resource (needed when the pipeline has several)"},
    FlagSpec{"--idempotency-key", "", "K", "a retry with the same key returns the first push's run"},
};

int RunPush(CommandContext& context, const ParsedArgs& args) {
  const auto path = args.Value("--file");
  if (!path || path->empty()) return context.UsageError("-f FILE.jsonl is required");
  std::ifstream file;
  if (*path != "-") {
    file.open(*path, std::ios::binary);
    if (!file) return context.Fail(InvalidArgument("cannot read " + *path + ": " + std::strerror(errno)));
  }
  std::istream& input = *path == "-" ? std::cin : file;
  const std::string input_name = *path == "-" ? "stdin" : *path;

  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  grpc::ClientContext call;
  (*client)->Prepare(call, ControlClient::CallKind::kStream);
  v1::PushRecordsResponse response;
  auto writer = (*client)->stub().PushRecords(&call, &response);

  v1::PushRecordsRequest message;
  message.set_pipeline(args.positionals()[0]);
  message.set_resource(args.Value("--resource").value_or(""));
  message.set_idempotency_key(args.Value("--idempotency-key").value_or(""));
  JsonLinesBatcher batcher(input, kBatchBytes);
  std::vector<std::string> records;
  bool first = true;
  for (;;) {
    auto more = batcher.Next(records);
    if (!more.ok()) {
      call.TryCancel();
      (void)writer->Finish();
      return context.Fail(more.error().WithContext(input_name));
    }
    // The first message goes even for an empty input: it names the pipeline.
    if (!*more && !first) break;
    for (std::string& record : records) message.add_records(std::move(record));
    // Write blocks while the transport's window is full: the daemon's pace
    // (it stages records on disk) paces the reading of the file. False means
    // the stream is over (the daemon refused it); Finish says why.
    if (!writer->Write(message)) break;
    message.Clear();
    first = false;
    if (!*more) break;
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) return context.Fail(status);

  const v1::Run& run = response.run();
  if (context.json()) {
    if (const int code = context.PrintJson(response); code != kExitOk) return code;
  } else {
    context.out() << "pushed " << response.records() << " records to pipeline " << run.pipeline() << ": run "
                  << run.run_id() << ' ' << RunStatusName(run.status()) << "\n\n";
    RenderRunDetails(run, context.out());
  }
  return run.status() == v1::RUN_STATUS_SUCCEEDED ? kExitOk : context.RunNotSucceeded(run);
}

}  // namespace

extern constinit const Command kPushCommand{
    .name = "push",
    .synopsis = "PIPELINE -f FILE.jsonl [--resource R] [--idempotency-key K]",
    .summary = "load JSON records from a file or stdin through a push resource",
    .description =
        "Streams the file's lines (one JSON object each; blank lines are skipped) to the\n"
        "daemon (PushRecords) in messages of about 1 MiB; the daemon stages them on disk and\n"
        "loads them as one load package when the file ends. Prints the run that loaded\n"
        "them; the exit code is 0 when it succeeded and 1 when it failed. A line that is not\n"
        "a JSON object fails the whole push (nothing is loaded); the daemon's message names\n"
        "its place in the stream (the messages carry the non-blank lines in order).\n",
    .flags = kFlags,
    .min_args = 1,
    .max_args = 1,
    .run = &RunPush,
};

}  // namespace ingestd::client::commands
