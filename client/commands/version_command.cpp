// `ingestctl version`: the client's version, and the daemon's (GetVersion).

#include <array>
#include <ostream>

#include <grpcpp/grpcpp.h>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client::commands {
namespace {

constexpr std::array kFlags{
    FlagSpec{"--client", "", "", "only the client's version (no call to the daemon)"},
};

int RunVersion(CommandContext& context, const ParsedArgs& args) {
  const std::string grpc_version = grpc::Version();
  const bool client_only = args.Has("--client");
  if (!context.json()) {
    // First and flushed: printed even when the daemon cannot be reached.
    context.out() << "ingestctl " << INGESTD_VERSION << " (gRPC " << grpc_version << ")" << std::endl;
    if (client_only) return kExitOk;
  }
  v1::GetVersionResponse server;
  if (!client_only) {
    auto client = context.Client();
    if (!client.ok()) return context.Fail(client.error());
    const grpc::Status status =
        (*client)->Call(&v1::Control::StubInterface::GetVersion, v1::GetVersionRequest(), server);
    if (!status.ok()) return context.Fail(status);
  }
  if (context.json()) {
    std::string json = "{\n  \"client\": {\n    \"version\": " + JsonQuote(INGESTD_VERSION) +
                       ",\n    \"grpc_version\": " + JsonQuote(grpc_version) + "\n  }";
    if (!client_only) {
      auto server_json = ToJson(server);
      if (!server_json.ok()) return context.PrintJson(server);  // reports the error
      // Indent the server's document one level to nest it.
      std::string nested;
      for (const char c : *server_json) {
        nested += c;
        if (c == '\n') nested += "  ";
      }
      while (!nested.empty() && (nested.back() == ' ' || nested.back() == '\n')) nested.pop_back();
      json += ",\n  \"server\": " + nested;
    }
    context.out() << json << "\n}\n" << std::flush;
    return kExitOk;
  }
  context.out() << "ingestd " << server.version() << " at " << context.options().connection.address
                << " (schema engine " << server.schema_engine_version() << ")\n";
  return kExitOk;
}

}  // namespace

extern constinit const Command kVersionCommand{
    .name = "version",
    .synopsis = "[--client]",
    .summary = "print the versions of ingestctl and of the daemon",
    .description =
        "Prints ingestctl's version, then asks the daemon for its own (GetVersion). The\n"
        "client's line comes first, also when the daemon cannot be reached (exit 6).\n",
    .flags = kFlags,
    .min_args = 0,
    .max_args = 0,
    .run = &RunVersion,
};

}  // namespace ingestd::client::commands
