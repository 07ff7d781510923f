// `ingestctl schema show|versions|diff`: a pipeline's stored schema, its
// versions, and what changed between two (GetSchema, ListSchemaVersions,
// DiffSchemas).

#include <array>
#include <cstdint>
#include <ostream>
#include <vector>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client::commands {
namespace {

// Versions are int64 in the API; positive and far below this in practice.
constexpr std::uint64_t kMaxVersion = INT64_MAX;

std::string ColumnType(const v1::Column& column) {
  if (column.data_type().empty()) return "-";
  std::string type = column.data_type();
  if (column.precision() > 0) {
    type += "(" + std::to_string(column.precision());
    if (column.scale() > 0) type += "," + std::to_string(column.scale());
    type += ")";
  }
  return type;
}

std::string ColumnHints(const v1::Column& column) {
  std::vector<std::string> hints;
  if (column.primary_key()) hints.emplace_back("primary_key");
  if (column.merge_key()) hints.emplace_back("merge_key");
  if (column.unique()) hints.emplace_back("unique");
  if (column.partition()) hints.emplace_back("partition");
  if (column.sort()) hints.emplace_back("sort");
  if (column.row_key()) hints.emplace_back("row_key");
  if (column.parent_key()) hints.emplace_back("parent_key");
  if (column.root_key()) hints.emplace_back("root_key");
  if (!column.variant_of().empty()) hints.push_back("variant of " + column.variant_of());
  std::string joined;
  for (const std::string& hint : hints) joined += (joined.empty() ? "" : ", ") + hint;
  return joined;
}

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
  return text;
}

Result<std::int64_t> VersionFlag(const ParsedArgs& args, std::string_view flag) {
  const auto text = args.Value(flag);
  if (!text) return std::int64_t{0};
  INGESTD_ASSIGN_OR_RETURN(const std::uint64_t version, ParseUnsignedFlag(flag, *text, kMaxVersion));
  return static_cast<std::int64_t>(version);
}

void RenderSchema(const v1::Schema& schema, std::ostream& out) {
  DetailList details;
  details.Add("Schema", schema.name());
  details.Add("Version", std::to_string(schema.version()));
  details.Add("Hash", schema.version_hash().empty() ? "-" : schema.version_hash());
  details.Add("Engine version", std::to_string(schema.engine_version()));
  details.Add("Created", FormatTimestamp(schema.created_at()));
  details.Render(out);
  for (const v1::Table& table : schema.tables()) {
    std::vector<std::string> about;
    if (!table.resource().empty()) about.push_back("resource " + table.resource());
    if (!table.parent().empty()) about.push_back("nested in " + table.parent());
    if (!table.write_disposition().empty()) about.push_back(table.write_disposition());
    if (!table.merge_strategy().empty()) about.push_back("strategy " + table.merge_strategy());
    if (const std::string contract = ContractText(table.schema_contract()); !contract.empty()) {
      about.push_back("contract " + contract);
    }
    out << "\ntable " << table.name();
    if (!about.empty()) {
      out << "  (";
      for (std::size_t i = 0; i < about.size(); ++i) out << (i ? ", " : "") << about[i];
      out << ')';
    }
    out << '\n';
    TextTable columns({"NAME", "TYPE", "NULLABLE", "HINTS"});
    for (const v1::Column& column : table.columns()) {
      columns.AddRow({column.name(), ColumnType(column), std::string(YesNo(column.nullable())), ColumnHints(column)});
    }
    columns.Render(out, "  ");
  }
}

int RunSchemaShow(CommandContext& context, const ParsedArgs& args) {
  v1::GetSchemaRequest request;
  request.set_pipeline(args.positionals()[0]);
  auto version = VersionFlag(args, "--version");
  if (!version.ok()) return context.UsageError(version.error().message());
  request.set_version(*version);

  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::Schema schema;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::GetSchema, request, schema);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(schema);
  RenderSchema(schema, context.out());
  return kExitOk;
}

int RunSchemaVersions(CommandContext& context, const ParsedArgs& args) {
  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::ListSchemaVersionsRequest request;
  request.set_pipeline(args.positionals()[0]);
  v1::ListSchemaVersionsResponse response;
  const grpc::Status status =
      (*client)->Call(&v1::Control::StubInterface::ListSchemaVersions, request, response);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(response);

  TextTable table({"VERSION", "HASH", "CREATED", "RUN"});
  for (const v1::SchemaVersion& version : response.versions()) {
    table.AddRow({std::to_string(version.version()), version.version_hash(), FormatTimestamp(version.created_at()),
                  version.run_id().empty() ? "-" : version.run_id()});
  }
  table.Render(context.out());
  return kExitOk;
}

