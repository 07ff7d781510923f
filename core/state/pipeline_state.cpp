#include "core/state/pipeline_state.hpp"

#include <zlib.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "core/common/base64.hpp"
#include "core/common/keccak.hpp"

namespace ingestd::state {
namespace {

constexpr std::string_view kVersionKey = "_state_version";
constexpr std::string_view kHashKey = "_version_hash";
constexpr std::string_view kEngineKey = "_state_engine_version";
constexpr std::string_view kLocalKey = "_local";

rapidjson::Value Str(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

// Compact JSON with object keys sorted at every level (iterative), leaving
// out the named top-level keys: the content a state hash covers.
void WriteSorted(const rapidjson::Value& root, std::initializer_list<std::string_view> skip,
                 rapidjson::Writer<rapidjson::StringBuffer>& w) {
  struct Frame {
    const rapidjson::Value* value;
    std::vector<const rapidjson::Value::Member*> members;
    std::size_t next = 0;
  };
  auto write_scalar = [&](const rapidjson::Value& v) {
    if (v.IsString()) {
      w.String(v.GetString(), v.GetStringLength());
    } else if (v.IsBool()) {
      w.Bool(v.GetBool());
    } else if (v.IsInt64()) {
      w.Int64(v.GetInt64());
    } else if (v.IsUint64()) {
      w.Uint64(v.GetUint64());
    } else if (v.IsDouble()) {
      w.Double(v.GetDouble());
    } else {
      w.Null();
    }
  };
  std::vector<Frame> stack;
  auto open = [&](const rapidjson::Value& v, bool top) {
    Frame f{&v, {}, 0};
    if (v.IsObject()) {
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        std::string_view key(it->name.GetString(), it->name.GetStringLength());
        if (top && std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
        f.members.push_back(&*it);
      }
      std::sort(f.members.begin(), f.members.end(), [](const auto* a, const auto* b) {
        return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
               std::string_view(b->name.GetString(), b->name.GetStringLength());
      });
      w.StartObject();
    } else {
      w.StartArray();
    }
    stack.push_back(std::move(f));
  };
  if (!root.IsObject() && !root.IsArray()) {
    write_scalar(root);
    return;
  }
  open(root, true);
  while (!stack.empty()) {
    Frame& f = stack.back();
    const rapidjson::Value& v = *f.value;
    const bool is_object = v.IsObject();
    const std::size_t size = is_object ? f.members.size() : v.Size();
    if (f.next == size) {
      if (is_object) {
        w.EndObject();
      } else {
        w.EndArray();
      }
      stack.pop_back();
      continue;
    }
    const rapidjson::Value* child;
    if (is_object) {
      const auto* m = f.members[f.next++];
      w.Key(m->name.GetString(), m->name.GetStringLength());
      child = &m->value;
    } else {
      child = &v[static_cast<rapidjson::SizeType>(f.next++)];
    }
    if (child->IsObject() || child->IsArray()) {
      open(*child, false);
    } else {
      write_scalar(*child);
    }
  }
}

// State documents are copied and written recursively by RapidJSON; a limit
// on nesting keeps hostile input from exhausting the stack.
constexpr int kMaxStateDepth = 256;

bool NestingWithin(std::string_view json, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

std::string MemberString(const rapidjson::Value& v, std::string_view key) {
  auto it = v.FindMember(rapidjson::StringRef(key.data(), key.size()));
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

std::string CompressToBase64(std::string_view data) {
  uLongf bound = compressBound(static_cast<uLong>(data.size()));
  std::string out(bound, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                     reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()), 9);
  INGESTD_CHECK(rc == Z_OK);
  out.resize(bound);
  return Base64Encode(out);
}

Result<std::string> DecompressFromBase64(std::string_view base64) {
  auto bytes = Base64DecodeStrict(base64);
  if (!bytes) return InvalidArgument("compressed state is not valid base64");
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Internal("zlib inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(bytes->data());
  zs.avail_in = static_cast<uInt>(bytes->size());
  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return InvalidArgument("compressed state is not valid zlib data");
    }
    out.append(chunk, sizeof(chunk) - zs.avail_out);
    if (out.size() > (256u << 20)) {
      inflateEnd(&zs);
      return ResourceExhausted("decompressed state exceeds 256 MiB");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return InvalidArgument("compressed state is truncated");
    }
  }
  inflateEnd(&zs);
  return out;
}

PipelineState PipelineState::New(std::string_view pipeline_name, std::string_view dataset_name,
                                 std::string_view schema_name, std::string_view destination) {
  PipelineState s;
  auto& a = s.doc_.GetAllocator();
  s.doc_.SetObject();
  s.doc_.AddMember(Str(kVersionKey, a), rapidjson::Value(0), a);
  s.doc_.AddMember(Str(kEngineKey, a), rapidjson::Value(kEngineVersion), a);
  s.doc_.AddMember("pipeline_name", Str(pipeline_name, a), a);
  s.doc_.AddMember("dataset_name", Str(dataset_name, a), a);
  s.doc_.AddMember("default_schema_name", Str(schema_name, a), a);
  rapidjson::Value names(rapidjson::kArrayType);
  names.PushBack(Str(schema_name, a), a);
  s.doc_.AddMember("schema_names", names, a);
  s.doc_.AddMember("destination_type", Str("dlt.destinations." + std::string(destination), a), a);
  s.doc_.AddMember("destination_name", Str(destination, a), a);
  s.doc_.AddMember("sources", rapidjson::Value(rapidjson::kObjectType), a);
  s.doc_.AddMember(Str(kLocalKey, a), rapidjson::Value(rapidjson::kObjectType), a);
  return s;
}

Result<PipelineState> PipelineState::FromJson(std::string_view json) {
  if (!NestingWithin(json, kMaxStateDepth)) {
    return InvalidArgument("pipeline state nests deeper than " + std::to_string(kMaxStateDepth) + " levels");
  }
  PipelineState s;
  s.doc_.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(),
                                                                                      json.size());
  if (s.doc_.HasParseError()) {
    return InvalidArgument("pipeline state is not valid JSON at offset " +
                           std::to_string(s.doc_.GetErrorOffset()) + ": " +
                           rapidjson::GetParseError_En(s.doc_.GetParseError()));
  }
  if (!s.doc_.IsObject()) return InvalidArgument("pipeline state must be a JSON object");
  auto engine = s.doc_.FindMember("_state_engine_version");
  if (engine != s.doc_.MemberEnd() && (!engine->value.IsInt() || engine->value.GetInt() > kEngineVersion)) {
    return InvalidArgument("pipeline state engine version is not supported (ingestd reads up to " +
                           std::to_string(kEngineVersion) + ")");
  }
  auto& a = s.doc_.GetAllocator();
  if (!s.doc_.HasMember("sources") || !s.doc_["sources"].IsObject()) {
    s.doc_.RemoveMember("sources");
    s.doc_.AddMember("sources", rapidjson::Value(rapidjson::kObjectType), a);
  }
  if (!s.doc_.HasMember("_local")) s.doc_.AddMember("_local", rapidjson::Value(rapidjson::kObjectType), a);
  if (!s.doc_.HasMember("_state_version") || !s.doc_["_state_version"].IsInt64()) {
    s.doc_.RemoveMember("_state_version");
    s.doc_.AddMember("_state_version", rapidjson::Value(0), a);
  }
  return s;
}

Result<PipelineState> PipelineState::FromCompressed(std::string_view base64) {
  INGESTD_ASSIGN_OR_RETURN(std::string json, DecompressFromBase64(base64));
  return FromJson(json);
}

PipelineState::PipelineState(const PipelineState& other) { doc_.CopyFrom(other.doc_, doc_.GetAllocator()); }

PipelineState& PipelineState::operator=(const PipelineState& other) {
  if (this != &other) {
    rapidjson::Document fresh;
    fresh.CopyFrom(other.doc_, fresh.GetAllocator());
    doc_.Swap(fresh);
  }
  return *this;
}

std::string PipelineState::ToJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  WriteSorted(doc_, {}, w);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string PipelineState::Compressed() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  WriteSorted(doc_, {kLocalKey}, w);
  return CompressToBase64({buffer.GetString(), buffer.GetSize()});
}

std::int64_t PipelineState::version() const {
  auto it = doc_.FindMember("_state_version");
  return it != doc_.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

std::string PipelineState::version_hash() const { return MemberString(doc_, kHashKey); }
std::string PipelineState::pipeline_name() const { return MemberString(doc_, "pipeline_name"); }
std::string PipelineState::dataset_name() const { return MemberString(doc_, "dataset_name"); }

std::string PipelineState::ComputeHash() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  WriteSorted(doc_, {kVersionKey, kHashKey, kLocalKey}, w);
  return Base64Encode(Sha3_256({buffer.GetString(), buffer.GetSize()}));
}

bool PipelineState::BumpVersion() {
  std::string hash = ComputeHash();
  if (hash == version_hash()) return false;
  auto& a = doc_.GetAllocator();
  doc_["_state_version"].SetInt64(version() + 1);
  doc_.RemoveMember("_version_hash");
  doc_.AddMember("_version_hash", Str(hash, a), a);
  return true;
}

rapidjson::Value& PipelineState::ObjectAt(rapidjson::Value& parent, std::string_view key) {
  auto ref = rapidjson::StringRef(key.data(), key.size());
  auto it = parent.FindMember(ref);
  if (it != parent.MemberEnd() && it->value.IsObject()) return it->value;
  if (it != parent.MemberEnd()) parent.RemoveMember(it);
  auto& a = doc_.GetAllocator();
  parent.AddMember(Str(key, a), rapidjson::Value(rapidjson::kObjectType), a);
  return (parent.MemberEnd() - 1)->value;  // AddMember appends
}

std::optional<std::string> PipelineState::GetResourceValue(std::string_view source,
                                                           std::string_view resource,
                                                           std::string_view key) const {
  const rapidjson::Value* v = &doc_;
  for (std::string_view part : {std::string_view("sources"), source, std::string_view("resources"),
                                resource, key}) {
    if (!v->IsObject()) return std::nullopt;
    auto it = v->FindMember(rapidjson::StringRef(part.data(), part.size()));
    if (it == v->MemberEnd()) return std::nullopt;
    v = &it->value;
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  WriteSorted(*v, {}, w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status PipelineState::SetResourceValue(std::string_view source, std::string_view resource,
                                       std::string_view key, std::string_view json) {
  if (!NestingWithin(json, kMaxStateDepth)) {
    return InvalidArgument("state of resource " + std::string(resource) + " nests deeper than " +
                           std::to_string(kMaxStateDepth) + " levels");
  }
  rapidjson::Document value(&doc_.GetAllocator());
  value.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (value.HasParseError()) {
    return InvalidArgument("state of resource " + std::string(resource) + " is not valid JSON");
  }
  rapidjson::Value& res = ObjectAt(ObjectAt(ObjectAt(ObjectAt(doc_, "sources"), source), "resources"),
                                   resource);
  auto ref = rapidjson::StringRef(key.data(), key.size());
  if (res.HasMember(ref)) res.RemoveMember(ref);
  auto& a = doc_.GetAllocator();
  res.AddMember(Str(key, a), rapidjson::Value(value, a), a);
  return OkStatus();
}

std::vector<ResourceStateEntry> PipelineState::ListResources() const {
  std::vector<ResourceStateEntry> out;
  auto sources = doc_.FindMember("sources");
  if (sources == doc_.MemberEnd() || !sources->value.IsObject()) return out;
  for (auto s = sources->value.MemberBegin(); s != sources->value.MemberEnd(); ++s) {
    if (!s->value.IsObject()) continue;
    auto resources = s->value.FindMember("resources");
    if (resources == s->value.MemberEnd() || !resources->value.IsObject()) continue;
    for (auto r = resources->value.MemberBegin(); r != resources->value.MemberEnd(); ++r) {
      if (!r->value.IsObject()) continue;
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
      WriteSorted(r->value, {}, w);
      out.push_back({std::string(s->name.GetString(), s->name.GetStringLength()),
                     std::string(r->name.GetString(), r->name.GetStringLength()),
                     std::string(buffer.GetString(), buffer.GetSize())});
    }
  }
  std::sort(out.begin(), out.end(), [](const ResourceStateEntry& a, const ResourceStateEntry& b) {
    return std::tie(a.source, a.resource) < std::tie(b.source, b.resource);
  });
  return out;
}

void PipelineState::ResetResource(std::string_view source, std::string_view resource) {
  // Looked up without ObjectAt, which would create the missing parents and
  // so change the content hash of a state that had nothing to reset.
  auto find = [](rapidjson::Value& parent, std::string_view key) -> rapidjson::Value* {
    if (!parent.IsObject()) return nullptr;
    auto it = parent.FindMember(rapidjson::StringRef(key.data(), key.size()));
    return it == parent.MemberEnd() ? nullptr : &it->value;
  };
  rapidjson::Value* v = &doc_;
  for (std::string_view part : {std::string_view("sources"), source, std::string_view("resources")}) {
    v = find(*v, part);
    if (v == nullptr) return;
  }
  if (!v->IsObject()) return;
  auto ref = rapidjson::StringRef(resource.data(), resource.size());
  if (v->HasMember(ref)) v->RemoveMember(ref);
}

void PipelineState::ResetSources() { ObjectAt(doc_, "sources").SetObject(); }

}  // namespace ingestd::state
