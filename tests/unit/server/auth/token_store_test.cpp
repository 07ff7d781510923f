#include "server/auth/token_store.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <cctype>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace ingestd::auth {
namespace {

// printf %s "tok-airflow-123" | sha256sum
constexpr char kAirflowToken[] = "tok-airflow-123";
constexpr char kAirflowSha256[] = "e237cc2c0a32520373d2f0166f1b583688ed3249d8c43aa81f3c69279ee9fa9f";

// Sets an environment variable for one test and removes it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

std::string ThreeTokens() {
  return std::string(R"({"tokens": [
    {"name": "reader", "role": "read", "token": "tok-reader-1"},
    {"name": "airflow", "role": "operate", "sha256": ")") +
         kAirflowSha256 + R"("},
    {"name": "ops", "role": "admin", "token": "tok-ops-9"}
  ]})";
}

TokenStore Load(const std::string& json) {
  auto store = TokenStore::FromJson(json);
  EXPECT_TRUE(store.ok()) << store.error().ToString();
  return std::move(store).value();
}

std::string LoadError(const std::string& json) {
  auto store = TokenStore::FromJson(json);
  EXPECT_FALSE(store.ok());
  if (store.ok()) return "";
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalidArgument);
  return store.error().message();
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : {Role::kRead, Role::kOperate, Role::kAdmin}) {
    auto parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(RoleName(Role::kRead), "read");
  EXPECT_EQ(RoleName(Role::kOperate), "operate");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
}

TEST(RoleTest, ParseRejectsOtherSpellings) {
  for (const char* name : {"", "Admin", "reader", "write", " read"}) {
    auto parsed = ParseRole(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find("\"read\", \"operate\" or \"admin\""), std::string::npos);
  }
}

TEST(AuthorizeTest, EachRoleIncludesTheOnesBefore) {
  const Role roles[] = {Role::kRead, Role::kOperate, Role::kAdmin};
  for (Role has : roles) {
    for (Role needs : roles) {
      Status status = TokenStore::Authorize(Principal{"t", has}, needs, "Call");
      EXPECT_EQ(status.ok(), has >= needs) << RoleName(has) << " vs " << RoleName(needs);
      if (!status.ok()) {
        EXPECT_EQ(status.error().code(), ErrorCode::kPermissionDenied);
      }
    }
  }
}

TEST(AuthorizeTest, MessageNamesCallRoleNeededAndRoleHeld) {
  Status status = TokenStore::Authorize(Principal{"reader", Role::kRead}, Role::kOperate, "StartRun");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(status.error().message(), "StartRun needs role \"operate\"; token \"reader\" has role \"read\"");
}

TEST(TokenStoreTest, DisabledMakesEveryCallAnonymousAdmin) {
  TokenStore store = TokenStore::Disabled();
  EXPECT_FALSE(store.enabled());
  for (const char* header : {"", "Bearer whatever", "garbage"}) {
    auto principal = store.Authenticate(header);
    ASSERT_TRUE(principal.ok());
    EXPECT_EQ(principal->name, "anonymous");
    EXPECT_EQ(principal->role, Role::kAdmin);
  }
}

TEST(TokenStoreTest, AuthenticatesLiteralAndSha256Entries) {
  TokenStore store = Load(ThreeTokens());
  EXPECT_TRUE(store.enabled());

  auto reader = store.Authenticate("Bearer tok-reader-1");
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  EXPECT_EQ(reader->name, "reader");
  EXPECT_EQ(reader->role, Role::kRead);

  auto airflow = store.Authenticate(std::string("Bearer ") + kAirflowToken);
  ASSERT_TRUE(airflow.ok()) << airflow.error().ToString();
  EXPECT_EQ(airflow->name, "airflow");
  EXPECT_EQ(airflow->role, Role::kOperate);

  auto ops = store.Authenticate("Bearer tok-ops-9");
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(ops->name, "ops");
  EXPECT_EQ(ops->role, Role::kAdmin);
}

