#include "core/common/log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace ingestd::log {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::chrono::system_clock::time_point At2026() {
  using namespace std::chrono;
  return sys_days{year{2026} / November / 22} + hours{5} + milliseconds{123};
}

std::string Value(std::string_view value) {
  std::string out;
  AppendValue(out, value);
  return out;
}

// Captures lines for one test and restores stderr and the level afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSink([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  void TearDown() override {
    SetSink(nullptr);
    SetLevel(Level::kInfo);
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST(LogFormatTest, LineHasTimeLevelMessageAndFieldsInOrder) {
  EXPECT_EQ(FormatLine(At2026(), Level::kInfo, "run finished", {{"pipeline", "github"}, {"rows", "12000"}}),
            "time=2026-11-22T05:00:00.123Z level=info msg=\"run finished\" pipeline=github rows=12000");
  EXPECT_EQ(FormatLine(At2026(), Level::kError, "stopped", {}),
            "time=2026-11-22T05:00:00.123Z level=error msg=stopped");
}

TEST(LogFormatTest, TimestampIsUtcWithMilliseconds) {
  using namespace std::chrono;
  auto epoch = system_clock::time_point{};
  EXPECT_THAT(FormatLine(epoch, Level::kDebug, "x", {}), StartsWith("time=1970-01-01T00:00:00.000Z level=debug"));
  EXPECT_THAT(FormatLine(epoch + milliseconds{999} + microseconds{999}, Level::kWarn, "x", {}),
              StartsWith("time=1970-01-01T00:00:00.999Z level=warn"));
}

TEST(LogFormatTest, ValuesAreBareUnlessTheyNeedQuotes) {
  EXPECT_EQ(Value("github"), "github");
  EXPECT_EQ(Value("a/b:c,d"), "a/b:c,d");
  EXPECT_EQ(Value("C:\\dir"), "C:\\dir");  // a lone backslash needs no quotes
  EXPECT_EQ(Value(""), "\"\"");
  EXPECT_EQ(Value("run finished"), "\"run finished\"");
  EXPECT_EQ(Value("a=b"), "\"a=b\"");
  EXPECT_EQ(Value("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Value("x\"y"), "\"x\\\"y\"");
  EXPECT_EQ(Value("a \\ b"), "\"a \\\\ b\"");
  EXPECT_EQ(Value("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(Value(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
  EXPECT_EQ(Value("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 passes through
}

TEST(LogFormatTest, NewlinesNeverSplitTheLine) {
  std::string line = FormatLine(At2026(), Level::kError, "first\nsecond", {{"error", "a\r\nb"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_THAT(line, HasSubstr("msg=\"first\\nsecond\" error=\"a\\r\\nb\""));
}

TEST(LogFormatTest, KeysThatWouldBreakTheLineAreSanitized) {
  std::string line = FormatLine(At2026(), Level::kInfo, "m", {{"bad key", "1"}, {"a=b", "2"}, {"", "3"}});
  EXPECT_THAT(line, HasSubstr(" bad_key=1 a_b=2 _=3"));
}

TEST(LogLevelTest, ParseAcceptsTheFourNames) {
  for (Level level : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    auto parsed = ParseLevel(LevelName(level));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, level);
  }
  for (const char* name : {"", "INFO", "warning", "trace"}) {
    auto parsed = ParseLevel(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(parsed.error().message(), HasSubstr("\"debug\", \"info\", \"warn\" or \"error\""));
  }
}

TEST_F(LogTest, WritesOneLineToTheSink) {
  Info("run finished", {{"pipeline", "github"}, {"rows", "12000"}});
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info )"
                                                    R"(msg="run finished" pipeline=github rows=12000)")))
      << lines[0];
}

TEST_F(LogTest, LevelFiltersLowerLines) {
  EXPECT_EQ(GetLevel(), Level::kInfo);
  Debug("hidden");
  Info("shown-info");
  Warn("shown-warn");
  Error("shown-error");
  SetLevel(Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  Info("hidden");
  Warn("shown-warn-2");
  SetLevel(Level::kDebug);
  Debug("shown-debug");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_THAT(lines[0], HasSubstr("level=info msg=shown-info"));
  EXPECT_THAT(lines[1], HasSubstr("level=warn msg=shown-warn"));
  EXPECT_THAT(lines[2], HasSubstr("level=error msg=shown-error"));
  EXPECT_THAT(lines[3], HasSubstr("level=warn msg=shown-warn-2"));
  EXPECT_THAT(lines[4], HasSubstr("level=debug msg=shown-debug"));
}

TEST_F(LogTest, ConcurrentLinesStayWhole) {
  constexpr int kThreads = 4;
  constexpr int kLinesEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesEach; ++i) {
        Info("tick tock", {{"thread", std::to_string(t)}, {"i", std::to_string(i)}, {"pad", std::string(100, 'x')}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesEach));
  const std::regex whole(R"(time=\S+ level=info msg="tick tock" thread=\d i=\d+ pad=x{100})");
  for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, whole)) << line;
}

}  // namespace
}  // namespace ingestd::log
