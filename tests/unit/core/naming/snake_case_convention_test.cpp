#include "core/naming/snake_case_convention.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ingestd::naming {
namespace {

// Every expected string below was produced by dlt's snake_case rules run
// with Python's `re` (translate, `[^a-zA-Z\d_]+`, the two camelCase breaks,
// lower, leading digit, trailing `_`, `__+`).

std::string Norm(std::string_view identifier, std::size_t max_length = 0) {
  return SnakeCaseConvention(max_length).NormalizeIdentifier(identifier);
}

TEST(SnakeCaseConventionTest, Name) { EXPECT_EQ(SnakeCaseConvention(0).Name(), "snake_case"); }

TEST(SnakeCaseConventionTest, AlreadySnakeCaseIsUnchanged) {
  EXPECT_EQ(Norm("value"), "value");
  EXPECT_EQ(Norm("_dlt_id"), "_dlt_id");
  EXPECT_EQ(Norm("_dlt_load_id"), "_dlt_load_id");
  EXPECT_EQ(Norm("a1_b2"), "a1_b2");
}

TEST(SnakeCaseConventionTest, SplitsCamelCase) {
  EXPECT_EQ(Norm("createdAt"), "created_at");
  EXPECT_EQ(Norm("HTTPResponseCode"), "http_response_code");
  EXPECT_EQ(Norm("getHTTP2Url"), "get_http2_url");
  EXPECT_EQ(Norm("UserID"), "user_id");
  EXPECT_EQ(Norm("MyJSONData"), "my_json_data");
  EXPECT_EQ(Norm("iOS"), "i_os");
  EXPECT_EQ(Norm("A_B"), "a_b");
}

TEST(SnakeCaseConventionTest, CamelCaseRegexScanOrder) {
  // First break `([^_])([A-Z][a-z]+)` resumes after its greedy [a-z]+ run;
  // the second break `([a-z0-9])([A-Z])` catches the rest.
  EXPECT_EQ(Norm("ABcDe"), "a_bc_de");
  EXPECT_EQ(Norm("xAbCd"), "x_ab_cd");
  EXPECT_EQ(Norm("aBcDef"), "a_bc_def");
  EXPECT_EQ(Norm("AbCDef"), "ab_c_def");
  EXPECT_EQ(Norm("ABCDef"), "abc_def");
  EXPECT_EQ(Norm("a1B2C"), "a1_b2_c");
}

TEST(SnakeCaseConventionTest, ReducesAlphabet) {
  EXPECT_EQ(Norm("e-mail"), "e_mail");
  EXPECT_EQ(Norm("a+b"), "axb");
  EXPECT_EQ(Norm("a*b@c|d"), "axbacld");
  // `-` becomes `_` before the `$` run becomes `_`; the `__` then collapses.
  EXPECT_EQ(Norm("x-$y"), "x_y");
  EXPECT_EQ(Norm("Product-Name!"), "product_namex");
}

TEST(SnakeCaseConventionTest, NonAlphanumericRunsBecomeOneUnderscore) {
  EXPECT_EQ(Norm("Last Name"), "last_name");
  EXPECT_EQ(Norm("a .,;b"), "a_b");
  EXPECT_EQ(Norm("field$"), "fieldx");
}

TEST(SnakeCaseConventionTest, NonAsciiLettersAreLost) {
  EXPECT_EQ(Norm("ÄÖÜ"), "x");
  EXPECT_EQ(Norm("Straße"), "stra_e");
  EXPECT_EQ(Norm("naïve_value"), "na_ve_value");
  EXPECT_EQ(Norm("é1"), "_1");
}

TEST(SnakeCaseConventionTest, LeadingDigitGetsPrefix) {
  EXPECT_EQ(Norm("123abc"), "_123abc");
  EXPECT_EQ(Norm("1"), "_1");
}

TEST(SnakeCaseConventionTest, TrailingUnderscoresBecomeX) {
  EXPECT_EQ(Norm("a__"), "axx");
  EXPECT_EQ(Norm("_a_"), "_ax");
  EXPECT_EQ(Norm("camelCase_"), "camel_casex");
  EXPECT_EQ(Norm("_"), "x");
  EXPECT_EQ(Norm("__"), "xx");
  EXPECT_EQ(Norm("$"), "x");
  EXPECT_EQ(Norm("-"), "x");
}

TEST(SnakeCaseConventionTest, CollapsesUnderscoreRuns) {
  EXPECT_EQ(Norm("__x"), "_x");
  EXPECT_EQ(Norm("a___b"), "a_b");
  EXPECT_EQ(Norm("_dlt__id"), "_dlt_id");
}

TEST(SnakeCaseConventionTest, StripsSurroundingWhitespace) {
  EXPECT_EQ(Norm("  spaced  "), "spaced");
  EXPECT_EQ(Norm("\tcreatedAt\n"), "created_at");
  // Python's str.strip() also removes Unicode spaces and 0x1C-0x1F.
  EXPECT_EQ(Norm("\xc2\xa0" "abc" "\xe3\x80\x80"), "abc");  // U+00A0 ... U+3000
  EXPECT_EQ(Norm("\x1c" "abc"), "abc");
}

TEST(SnakeCaseConventionTest, ShortensWithTagOfOriginal) {
  // 78 characters, already snake_case: the quick path must shorten too.
  const std::string snake = "very_long_column_name_that_keeps_going_and_going_past_the_postgres_limit_of_63";
  // tag = shake_128(snake).digest(4) -> base64 "vqbelq"; head 29 + tag + tail 28.
  EXPECT_EQ(Norm(snake, 63), "very_long_column_name_that_kevqbelqast_the_postgres_limit_of_63");
  EXPECT_EQ(Norm(snake, 63).size(), 63u);
  // Even remaining length: head 29 + tag + tail 29.
  EXPECT_EQ(Norm(snake, 64), "very_long_column_name_that_kevqbelqpast_the_postgres_limit_of_63");
  EXPECT_EQ(Norm(snake, 0), snake);
  EXPECT_EQ(Norm(snake, 78), snake);

  // The tag comes from the original (stripped) identifier, not the
  // normalized one: tag("VeryLong...") is "ts5dzg".
  const std::string camel = "VeryLongColumnNameThatKeepsGoingAndGoingPastThePostgresLimitOfSixtyThree";
  EXPECT_EQ(Norm(camel),
            "very_long_column_name_that_keeps_going_and_going_past_the_postgres_limit_of_sixty_three");
  EXPECT_EQ(Norm(camel, 63), "very_long_column_name_that_kets5dzgostgres_limit_of_sixty_three");
  EXPECT_EQ(Norm("  " + camel + " ", 63), "very_long_column_name_that_kets5dzgostgres_limit_of_sixty_three");
}

TEST(SnakeCaseConventionTest, QuickPathAgreesWithFullRules) {
  // Inputs that look almost normalized must leave the quick path and still
  // match what the full rules give.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abc", "abc"},   {"abc_", "abcx"}, {"1abc", "_1abc"}, {"a__b", "a_b"},
      {"abC", "ab_c"},  {" abc", "abc"},  {"ab-c", "ab_c"},  {"_", "x"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(Norm(in), want) << in;
}

}  // namespace
}  // namespace ingestd::naming
