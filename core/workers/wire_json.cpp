#include "core/workers/wire_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "core/json/json_type_name.hpp"

namespace ingestd::workers::wire {
namespace {

// Deep enough for any message we write (a partial table nests about five
// levels plus its extra properties); shallow enough that the recursive DOM
// walks (Accept, destruction) cannot exhaust the stack.
constexpr std::size_t kMaxDepth = 128;

// Forwards SAX events to the document, turning each number's text into the
// exact value: RapidJSON's own double conversion may be off by one ulp
// without kParseFullPrecisionFlag, and that flag has its own problems
// (see schema_json.cpp).
class ExactHandler {
 public:
  explicit ExactHandler(rapidjson::Document& doc) : doc_(doc) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    const char* end = s + n;
    const bool integral = std::none_of(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; });
    if (integral) {
      if (n > 0 && s[0] == '-') {
        std::int64_t i = 0;
        auto [ptr, ec] = std::from_chars(s, end, i);
        if (ec == std::errc() && ptr == end) return doc_.Int64(i);
      } else {
        std::uint64_t u = 0;
        auto [ptr, ec] = std::from_chars(s, end, u);
        if (ec == std::errc() && ptr == end) return doc_.Uint64(u);
      }
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(s, end, d);
    if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) return false;
    return doc_.Double(d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return Enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return Enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  bool too_deep() const { return too_deep_; }

 private:
  bool Enter() {
    if (++depth_ > kMaxDepth) too_deep_ = true;
    return !too_deep_;
  }

  rapidjson::Document& doc_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
};

}  // namespace

Status ParseExact(rapidjson::Document& doc, std::string_view text, std::string_view what) {
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  bool too_deep = false;
  auto generate = [&](rapidjson::Document& target) {
    rapidjson::MemoryStream memory(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
    ExactHandler handler(target);
    // No encoding validation: strings are bytes to us (a path, or a
    // violation sample cut at 64 bytes, may hold invalid UTF-8), and the
    // writer passes them through unchanged, so they must come back so.
    constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
    result = reader.Parse<kFlags>(stream, handler);
    too_deep = handler.too_deep();
    return !result.IsError();
  };
  doc.SetNull();
  doc.Populate(generate);
  if (!result.IsError()) return OkStatus();
  doc.SetNull();
  std::string reason = too_deep ? "nesting deeper than " + std::to_string(kMaxDepth) + " levels"
                                : std::string(rapidjson::GetParseError_En(result.Code()));
  return InvalidArgument(std::string(what) + ": malformed JSON at byte offset " + std::to_string(result.Offset()) +
                         ": " + reason);
}

void WriteDouble(JsonWriter& w, double value) {
  if (!std::isfinite(value)) {
    w.Null();
    return;
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  INGESTD_CHECK(ec == std::errc());
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  // "1e+20" and "5" are valid JSON numbers; to_chars never writes "inf" here.
  w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
}

void WriteKey(JsonWriter& w, std::string_view key) { w.Key(key.data(), key.size()); }
void WriteString(JsonWriter& w, std::string_view value) { w.String(value.data(), value.size()); }

Error WrongType(std::string_view path, std::string_view expected, const rapidjson::Value& v) {
  return InvalidArgument(std::string(path) + ": expected " + std::string(expected) + ", got " +
                         std::string(JsonTypeName(v)));
}

std::string ToJsonText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<ObjectReader> ObjectReader::Create(const rapidjson::Value& v, std::string path) {
  if (!v.IsObject()) return WrongType(path, "an object", v);
  std::vector<std::string_view> keys;
  for (const auto& m : v.GetObject()) {
    INGESTD_CHECK(m.name.IsString());  // RapidJSON only produces string keys
    keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
  }
  std::sort(keys.begin(), keys.end());
  auto dup = std::adjacent_find(keys.begin(), keys.end());
  if (dup != keys.end()) return InvalidArgument(path + ": duplicate key '" + std::string(*dup) + "'");
  return ObjectReader(v, std::move(path));
}

std::string ObjectReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const rapidjson::Value* ObjectReader::Optional(std::string_view key) {
  seen_.emplace_back(key);
  auto it = v_->FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
  return it == v_->MemberEnd() ? nullptr : &it->value;
}

Result<const rapidjson::Value*> ObjectReader::Required(std::string_view key) {
  const rapidjson::Value* v = Optional(key);
  if (v == nullptr) return InvalidArgument(PathOf(key) + ": missing");
  return v;
}

Result<std::string> ObjectReader::String(std::string_view key) {
  INGESTD_ASSIGN_OR_RETURN(const rapidjson::Value* v, Required(key));
  if (!v->IsString()) return WrongType(PathOf(key), "a string", *v);
  return std::string(v->GetString(), v->GetStringLength());
}

Result<std::uint64_t> ObjectReader::Uint64(std::string_view key) {
  INGESTD_ASSIGN_OR_RETURN(const rapidjson::Value* v, Required(key));
  if (!v->IsUint64()) {
    if (v->IsNumber()) {
      return InvalidArgument(PathOf(key) + ": expected a non-negative integer below 2^64, got another number");
    }
    return WrongType(PathOf(key), "a non-negative integer", *v);
  }
  return v->GetUint64();
}

Result<double> ObjectReader::Double(std::string_view key) {
  INGESTD_ASSIGN_OR_RETURN(const rapidjson::Value* v, Required(key));
  if (!v->IsNumber()) return WrongType(PathOf(key), "a finite number", *v);
  // A double written without fraction or exponent ("5", "1152921504606847000")
  // parses as an integer; converting that integer to double rounds to the
  // nearest double, which is the value to_chars started from.
  const double d = v->GetDouble();
  if (!std::isfinite(d)) return InvalidArgument(PathOf(key) + ": expected a finite number");
  return d;
}

Result<const rapidjson::Value*> ObjectReader::Object(std::string_view key) {
  INGESTD_ASSIGN_OR_RETURN(const rapidjson::Value* v, Required(key));
  if (!v->IsObject()) return WrongType(PathOf(key), "an object", *v);
  return v;
}

Result<const rapidjson::Value*> ObjectReader::Array(std::string_view key) {
  INGESTD_ASSIGN_OR_RETURN(const rapidjson::Value* v, Required(key));
  if (!v->IsArray()) return WrongType(PathOf(key), "an array", *v);
  return v;
}

Status ObjectReader::Finish() const {
  for (const auto& m : v_->GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) {
      return InvalidArgument(PathOf(key) + ": unknown key");
    }
  }
  return OkStatus();
}

}  // namespace ingestd::workers::wire
