#include "core/json/syntax_check.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/json/rapidjson.hpp"

namespace ingestd {
namespace {

// What extraction asks of RapidJSON (files_source.cpp, syntax only).
bool RapidJsonAccepts(const std::string& text) {
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  rapidjson::MemoryStream ms(text.data(), text.size());
  return !reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag>(ms, handler)
              .IsError();
}

TEST(JsonSyntaxCheckTest, AcceptsValidDocuments) {
  for (const std::string text :
       {R"({})", R"([])", R"({"a": 1})", R"({"a": [1, 2.5, -0.5e-3, 1E+9, true, false, null, "x"]})",
        R"( { "a" : { "b" : [ [ ] , { } ] } } )", R"("just a string")", "0", "-0", "123456789012345678901234567890",
        R"({"s": "esc \" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"})", "{\"utf8\": \"\xc3\xa9\"}",
        R"([[[[[[[[[[1]]]]]]]]]])", "{\"del\": \"\x7f\"}"}) {
    EXPECT_TRUE(json::IsValidJsonSyntax(text)) << text;
    EXPECT_TRUE(RapidJsonAccepts(text)) << text;
  }
}

TEST(JsonSyntaxCheckTest, RefusesInvalidDocuments) {
  for (const std::string text :
       {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a: 1}", "{\"a\": 01}", "{\"a\": 1.}",
        "{\"a\": .5}", "{\"a\": 1e}", "{\"a\": -}", "{\"a\": +1}", "{\"a\": tru}", "{\"a\": nul}", "{\"a\": NaN}",
        "{\"a\": Infinity}", "{\"a\": \"x}", "{\"a\": \"\\x\"}", "{\"a\": \"\\u12\"}", "{\"a\": \"\\uD83D\"}",
        "{\"a\": \"\\uD83Dx\"}", "{\"a\": \"\\uD83D\\u0041\"}", "{\"a\": \"tab\there\"}", "{} {}", "1 2", "[1 2]",
        "{\"a\": 1 \"b\": 2}", "{\"a\": [}", "[{]}", "{\"a\": 1} x", "// comment", "{\"a\": 'x'}"}) {
    EXPECT_FALSE(json::IsValidJsonSyntax(text)) << text;
  }
}

// Mutations of valid lines: whatever the screen accepts, RapidJSON accepts
// too (the screen may refuse more; callers then ask RapidJSON).
TEST(JsonSyntaxCheckTest, NeverAcceptsWhatRapidJsonRefuses) {
  const std::vector<std::string> seeds = {
      R"({"id": 12, "title": "a \"quoted\" title", "labels": [{"name": "bug", "id": -1.5e3}], "n": null})",
      R"([true, false, {"a": [[], {}]}, "\u00e9\uD83D\uDE00", 0.25])",
      R"({"deep": {"er": {"est": [1, [2, [3, {"x": "y"}]]]}}})",
  };
  const std::string alphabet = "{}[]:,\"\\/ -+.eE0123456789abfnrtuDd\x01\t";
  std::mt19937_64 rng(42);
  int accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string text = seeds[round % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: text.erase(at, 1); break;
      }
    }
    const bool screen = json::IsValidJsonSyntax(text);
    const bool rapid = RapidJsonAccepts(text);
    if (screen) {
      ++accepted;
      ASSERT_TRUE(rapid) << "the screen accepted what RapidJSON refuses: " << text;
    } else {
      // Refusing valid JSON would only cost speed, but it should not happen.
      EXPECT_FALSE(rapid) << "the screen refused valid JSON: " << text;
    }
  }
  EXPECT_GT(accepted, 1000) << "the mutations should leave many documents valid";
}

}  // namespace
}  // namespace ingestd
