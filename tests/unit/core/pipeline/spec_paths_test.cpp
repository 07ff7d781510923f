// ResolveSpecPaths and the path resolution of LoadPipelineSpecFile.

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "core/pipeline/pipeline_spec.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::pipeline {
namespace {

std::string Resolve(const std::string& json, const std::string& base = "/srv/specs") {
  auto resolved = ResolveSpecPaths(json, base);
  EXPECT_TRUE(resolved.ok()) << resolved.error().ToString();
  return resolved.ok() ? *resolved : std::string();
}

TEST(ResolveSpecPaths, MakesRelativePathsAbsolute) {
  EXPECT_EQ(
      Resolve(R"({"name": "shop", "destination": {"kind": "sqlite", "path": "db/shop.sqlite"},
    "resources": [{"name": "o", "source": {"kind": "files",
                   "paths": ["in/*.jsonl", "/abs/x.csv", "https://example.com/a.json", "HTTP://example.com/b.json"],
                   "http": {"ca_file": "certs/ca.pem"}}}]})"),
      R"({"name":"shop","destination":{"kind":"sqlite","path":"/srv/specs/db/shop.sqlite"},)"
      R"("resources":[{"name":"o","source":{"kind":"files",)"
      R"("paths":["/srv/specs/in/*.jsonl","/abs/x.csv","https://example.com/a.json","HTTP://example.com/b.json"],)"
      R"("http":{"ca_file":"/srv/specs/certs/ca.pem"}}}]})");
}

TEST(ResolveSpecPaths, RestApiCaFile) {
  EXPECT_EQ(Resolve(R"({"name": "api", "rest_api": {"client": {"base_url": "https://x.io",
    "http": {"ca_file": "ca.pem"}}, "resources": ["path"]}})"),
            R"({"name":"api","rest_api":{"client":{"base_url":"https://x.io",)"
            R"("http":{"ca_file":"/srv/specs/ca.pem"}},"resources":["path"]}})");
}

TEST(ResolveSpecPaths, KeepsEverythingElseAsWritten) {
  // Key order, numbers as written (no rounding of big integers or
  // reformatting of exponents), secrets as references, strings that look
  // like paths under other keys, and escapes (re-escaped only as needed).
  const std::string json = R"({"resources": [{"source": {"kind": "sql", "dsn": "file:secrets/dsn", "table": "t"},
    "name": "r", "incremental": {"cursor_path": "id", "initial_value": 123456789012345678901234567890},
    "columns": {"path": {"description": "x/y"}}}],
    "options": {"file_max_bytes": 1e6}, "name": "shop", "dataset_name": "caf\u00e9 \"q\"",
    "destination": {"kind": "postgres", "dsn": "env:PG"}})";
  EXPECT_EQ(Resolve(json),
            R"({"resources":[{"source":{"kind":"sql","dsn":"file:secrets/dsn","table":"t"},)"
            R"("name":"r","incremental":{"cursor_path":"id","initial_value":123456789012345678901234567890},)"
            R"("columns":{"path":{"description":"x/y"}}}],)"
            R"("options":{"file_max_bytes":1e6},"name":"shop","dataset_name":"café \"q\"",)"
            R"("destination":{"kind":"postgres","dsn":"env:PG"}})");
}

TEST(ResolveSpecPaths, LeavesInvalidSpecsForTheParser) {
  // Not paths where they are in the wrong shape, and empty strings stay
  // empty (so the parser says "must not be empty", not a directory name).
  EXPECT_EQ(Resolve(R"({"destination": {"path": ""}, "resources": [{"source": {"paths": "a.json"}}, 3]})"),
            R"({"destination":{"path":""},"resources":[{"source":{"paths":"a.json"}},3]})");
  // Nested deeper is not a path either.
  EXPECT_EQ(Resolve(R"({"x": {"destination": {"path": "a"}}})"), R"({"x":{"destination":{"path":"a"}}})");
}

TEST(ResolveSpecPaths, ErrorsAsTheParser) {
  for (const char* json : {"{\"name\": }", "[]", "\"spec\"", "", "{} {}", "[1,"}) {
    auto resolved = ResolveSpecPaths(json, "/srv");
    auto parsed = ParsePipelineSpec(json);
    ASSERT_FALSE(resolved.ok()) << json;
    ASSERT_FALSE(parsed.ok()) << json;
    EXPECT_EQ(resolved.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(resolved.error().message(), parsed.error().message()) << json;
  }
  EXPECT_EQ(ResolveSpecPaths("[]", "/srv").error().message(), "pipeline spec: expected an object, got an array");
}

TEST(ResolveSpecPaths, ResolvedSpecParsesToAbsolutePaths) {
  auto resolved = ResolveSpecPaths(R"({"name": "shop", "destination": {"path": "shop.sqlite"},
    "resources": [{"name": "o", "source": {"kind": "files", "paths": ["in/a.jsonl"]}}]})",
                                   "/srv/specs");
  ASSERT_TRUE(resolved.ok()) << resolved.error().ToString();
  auto spec = ParsePipelineSpec(*resolved);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->destination.sqlite_path, "/srv/specs/shop.sqlite");
  EXPECT_EQ(std::get<extract::FilesConfig>(spec->resources[0].source).paths,
            std::vector<std::string>{"/srv/specs/in/a.jsonl"});
}

TEST(LoadPipelineSpecFile, ResolvesTheFilesSourceCaFileAndKeepsUrls) {
  testing::TempDir dir("spec_paths");
  const std::string path = dir.path() + "/shop.json";
  testing::WriteAll(path, R"({"name": "shop", "resources": [{"name": "o", "source": {"kind": "files",
    "paths": ["https://example.com/o.json", "local.json"], "http": {"ca_file": "ca.pem"}}}]})");
  auto spec = LoadPipelineSpecFile(path);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  const auto& files = std::get<extract::FilesConfig>(spec->resources[0].source);
  EXPECT_EQ(files.paths, (std::vector<std::string>{"https://example.com/o.json", dir.path() + "/local.json"}));
  EXPECT_EQ(files.http.ca_file, dir.path() + "/ca.pem");
}

TEST(LoadPipelineSpecFile, SyntaxErrorsKeepTheFilesLinesAndColumns) {
  testing::TempDir dir("spec_paths");
  const std::string path = dir.path() + "/bad.json";
  testing::WriteAll(path, "{\n  \"name\": \"p\",\n  \"resources\": [,]\n}");
  auto spec = LoadPipelineSpecFile(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().message(), path + ": pipeline spec: invalid JSON at line 3, column 17: Invalid value.");
}

}  // namespace
}  // namespace ingestd::pipeline