TEST(TokenStoreTest, Sha256HexMayBeUpperCase) {
  std::string upper = kAirflowSha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  TokenStore store = Load(R"({"tokens": [{"name": "a", "role": "read", "sha256": ")" + upper + R"("}]})");
  EXPECT_TRUE(store.Authenticate(std::string("Bearer ") + kAirflowToken).ok());
}

TEST(TokenStoreTest, SchemeIsCaseInsensitive) {
  TokenStore store = Load(ThreeTokens());
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR "}) {
    auto principal = store.Authenticate(std::string(scheme) + "tok-ops-9");
    ASSERT_TRUE(principal.ok()) << scheme;
    EXPECT_EQ(principal->name, "ops");
  }
}

TEST(TokenStoreTest, RejectsWithoutEchoingWhatWasPresented) {
  TokenStore store = Load(ThreeTokens());
  struct Case {
    std::string header;
    std::string secret;  // must not appear in the message
  };
  const Case cases[] = {
      {"", ""},
      {"Bearer wrong-token-xyz", "wrong-token-xyz"},
      {"Bearer tok-ops-9x", "tok-ops-9x"},
      {"tok-ops-9", "tok-ops-9"},                  // the token without a scheme
      {"Basic dG9rLW9wcy05", "dG9rLW9wcy05"},      // another scheme
      {"Bearer", "Bearer"},                        // no token
      {"Bearer ", ""},                             // empty token
      {"Bearer  tok-ops-9", "tok-ops-9"},          // two spaces
      {"Bearer tok-ops-9 extra", "tok-ops-9"},     // two tokens
      {"Bearer tok-ops-9\n", "tok-ops-9"},         // trailing control character
      {"Bearertok-ops-9", "tok-ops-9"},            // no separator
  };
  for (const Case& c : cases) {
    auto principal = store.Authenticate(c.header);
    ASSERT_FALSE(principal.ok()) << c.header;
    EXPECT_EQ(principal.error().code(), ErrorCode::kUnauthenticated) << c.header;
    if (!c.secret.empty() && c.secret != "Bearer") {
      EXPECT_EQ(principal.error().message().find(c.secret), std::string::npos) << principal.error().message();
    }
    EXPECT_FALSE(principal.error().message().empty());
  }
}

TEST(TokenStoreTest, ResolvesEnvReferences) {
  ScopedEnv env("INGESTD_TEST_TOKEN_STORE_SECRET", "tok-from-env");
  TokenStore store =
      Load(R"({"tokens": [{"name": "ops", "role": "admin", "token": "env:INGESTD_TEST_TOKEN_STORE_SECRET"}]})");
  auto principal = store.Authenticate("Bearer tok-from-env");
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->name, "ops");
  // The reference is not the token.
  EXPECT_FALSE(store.Authenticate("Bearer env:INGESTD_TEST_TOKEN_STORE_SECRET").ok());
}

TEST(TokenStoreTest, UnsetEnvReferenceNamesTheEntryAndVariable) {
  ::unsetenv("INGESTD_TEST_TOKEN_STORE_UNSET");
  std::string message =
      LoadError(R"({"tokens": [{"name": "ops", "role": "admin", "token": "env:INGESTD_TEST_TOKEN_STORE_UNSET"}]})");
  EXPECT_NE(message.find("tokens[0] (\"ops\")"), std::string::npos) << message;
  EXPECT_NE(message.find("INGESTD_TEST_TOKEN_STORE_UNSET"), std::string::npos) << message;
}

TEST(TokenStoreTest, ResolvesFileReferencesTrimmingTheNewline) {
  testing::TempDir dir("token_store");
  std::string path = dir.path() + "/token";
  testing::WriteAll(path, "tok-from-file\n");
  TokenStore store = Load(R"({"tokens": [{"name": "f", "role": "read", "token": "file:)" + path + R"("}]})");
  EXPECT_TRUE(store.Authenticate("Bearer tok-from-file").ok());
}

