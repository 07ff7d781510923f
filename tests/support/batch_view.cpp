#include "tests/support/batch_view.hpp"

#include <charconv>

#include "core/infer/timestamp_detection.hpp"

namespace ingestd::testing {

std::string FormatValue(const schema::Value& value) {
  using schema::DataType;
  switch (value.type) {
    case DataType::kBigint: return std::to_string(value.int_value);
    case DataType::kDouble: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value.double_value);
      return std::string(buf, end);
    }
    case DataType::kBool: return value.bool_value ? "true" : "false";
    case DataType::kTimestamp: return infer::FormatTimestamp(value.int_value);
    case DataType::kDate: return infer::FormatDate(value.int_value);
    case DataType::kTime: return infer::FormatTime(value.int_value);
    default: return std::string(value.text);
  }
}

std::vector<RowView> RowsOf(const normalize::NormalizedBatch& batch, const schema::Schema& schema,
                            const std::string& table) {
  std::vector<RowView> rows;
  const normalize::TableRows* t = batch.FindTable(table);
  const schema::TableSchema* ts = schema.FindTable(table);
  if (t == nullptr || ts == nullptr) return rows;
  for (std::size_t r = 0; r < t->row_count(); ++r) {
    RowView view;
    for (const normalize::Cell& cell : t->Row(r)) {
      view[ts->column(cell.column).name] = FormatValue(cell.value);
    }
    rows.push_back(std::move(view));
  }
  return rows;
}

std::vector<std::string> ColumnNames(const schema::Schema& schema, const std::string& table) {
  std::vector<std::string> names;
  if (const schema::TableSchema* ts = schema.FindTable(table)) {
    for (const auto& c : ts->columns()) names.push_back(c.name);
  }
  return names;
}

std::vector<std::string> ColumnTypes(const schema::Schema& schema, const std::string& table) {
  std::vector<std::string> out;
  if (const schema::TableSchema* ts = schema.FindTable(table)) {
    for (const auto& c : ts->columns()) {
      out.push_back(c.name + ":" +
                    (c.data_type ? std::string(schema::DataTypeName(*c.data_type)) : "?"));
    }
  }
  return out;
}

}  // namespace ingestd::testing
