#include "core/normalize/row_id.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "core/common/keccak.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::normalize {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 10 bytes -> 14 base64 characters (the two '=' of padding dropped).
void EncodeId(const std::uint8_t* b, char* out) {
  for (int i = 0; i < 3; ++i) {
    std::uint32_t v = (b[3 * i] << 16) | (b[3 * i + 1] << 8) | b[3 * i + 2];
    out[4 * i] = kBase64[(v >> 18) & 63];
    out[4 * i + 1] = kBase64[(v >> 12) & 63];
    out[4 * i + 2] = kBase64[(v >> 6) & 63];
    out[4 * i + 3] = kBase64[v & 63];
  }
  std::uint32_t v = b[9] << 16;
  out[12] = kBase64[(v >> 18) & 63];
  out[13] = kBase64[(v >> 12) & 63];
}

std::uint64_t SplitMix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

RowIdGenerator::RowIdGenerator(std::uint64_t seed) {
  for (auto& s : s_) s = SplitMix64(seed);
}

std::uint64_t RowIdGenerator::NextU64() {
  std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

void RowIdGenerator::Next(char* out) {
  std::uint8_t bytes[16];
  std::uint64_t a = NextU64();
  std::uint64_t b = NextU64();
  std::memcpy(bytes, &a, 8);
  std::memcpy(bytes + 8, &b, 8);
  EncodeId(bytes, out);
}

void NestedRowId(std::string_view parent_id, std::string_view table, std::uint32_t index,
                 char* out) {
  char buf[256];
  std::string fallback;
  std::string_view input;
  std::size_t needed = parent_id.size() + table.size() + 2 + 10;
  if (needed <= sizeof(buf)) {
    char* p = buf;
    std::memcpy(p, parent_id.data(), parent_id.size());
    p += parent_id.size();
    *p++ = '_';
    std::memcpy(p, table.data(), table.size());
    p += table.size();
    *p++ = '_';
    std::string idx = std::to_string(index);
    std::memcpy(p, idx.data(), idx.size());
    p += idx.size();
    input = {buf, static_cast<std::size_t>(p - buf)};
  } else {
    fallback.append(parent_id).append("_").append(table).append("_").append(std::to_string(index));
    input = fallback;
  }
  std::array<std::uint8_t, kRowIdBytes> digest;
  Shake128(input, digest);
  EncodeId(digest.data(), out);
}

void ContentRowId(std::string_view canonical_json, char* out) {
  std::array<std::uint8_t, kRowIdBytes> digest;
  Shake128(canonical_json, digest);
  EncodeId(digest.data(), out);
}

bool CanonicalItemJson(std::string_view json, std::string& out) {
  rapidjson::Document doc;
  // Numbers as numbers here (not raw strings) so 1 and "1" hash apart; a
  // huge integer rounding to a double only affects this hash.
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag>(json.data(),
                                                                                json.size());
  if (doc.HasParseError()) return false;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  // Explicit work stack instead of recursion. Entries are values to write or
  // closing marks.
  struct Work {
    const rapidjson::Value* value;  // null for a closing mark
    bool close_object;
    const rapidjson::Value* key;    // key to write before the value (objects)
  };
  std::vector<Work> stack;
  // Items that are not objects are hashed as dlt wraps them: {"value": v}.
  rapidjson::Value wrapped;
  if (!doc.IsObject()) {
    rapidjson::Value inner;
    inner.Swap(doc);  // no recursive copy: deep input must not overflow the stack
    wrapped.SetObject();
    wrapped.AddMember("value", inner, doc.GetAllocator());
    stack.push_back({&wrapped, false, nullptr});
  } else {
    stack.push_back({&doc, false, nullptr});
  }
  bool top = true;
  while (!stack.empty()) {
    Work w = stack.back();
    stack.pop_back();
    if (w.value == nullptr) {
      if (w.close_object) {
        writer.EndObject();
      } else {
        writer.EndArray();
      }
      continue;
    }
    if (w.key != nullptr) writer.Key(w.key->GetString(), w.key->GetStringLength());
    const rapidjson::Value& v = *w.value;
    if (v.IsObject()) {
      writer.StartObject();
      std::vector<const rapidjson::Value::Member*> members;
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        std::string_view name(it->name.GetString(), it->name.GetStringLength());
        if (top && name.substr(0, 4) == "_dlt") continue;
        members.push_back(&*it);
      }
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
        return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
               std::string_view(b->name.GetString(), b->name.GetStringLength());
      });
      stack.push_back({nullptr, true, nullptr});
      for (auto it = members.rbegin(); it != members.rend(); ++it) {
        stack.push_back({&(*it)->value, false, &(*it)->name});
      }
    } else if (v.IsArray()) {
      writer.StartArray();
      stack.push_back({nullptr, false, nullptr});
      for (auto i = v.Size(); i > 0; --i) stack.push_back({&v[i - 1], false, nullptr});
    } else if (v.IsString()) {
      writer.String(v.GetString(), v.GetStringLength());
    } else if (v.IsBool()) {
      writer.Bool(v.GetBool());
    } else if (v.IsNull()) {
      writer.Null();
    } else if (v.IsInt64()) {
      writer.Int64(v.GetInt64());
    } else if (v.IsUint64()) {
      writer.Uint64(v.GetUint64());
    } else if (v.IsDouble()) {
      writer.Double(v.GetDouble());
    }
    top = false;
  }
  out.assign(buffer.GetString(), buffer.GetSize());
  return true;
}

}  // namespace ingestd::normalize
