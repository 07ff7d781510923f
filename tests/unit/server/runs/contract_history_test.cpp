#include "server/runs/contract_history.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingestd::runs {
namespace {

using schema::ContractMode;
using ::testing::HasSubstr;

catalog::ContractChange Change(std::string table, std::string json, double at) {
  catalog::ContractChange c;
  c.pipeline = "shop";
  c.table = std::move(table);
  c.contract_json = std::move(json);
  c.changed_by = "ops";
  c.changed_at = at;
  return c;
}

TEST(ContractHistoryTest, EmptyHistoryHasNoOverrides) {
  Result<pipeline::ContractOverrides> overrides = ContractOverridesFromHistory({});
  ASSERT_TRUE(overrides.ok());
  EXPECT_TRUE(overrides->empty());
}

TEST(ContractHistoryTest, NewestChangePerKeyWins) {
  Result<pipeline::ContractOverrides> overrides = ContractOverridesFromHistory({
      Change("", R"({"tables": "freeze"})", 1),
      Change("orders", R"({"columns": "discard_row"})", 2),
      Change("orders", R"({"data_type": "discard_value"})", 3),
      Change("events", R"({"tables": "evolve", "columns": "freeze"})", 4),
  });
  ASSERT_TRUE(overrides.ok()) << overrides.error().message();
  ASSERT_TRUE(overrides->pipeline.has_value());
  EXPECT_EQ(overrides->pipeline->tables, ContractMode::kFreeze);
  EXPECT_FALSE(overrides->pipeline->columns.has_value());
  ASSERT_EQ(overrides->tables.size(), 2u);
  // The newer change replaces the whole override of its table, not one entity.
  const schema::SchemaContract& orders = overrides->tables.at("orders");
  EXPECT_FALSE(orders.columns.has_value());
  EXPECT_EQ(orders.data_type, ContractMode::kDiscardValue);
  EXPECT_EQ(overrides->tables.at("events").columns, ContractMode::kFreeze);
}

TEST(ContractHistoryTest, EmptyContractClearsItsKey) {
  Result<pipeline::ContractOverrides> overrides = ContractOverridesFromHistory({
      Change("", R"({"tables": "freeze"})", 1),
      Change("orders", R"("freeze")", 2),
      Change("events", R"({"columns": "freeze"})", 3),
      Change("", "", 4),
      Change("orders", "", 5),
      Change("missing", "", 6),
  });
  ASSERT_TRUE(overrides.ok()) << overrides.error().message();
  EXPECT_FALSE(overrides->pipeline.has_value());
  ASSERT_EQ(overrides->tables.size(), 1u);
  EXPECT_TRUE(overrides->tables.contains("events"));
}

TEST(ContractHistoryTest, SetAfterClearApplies) {
  Result<pipeline::ContractOverrides> overrides = ContractOverridesFromHistory({
      Change("orders", R"({"tables": "freeze"})", 1),
      Change("orders", "", 2),
      Change("orders", R"({"columns": "evolve"})", 3),
  });
  ASSERT_TRUE(overrides.ok());
  EXPECT_EQ(overrides->tables.at("orders").columns, ContractMode::kEvolve);
  EXPECT_FALSE(overrides->tables.at("orders").tables.has_value());
}

TEST(ContractHistoryTest, UnparsableStoredContractIsDataLoss) {
  Result<pipeline::ContractOverrides> overrides =
      ContractOverridesFromHistory({Change("orders", R"({"tables": "melt"})", 1)});
  ASSERT_FALSE(overrides.ok());
  EXPECT_EQ(overrides.error().code(), ErrorCode::kDataLoss);
  EXPECT_THAT(overrides.error().message(), HasSubstr("pipeline shop"));
  EXPECT_THAT(overrides.error().message(), HasSubstr("table orders"));
}

}  // namespace
}  // namespace ingestd::runs