TEST(TokenStoreTest, LoadFileReadsTheFileAndNamesItInErrors) {
  testing::TempDir dir("token_store");
  std::string path = dir.path() + "/tokens.json";
  testing::WriteAll(path, ThreeTokens());
  auto store = TokenStore::LoadFile(path);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  EXPECT_TRUE(store->Authenticate("Bearer tok-reader-1").ok());

  testing::WriteAll(path, R"({"tokens": [{"name": "x", "role": "root", "token": "t"}]})");
  auto bad = TokenStore::LoadFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find(path), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("\"root\""), std::string::npos) << bad.error().message();

  auto missing = TokenStore::LoadFile(dir.path() + "/nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("nope.json"), std::string::npos);
}

TEST(TokenStoreTest, RejectsInvalidFilesNamingTheEntry) {
  struct Case {
    std::string json;
    std::string expected;  // substring of the message
  };
  const std::string sha = kAirflowSha256;
  const Case cases[] = {
      {"[]", "expected an object"},
      {"{", "invalid JSON"},
      {R"({"tokens": [], "extra": 1})", "unknown key \"extra\""},
      {R"({})", "missing key \"tokens\""},
      {R"({"tokens": {}})", "tokens: expected an array"},
      {R"({"tokens": []})", "at least one token"},
      {R"({"tokens": [{"role": "read", "token": "t"}]})", "tokens[0]: missing key \"name\""},
      {R"({"tokens": [{"name": "", "role": "read", "token": "t"}]})", "tokens[0].name"},
      {R"({"tokens": [{"name": "a", "token": "t"}]})", "tokens[0] (\"a\"): missing key \"role\""},
      {R"({"tokens": [{"name": "a", "role": "root", "token": "t"}]})", "tokens[0] (\"a\").role: unknown role \"root\""},
      {R"({"tokens": [{"name": "a", "role": "read", "token": "t1"}, {"name": "a", "role": "read", "token": "t2"}]})",
       "tokens[1] (\"a\"): the name is used by an earlier entry"},
      {R"({"tokens": [{"name": "a", "role": "read"}]})", "exactly one of \"sha256\""},
      {R"({"tokens": [{"name": "a", "role": "read", "token": "t", "sha256": ")" + sha + R"("}]})",
       "exactly one of \"sha256\""},
      {R"({"tokens": [{"name": "a", "role": "read", "sha256": "abc"}]})", "tokens[0] (\"a\").sha256: expected 64 hex"},
      {R"({"tokens": [{"name": "a", "role": "read", "sha256": ")" + std::string(64, 'g') + R"("}]})",
       "not all hex digits"},
      {R"({"tokens": [{"name": "a", "role": "read", "token": ""}]})", "tokens[0] (\"a\").token"},
      {R"({"tokens": [{"name": "a", "role": "read", "token": "two words"}]})", "space or control character"},
      {R"({"tokens": [{"name": "a", "role": "read", "token": "t", "scope": "x"}]})", "unknown key \"scope\""},
      {R"({"tokens": [{"name": "a", "role": "read", "token": "tok-airflow-123"},
                      {"name": "b", "role": "admin", "sha256": ")" + sha + R"("}]})",
       "tokens[1] (\"b\"): same token as \"a\""},
  };
  for (const Case& c : cases) {
    std::string message = LoadError(c.json);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "json: " << c.json << "\nmessage: " << message;
  }
}

TEST(TokenStoreTest, LoadErrorsNeverContainTheToken) {
  const char* secret = "sup3r-s3cret-value";
  for (std::string json : {
           std::string(R"({"tokens": [{"name": "a", "role": "boss", "token": "sup3r-s3cret-value"}]})"),
           std::string(R"({"tokens": [{"name": "a", "role": "read", "token": "sup3r-s3cret-value", "sha256": "x"}]})"),
           std::string(R"({"tokens": [{"name": "a", "role": "read", "sha256": "sup3r-s3cret-value"}]})"),
           std::string(R"({"tokens": [{"name": "a", "role": "read", "token": "sup3r-s3cret-value"},
                                      {"name": "b", "role": "read", "token": "sup3r-s3cret-value"}]})"),
           std::string(R"({"tokens": [{"name": "a", "role": "read", "token": "sup3r-s3cret-value",]})"),
       }) {
    std::string message = LoadError(json);
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace ingestd::auth
