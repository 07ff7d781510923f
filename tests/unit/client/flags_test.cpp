#include "client/flags.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace ingestd::client {
namespace {

constexpr std::array kSpecs{
    FlagSpec{"--file", "-f", "PATH", "a file"},
    FlagSpec{"--wait", "", "", "a switch"},
    FlagSpec{"--status", "", "S", "repeatable", /*repeatable=*/true},
};
constexpr std::array kMore{
    FlagSpec{"--output", "-o", "FORMAT", "a global"},
};

Result<ParsedArgs> Parse(std::vector<std::string> args) { return ParseFlags(args, kSpecs, kMore); }

TEST(FlagsTest, ParsesValueFormsSwitchesAndPositionals) {
  auto parsed = Parse({"github", "--file", "a.json", "--wait", "-o", "json", "extra"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->Value("--file"), "a.json");
  EXPECT_TRUE(parsed->Has("--wait"));
  EXPECT_EQ(parsed->Value("--wait"), "");
  EXPECT_EQ(parsed->Value("--status"), std::nullopt);
  EXPECT_EQ(parsed->Value("--output"), "json");
  EXPECT_EQ(parsed->positionals(), (std::vector<std::string>{"github", "extra"}));
  EXPECT_FALSE(parsed->help());
}

TEST(FlagsTest, AcceptsEqualsFormAndShortFlags) {
  auto parsed = Parse({"--file=x.json", "-f", "y.json"});
  EXPECT_FALSE(parsed.ok());  // not repeatable
  parsed = Parse({"--file=x=y.json"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Value("--file"), "x=y.json");
}

TEST(FlagsTest, ValueFlagTakesTheNextArgumentWhateverItIs) {
  auto parsed = Parse({"-f", "-"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Value("--file"), "-");
  parsed = Parse({"--file", "--wait"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Value("--file"), "--wait");
  EXPECT_FALSE(parsed->Has("--wait"));
}

TEST(FlagsTest, LoneDashIsPositionalAndDoubleDashEndsFlags) {
  auto parsed = Parse({"-", "--", "--wait", "-x"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->positionals(), (std::vector<std::string>{"-", "--wait", "-x"}));
  EXPECT_FALSE(parsed->Has("--wait"));
}

TEST(FlagsTest, RepeatableFlagKeepsEveryValue) {
  auto parsed = Parse({"--status", "running", "--status=failed"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Values("--status"), (std::vector<std::string>{"running", "failed"}));
  EXPECT_EQ(parsed->Value("--status"), "failed");
  EXPECT_TRUE(parsed->Values("--file").empty());
}

TEST(FlagsTest, HelpIsRecognisedAnywhere) {
  auto parsed = Parse({"github", "-h"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->help());
  parsed = Parse({"--help"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->help());
}

TEST(FlagsTest, ReportsMistakesByFlagName) {
  auto parsed = Parse({"--nope"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "unknown flag --nope");
  parsed = Parse({"--nope=1"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "unknown flag --nope");
  parsed = Parse({"--file"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "--file needs a value (--file PATH)");
  parsed = Parse({"--wait=yes"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "--wait takes no value");
  parsed = Parse({"--wait", "--wait"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "--wait given twice");
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
}

TEST(FlagsTest, FindFlagMatchesLongShortAndEqualsForms) {
  EXPECT_EQ(FindFlag("--file=a", kSpecs), &kSpecs[0]);
  EXPECT_EQ(FindFlag("-f", kSpecs), &kSpecs[0]);
  EXPECT_EQ(FindFlag("--wait", kSpecs), &kSpecs[1]);
  EXPECT_EQ(FindFlag("--output", kSpecs), nullptr);
}

TEST(FlagsTest, ParsesUnsignedNumbersWithinBounds) {
  EXPECT_EQ(*ParseUnsignedFlag("--limit", "0", 10), 0u);
  EXPECT_EQ(*ParseUnsignedFlag("--limit", "10", 10), 10u);
  for (const char* bad : {"", "11", "-1", "1.5", "abc", "1 "}) {
    auto parsed = ParseUnsignedFlag("--limit", bad, 10);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().message(),
              "--limit needs a whole number from 0 to 10, got '" + std::string(bad) + "'");
  }
}

TEST(FlagsTest, ParsesSeconds) {
  EXPECT_DOUBLE_EQ(*ParseSecondsFlag("--timeout", "2.5"), 2.5);
  EXPECT_DOUBLE_EQ(*ParseSecondsFlag("--timeout", "0"), 0);
  for (const char* bad : {"", "-1", "x", "1s", "nan", "inf"}) {
    EXPECT_FALSE(ParseSecondsFlag("--timeout", bad).ok()) << bad;
  }
}

TEST(FlagsTest, SplitsCommaListsDroppingEmptyItems) {
  EXPECT_EQ(SplitCommaList("running,failed"), (std::vector<std::string>{"running", "failed"}));
  EXPECT_EQ(SplitCommaList(",a,,b,"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SplitCommaList("").empty());
}

}  // namespace
}  // namespace ingestd::client
