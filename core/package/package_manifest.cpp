#include "core/package/package_manifest.hpp"

#include <string>
#include <utility>
#include <vector>

#include "core/json/rapidjson.hpp"

namespace ingestd::package {
namespace {

using rapidjson::Value;

// Bumped when the manifest changes incompatibly; older daemons refuse newer
// manifests instead of misreading them.
constexpr int kManifestVersion = 1;

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view key) { w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())); }
void String(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void StringArray(Writer& w, const std::vector<std::string>& values) {
  w.StartArray();
  for (const std::string& v : values) String(w, v);
  w.EndArray();
}

class ManifestParser {
 public:
  explicit ManifestParser(const std::string& path) : path_(path) {}

  Error Bad(const std::string& what) const { return DataLoss("manifest " + path_ + ": " + what); }

  const Value* Member(const Value& object, const char* key) const {
    auto it = object.FindMember(key);
    return it == object.MemberEnd() ? nullptr : &it->value;
  }

  Result<std::string> String(const Value& object, const char* key) const {
    const Value* v = Member(object, key);
    if (v == nullptr || !v->IsString()) return Bad(std::string("\"") + key + "\" must be a string");
    return std::string(v->GetString(), v->GetStringLength());
  }

  Result<std::uint64_t> Count(const Value& object, const char* key) const {
    const Value* v = Member(object, key);
    if (v == nullptr || !v->IsUint64()) return Bad(std::string("\"") + key + "\" must be a non-negative integer");
    return v->GetUint64();
  }

  Result<std::vector<std::string>> Strings(const Value& object, const char* key) const {
    const Value* v = Member(object, key);
    if (v == nullptr || !v->IsArray()) return Bad(std::string("\"") + key + "\" must be an array");
    std::vector<std::string> out;
    for (const Value& item : v->GetArray()) {
      if (!item.IsString()) return Bad(std::string("\"") + key + "\" must hold strings");
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
  }

  // A file path from the manifest: "<stage dir>/<name>". Checked because the
  // paths are joined to the package directory; a corrupt "../x" must not
  // reach outside it.
  Result<std::vector<std::string>> Files(const Value& object, const char* key, std::string_view dir) const {
    INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> files, Strings(object, key));
    for (const std::string& f : files) {
      std::string_view name(f);
      bool ok = name.size() > dir.size() + 1 && name.substr(0, dir.size()) == dir && name[dir.size()] == '/';
      if (ok) {
        name.remove_prefix(dir.size() + 1);
        ok = name != "." && name != ".." && name.find('/') == std::string_view::npos &&
             name.find('\0') == std::string_view::npos;
      }
      if (!ok) return Bad("file \"" + f + "\" is not a file in " + std::string(dir) + "/");
    }
    return files;
  }

  Result<const Value*> Array(const Value& object, const char* key) const {
    const Value* v = Member(object, key);
    if (v == nullptr || !v->IsArray()) return Bad(std::string("\"") + key + "\" must be an array");
    return v;
  }

 private:
  const std::string& path_;
};

}  // namespace

std::string_view PackageStageName(PackageStage stage) {
  switch (stage) {
    case PackageStage::kNew: return "new";
    case PackageStage::kExtracted: return "extracted";
    case PackageStage::kNormalized: return "normalized";
    case PackageStage::kLoaded: return "loaded";
  }
  return "unknown";
}

std::optional<PackageStage> ParsePackageStage(std::string_view name) {
  for (PackageStage s : {PackageStage::kNew, PackageStage::kExtracted, PackageStage::kNormalized,
                         PackageStage::kLoaded}) {
    if (PackageStageName(s) == name) return s;
  }
  return std::nullopt;
}

