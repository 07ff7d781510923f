// `ingestctl contract show|set`: a pipeline's schema contracts (GetContract,
// AlterContract).

#include <algorithm>
#include <array>
#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client::commands {
namespace {

constexpr std::array<std::string_view, 4> kModes{"evolve", "freeze", "discard_row", "discard_value"};

std::string ContractText(const v1::SchemaContract& contract) {
  std::string text;
  auto add = [&](std::string_view entity, const std::string& mode) {
    if (mode.empty()) return;
    if (!text.empty()) text += ' ';
    text += std::string(entity) + "=" + mode;
  };
  add("tables", contract.tables());
  add("columns", contract.columns());
  add("data_type", contract.data_type());
  return text.empty() ? "-" : text;
}

void RenderContract(const v1::GetContractResponse& contract, std::ostream& out) {
  DetailList details;
  details.Add("Pipeline", contract.pipeline());
  details.Add("Pipeline override",
              contract.has_pipeline_override() ? ContractText(contract.pipeline_override()) : "-");
  details.Render(out);

  TextTable tables({"TABLE", "FROM SPEC", "OVERRIDE", "EFFECTIVE"});
  for (const v1::TableContract& table : contract.tables()) {
    tables.AddRow({table.table(), ContractText(table.from_spec()), ContractText(table.override()),
                   ContractText(table.effective())});
  }
  out << '\n';
  tables.Render(out);

  if (contract.history().empty()) return;
  TextTable history({"CHANGED AT", "BY", "TABLE", "CONTRACT"});
  for (const v1::ContractChangeRecord& change : contract.history()) {
    history.AddRow({FormatTimestamp(change.changed_at()), change.changed_by().empty() ? "-" : change.changed_by(),
                    change.table().empty() ? "(all tables)" : change.table(),
                    change.has_contract() ? ContractText(change.contract()) : "cleared"});
  }
  out << "\nHistory:\n";
  history.Render(out, "  ");
}

int RunContractShow(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::GetContractRequest request;
  request.set_pipeline(args.positionals()[0]);
  v1::GetContractResponse response;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::GetContract, request, response);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(response);
  RenderContract(response, context.out());
  return kExitOk;
}

constexpr std::array kSetFlags{
    FlagSpec{"--table", "", "T", "only this root table (default: every table of the pipeline)"},
    FlagSpec{"--tables", "", "MODE", "mode for new tables: evolve, freeze, discard_row, discard_value"},
    FlagSpec{"--columns", "", "MODE", "mode for new columns"},
    FlagSpec{"--data-type", "", "MODE", "mode for values of another type than their column's"},
    FlagSpec{"--clear", "", "", "remove the override: back to what the spec says"},
};

int RunContractSet(CommandContext& context, const ParsedArgs& args) {
  v1::AlterContractRequest request;
  request.set_pipeline(args.positionals()[0]);
  request.set_table(args.Value("--table").value_or(""));
  v1::SchemaContract& contract = *request.mutable_contract();
  bool any_mode = false;
  struct ModeFlag {
    std::string_view flag;
    std::string* (v1::SchemaContract::*field)();
  };
  for (const ModeFlag& mode_flag : {ModeFlag{"--tables", &v1::SchemaContract::mutable_tables},
                                    ModeFlag{"--columns", &v1::SchemaContract::mutable_columns},
                                    ModeFlag{"--data-type", &v1::SchemaContract::mutable_data_type}}) {
    const auto mode = args.Value(mode_flag.flag);
    if (!mode) continue;
    if (std::ranges::find(kModes, *mode) == kModes.end()) {
      return context.UsageError(std::string(mode_flag.flag) + ": unknown mode '" + *mode +
                                "' (evolve, freeze, discard_row, discard_value)");
    }
    *(contract.*mode_flag.field)() = *mode;
    any_mode = true;
  }
  if (args.Has("--clear")) {
    if (any_mode) return context.UsageError("--clear excludes --tables, --columns and --data-type");
    request.clear_contract();
    request.set_clear(true);
  } else if (!any_mode) {
    return context.UsageError("give at least one of --tables, --columns, --data-type, or --clear");
  }

  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::GetContractResponse response;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::AlterContract, request, response);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(response);

  std::ostream& out = context.out();
  out << "contract override of " << request.pipeline();
  if (!request.table().empty()) out << " table " << request.table();
  out << (request.clear() ? " cleared" : " set") << "; it applies from the next run\n\n";
  RenderContract(response, out);
  return kExitOk;
}

}  // namespace

extern constinit const Command kContractShowCommand{
    .name = "contract show",
    .synopsis = "PIPELINE",
    .summary = "show the schema contracts in force, per table, with their history",
    .description =
        "Shows per root table the contract from the spec, the override set with 'contract\n"
        "set', and the effective result (GetContract), then who changed what and when.\n"
        "Contracts read tables=MODE columns=MODE data_type=MODE; - means not set.\n",
    .flags = {},
    .min_args = 1,
    .max_args = 1,
    .run = &RunContractShow,
};

extern constinit const Command kContractSetCommand{
    .name = "contract set",
    .synopsis = "PIPELINE [--table T] [--tables MODE] [--columns MODE] [--data-type MODE] | --clear",
    .summary = "override the schema contract of a pipeline or one of its tables",
    .description =
        "Sets an override (AlterContract) for the whole pipeline or, with --table, one root\n"
        "table; modes not given stay as the spec says. --clear removes the override. The\n"
        "change is recorded with the token's name and takes effect from the next run.\n",
    .flags = kSetFlags,
    .min_args = 1,
    .max_args = 1,
    .run = &RunContractSet,
};

}  // namespace ingestd::client::commands
