#include "core/schema/resource_hints.hpp"

namespace ingestd::schema {
namespace {

Result<std::string> NormalizedName(const naming::NamingConvention& naming, const std::string& name,
                                   std::string_view what) {
  std::string normalized = naming.NormalizePath(name);
  if (normalized.empty()) {
    return InvalidArgument(std::string(what) + " '" + name +
                           "' is empty after name normalization; use a name with letters or digits");
  }
  return normalized;
}

}  // namespace

Result<std::string> ApplyResourceHints(Schema& schema, const ResourceHints& hints,
                                       const naming::NamingConvention& naming) {
  INGESTD_ASSIGN_OR_RETURN(std::string table_name,
                           NormalizedName(naming, hints.table_name, "table name"));
  if (hints.merge_strategy && hints.write_disposition != WriteDisposition::kMerge) {
    return InvalidArgument("table " + table_name +
                           ": a merge strategy needs write_disposition merge");
  }
  TableSchema* table = schema.FindTable(table_name);
  if (table == nullptr) {
    TableSchema fresh{table_name};
    fresh.resource = hints.table_name;
    fresh.write_disposition = WriteDisposition::kAppend;
    table = &schema.AddTable(std::move(fresh));
  }
  if (table->parent) {
    return InvalidArgument("table " + table_name + " is a nested table of " + *table->parent +
                           " and cannot take resource hints");
  }
  if (hints.write_disposition) table->write_disposition = hints.write_disposition;
  if (hints.write_disposition == WriteDisposition::kMerge) {
    table->merge_strategy = hints.merge_strategy.value_or(MergeStrategy::kDeleteInsert);
  }
  if (hints.max_table_nesting) table->max_nesting = hints.max_table_nesting;
  if (hints.schema_contract) table->schema_contract = hints.schema_contract;

  auto upsert = [&](ColumnSchema column) -> Status {
    INGESTD_ASSIGN_OR_RETURN(column.name, NormalizedName(naming, column.name, "column"));
    if (ColumnSchema* existing = table->FindColumn(column.name)) {
      if (existing->data_type && column.data_type && *existing->data_type != *column.data_type) {
        return FailedPrecondition(
            "table " + table_name + ": column " + column.name + " already has type " +
            std::string(DataTypeName(*existing->data_type)) + "; a hint cannot change it to " +
            std::string(DataTypeName(*column.data_type)));
      }
      MergeColumnProperties(*existing, column);
    } else {
      table->AddColumn(std::move(column));
    }
    return OkStatus();
  };
  for (const ColumnSchema& c : hints.columns) INGESTD_TRY(upsert(c));
  // Keys are compound hints: declaring them replaces earlier ones (dlt).
  auto set_key = [&](const std::vector<std::string>& names, ColumnHint hint) -> Status {
    if (names.empty()) return OkStatus();
    for (std::size_t i = 0; i < table->columns().size(); ++i) {
      if (table->column(i).HasHint(hint)) table->column(i).SetHint(hint, false);
    }
    for (const std::string& name : names) {
      ColumnSchema key;
      key.name = name;
      key.nullable = false;
      key.SetHint(hint, true);
      INGESTD_TRY(upsert(std::move(key)));
    }
    return OkStatus();
  };
  INGESTD_TRY(set_key(hints.primary_key, ColumnHint::kPrimaryKey));
  INGESTD_TRY(set_key(hints.merge_key, ColumnHint::kMergeKey));
  return table_name;
}

}  // namespace ingestd::schema
