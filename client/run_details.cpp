#include "client/run_details.hpp"

#include <map>
#include <ostream>
#include <vector>

#include "client/output_format.hpp"

namespace ingestd::client {
namespace {

// Rows per table summed over the packages, in order of first appearance.
std::vector<std::pair<std::string, std::uint64_t>> RowsPerTable(const v1::RunSummary& summary) {
  std::vector<std::pair<std::string, std::uint64_t>> rows;
  std::map<std::string, std::size_t> index;
  for (const v1::PackageSummary& package : summary.packages()) {
    for (const v1::TableRows& table : package.tables()) {
      auto [it, inserted] = index.try_emplace(table.table(), rows.size());
      if (inserted) rows.emplace_back(table.table(), 0);
      rows[it->second].second += table.rows();
    }
  }
  return rows;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) joined += (joined.empty() ? "" : ", ") + item;
  return joined;
}

void RenderSummary(const v1::RunSummary& summary, std::ostream& out) {
  DetailList totals;
  totals.Add("Destination", summary.destination().empty() ? "-" : summary.destination());
  totals.Add("Items extracted", std::to_string(summary.items_extracted()));
  totals.Add("Rows loaded", std::to_string(summary.rows_loaded()));
  totals.Add("Bytes extracted", FormatBytes(summary.bytes_extracted()));
  totals.Add("Contract violations", std::to_string(summary.contract_violations()));
  totals.Add("Duration", FormatDuration(summary.duration_seconds()));
  out << "\nSummary:\n";
  totals.Render(out, "  ");

  const auto rows = RowsPerTable(summary);
  if (!rows.empty()) {
    TextTable tables({"TABLE", "ROWS"});
    for (const auto& [table, count] : rows) tables.AddRow({table, std::to_string(count)});
    out << '\n';
    tables.Render(out, "  ");
  }

  if (summary.packages().empty()) return;
  TextTable packages({"PACKAGE", "RESUMED", "ALREADY LOADED", "ITEMS", "ROWS", "VIOLATIONS", "SCHEMA",
                      "EXTRACT", "NORMALIZE", "LOAD"});
  std::vector<std::string> new_tables;
  std::vector<std::string> new_columns;
  for (const v1::PackageSummary& package : summary.packages()) {
    std::uint64_t package_rows = 0;
    for (const v1::TableRows& table : package.tables()) package_rows += table.rows();
    packages.AddRow({package.load_id(), std::string(YesNo(package.resumed())),
                     std::string(YesNo(package.already_loaded())), std::to_string(package.items_extracted()),
                     std::to_string(package_rows), std::to_string(package.contract_violations()),
                     package.schema_version() > 0 ? std::to_string(package.schema_version()) : "-",
                     FormatDuration(package.times().extract_seconds()),
                     FormatDuration(package.times().normalize_seconds()),
                     FormatDuration(package.times().load_seconds())});
    new_tables.insert(new_tables.end(), package.new_tables().begin(), package.new_tables().end());
    new_columns.insert(new_columns.end(), package.new_columns().begin(), package.new_columns().end());
  }
  out << '\n';
  packages.Render(out, "  ");
  if (!new_tables.empty() || !new_columns.empty()) {
    DetailList changes;
    if (!new_tables.empty()) changes.Add("New tables", Joined(new_tables));
    if (!new_columns.empty()) changes.Add("New columns", Joined(new_columns));
    out << '\n';
    changes.Render(out, "  ");
  }
}

}  // namespace

std::string RunDuration(const v1::Run& run) {
  if (!IsSet(run.started_at()) || !IsSet(run.finished_at())) return "-";
  return FormatDuration(SecondsBetween(run.started_at(), run.finished_at()));
}

std::string RunErrorText(const v1::Run& run) {
  if (!run.has_error() || (run.error().code().empty() && run.error().message().empty())) return "-";
  if (run.error().code().empty()) return OneLine(run.error().message());
  if (run.error().message().empty()) return run.error().code();
  return run.error().code() + ": " + OneLine(run.error().message());
}

void RenderRunDetails(const v1::Run& run, std::ostream& out) {
  DetailList details;
  details.Add("Run", run.run_id());
  details.Add("Pipeline", run.pipeline() + " (version " + std::to_string(run.pipeline_version()) + ")");
  details.Add("Status", std::string(RunStatusName(run.status())) +
                            (run.cancel_requested() && !IsFinished(run.status()) ? " (cancel requested)" : ""));
  details.Add("Trigger", std::string(RunTriggerName(run.trigger())));
  details.Add("Requested by", run.requested_by().empty() ? "-" : run.requested_by());
  details.Add("Idempotency key", run.idempotency_key().empty() ? "-" : run.idempotency_key());
  details.Add("Created", FormatTimestamp(run.created_at()));
  details.Add("Started", FormatTimestamp(run.started_at()));
  details.Add("Finished", FormatTimestamp(run.finished_at()));
  details.Add("Duration", RunDuration(run));
  details.Add("Deadline", FormatTimestamp(run.deadline_at()));
  details.Add("Cancel requested", std::string(YesNo(run.cancel_requested())));
  details.Add("Error", RunErrorText(run));
  details.Render(out);
  if (run.has_summary()) RenderSummary(run.summary(), out);
}

}  // namespace ingestd::client