std::string_view ChangeKindName(v1::SchemaChange::Kind kind) {
  switch (kind) {
    case v1::SchemaChange::TABLE_ADDED: return "table added";
    case v1::SchemaChange::TABLE_REMOVED: return "table removed";
    case v1::SchemaChange::COLUMN_ADDED: return "column added";
    case v1::SchemaChange::COLUMN_REMOVED: return "column removed";
    case v1::SchemaChange::COLUMN_CHANGED: return "column changed";
    case v1::SchemaChange::TABLE_CHANGED: return "table changed";
    default: return "changed";
  }
}

int RunSchemaDiff(CommandContext& context, const ParsedArgs& args) {
  v1::DiffSchemasRequest request;
  request.set_pipeline(args.positionals()[0]);
  auto from = VersionFlag(args, "--from");
  if (!from.ok()) return context.UsageError(from.error().message());
  auto to = VersionFlag(args, "--to");
  if (!to.ok()) return context.UsageError(to.error().message());
  if (*from > 0 && *to > 0 && *from >= *to) {
    return context.UsageError("--from must be an older version than --to");
  }
  request.set_from_version(*from);
  request.set_to_version(*to);

  auto client = context.Client();
  if (!client.ok()) return context.Fail(client.error());
  v1::DiffSchemasResponse response;
  const grpc::Status status = (*client)->Call(&v1::Control::StubInterface::DiffSchemas, request, response);
  if (!status.ok()) return context.Fail(status);
  if (context.json()) return context.PrintJson(response);

  std::ostream& out = context.out();
  out << "schema of " << request.pipeline() << ": version " << response.from_version() << " -> "
      << response.to_version() << '\n';
  if (response.changes().empty()) {
    out << "no changes\n";
    return kExitOk;
  }
  TextTable table({"CHANGE", "TABLE", "COLUMN", "BEFORE", "AFTER"});
  for (const v1::SchemaChange& change : response.changes()) {
    table.AddRow({std::string(ChangeKindName(change.kind())), change.table(),
                  change.column().empty() ? "-" : change.column(), change.before().empty() ? "-" : change.before(),
                  change.after().empty() ? "-" : change.after()});
  }
  out << '\n';
  table.Render(out);
  return kExitOk;
}

constexpr std::array kShowFlags{
    FlagSpec{"--version", "", "N", "that version instead of the newest"},
};

constexpr std::array kDiffFlags{
    FlagSpec{"--from", "", "N", "older version (default: the one before --to)"},
    FlagSpec{"--to", "", "M", "newer version (default: the newest)"},
};

}  // namespace

extern constinit const Command kSchemaShowCommand{
    .name = "schema show",
    .synopsis = "PIPELINE [--version N]",
    .summary = "show a pipeline's schema: tables with their columns, types and hints",
    .description =
        "Shows the newest stored schema (GetSchema), or version N: per table its resource,\n"
        "parent, write disposition and contract, and per column name, type, nullability and\n"
        "hints. A pipeline has no schema before its first run (exit 3). -o json includes the\n"
        "stored schema document (schema_json).\n",
    .flags = kShowFlags,
    .min_args = 1,
    .max_args = 1,
    .run = &RunSchemaShow,
};

extern constinit const Command kSchemaVersionsCommand{
    .name = "schema versions",
    .synopsis = "PIPELINE",
    .summary = "list a pipeline's stored schema versions, newest first",
    .description = "Lists every stored schema version (ListSchemaVersions) with the run that made it.\n",
    .flags = {},
    .min_args = 1,
    .max_args = 1,
    .run = &RunSchemaVersions,
};

extern constinit const Command kSchemaDiffCommand{
    .name = "schema diff",
    .synopsis = "PIPELINE [--from N] [--to M]",
    .summary = "show what changed between two schema versions",
    .description =
        "Lists the changes from version N to version M (DiffSchemas): tables and columns\n"
        "added or removed, and changed types, nullability, hints, write dispositions and\n"
        "contracts. By default, from the version before the newest to the newest.\n",
    .flags = kDiffFlags,
    .min_args = 1,
    .max_args = 1,
    .run = &RunSchemaDiff,
};

}  // namespace ingestd::client::commands
