#include "core/schema/schema_update.hpp"

namespace ingestd::schema {

TableSchema& SchemaUpdate::PartialTable(std::string_view name) {
  for (auto& t : tables) {
    if (t.name() == name) return t;
  }
  return tables.emplace_back(std::string(name));
}

std::size_t SchemaUpdate::ColumnCount() const {
  std::size_t n = 0;
  for (const auto& t : tables) n += t.columns().size();
  return n;
}

}  // namespace ingestd::schema
