#include "core/pipeline/contract_overrides.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/pipeline/pipeline_spec.hpp"

namespace ingestd::pipeline {
namespace {

using schema::ContractMode;
using schema::SchemaContract;

constexpr auto kEvolve = ContractMode::kEvolve;
constexpr auto kFreeze = ContractMode::kFreeze;
constexpr auto kDiscardRow = ContractMode::kDiscardRow;
constexpr auto kDiscardValue = ContractMode::kDiscardValue;

// orders (into table "shop_orders", contract {columns: discard_row}),
// customers (no contract) and refunds (also into "shop_orders").
PipelineSpec Shop() {
  auto spec = ParsePipelineSpec(R"({"name": "shop", "resources": [
    {"name": "orders", "table_name": "shop_orders", "schema_contract": {"columns": "discard_row"},
     "source": {"kind": "files", "paths": ["o.jsonl"]}},
    {"name": "customers", "source": {"kind": "files", "paths": ["c.jsonl"]}},
    {"name": "refunds", "table_name": "shop_orders", "source": {"kind": "files", "paths": ["r.jsonl"]}}
  ]})");
  EXPECT_TRUE(spec.ok()) << spec.error().ToString();
  return *spec;
}

TEST(ContractOverrides, ParsesTheSpecForms) {
  auto all = ParseSchemaContractJson(R"("freeze")");
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(*all, SchemaContract::All(kFreeze));

  auto partial = ParseSchemaContractJson(R"({"columns": "discard_value", "tables": "evolve"})");
  ASSERT_TRUE(partial.ok()) << partial.error().ToString();
  EXPECT_EQ(*partial, (SchemaContract{kEvolve, kDiscardValue, std::nullopt}));

  auto empty = ParseSchemaContractJson("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ContractOverrides, ParseErrorsNameTheKeyAndTheModes) {
  auto bad_mode = ParseSchemaContractJson(R"({"data_type": "strict"})");
  ASSERT_FALSE(bad_mode.ok());
  EXPECT_EQ(bad_mode.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_mode.error().message(),
            "schema_contract.data_type: expected one of \"evolve\", \"freeze\", \"discard_row\", \"discard_value\", "
            "got \"strict\"");

  auto bad_key = ParseSchemaContractJson(R"({"rows": "freeze"})");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().message(), "schema_contract.rows: unknown key (allowed: tables, columns, data_type)");

  auto duplicate = ParseSchemaContractJson(R"({"tables": "freeze", "tables": "evolve"})");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().message(), "schema_contract: duplicate key \"tables\"");

  auto wrong_type = ParseSchemaContractJson("3");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().message(),
            "schema_contract: expected a contract mode (\"evolve\", \"freeze\", \"discard_row\", \"discard_value\") or "
            "an object, got a number");

  auto invalid = ParseSchemaContractJson(R"({"tables": )");
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(invalid.error().message().rfind("schema_contract: invalid JSON at line 1, column 12: ", 0), 0u)
      << invalid.error().message();
}

TEST(ContractOverrides, ToJsonListsTheSetEntitiesAndRoundTrips) {
  EXPECT_EQ(SchemaContractToJson(SchemaContract{}), "{}");
  EXPECT_EQ(SchemaContractToJson(SchemaContract{kFreeze, std::nullopt, kDiscardRow}),
            R"({"tables":"freeze","data_type":"discard_row"})");
  EXPECT_EQ(SchemaContractToJson(SchemaContract::All(kDiscardValue)),
            R"({"tables":"discard_value","columns":"discard_value","data_type":"discard_value"})");
  for (const SchemaContract& c : {SchemaContract{}, SchemaContract{std::nullopt, kEvolve, std::nullopt},
                                  SchemaContract{kFreeze, kDiscardRow, kDiscardValue}}) {
    auto back = ParseSchemaContractJson(SchemaContractToJson(c));
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    EXPECT_EQ(*back, c);
  }
}