std::string ManifestToJson(const PackageManifest& m) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  Key(w, "manifest_version");
  w.Int(kManifestVersion);
  Key(w, "load_id");
  String(w, m.load_id);
  Key(w, "created_at");
  w.Double(m.created_at);
  Key(w, "stage");
  String(w, PackageStageName(m.stage));
  Key(w, "resources");
  w.StartArray();
  for (const ResourceFiles& r : m.resources) {
    w.StartObject();
    Key(w, "resource");
    String(w, r.resource);
    Key(w, "table");
    String(w, r.table);
    Key(w, "files");
    StringArray(w, r.files);
    Key(w, "items");
    w.Uint64(r.items);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "tables");
  w.StartArray();
  for (const TableFiles& t : m.tables) {
    w.StartObject();
    Key(w, "table");
    String(w, t.table);
    Key(w, "files");
    StringArray(w, t.files);
    Key(w, "rows");
    w.Uint64(t.rows);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "schema_changed");
  w.Bool(m.schema_changed);
  Key(w, "replace_tables");
  StringArray(w, m.replace_tables);
  Key(w, "pipeline_state");
  if (m.pipeline_state) {
    String(w, *m.pipeline_state);
  } else {
    w.Null();
  }
  w.EndObject();
  std::string out(buffer.GetString(), buffer.GetSize());
  out.push_back('\n');
  return out;
}

Result<PackageManifest> ManifestFromJson(std::string_view json, const std::string& path) {
  ManifestParser p(path);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return p.Bad(std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) + ": " +
                 rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return p.Bad("not a JSON object");

  const Value* version = p.Member(doc, "manifest_version");
  if (version == nullptr || !version->IsInt()) return p.Bad("\"manifest_version\" must be an integer");
  if (version->GetInt() != kManifestVersion) {
    return p.Bad("manifest_version " + std::to_string(version->GetInt()) + " is not supported");
  }

  PackageManifest m;
  INGESTD_ASSIGN_OR_RETURN(m.load_id, p.String(doc, "load_id"));
  const Value* created = p.Member(doc, "created_at");
  if (created == nullptr || !created->IsNumber()) return p.Bad("\"created_at\" must be a number");
  m.created_at = created->GetDouble();
  INGESTD_ASSIGN_OR_RETURN(std::string stage, p.String(doc, "stage"));
  std::optional<PackageStage> parsed_stage = ParsePackageStage(stage);
  if (!parsed_stage) return p.Bad("unknown stage \"" + stage + "\"");
  m.stage = *parsed_stage;

  INGESTD_ASSIGN_OR_RETURN(const Value* resources, p.Array(doc, "resources"));
  for (const Value& r : resources->GetArray()) {
    if (!r.IsObject()) return p.Bad("\"resources\" must hold objects");
    ResourceFiles files;
    INGESTD_ASSIGN_OR_RETURN(files.resource, p.String(r, "resource"));
    INGESTD_ASSIGN_OR_RETURN(files.table, p.String(r, "table"));
    INGESTD_ASSIGN_OR_RETURN(files.files, p.Files(r, "files", "extracted"));
    INGESTD_ASSIGN_OR_RETURN(files.items, p.Count(r, "items"));
    m.resources.push_back(std::move(files));
  }
  INGESTD_ASSIGN_OR_RETURN(const Value* tables, p.Array(doc, "tables"));
  for (const Value& t : tables->GetArray()) {
    if (!t.IsObject()) return p.Bad("\"tables\" must hold objects");
    TableFiles files;
    INGESTD_ASSIGN_OR_RETURN(files.table, p.String(t, "table"));
    INGESTD_ASSIGN_OR_RETURN(files.files, p.Files(t, "files", "normalized"));
    INGESTD_ASSIGN_OR_RETURN(files.rows, p.Count(t, "rows"));
    m.tables.push_back(std::move(files));
  }
  const Value* changed = p.Member(doc, "schema_changed");
  if (changed == nullptr || !changed->IsBool()) return p.Bad("\"schema_changed\" must be a bool");
  m.schema_changed = changed->GetBool();
  INGESTD_ASSIGN_OR_RETURN(m.replace_tables, p.Strings(doc, "replace_tables"));
  const Value* state = p.Member(doc, "pipeline_state");
  if (state != nullptr && !state->IsNull()) {
    if (!state->IsString()) return p.Bad("\"pipeline_state\" must be a string or null");
    m.pipeline_state = std::string(state->GetString(), state->GetStringLength());
  }
  return m;
}

}  // namespace ingestd::package
