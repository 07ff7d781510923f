// Fuzzes the relational normalizer with arbitrary bytes. The first byte
// picks options (nesting budget, contract, merge strategy) so contracts,
// variants, json capture and row-id paths are all reached. Checks that
// nothing crashes, that emitted cells always name an existing column, and
// that the resulting schema survives a JSON round trip.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/normalize/json_normalizer.hpp"
#include "core/schema/schema_json.hpp"

using namespace ingestd;

namespace {

void CheckBatch(const normalize::NormalizedBatch& batch, const schema::Schema& schema) {
  for (const auto& t : batch.tables()) {
    const schema::TableSchema* ts = schema.FindTable(t.table);
    if (ts == nullptr) std::abort();
    for (const auto& cell : t.cells) {
      if (cell.column >= ts->columns().size()) std::abort();
      if (!ts->column(cell.column).IsComplete()) std::abort();
      if (cell.value.type != *ts->column(cell.column).data_type) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t knobs = data[0];
  std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);

  schema::Schema schema = schema::Schema::CreateDefault("fuzz");
  schema::TableSchema root{"items"};
  root.write_disposition = schema::WriteDisposition::kAppend;
  switch ((knobs >> 4) & 3) {
    case 1:
      root.write_disposition = schema::WriteDisposition::kMerge;
      root.merge_strategy = schema::MergeStrategy::kDeleteInsert;
      break;
    case 2:
      root.write_disposition = schema::WriteDisposition::kMerge;
      root.merge_strategy = schema::MergeStrategy::kScd2;
      break;
    default: break;
  }
  schema.AddTable(root);

  normalize::NormalizeOptions options;
  options.load_id = "1";
  options.max_nesting = knobs & 3;  // small budgets reach the json capture
  if ((knobs & 4) == 0) options.max_nesting += 1000;
  options.max_depth = 512;
  options.max_identifier_length = (knobs & 8) ? 63 : 12;

  auto first = normalize::JsonNormalizer::Create(schema, options);
  if (!first.ok()) std::abort();
  normalize::NormalizedBatch batch;
  Status s = first->NormalizeLines(json, "items", batch);
  CheckBatch(batch, first->schema());
  if (!s.ok()) return 0;

  // Second pass with the learned schema and a contract: variants and discards.
  schema::Schema learned = first->schema();
  const schema::ContractMode modes[] = {schema::ContractMode::kEvolve, schema::ContractMode::kFreeze,
                                        schema::ContractMode::kDiscardRow,
                                        schema::ContractMode::kDiscardValue};
  learned.settings.schema_contract = schema::SchemaContract::All(modes[(knobs >> 6) & 3]);
  learned.BumpVersion();
  auto second = normalize::JsonNormalizer::Create(learned, options);
  if (!second.ok()) std::abort();
  normalize::NormalizedBatch batch2;
  (void)second->NormalizeLines(json, "items", batch2);
  CheckBatch(batch2, second->schema());

  // The schema must survive its own serialization.
  std::string text = schema::SchemaToJson(learned);
  auto back = schema::SchemaFromJson(text);
  if (!back.ok() || schema::SchemaToJson(*back) != text) std::abort();
  return 0;
}
