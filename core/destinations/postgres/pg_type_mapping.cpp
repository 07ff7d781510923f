#include "core/destinations/postgres/pg_type_mapping.hpp"

#include "core/common/check.hpp"

namespace ingestd::destinations::postgres {

std::string PgTypeName(const schema::ColumnSchema& column) {
  INGESTD_CHECK(column.data_type.has_value());
  using schema::DataType;
  switch (*column.data_type) {
    case DataType::kText:
      return column.precision ? "character varying(" + std::to_string(*column.precision) + ")"
                              : "character varying";
    case DataType::kBigint: return "bigint";
    case DataType::kDouble: return "double precision";
    case DataType::kBool: return "boolean";
    case DataType::kTimestamp:
      return column.timezone.value_or(true) ? "timestamp with time zone"
                                            : "timestamp without time zone";
    case DataType::kDate: return "date";
    case DataType::kTime: return "time without time zone";
    case DataType::kDecimal:
      return "numeric(" + std::to_string(column.precision.value_or(38)) + "," +
             std::to_string(column.scale.value_or(9)) + ")";
    case DataType::kWei: return "numeric(156,78)";
    case DataType::kJson: return "jsonb";
    case DataType::kBinary: return "bytea";
  }
  return "character varying";
}

}  // namespace ingestd::destinations::postgres