TEST(ContractOverrides, EffectiveContractLayersTableOverPipelineOverSpec) {
  PipelineSpec spec = Shop();
  const ResourceSpec& orders = spec.resources[0];
  const ResourceSpec& customers = spec.resources[1];

  ContractOverrides none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(EffectiveContract(orders, none, false), (SchemaContract{std::nullopt, kDiscardRow, std::nullopt}));
  EXPECT_EQ(EffectiveContract(orders, none, true), (SchemaContract{kEvolve, kDiscardRow, kEvolve}));
  EXPECT_TRUE(EffectiveContract(customers, none, false).empty());
  EXPECT_EQ(EffectiveContract(customers, none, true), SchemaContract::All(kEvolve));

  ContractOverrides overrides;
  overrides.pipeline = SchemaContract{kFreeze, kFreeze, std::nullopt};
  overrides.tables["shop_orders"] = SchemaContract{std::nullopt, kEvolve, kDiscardValue};
  EXPECT_FALSE(overrides.empty());
  // tables from the pipeline override, columns and data_type from the table's.
  EXPECT_EQ(EffectiveContract(orders, overrides, false), (SchemaContract{kFreeze, kEvolve, kDiscardValue}));
  // customers: only the pipeline override; data_type unset (or evolve).
  EXPECT_EQ(EffectiveContract(customers, overrides, false), (SchemaContract{kFreeze, kFreeze, std::nullopt}));
  EXPECT_EQ(EffectiveContract(customers, overrides, true), (SchemaContract{kFreeze, kFreeze, kEvolve}));

  // The spec's entity shows through where no override sets it.
  ContractOverrides pipeline_only;
  pipeline_only.pipeline = SchemaContract{kFreeze, std::nullopt, std::nullopt};
  EXPECT_EQ(EffectiveContract(orders, pipeline_only, false), (SchemaContract{kFreeze, kDiscardRow, std::nullopt}));
}

TEST(ContractOverrides, TableOverridesMatchTheTableNameNotTheResourceName) {
  PipelineSpec spec = Shop();
  ContractOverrides by_resource_name;
  by_resource_name.tables["orders"] = SchemaContract::All(kFreeze);
  EXPECT_TRUE(EffectiveContract(spec.resources[1], by_resource_name, false).empty());
  Status applied = ApplyContractOverrides(spec, by_resource_name, false);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(applied.error().message(),
            "contract override for table \"orders\": no resource of pipeline \"shop\" fills it (root tables: "
            "\"shop_orders\", \"customers\")");
  // Nothing was changed.
  EXPECT_EQ(spec.resources[0].schema_contract, (SchemaContract{std::nullopt, kDiscardRow, std::nullopt}));
}

TEST(ContractOverrides, ApplySetsEveryResourceThatAnOverrideReaches) {
  PipelineSpec spec = Shop();
  ContractOverrides overrides;
  overrides.tables["shop_orders"] = SchemaContract{kFreeze, std::nullopt, std::nullopt};
  ASSERT_TRUE(ApplyContractOverrides(spec, overrides, false).ok());
  // Both resources filling shop_orders get it; customers keeps "unset".
  EXPECT_EQ(spec.resources[0].schema_contract, (SchemaContract{kFreeze, kDiscardRow, std::nullopt}));
  EXPECT_EQ(spec.resources[2].schema_contract, (SchemaContract{kFreeze, std::nullopt, std::nullopt}));
  EXPECT_FALSE(spec.resources[1].schema_contract.has_value());
}

TEST(ContractOverrides, ApplyWithResolveSetsAllThreeEverywhere) {
  PipelineSpec spec = Shop();
  ASSERT_TRUE(ApplyContractOverrides(spec, ContractOverrides{}, true).ok());
  EXPECT_EQ(spec.resources[0].schema_contract, (SchemaContract{kEvolve, kDiscardRow, kEvolve}));
  EXPECT_EQ(spec.resources[1].schema_contract, SchemaContract::All(kEvolve));
  EXPECT_EQ(spec.resources[2].schema_contract, SchemaContract::All(kEvolve));

  // Without resolve and without overrides the spec is left as written.
  PipelineSpec untouched = Shop();
  ASSERT_TRUE(ApplyContractOverrides(untouched, ContractOverrides{}, false).ok());
  EXPECT_EQ(untouched.resources[0].schema_contract, (SchemaContract{std::nullopt, kDiscardRow, std::nullopt}));
  EXPECT_FALSE(untouched.resources[1].schema_contract.has_value());
}

}  // namespace
}  // namespace ingestd::pipeline
