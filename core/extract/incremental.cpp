#include "core/extract/incremental.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "core/common/ascii.hpp"
#include "core/common/check.hpp"
#include "core/common/digest.hpp"
#include "core/json/json_type_name.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract {
namespace {

using rapidjson::Value;

// Items come from resources, which hand over valid UTF-8 JSON; iterative so
// hostile nesting cannot exhaust the stack.
constexpr unsigned kItemParseFlags = rapidjson::kParseIterativeFlag;
constexpr unsigned kStrictParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
// Hashed values are serialized recursively; no real key is nested this deep.
constexpr int kMaxHashDepth = 256;
// How much of an item an error message quotes.
constexpr std::size_t kItemSnippetBytes = 200;

std::string Snippet(std::string_view item) {
  if (item.size() <= kItemSnippetBytes) return std::string(item);
  return std::string(item.substr(0, kItemSnippetBytes)) + "...";
}

// A scalar JSON value as a cursor value; nullopt for null, arrays and objects.
std::optional<CursorValue> FromValue(const Value& v) {
  if (v.IsString()) return CursorValue::String(std::string(v.GetString(), v.GetStringLength()));
  if (v.IsBool()) return CursorValue::Bool(v.GetBool());
  if (v.IsInt64()) return CursorValue::Int(v.GetInt64());
  if (v.IsUint64()) return CursorValue::Uint(v.GetUint64());
  if (v.IsDouble()) return CursorValue::Double(v.GetDouble());
  return std::nullopt;
}

template <class Writer>
void WriteCursor(Writer& w, const std::optional<CursorValue>& value) {
  if (!value) {
    w.Null();
    return;
  }
  std::string json = value->ToJson();
  rapidjson::Type type = value->kind() == CursorValue::Kind::kString ? rapidjson::kStringType
                         : value->kind() == CursorValue::Kind::kNumber ? rapidjson::kNumberType
                         : json == "true"                              ? rapidjson::kTrueType
                                                                       : rapidjson::kFalseType;
  w.RawValue(json.data(), json.size(), type);
}

// Compact JSON with object keys sorted (dlt: json.dumps(value, sort_keys=True)).
Status WriteSorted(const Value& v, rapidjson::Writer<rapidjson::StringBuffer>& w, int depth) {
  if (depth > kMaxHashDepth) {
    return InvalidArgument("dedup key value nested deeper than " + std::to_string(kMaxHashDepth) + " levels");
  }
  if (v.IsObject()) {
    std::vector<const Value::Member*> members;
    members.reserve(v.MemberCount());
    for (const auto& m : v.GetObject()) members.push_back(&m);
    std::stable_sort(members.begin(), members.end(), [](const Value::Member* a, const Value::Member* b) {
      std::string_view ka(a->name.GetString(), a->name.GetStringLength());
      std::string_view kb(b->name.GetString(), b->name.GetStringLength());
      return ka < kb;
    });
    w.StartObject();
    for (const Value::Member* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      INGESTD_TRY(WriteSorted(m->value, w, depth + 1));
    }
    w.EndObject();
    return OkStatus();
  }
  if (v.IsArray()) {
    w.StartArray();
    for (const Value& item : v.GetArray()) INGESTD_TRY(WriteSorted(item, w, depth + 1));
    w.EndArray();
    return OkStatus();
  }
  v.Accept(w);
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------
// CursorValue

CursorValue CursorValue::Int(std::int64_t v) {
  CursorValue out;
  out.kind_ = Kind::kNumber;
  out.rep_ = NumberRep::kInt;
  out.int_ = v;
  return out;
}

CursorValue CursorValue::Uint(std::uint64_t v) {
  if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Int(static_cast<std::int64_t>(v));
  }
  CursorValue out;
  out.kind_ = Kind::kNumber;
  out.rep_ = NumberRep::kUint;
  out.uint_ = v;
  return out;
}

CursorValue CursorValue::Double(double v) {
  CursorValue out;
  out.kind_ = Kind::kNumber;
  out.rep_ = NumberRep::kDouble;
  out.double_ = v;
  return out;
}

CursorValue CursorValue::String(std::string v) {
  CursorValue out;
  out.kind_ = Kind::kString;
  out.string_ = std::move(v);
  return out;
}

CursorValue CursorValue::Bool(bool v) {
  CursorValue out;
  out.kind_ = Kind::kBool;
  out.bool_ = v;
  return out;
}

Result<CursorValue> CursorValue::FromJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<kStrictParseFlags>(json.data(), json.size());
  if (doc.HasParseError()) {
    return InvalidArgument("invalid JSON cursor value: " +
                           std::string(rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (auto value = FromValue(doc)) return *std::move(value);
  return InvalidArgument("a cursor value must be a number, a string or a boolean, got " +
                         std::string(JsonTypeName(doc)));
}

std::string_view CursorValue::KindName() const {
  switch (kind_) {
    case Kind::kNumber: return "a number";
    case Kind::kString: return "a string";
    case Kind::kBool: return "a boolean";
  }
  return "a value";
}

std::string CursorValue::ToJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  switch (kind_) {
    case Kind::kString: w.String(string_.data(), string_.size()); break;
    case Kind::kBool: w.Bool(bool_); break;
    case Kind::kNumber:
      switch (rep_) {
        case NumberRep::kInt: w.Int64(int_); break;
        case NumberRep::kUint: w.Uint64(uint_); break;
        case NumberRep::kDouble: w.Double(double_); break;
      }
      break;
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<int> CursorValue::Compare(const CursorValue& other) const {
  if (kind_ != other.kind_) {
    return InvalidArgument("cannot compare " + std::string(KindName()) + " with " +
                           std::string(other.KindName()));
  }
  auto sign = [](auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); };
  switch (kind_) {
    case Kind::kString: return sign(std::string_view(string_), std::string_view(other.string_));
    case Kind::kBool: return sign(static_cast<int>(bool_), static_cast<int>(other.bool_));
    case Kind::kNumber: break;
  }
  // Integers compare exactly; anything with a double compares as doubles.
  if (rep_ == NumberRep::kDouble || other.rep_ == NumberRep::kDouble) {
    auto as_double = [](const CursorValue& v) {
      switch (v.rep_) {
        case NumberRep::kInt: return static_cast<double>(v.int_);
        case NumberRep::kUint: return static_cast<double>(v.uint_);
        case NumberRep::kDouble: return v.double_;
      }
      return 0.0;
    };
    return sign(as_double(*this), as_double(other));
  }
  if (rep_ == other.rep_) return rep_ == NumberRep::kInt ? sign(int_, other.int_) : sign(uint_, other.uint_);
  // One is a uint beyond int64's range, so it is the larger one.
  return rep_ == NumberRep::kUint ? 1 : -1;
}

bool CursorValue::operator==(const CursorValue& other) const {
  auto cmp = Compare(other);
  return cmp.ok() && *cmp == 0;
}

// ---------------------------------------------------------------------------
// CursorPath

Result<CursorPath> CursorPath::Parse(std::string_view path) {
  auto fail = [&](std::string_view why) {
    return InvalidArgument("invalid cursor path '" + std::string(path) + "': " + std::string(why));
  };
  CursorPath out;
  std::size_t i = 0;
  const std::size_t n = path.size();
  if (n == 0) return fail("empty");
  bool need_name = true;  // at the start, or after a '.'
  if (path[0] == '$') {
    i = 1;
    if (i == n) return fail("the root '$' selects no field");
    if (path[i] == '.') {
      ++i;
    } else if (path[i] != '[') {
      return fail("expected '.' or '[' after '$'");
    } else {
      need_name = false;
    }
  }
  while (i < n) {
    char c = path[i];
    if (c == '[') {
      ++i;
      if (i < n && (path[i] == '\'' || path[i] == '"')) {
        char quote = path[i++];
        std::size_t end = path.find(quote, i);
        if (end == std::string_view::npos) return fail("unterminated quoted key");
        if (end + 1 >= n || path[end + 1] != ']') return fail("expected ']' after a quoted key");
        out.steps_.push_back(Step{false, std::string(path.substr(i, end - i)), 0});
        i = end + 2;
      } else {
        std::size_t start = i;
        while (i < n && IsAsciiDigit(path[i])) ++i;
        if (i == start || i >= n || path[i] != ']') {
          return fail("only [<index>] and ['<key>'] are supported inside brackets");
        }
        std::size_t index = 0;
        for (std::size_t k = start; k < i; ++k) {
          if (index > (std::numeric_limits<std::size_t>::max() - 9) / 10) return fail("index too large");
          index = index * 10 + static_cast<std::size_t>(path[k] - '0');
        }
        out.steps_.push_back(Step{true, {}, index});
        ++i;
      }
      need_name = false;
    } else if (c == '.') {
      if (need_name) return fail("empty field name");
      need_name = true;
      ++i;
    } else {
      if (!need_name && !out.steps_.empty()) return fail("expected '.' or '[' between fields");
      std::size_t start = i;
      while (i < n && path[i] != '.' && path[i] != '[') ++i;
      std::string_view name = path.substr(start, i - start);
      if (name == "*" || name.find('*') != std::string_view::npos) return fail("wildcards are not supported");
      out.steps_.push_back(Step{false, std::string(name), 0});
      need_name = false;
    }
  }
  if (need_name) return fail("empty field name");
  return out;
}

std::optional<std::string> CursorPath::TopLevelField() const {
  if (steps_.size() == 1 && !steps_[0].is_index) return steps_[0].key;
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Names and config validation

std::string_view LastValueFuncName(LastValueFunc f) { return f == LastValueFunc::kMax ? "max" : "min"; }

std::string_view OnCursorValueMissingName(OnCursorValueMissing m) {
  switch (m) {
    case OnCursorValueMissing::kRaise: return "raise";
    case OnCursorValueMissing::kInclude: return "include";
    case OnCursorValueMissing::kExclude: return "exclude";
  }
  return "raise";
}

std::string_view RangeBoundName(RangeBound b) { return b == RangeBound::kClosed ? "closed" : "open"; }

Status ValidateIncrementalConfig(const IncrementalConfig& config) {
  INGESTD_TRY(CursorPath::Parse(config.cursor_path));
  if (config.end_value) {
    if (!config.initial_value) return InvalidArgument("end_value needs an initial_value");
    auto cmp = config.end_value->Compare(*config.initial_value);
    if (!cmp.ok()) {
      return InvalidArgument("end_value is " + std::string(config.end_value->KindName()) +
                             " but initial_value is " + std::string(config.initial_value->KindName()));
    }
    int after = config.last_value_func == LastValueFunc::kMax ? *cmp : -*cmp;
    if (after <= 0) {
      return InvalidArgument("end_value " + config.end_value->ToJson() + " must be " +
                             (config.last_value_func == LastValueFunc::kMax ? "greater" : "less") +
                             " than initial_value " + config.initial_value->ToJson() +
                             " (last_value_func " + std::string(LastValueFuncName(config.last_value_func)) +
                             ")");
    }
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// IncrementalState

std::string IncrementalState::ToJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("initial_value");
  WriteCursor(w, initial_value);
  w.Key("last_value");
  WriteCursor(w, last_value);
  w.Key("unique_hashes");
  w.StartArray();
  for (const std::string& hash : unique_hashes) w.String(hash.data(), hash.size());
  w.EndArray();
  w.Key("start_value");
  WriteCursor(w, start_value);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<IncrementalState> IncrementalState::FromJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<kStrictParseFlags>(json.data(), json.size());
  if (doc.HasParseError()) {
    return InvalidArgument("incremental state: invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) +
                           ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    return InvalidArgument("incremental state: expected an object, got " + std::string(JsonTypeName(doc)));
  }
  IncrementalState state;
  for (const auto& m : doc.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    auto scalar = [&](std::optional<CursorValue>& slot) -> Status {
      if (m.value.IsNull()) return OkStatus();
      slot = FromValue(m.value);
      if (!slot) {
        return InvalidArgument("incremental state: " + std::string(key) +
                               ": expected a number, a string, a boolean or null, got " +
                               std::string(JsonTypeName(m.value)));
      }
      return OkStatus();
    };
    if (key == "initial_value") {
      INGESTD_TRY(scalar(state.initial_value));
    } else if (key == "last_value") {
      INGESTD_TRY(scalar(state.last_value));
    } else if (key == "start_value") {
      INGESTD_TRY(scalar(state.start_value));
    } else if (key == "unique_hashes") {
      if (m.value.IsNull()) continue;
      if (!m.value.IsArray()) {
        return InvalidArgument("incremental state: unique_hashes: expected an array of strings, got " +
                               std::string(JsonTypeName(m.value)));
      }
      for (const Value& hash : m.value.GetArray()) {
        if (!hash.IsString()) {
          return InvalidArgument("incremental state: unique_hashes: expected strings, got " +
                                 std::string(JsonTypeName(hash)));
        }
        state.unique_hashes.emplace_back(hash.GetString(), hash.GetStringLength());
      }
    } else {
      return InvalidArgument("incremental state: unknown key '" + std::string(key) +
                             "' (expected initial_value, last_value, unique_hashes, start_value)");
    }
  }
  return state;
}

// ---------------------------------------------------------------------------
// Incremental

struct Incremental::Impl {
  IncrementalConfig config;
  CursorPath path;
  std::vector<std::string> key_columns;  // empty with dedup on: hash the whole item
  bool dedup = true;
  bool persist = true;
  std::optional<CursorValue> start_value;
  std::optional<CursorValue> last_value;
  // Hashes stored by the last run, for items equal to start_value.
  std::unordered_set<std::string> start_hashes;
  // Hashes of kept items equal to last_value, in arrival order.
  std::vector<std::string> hashes;
  std::unordered_set<std::string> hash_set;
  IncrementalStats stats;

  Error Fail(std::string message) const {
    return InvalidArgument("incremental on '" + config.cursor_path + "': " + std::move(message));
  }

  // >0 when `a` is "after" `b` in the direction of last_value_func.
  Result<int> Order(const CursorValue& a, const CursorValue& b, std::string_view what) const {
    auto cmp = a.Compare(b);
    if (!cmp.ok()) {
      return Fail("cursor value " + a.ToJson() + " is " + std::string(a.KindName()) + " but " +
                  std::string(what) + " " + b.ToJson() + " is " + std::string(b.KindName()));
    }
    return config.last_value_func == LastValueFunc::kMax ? *cmp : -*cmp;
  }

  Result<std::string> Hash(const Value& item, std::string_view text) const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    if (key_columns.empty()) {
      INGESTD_TRY(WriteSorted(item, w, 0));
    } else {
      if (!item.IsObject()) return Fail("item is not an object, cannot read its primary key: " + Snippet(text));
      if (key_columns.size() > 1) w.StartArray();
      for (const std::string& column : key_columns) {
        auto it = item.FindMember(Value(rapidjson::StringRef(column.data(), column.size())));
        if (it == item.MemberEnd()) {
          return Fail("primary key column '" + column +
                      "' missing in item (set incremental.primary_key, or [] to disable dedup): " +
                      Snippet(text));
        }
        INGESTD_TRY(WriteSorted(it->value, w, 0));
      }
      if (key_columns.size() > 1) w.EndArray();
    }
    return Digest128(std::string_view(buffer.GetString(), buffer.GetSize()));
  }

  void AddHash(std::string hash) {
    if (hash_set.contains(hash)) return;
    if (hashes.size() >= Incremental::kMaxUniqueHashes) {
      ++stats.hashes_dropped;
      return;
    }
    hash_set.insert(hash);
    hashes.push_back(std::move(hash));
  }

  Result<bool> Accept(std::string_view text) {
    ++stats.items_seen;
    rapidjson::Document doc;
    doc.Parse<kItemParseFlags>(text.data(), text.size());
    if (doc.HasParseError()) {
      return Fail("item is not valid JSON (" + std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                  " at offset " + std::to_string(doc.GetErrorOffset()) + "): " + Snippet(text));
    }
    const Value* v = &doc;
    for (const CursorPath::Step& step : path.steps()) {
      if (step.is_index) {
        v = v->IsArray() && step.index < v->Size() ? &(*v)[step.index] : nullptr;
      } else if (v->IsObject()) {
        auto it = v->FindMember(Value(rapidjson::StringRef(step.key.data(), step.key.size())));
        v = it == v->MemberEnd() ? nullptr : &it->value;
      } else {
        v = nullptr;
      }
      if (v == nullptr) break;
    }
    if (v == nullptr || v->IsNull()) {
      ++stats.missing_cursor;
      switch (config.on_cursor_value_missing) {
        case OnCursorValueMissing::kRaise:
          return Fail(std::string(v == nullptr ? "cursor path not found in item"
                                               : "cursor value is null in item") +
                      " (set on_cursor_value_missing to include or exclude to accept such items): " +
                      Snippet(text));
        case OnCursorValueMissing::kInclude: ++stats.items_kept; return true;
        case OnCursorValueMissing::kExclude: return false;
      }
    }
    std::optional<CursorValue> value = FromValue(*v);
    if (!value) {
      return Fail("cursor value must be a number, a string or a boolean, got " + std::string(JsonTypeName(*v)) +
                  ": " + Snippet(text));
    }
    if (config.end_value) {
      INGESTD_ASSIGN_OR_RETURN(int beyond, Order(*value, *config.end_value, "end_value"));
      if (beyond > 0 || (beyond == 0 && config.range_end == RangeBound::kOpen)) {
        ++stats.out_of_range;
        return false;
      }
    }
    if (!last_value) {
      last_value = *value;
      if (dedup) INGESTD_TRY(AddHashOf(doc, text));
      ++stats.items_kept;
      return true;
    }
    INGESTD_ASSIGN_OR_RETURN(int vs_last, Order(*value, *last_value, "last_value"));
    if (vs_last > 0) {
      last_value = *value;
      hashes.clear();
      hash_set.clear();
      if (dedup) INGESTD_TRY(AddHashOf(doc, text));
      ++stats.items_kept;
      return true;
    }
    if (start_value) {
      INGESTD_ASSIGN_OR_RETURN(int vs_start, Order(*value, *start_value, "start_value"));
      if (vs_start < 0 || (vs_start == 0 && config.range_start == RangeBound::kOpen)) {
        ++stats.out_of_range;
        return false;
      }
      if (vs_start == 0 && dedup) {
        INGESTD_ASSIGN_OR_RETURN(std::string hash, Hash(doc, text));
        if (start_hashes.contains(hash)) {
          ++stats.deduplicated;
          return false;
        }
        if (vs_last == 0) AddHash(std::move(hash));
        ++stats.items_kept;
        return true;
      }
    }
    if (vs_last == 0 && dedup) INGESTD_TRY(AddHashOf(doc, text));
    ++stats.items_kept;
    return true;
  }

  Status AddHashOf(const Value& doc, std::string_view text) {
    INGESTD_ASSIGN_OR_RETURN(std::string hash, Hash(doc, text));
    AddHash(std::move(hash));
    return OkStatus();
  }
};

Incremental::Incremental(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Incremental::Incremental(Incremental&&) noexcept = default;
Incremental& Incremental::operator=(Incremental&&) noexcept = default;
Incremental::~Incremental() = default;

Result<Incremental> Incremental::Create(IncrementalConfig config, std::optional<IncrementalState> state,
                                        std::vector<std::string> resource_primary_key) {
  INGESTD_TRY(ValidateIncrementalConfig(config));
  auto impl = std::make_unique<Impl>();
  INGESTD_ASSIGN_OR_RETURN(impl->path, CursorPath::Parse(config.cursor_path));
  if (config.primary_key) {
    impl->key_columns = *config.primary_key;
    impl->dedup = !config.primary_key->empty();
  } else {
    impl->key_columns = std::move(resource_primary_key);
  }
  if (config.range_start == RangeBound::kOpen || config.end_value) impl->dedup = false;
  impl->persist = !config.end_value;
  // A backfill (end_value) ignores stored state: its window is fixed.
  if (state && impl->persist && state->last_value) {
    impl->start_value = state->last_value;
    if (impl->dedup) {
      impl->start_hashes.insert(state->unique_hashes.begin(), state->unique_hashes.end());
      for (const std::string& hash : state->unique_hashes) impl->AddHash(hash);
    }
  } else {
    impl->start_value = config.initial_value;
  }
  impl->last_value = impl->start_value;
  impl->config = std::move(config);
  return Incremental(std::move(impl));
}

Result<bool> Incremental::Accept(std::string_view json_item) { return impl_->Accept(json_item); }
const std::optional<CursorValue>& Incremental::start_value() const { return impl_->start_value; }
const std::optional<CursorValue>& Incremental::last_value() const { return impl_->last_value; }
const std::optional<CursorValue>& Incremental::end_value() const { return impl_->config.end_value; }
const IncrementalConfig& Incremental::config() const { return impl_->config; }
const IncrementalStats& Incremental::stats() const { return impl_->stats; }
bool Incremental::deduplication_enabled() const { return impl_->dedup; }
bool Incremental::persist_state() const { return impl_->persist; }

IncrementalState Incremental::State() const {
  IncrementalState state;
  state.initial_value = impl_->config.initial_value;
  state.last_value = impl_->last_value;
  if (impl_->dedup) state.unique_hashes = impl_->hashes;
  state.start_value = impl_->start_value;
  return state;
}

Status IncrementalFilter::Accept(std::string_view json_item) {
  INGESTD_ASSIGN_OR_RETURN(bool keep, incremental_.Accept(json_item));
  if (!keep) return OkStatus();
  return next_.Accept(json_item);
}

}  // namespace ingestd::extract
