#include "core/extract/sql/pg_types.hpp"

#include <utility>

namespace ingestd::extract::sql {
namespace {

// numeric's typmod is ((precision << 16) | scale) + VARHDRSZ; since
// PostgreSQL 15 the scale is an 11-bit signed field (it may be negative).
constexpr int kVarHdrSz = 4;

}  // namespace

schema::ColumnSchema PgColumnSchema(std::string name, std::uint32_t type_oid, int typmod, bool nullable) {
  schema::ColumnSchema column;
  column.name = std::move(name);
  column.nullable = nullable;
  using schema::DataType;
  switch (type_oid) {
    case pg_oid::kInt2:
    case pg_oid::kInt4:
    case pg_oid::kInt8:
    case pg_oid::kOid: column.data_type = DataType::kBigint; break;
    case pg_oid::kFloat4:
    case pg_oid::kFloat8: column.data_type = DataType::kDouble; break;
    case pg_oid::kNumeric:
      column.data_type = DataType::kDecimal;
      if (typmod >= kVarHdrSz) {
        const int packed = typmod - kVarHdrSz;
        column.precision = (packed >> 16) & 0xffff;
        column.scale = ((packed & 0x7ff) ^ 1024) - 1024;
      }
      break;
    case pg_oid::kBool: column.data_type = DataType::kBool; break;
    case pg_oid::kDate: column.data_type = DataType::kDate; break;
    case pg_oid::kTimestamp:
      column.data_type = DataType::kTimestamp;
      column.timezone = false;
      break;
    case pg_oid::kTimestamptz:
      column.data_type = DataType::kTimestamp;
      column.timezone = true;
      break;
    case pg_oid::kTime:
    case pg_oid::kTimetz: column.data_type = DataType::kTime; break;
    case pg_oid::kJson:
    case pg_oid::kJsonb: column.data_type = DataType::kJson; break;
    case pg_oid::kBytea: column.data_type = DataType::kBinary; break;
    default: column.data_type = DataType::kText; break;
  }
  return column;
}

CursorOrder CursorOrderOf(std::uint32_t type_oid) {
  switch (type_oid) {
    case pg_oid::kInt2:
    case pg_oid::kInt4:
    case pg_oid::kInt8:
    case pg_oid::kOid:
    case pg_oid::kFloat4:
    case pg_oid::kFloat8: return CursorOrder::kNumber;
    case pg_oid::kBool: return CursorOrder::kBool;
    // ISO 8601 text with fixed-width fields (fractions padded to 6 digits,
    // one offset) sorts byte-wise in time order; uuid text in byte order.
    case pg_oid::kText:
    case pg_oid::kVarchar:
    case pg_oid::kBpchar:
    case pg_oid::kName:
    case pg_oid::kDate:
    case pg_oid::kTimestamp:
    case pg_oid::kTimestamptz:
    case pg_oid::kTime:
    case pg_oid::kUuid: return CursorOrder::kString;
    default: return CursorOrder::kUnordered;
  }
}

bool IsCollatableText(std::uint32_t type_oid) {
  return type_oid == pg_oid::kText || type_oid == pg_oid::kVarchar || type_oid == pg_oid::kBpchar;
}

}  // namespace ingestd::extract::sql
