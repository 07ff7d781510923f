// CommandContext (declared in command.hpp): options, streams, the lazily
// made connection, and the one place errors are printed.
#include "client/commands/command.hpp"

#include <ostream>

#include "client/exit_codes.hpp"
#include "client/output_format.hpp"
#include "client/run_details.hpp"

namespace ingestd::client::commands {

CommandContext::CommandContext(const Command& command, GlobalOptions options, std::ostream& out,
                               std::ostream& err, TerminalInfo terminal, ClientFactory factory)
    : command_(command),
      options_(std::move(options)),
      out_(out),
      err_(err),
      terminal_(terminal),
      factory_(std::move(factory)) {}

Result<ControlClient*> CommandContext::Client() {
  if (client_ == nullptr) {
    INGESTD_ASSIGN_OR_RETURN(client_, factory_(options_.connection));
  }
  return client_.get();
}

// Every error path flushes stdout first: when both go to one pipe (CI logs,
// CTest), what was printed before the error must come before it.
int CommandContext::Fail(const grpc::Status& status) {
  out_ << std::flush;
  err_ << FormatRpcError(status) << std::endl;
  return ExitCodeFor(status.error_code());
}

int CommandContext::Fail(const Error& error) {
  out_ << std::flush;
  err_ << "ingestctl: " << OneLine(error.message()) << std::endl;
  return kExitUsage;
}

int CommandContext::UsageError(std::string_view message) {
  out_ << std::flush;
  err_ << "ingestctl: " << command_.name << ": " << OneLine(message) << " (see 'ingestctl "
       << command_.name << " --help')" << std::endl;
  return kExitUsage;
}

int CommandContext::PrintJson(const google::protobuf::Message& message) {
  auto json = ToJson(message);
  if (!json.ok()) {
    out_ << std::flush;
    err_ << "ingestctl: INTERNAL: " << json.error().message() << std::endl;
    return kExitRpcError;
  }
  out_ << *json << std::flush;
  return kExitOk;
}

int CommandContext::RunNotSucceeded(const v1::Run& run) {
  out_ << std::flush;
  err_ << "ingestctl: run " << run.run_id() << ' ' << RunStatusName(run.status());
  if (const std::string error = RunErrorText(run); error != "-") err_ << ": " << error;
  err_ << std::endl;
  return kExitRunFailed;
}

}  // namespace ingestd::client::commands
