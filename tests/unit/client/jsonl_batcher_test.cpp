#include "client/jsonl_batcher.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace ingestd::client {
namespace {

std::vector<std::vector<std::string>> AllBatches(const std::string& input, std::size_t max_bytes) {
  std::istringstream in(input);
  JsonLinesBatcher batcher(in, max_bytes);
  std::vector<std::vector<std::string>> batches;
  std::vector<std::string> records;
  for (;;) {
    auto more = batcher.Next(records);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    batches.push_back(records);
  }
  EXPECT_TRUE(records.empty());
  return batches;
}

TEST(JsonLinesBatcherTest, SkipsBlankLinesAndStripsCarriageReturns) {
  const auto batches = AllBatches("{\"a\":1}\r\n\n   \n{\"a\":2}\n{\"a\":3}", 1 << 20);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0], (std::vector<std::string>{"{\"a\":1}", "{\"a\":2}", "{\"a\":3}"}));
}

TEST(JsonLinesBatcherTest, CutsBatchesAtTheByteBudgetKeepingRecordsWhole) {
  // Each record costs 10 bytes plus 6 of framing: two fit in 40, three do not.
  std::string input;
  for (int i = 0; i < 5; ++i) input += std::string(10, static_cast<char>('a' + i)) + "\n";
  const auto batches = AllBatches(input, 40);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 2u);
  EXPECT_EQ(batches[1].size(), 2u);
  EXPECT_EQ(batches[2], (std::vector<std::string>{std::string(10, 'e')}));
}

TEST(JsonLinesBatcherTest, ARecordLargerThanTheBudgetGoesAlone) {
  const auto batches = AllBatches("x\n" + std::string(100, 'y') + "\nz\n", 20);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<std::string>{"x"}));
  EXPECT_EQ(batches[1][0].size(), 100u);
  EXPECT_EQ(batches[2], (std::vector<std::string>{"z"}));
}

TEST(JsonLinesBatcherTest, CountsRecordsAndLines) {
  std::istringstream in("a\n\nb\n");
  JsonLinesBatcher batcher(in, 1024);
  std::vector<std::string> records;
  ASSERT_TRUE(*batcher.Next(records));
  EXPECT_FALSE(*batcher.Next(records));
  EXPECT_EQ(batcher.records(), 2u);
  EXPECT_EQ(batcher.lines(), 3u);
}

TEST(JsonLinesBatcherTest, EmptyInputHasNoBatch) { EXPECT_TRUE(AllBatches("\n\n", 1024).empty()); }

}  // namespace
}  // namespace ingestd::client
