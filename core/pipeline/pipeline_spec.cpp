#include "core/pipeline/pipeline_spec.hpp"

namespace ingestd::pipeline {

std::string_view DestinationKindName(DestinationKind kind) {
  return kind == DestinationKind::kPostgres ? "postgres" : "sqlite";
}

std::string_view SourceKindName(const SourceSpec& source) {
  struct Visitor {
    std::string_view operator()(const extract::FilesConfig&) const { return "files"; }
    std::string_view operator()(const extract::rest::RestResourceConfig&) const { return "rest_api"; }
    std::string_view operator()(const extract::sql::SqlConfig&) const { return "sql"; }
    std::string_view operator()(const PushConfig&) const { return "push"; }
  };
  return std::visit(Visitor{}, source);
}

schema::ResourceHints ResourceSpec::ToResourceHints() const {
  schema::ResourceHints hints;
  hints.table_name = table_name;
  hints.write_disposition = write_disposition;
  hints.merge_strategy = merge_strategy;
  hints.primary_key = primary_key;
  hints.merge_key = merge_key;
  hints.columns = columns;
  hints.max_table_nesting = max_table_nesting;
  hints.schema_contract = schema_contract;
  return hints;
}

}  // namespace ingestd::pipeline
