#include "client/run_watcher.hpp"

#include <algorithm>
#include <cstdint>
#include <thread>

#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client {
namespace {

struct StreamOutcome {
  grpc::Status status;
  bool finished = false;
  bool saw_events = false;
};

// One WatchRun stream, from after `last_sequence` to its end.
StreamOutcome ReadStream(const ControlClient& client, const std::string& run_id, std::int64_t& last_sequence,
                         const std::function<void(const v1::RunEvent&)>& on_event, v1::Run& final_run) {
  grpc::ClientContext context;
  client.Prepare(context, ControlClient::CallKind::kStream);
  v1::WatchRunRequest request;
  request.set_run_id(run_id);
  request.set_after_sequence(last_sequence);
  auto reader = client.stub().WatchRun(&context, request);

  StreamOutcome outcome;
  v1::RunEvent event;
  while (reader->Read(&event)) {
    // A daemon that repeats events (after a reconnect) must not make us
    // show them twice.
    if (event.sequence() != 0 && event.sequence() <= last_sequence) continue;
    if (event.sequence() != 0) last_sequence = event.sequence();
    outcome.saw_events = true;
    on_event(event);
    if (event.has_finished()) {
      final_run = event.finished().run();
      outcome.finished = true;
      // The daemon closes the stream after RunFinished; do not wait for it.
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader->Finish();
  outcome.status = outcome.finished ? grpc::Status::OK : status;
  return outcome;
}

}  // namespace

grpc::Status WatchUntilFinished(const ControlClient& client, const std::string& run_id,
                                const std::function<void(const v1::RunEvent&)>& on_event,
                                const std::function<void(std::string_view)>& on_notice,
                                v1::Run& final_run, const WatchOptions& options) {
  std::int64_t last_sequence = 0;
  int reconnects = 0;
  auto backoff = options.first_backoff;
  for (;;) {
    StreamOutcome outcome = ReadStream(client, run_id, last_sequence, on_event, final_run);
    if (outcome.finished) return grpc::Status::OK;
    if (outcome.saw_events) {
      reconnects = 0;
      backoff = options.first_backoff;
    }

    std::string why;
    if (outcome.status.ok()) {
      // Closed without RunFinished: ask for the run itself.
      v1::GetRunRequest request;
      request.set_run_id(run_id);
      v1::Run run;
      const grpc::Status status = client.Call(&v1::Control::StubInterface::GetRun, request, run);
      if (status.ok() && IsFinished(run.status())) {
        final_run = std::move(run);
        return grpc::Status::OK;
      }
      if (!status.ok() && status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
      why = status.ok() ? "the stream ended before the run finished"
                        : DescribeStatus(status);
    } else if (outcome.status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      why = DescribeStatus(outcome.status);
    } else {
      return outcome.status;
    }

    if (reconnects >= options.max_reconnects) {
      if (outcome.status.ok()) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "watching run " + run_id + ": " + why + " (gave up after " +
                                std::to_string(reconnects) + " reconnections)");
      }
      return outcome.status;
    }
    ++reconnects;
    on_notice("ingestctl: watch of " + run_id + " interrupted (" + why + "); reconnecting in " +
              FormatDuration(std::chrono::duration<double>(backoff).count()) + " (attempt " +
              std::to_string(reconnects) + " of " + std::to_string(options.max_reconnects) + ")");
    if (options.sleep) {
      options.sleep(backoff);
    } else {
      std::this_thread::sleep_for(backoff);
    }
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

}  // namespace ingestd::client
