#include "core/extract/incremental.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/common/digest.hpp"

namespace ingestd::extract {
namespace {

IncrementalConfig Config(std::string cursor, std::optional<CursorValue> initial = {}) {
  IncrementalConfig c;
  c.cursor_path = std::move(cursor);
  c.initial_value = std::move(initial);
  return c;
}

Incremental Make(IncrementalConfig config, std::optional<IncrementalState> state = {},
                 std::vector<std::string> resource_pk = {}) {
  auto inc = Incremental::Create(std::move(config), std::move(state), std::move(resource_pk));
  EXPECT_TRUE(inc.ok()) << inc.error().ToString();
  return std::move(inc).value();
}

// Runs items through and returns those kept.
std::vector<std::string> Feed(Incremental& inc, const std::vector<std::string>& items) {
  std::vector<std::string> kept;
  for (const std::string& item : items) {
    auto keep = inc.Accept(item);
    EXPECT_TRUE(keep.ok()) << keep.error().ToString();
    if (keep.ok() && *keep) kept.push_back(item);
  }
  return kept;
}

std::string Item(int id, int ts) { return R"({"id":)" + std::to_string(id) + R"(,"ts":)" + std::to_string(ts) + "}"; }

// --- CursorValue and CursorPath

TEST(IncrementalCursorValue, ComparesByKind) {
  EXPECT_EQ(*CursorValue::Int(2).Compare(CursorValue::Int(10)), -1);
  EXPECT_EQ(*CursorValue::Double(2.5).Compare(CursorValue::Int(2)), 1);
  EXPECT_EQ(*CursorValue::Int(3).Compare(CursorValue::Double(3.0)), 0);
  EXPECT_EQ(*CursorValue::Uint(18446744073709551615ull).Compare(CursorValue::Int(-1)), 1);
  EXPECT_EQ(*CursorValue::String("2024-01-02T00:00:00Z").Compare(CursorValue::String("2024-01-10T00:00:00Z")), -1);
  EXPECT_EQ(*CursorValue::Bool(true).Compare(CursorValue::Bool(false)), 1);
  auto mixed = CursorValue::String("1").Compare(CursorValue::Int(1));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().message(), "cannot compare a string with a number");
}

TEST(IncrementalCursorValue, JsonRoundTrip) {
  for (std::string json : {"12", "-3", "18446744073709551615", "1.5", "\"a\\\"b\"", "true", "false"}) {
    auto v = CursorValue::FromJson(json);
    ASSERT_TRUE(v.ok()) << json;
    EXPECT_EQ(v->ToJson(), json);
  }
  auto null = CursorValue::FromJson("null");
  ASSERT_FALSE(null.ok());
  EXPECT_EQ(null.error().message(), "a cursor value must be a number, a string or a boolean, got null");
  EXPECT_FALSE(CursorValue::FromJson("[1]").ok());
}

TEST(IncrementalCursorPath, ParsesDottedAndSimpleJsonPath) {
  for (std::string p : {"a.b", "$.a.b", "$['a'].b", "a[\"a\"].b"}) {
    auto path = CursorPath::Parse(p);
    ASSERT_TRUE(path.ok()) << p << ": " << path.error().ToString();
  }
  auto indexed = CursorPath::Parse("$.a.b[0]");
  ASSERT_TRUE(indexed.ok());
  ASSERT_EQ(indexed->steps().size(), 3u);
  EXPECT_TRUE(indexed->steps()[2].is_index);
  EXPECT_EQ(indexed->steps()[2].index, 0u);
  EXPECT_EQ(CursorPath::Parse("updated_at")->TopLevelField(), "updated_at");
  EXPECT_EQ(CursorPath::Parse("a.b")->TopLevelField(), std::nullopt);

  EXPECT_EQ(CursorPath::Parse("").error().message(), "invalid cursor path '': empty");
  EXPECT_EQ(CursorPath::Parse("a..b").error().message(), "invalid cursor path 'a..b': empty field name");
  EXPECT_EQ(CursorPath::Parse("a.").error().message(), "invalid cursor path 'a.': empty field name");
  EXPECT_EQ(CursorPath::Parse("$.items[*].ts").error().message(),
            "invalid cursor path '$.items[*].ts': only [<index>] and ['<key>'] are supported inside brackets");
  EXPECT_EQ(CursorPath::Parse("$.*").error().message(), "invalid cursor path '$.*': wildcards are not supported");
  EXPECT_EQ(CursorPath::Parse("$").error().message(), "invalid cursor path '$': the root '$' selects no field");
}

// --- filtering

TEST(Incremental, MaxWithInitialValueDropsOlderAndTracksLastValue) {
  Incremental inc = Make(Config("ts", CursorValue::Int(10)));
  auto kept = Feed(inc, {Item(1, 5), Item(2, 10), Item(3, 15), Item(4, 12), Item(5, 15)});
  EXPECT_EQ(kept, (std::vector<std::string>{Item(2, 10), Item(3, 15), Item(4, 12), Item(5, 15)}));
  EXPECT_EQ(inc.start_value()->ToJson(), "10");
  EXPECT_EQ(inc.last_value()->ToJson(), "15");
  IncrementalState state = inc.State();
  EXPECT_EQ(state.initial_value->ToJson(), "10");
  EXPECT_EQ(state.start_value->ToJson(), "10");
  EXPECT_EQ(state.last_value->ToJson(), "15");
  // Whole items are hashed (no primary key), with sorted keys.
  EXPECT_EQ(state.unique_hashes,
            (std::vector<std::string>{Digest128(R"({"id":3,"ts":15})"), Digest128(R"({"id":5,"ts":15})")}));
  EXPECT_EQ(inc.stats().out_of_range, 1u);
  EXPECT_EQ(inc.stats().items_kept, 4u);
  EXPECT_TRUE(inc.persist_state());
}

TEST(Incremental, MinMirrorsMax) {
  IncrementalConfig config = Config("ts", CursorValue::Int(10));
  config.last_value_func = LastValueFunc::kMin;
  Incremental inc = Make(config);
  auto kept = Feed(inc, {Item(1, 11), Item(2, 10), Item(3, 4), Item(4, 7)});
  EXPECT_EQ(kept, (std::vector<std::string>{Item(2, 10), Item(3, 4), Item(4, 7)}));
  EXPECT_EQ(inc.last_value()->ToJson(), "4");
}

TEST(Incremental, NoInitialValueKeepsEverythingAndStartsAtFirstCursor) {
  Incremental inc = Make(Config("ts"));
  EXPECT_FALSE(inc.start_value().has_value());
  auto kept = Feed(inc, {Item(1, 5), Item(2, 3), Item(3, 8)});
  EXPECT_EQ(kept.size(), 3u);
  EXPECT_EQ(inc.last_value()->ToJson(), "8");
  EXPECT_FALSE(inc.State().start_value.has_value());
}

TEST(Incremental, IsoTimestampsCompareAsStrings) {
  Incremental inc = Make(Config("$.meta.updated_at", CursorValue::String("2024-01-01T00:00:00Z")));
  auto kept = Feed(inc, {R"({"meta":{"updated_at":"2023-12-31T23:59:59Z"}})",
                        R"({"meta":{"updated_at":"2024-03-01T00:00:00Z"}})"});
  EXPECT_EQ(kept.size(), 1u);
  EXPECT_EQ(inc.last_value()->ToJson(), R"("2024-03-01T00:00:00Z")");
}

TEST(Incremental, IndexedCursorPath) {
  Incremental inc = Make(Config("a.b[1]", CursorValue::Int(5)));
  auto kept = Feed(inc, {R"({"a":{"b":[100,4]}})", R"({"a":{"b":[0,6]}})"});
  EXPECT_EQ(kept, std::vector<std::string>{R"({"a":{"b":[0,6]}})"});
}

TEST(Incremental, EndValueOpenAndClosedAndNoPersistence) {
  IncrementalConfig config = Config("ts", CursorValue::Int(10));
  config.end_value = CursorValue::Int(20);
  IncrementalState stored;
  stored.last_value = CursorValue::Int(18);
  Incremental open = Make(config, stored);
  // A backfill ignores stored state: the window is [initial, end).
  EXPECT_EQ(open.start_value()->ToJson(), "10");
  EXPECT_FALSE(open.persist_state());
  EXPECT_FALSE(open.deduplication_enabled());
  EXPECT_EQ(Feed(open, {Item(1, 9), Item(2, 10), Item(3, 19), Item(4, 20), Item(5, 21)}),
            (std::vector<std::string>{Item(2, 10), Item(3, 19)}));
  EXPECT_EQ(open.stats().out_of_range, 3u);

  config.range_end = RangeBound::kClosed;
  Incremental closed = Make(config);
  EXPECT_EQ(Feed(closed, {Item(4, 20), Item(5, 21)}), std::vector<std::string>{Item(4, 20)});
}

TEST(Incremental, RangeStartOpenDropsTheBoundaryAndDisablesDedup) {
  IncrementalConfig config = Config("ts", CursorValue::Int(10));
  config.range_start = RangeBound::kOpen;
  Incremental inc = Make(config);
  EXPECT_FALSE(inc.deduplication_enabled());
  EXPECT_EQ(Feed(inc, {Item(1, 10), Item(2, 11), Item(3, 11)}), (std::vector<std::string>{Item(2, 11), Item(3, 11)}));
  EXPECT_TRUE(inc.State().unique_hashes.empty());
}

TEST(Incremental, BoundaryDedupAcrossRuns) {
  IncrementalConfig config = Config("ts", CursorValue::Int(0));
  config.primary_key = std::vector<std::string>{"id"};
  Incremental first = Make(config);
  Feed(first, {Item(1, 5), Item(2, 10), Item(3, 10)});
  IncrementalState state = first.State();
  EXPECT_EQ(state.last_value->ToJson(), "10");
  // One key column: the hash is of the value itself (dlt's json.dumps(row["id"])).
  EXPECT_EQ(state.unique_hashes, (std::vector<std::string>{Digest128("2"), Digest128("3")}));

  // The state survives a JSON round trip as the runner stores it.
  auto restored = IncrementalState::FromJson(state.ToJson());
  ASSERT_TRUE(restored.ok()) << restored.error().ToString();
  EXPECT_EQ(*restored, state);

  Incremental second = Make(config, *restored);
  EXPECT_EQ(second.start_value()->ToJson(), "10");
  auto kept = Feed(second, {Item(2, 10), Item(3, 10), Item(4, 10), Item(1, 9), Item(5, 11)});
  EXPECT_EQ(kept, (std::vector<std::string>{Item(4, 10), Item(5, 11)}));
  EXPECT_EQ(second.stats().deduplicated, 2u);
  EXPECT_EQ(second.stats().out_of_range, 1u);
  EXPECT_EQ(second.State().unique_hashes, std::vector<std::string>{Digest128("5")});
}

TEST(Incremental, HashesAccumulateWhileLastValueStays) {
  IncrementalConfig config = Config("ts", CursorValue::Int(0));
  config.primary_key = std::vector<std::string>{"id"};
  IncrementalState stored;
  stored.last_value = CursorValue::Int(10);
  stored.unique_hashes = {Digest128("1")};
  Incremental inc = Make(config, stored);
  EXPECT_EQ(Feed(inc, {Item(2, 10)}), std::vector<std::string>{Item(2, 10)});
  EXPECT_EQ(inc.State().unique_hashes, (std::vector<std::string>{Digest128("1"), Digest128("2")}));
}

TEST(Incremental, CompoundAndResourcePrimaryKeys) {
  IncrementalConfig config = Config("ts", CursorValue::Int(0));
  config.primary_key = std::vector<std::string>{"id", "k"};
  Incremental compound = Make(config);
  Feed(compound, {R"({"id":1,"k":"a","ts":3})"});
  EXPECT_EQ(compound.State().unique_hashes, std::vector<std::string>{Digest128(R"([1,"a"])")});

  // Unset incremental primary_key falls back to the resource's.
  Incremental from_resource = Make(Config("ts", CursorValue::Int(0)), std::nullopt, {"k"});
  Feed(from_resource, {R"({"id":1,"k":{"z":1,"a":2},"ts":3})"});
  EXPECT_EQ(from_resource.State().unique_hashes, std::vector<std::string>{Digest128(R"({"a":2,"z":1})")});

  // [] disables dedup.
  config.primary_key = std::vector<std::string>{};
  Incremental disabled = Make(config);
  EXPECT_FALSE(disabled.deduplication_enabled());
  Feed(disabled, {Item(1, 3)});
  EXPECT_TRUE(disabled.State().unique_hashes.empty());
}

TEST(Incremental, MissingPrimaryKeyColumnIsAnError) {
  IncrementalConfig config = Config("ts", CursorValue::Int(0));
  config.primary_key = std::vector<std::string>{"id"};
  Incremental inc = Make(config);
  auto r = inc.Accept(R"({"ts":5})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "incremental on 'ts': primary key column 'id' missing in item (set incremental.primary_key, or [] to "
            "disable dedup): {\"ts\":5}");
}

TEST(Incremental, UniqueHashesAreBounded) {
  IncrementalConfig config = Config("ts", CursorValue::Int(0));
  config.primary_key = std::vector<std::string>{"id"};
  Incremental inc = Make(config);
  const int n = static_cast<int>(Incremental::kMaxUniqueHashes) + 5;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(*inc.Accept(Item(i, 7)));
  EXPECT_EQ(inc.State().unique_hashes.size(), Incremental::kMaxUniqueHashes);
  EXPECT_EQ(inc.stats().hashes_dropped, 5u);
  // Advancing resets the boundary set.
  ASSERT_TRUE(*inc.Accept(Item(0, 8)));
  EXPECT_EQ(inc.State().unique_hashes.size(), 1u);
}

TEST(Incremental, MissingCursorRaiseIncludeExclude) {
  Incremental raise = Make(Config("ts", CursorValue::Int(0)));
  auto missing = raise.Accept(R"({"id":1})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "incremental on 'ts': cursor path not found in item (set on_cursor_value_missing to include or exclude "
            "to accept such items): {\"id\":1}");
  auto null = raise.Accept(R"({"id":1,"ts":null})");
  ASSERT_FALSE(null.ok());
  EXPECT_NE(null.error().message().find("cursor value is null in item"), std::string::npos);

  IncrementalConfig include = Config("ts", CursorValue::Int(0));
  include.on_cursor_value_missing = OnCursorValueMissing::kInclude;
  Incremental inc = Make(include);
  EXPECT_EQ(Feed(inc, {R"({"id":1})", Item(2, 4)}).size(), 2u);
  EXPECT_EQ(inc.last_value()->ToJson(), "4");
  EXPECT_EQ(inc.stats().missing_cursor, 1u);

  IncrementalConfig exclude = Config("ts", CursorValue::Int(0));
  exclude.on_cursor_value_missing = OnCursorValueMissing::kExclude;
  Incremental exc = Make(exclude);
  EXPECT_EQ(Feed(exc, {R"({"id":1,"ts":null})", Item(2, 4)}), std::vector<std::string>{Item(2, 4)});
}

TEST(Incremental, MixedCursorTypesAndNonScalarsAreErrors) {
  Incremental inc = Make(Config("ts", CursorValue::Int(0)));
  auto mixed = inc.Accept(R"({"ts":"2024-01-01"})");
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().message(),
            "incremental on 'ts': cursor value \"2024-01-01\" is a string but last_value 0 is a number");
  auto object = inc.Accept(R"({"ts":{"a":1}})");
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().message(),
            "incremental on 'ts': cursor value must be a number, a string or a boolean, got an object: "
            "{\"ts\":{\"a\":1}}");
}

TEST(Incremental, ConfigValidation) {
  IncrementalConfig config = Config("ts");
  config.end_value = CursorValue::Int(5);
  EXPECT_EQ(Incremental::Create(config, std::nullopt).error().message(), "end_value needs an initial_value");
  config.initial_value = CursorValue::Int(7);
  EXPECT_EQ(ValidateIncrementalConfig(config).error().message(),
            "end_value 5 must be greater than initial_value 7 (last_value_func max)");
  config.last_value_func = LastValueFunc::kMin;
  EXPECT_TRUE(ValidateIncrementalConfig(config).ok());
  config.initial_value = CursorValue::String("7");
  EXPECT_EQ(ValidateIncrementalConfig(config).error().message(),
            "end_value is a number but initial_value is a string");
  EXPECT_FALSE(ValidateIncrementalConfig(Config("a..b")).ok());
}

TEST(Incremental, StateJson) {
  IncrementalState state;
  state.initial_value = CursorValue::String("2024-01-01");
  state.last_value = CursorValue::String("2024-02-01");
  state.unique_hashes = {"abc"};
  EXPECT_EQ(state.ToJson(),
            R"({"initial_value":"2024-01-01","last_value":"2024-02-01","unique_hashes":["abc"],"start_value":null})");
  auto empty = IncrementalState::FromJson("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, IncrementalState{});
  EXPECT_EQ(IncrementalState::FromJson(R"({"last_value":[1]})").error().message(),
            "incremental state: last_value: expected a number, a string, a boolean or null, got an array");
  EXPECT_EQ(IncrementalState::FromJson(R"({"unique_hashes":[1]})").error().message(),
            "incremental state: unique_hashes: expected strings, got a number");
  EXPECT_EQ(IncrementalState::FromJson(R"({"lag":1})").error().message(),
            "incremental state: unknown key 'lag' (expected initial_value, last_value, unique_hashes, start_value)");
  EXPECT_FALSE(IncrementalState::FromJson("[").ok());
}

TEST(Incremental, FilterForwardsOnlyKeptItems) {
  class Collect : public ItemSink {
   public:
    Status Accept(std::string_view item) override {
      items.emplace_back(item);
      return OkStatus();
    }
    std::vector<std::string> items;
  };
  Collect sink;
  Incremental inc = Make(Config("ts", CursorValue::Int(10)));
  IncrementalFilter filter(inc, sink);
  ASSERT_TRUE(filter.Accept(Item(1, 9)).ok());
  ASSERT_TRUE(filter.Accept(Item(2, 11)).ok());
  EXPECT_EQ(sink.items, std::vector<std::string>{Item(2, 11)});
  EXPECT_FALSE(filter.Accept(R"({"id":3})").ok());
}

}  // namespace
}  // namespace ingestd::extract
