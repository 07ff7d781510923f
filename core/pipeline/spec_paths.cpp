// Paths inside spec files (pipeline_spec.hpp): relative paths are relative
// to the spec file, whoever reads it. ResolveSpecPaths rewrites them in the
// JSON text; LoadPipelineSpecFile resolves through it, so the daemon and
// ingestctl agree on which keys are paths.

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/extract/files_source.hpp"
#include "core/json/rapidjson.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/pipeline/spec_json_parts.hpp"

namespace ingestd::pipeline {
namespace {

// The string values that are local paths, as JSON paths ("[]": any array
// element). Other kinds' keys of the same name are errors in a spec anyway
// (`destination.path` with kind postgres), so the kind need not be known.
constexpr std::string_view kArrayElement = "[]";
const std::array<std::vector<std::string_view>, 4> kPathKeys = {{
    {"destination", "path"},                           // the sqlite database file
    {"resources", "[]", "source", "paths", "[]"},      // files source paths and patterns
    {"resources", "[]", "source", "http", "ca_file"},  // files source over HTTPS
    {"rest_api", "client", "http", "ca_file"},
}};

// `p` against `base`, unless it is absolute, a URL, or empty (which the
// parser reports as such).
std::string ResolveLocalPath(const std::filesystem::path& base, std::string_view p) {
  if (p.empty() || extract::IsHttpUrl(p)) return std::string(p);
  std::filesystem::path path(p);
  if (path.is_absolute()) return std::string(p);
  return (base / path).string();
}

// A RapidJSON SAX handler that copies events to a Writer and rewrites the
// path values on the way. Numbers pass through as their original text
// (kParseNumbersAsStringsFlag), so nothing but the paths and the
// whitespace changes.
class PathRewriter {
 public:
  using Ch = char;

  PathRewriter(rapidjson::Writer<rapidjson::StringBuffer>& writer, std::filesystem::path base)
      : writer_(writer), base_(std::move(base)) {}

  /// The JSON type of a root that is not an object ("an array"), else empty.
  std::string_view root_type() const { return root_type_; }

  bool Null() { return Root("null") && writer_.Null(); }
  bool Bool(bool b) { return Root("a boolean") && writer_.Bool(b); }
  bool Int(int i) { return Root("a number") && writer_.Int(i); }
  bool Uint(unsigned u) { return Root("a number") && writer_.Uint(u); }
  bool Int64(std::int64_t i) { return Root("a number") && writer_.Int64(i); }
  bool Uint64(std::uint64_t u) { return Root("a number") && writer_.Uint64(u); }
  bool Double(double d) { return Root("a number") && writer_.Double(d); }
  bool RawNumber(const Ch* s, rapidjson::SizeType n, bool) {
    // Writer::RawNumber would quote it; RawValue writes the text as is.
    return Root("a number") && writer_.RawValue(s, n, rapidjson::kNumberType);
  }
  bool String(const Ch* s, rapidjson::SizeType n, bool copy) {
    if (!Root("a string")) return false;
    if (!IsPathValue()) return writer_.String(s, n, copy);
    std::string resolved = ResolveLocalPath(base_, std::string_view(s, n));
    return writer_.String(resolved.data(), static_cast<rapidjson::SizeType>(resolved.size()), true);
  }
  bool StartObject() {
    frames_.push_back({false, {}});
    return writer_.StartObject();
  }
  bool Key(const Ch* s, rapidjson::SizeType n, bool copy) {
    frames_.back().key.assign(s, n);
    return writer_.Key(s, n, copy);
  }
  bool EndObject(rapidjson::SizeType n) {
    frames_.pop_back();
    return writer_.EndObject(n);
  }
  bool StartArray() {
    if (!Root("an array")) return false;
    frames_.push_back({true, {}});
    return writer_.StartArray();
  }
  bool EndArray(rapidjson::SizeType n) {
    frames_.pop_back();
    return writer_.EndArray(n);
  }

 private:
  struct Frame {
    bool array;
    std::string key;  // objects: the member being read
  };

  // Notes a root value that is not an object. The parse goes on, so that
  // invalid JSON is reported as such first, as ParsePipelineSpec does.
  bool Root(std::string_view type) {
    if (frames_.empty()) root_type_ = type;
    return true;
  }

  bool IsPathValue() const {
    for (const std::vector<std::string_view>& keys : kPathKeys) {
      if (keys.size() != frames_.size()) continue;
      bool match = true;
      for (std::size_t i = 0; i < keys.size() && match; ++i) {
        match = frames_[i].array ? keys[i] == kArrayElement : keys[i] == frames_[i].key;
      }
      if (match) return true;
    }
    return false;
  }

  rapidjson::Writer<rapidjson::StringBuffer>& writer_;
  std::filesystem::path base_;
  std::vector<Frame> frames_;
  std::string_view root_type_;
};

}  // namespace

Result<std::string> ResolveSpecPaths(std::string_view json, std::string_view base_dir) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  PathRewriter rewriter(writer, std::filesystem::path(base_dir));
  rapidjson::MemoryStream stream(json.data(), json.size());
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
               rapidjson::kParseNumbersAsStringsFlag>(stream, rewriter);
  // The same messages as ParsePipelineSpec.
  if (reader.HasParseError()) {
    return spec_json::InvalidJson("pipeline spec", json, reader.GetParseErrorCode(), reader.GetErrorOffset());
  }
  if (!rewriter.root_type().empty()) {
    return spec_json::At("", "expected an object, got " + std::string(rewriter.root_type()));
  }
  return std::string(out.GetString(), out.GetSize());
}

Result<PipelineSpec> LoadPipelineSpecFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open the pipeline spec");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return DataLoss(path + ": read error");
  const std::string base = std::filesystem::path(path).parent_path().string();
  auto spec = [&]() -> Result<PipelineSpec> {
    if (base.empty()) return ParsePipelineSpec(text.str());  // the spec is in the working directory
    INGESTD_ASSIGN_OR_RETURN(std::string resolved, ResolveSpecPaths(text.str(), base));
    return ParsePipelineSpec(resolved);
  }();
  if (!spec.ok()) return std::move(spec).error().WithContext(path);
  return spec;
}

}  // namespace ingestd::pipeline
