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

namespace {

// A parsed JSON value with numbers kept as their text: a DOM would turn them
// into doubles (losing digits, and RapidJSON's full-precision conversion
// misbehaves on some extreme inputs).
struct JsonNode {
  enum class Kind : std::uint8_t { kNull, kBool, kNumber, kString, kObject, kArray };
  Kind kind = Kind::kNull;
  bool bool_value = false;
  std::string text;  // number lexeme or string
  std::string key;   // member name when the parent is an object
  std::vector<std::uint32_t> children;
};

class TreeBuilder {
 public:
  std::vector<JsonNode> nodes;

  bool Null() { return Add(JsonNode::Kind::kNull); }
  bool Bool(bool b) {
    Add(JsonNode::Kind::kBool);
    nodes.back().bool_value = b;
    return true;
  }
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    Add(JsonNode::Kind::kNumber);
    nodes.back().text.assign(s, n);
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    Add(JsonNode::Kind::kString);
    nodes.back().text.assign(s, n);
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key_.assign(s, n);
    return true;
  }
  bool StartObject() { return Open(JsonNode::Kind::kObject); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() { return Open(JsonNode::Kind::kArray); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

 private:
  bool Add(JsonNode::Kind kind) {
    auto index = static_cast<std::uint32_t>(nodes.size());
    JsonNode node;
    node.kind = kind;
    if (!open_.empty()) {
      JsonNode& parent = nodes[open_.back()];
      if (parent.kind == JsonNode::Kind::kObject) node.key = std::move(key_);
      parent.children.push_back(index);
    }
    nodes.push_back(std::move(node));
    return true;
  }
  bool Open(JsonNode::Kind kind) {
    Add(kind);
    open_.push_back(static_cast<std::uint32_t>(nodes.size() - 1));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }
  std::vector<std::uint32_t> open_;
  std::string key_;
};

}  // namespace

bool CanonicalItemJson(std::string_view json, std::string& out) {
  TreeBuilder tree;
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(json.data(), json.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(ms);
  if (!reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag>(stream, tree) ||
      tree.nodes.empty()) {
    return false;
  }
  std::vector<JsonNode>& nodes = tree.nodes;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  // Items that are not objects are hashed as dlt wraps them: {"value": v}.
  const bool wrap = nodes[0].kind != JsonNode::Kind::kObject;
  if (wrap) {
    writer.StartObject();
    writer.Key("value");
  }
  // Explicit stack of (node, next child) instead of recursion.
  std::vector<std::pair<std::uint32_t, std::size_t>> stack;
  auto visit = [&](std::uint32_t index, bool top) {
    JsonNode& node = nodes[index];
    switch (node.kind) {
      case JsonNode::Kind::kNull: writer.Null(); return;
      case JsonNode::Kind::kBool: writer.Bool(node.bool_value); return;
      case JsonNode::Kind::kNumber:
        writer.RawValue(node.text.data(), node.text.size(), rapidjson::kNumberType);
        return;
      case JsonNode::Kind::kString: writer.String(node.text.data(), node.text.size()); return;
      case JsonNode::Kind::kObject: {
        writer.StartObject();
        auto& c = node.children;
        if (top && !wrap) {
          // dlt leaves the item's own `_dlt*` keys out of the content hash.
          c.erase(std::remove_if(c.begin(), c.end(),
                                 [&](std::uint32_t k) { return nodes[k].key.rfind("_dlt", 0) == 0; }),
                  c.end());
        }
        std::stable_sort(c.begin(), c.end(),
                         [&](std::uint32_t x, std::uint32_t y) { return nodes[x].key < nodes[y].key; });
        stack.emplace_back(index, 0);
        return;
      }
      case JsonNode::Kind::kArray:
        writer.StartArray();
        stack.emplace_back(index, 0);
        return;
    }
  };
  visit(0, true);
  while (!stack.empty()) {
    auto& [index, next] = stack.back();
    const JsonNode& node = nodes[index];
    if (next == node.children.size()) {
      if (node.kind == JsonNode::Kind::kObject) {
        writer.EndObject();
      } else {
        writer.EndArray();
      }
      stack.pop_back();
      continue;
    }
    std::uint32_t child = node.children[next++];
    if (node.kind == JsonNode::Kind::kObject) {
      writer.Key(nodes[child].key.data(), nodes[child].key.size());
    }
    visit(child, false);
  }
  if (wrap) writer.EndObject();
  out.assign(buffer.GetString(), buffer.GetSize());
  return true;
}

}  // namespace ingestd::normalize
