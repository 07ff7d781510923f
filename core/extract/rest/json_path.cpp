#include "core/extract/rest/json_path.hpp"

#include <cctype>
#include <charconv>
#include <string>
#include <utility>

#include "core/json/json_type_name.hpp"

namespace ingestd::extract::rest {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end a bare (unquoted) name.
bool EndsBareName(char c) {
  return c == '.' || c == '[' || c == ']' || c == '\'' || c == '"' || c == '*' || IsSpace(c);
}

// A step written as a member: `name`, `'quoted name'` or `*`.
struct Member {
  bool wildcard = false;
  std::string name;
};

// Parses the text of one path; `pos_` is the offset errors report.
class PathParser {
 public:
  explicit PathParser(std::string_view text) : text_(text) {}

  Error Fail(std::string_view what) const {
    return InvalidArgument("invalid JSONPath \"" + std::string(text_) + "\": " + std::string(what) + " at offset " +
                           std::to_string(pos_));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  std::size_t pos() const { return pos_; }
  void Advance(std::size_t n = 1) { pos_ += n; }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  // A quoted name, `pos_` on the opening quote. Backslash escapes the next
  // character (so `\'` and `\\`).
  Result<std::string> Quoted() {
    const char quote = Peek();
    ++pos_;
    std::string out;
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\') {
        ++pos_;
        if (AtEnd()) break;
      }
      out.push_back(Peek());
      ++pos_;
    }
    if (AtEnd()) return Fail("unterminated quoted name");
    ++pos_;  // closing quote
    return out;
  }

  // A member after `.`, `..` or at the start: a bare name, a quoted name or `*`.
  Result<Member> ParseMember() {
    if (AtEnd()) return Fail("expected a name");
    if (Peek() == '*') {
      ++pos_;
      return Member{true, ""};
    }
    if (Peek() == '\'' || Peek() == '"') {
      INGESTD_ASSIGN_OR_RETURN(std::string name, Quoted());
      return Member{false, std::move(name)};
    }
    const std::size_t start = pos_;
    while (!AtEnd() && !EndsBareName(Peek())) ++pos_;
    if (pos_ == start) return Fail(std::string("expected a name, found '") + Peek() + "'");
    if (!AtEnd() && Peek() == '*') return Fail("'*' inside a name");
    return Member{false, std::string(text_.substr(start, pos_ - start))};
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  // Surrounding whitespace is not part of a path (config values are often
  // written with it); inner whitespace only inside brackets.
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);

  JsonPath path;
  path.text_ = std::string(text);
  PathParser p(text);
  if (text.empty()) return p.Fail("empty path");

  auto push_member = [&path](Member member) {
    path.steps_.push_back(Step{member.wildcard ? Step::Kind::kWildcard : Step::Kind::kName, std::move(member.name), 0});
  };

  if (p.Peek() == '$') {
    p.Advance();
  } else if (p.Peek() != '[') {
    // A relative path starts with a member: `cursors.next`, `*`, `'a.b'`.
    INGESTD_ASSIGN_OR_RETURN(Member member, p.ParseMember());
    push_member(std::move(member));
  }

  while (!p.AtEnd()) {
    const char c = p.Peek();
    if (c == '.') {
      p.Advance();
      if (!p.AtEnd() && p.Peek() == '.') {
        p.Advance();
        path.steps_.push_back(Step{Step::Kind::kDescend, "", 0});
      }
      // `..[...]`, and `.[0]` as jsonpath-ng writes full paths (`a.[0].b`):
      // the bracket is handled by the loop.
      if (!p.AtEnd() && p.Peek() == '[') continue;
      INGESTD_ASSIGN_OR_RETURN(Member member, p.ParseMember());
      push_member(std::move(member));
      continue;
    }
    if (c == '[') {
      p.Advance();
      p.SkipSpaces();
      if (p.AtEnd()) return p.Fail("unterminated '['");
      Step step{Step::Kind::kName, "", 0};
      if (p.Peek() == '*') {
        p.Advance();
        step.kind = Step::Kind::kWildcard;
      } else if (p.Peek() == '\'' || p.Peek() == '"') {
        INGESTD_ASSIGN_OR_RETURN(step.name, p.Quoted());
      } else if (p.Peek() == '-' || std::isdigit(static_cast<unsigned char>(p.Peek()))) {
        const std::size_t start = p.pos();
        std::size_t end = start + 1;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
        long index = 0;
        auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + end, index);
        if (ec != std::errc() || ptr != text.data() + end) return p.Fail("invalid array index");
        p.Advance(end - start);
        step.kind = Step::Kind::kIndex;
        step.index = index;
      } else {
        return p.Fail(std::string("expected '*', a quoted name or an index after '[', found '") + p.Peek() + "'");
      }
      p.SkipSpaces();
      if (p.AtEnd() || p.Peek() != ']') return p.Fail("expected ']'");
      p.Advance();
      path.steps_.push_back(std::move(step));
      continue;
    }
    return p.Fail(std::string("unexpected '") + c + "'");
  }
  return path;
}

std::vector<const rapidjson::Value*> JsonPath::Find(const rapidjson::Value& root) const {
  std::vector<const rapidjson::Value*> current{&root};
  std::vector<const rapidjson::Value*> next;
  for (const Step& step : steps_) {
    next.clear();
    for (const rapidjson::Value* node : current) {
      switch (step.kind) {
        case Step::Kind::kName:
          if (node->IsObject()) {
            auto it = node->FindMember(rapidjson::StringRef(step.name.data(), step.name.size()));
            if (it != node->MemberEnd()) next.push_back(&it->value);
          }
          break;
        case Step::Kind::kIndex:
          if (node->IsArray()) {
            const auto size = static_cast<long>(node->Size());
            const long i = step.index < 0 ? size + step.index : step.index;
            if (i >= 0 && i < size) next.push_back(&(*node)[static_cast<rapidjson::SizeType>(i)]);
          }
          break;
        case Step::Kind::kWildcard:
          if (node->IsArray()) {
            for (const auto& element : node->GetArray()) next.push_back(&element);
          } else if (node->IsObject()) {
            for (const auto& member : node->GetObject()) next.push_back(&member.value);
          }
          break;
        case Step::Kind::kDescend: {
          // The node and all its descendants, in document (pre-)order. An
          // explicit stack: hostile nesting must not overflow the C++ stack.
          std::vector<const rapidjson::Value*> stack{node};
          while (!stack.empty()) {
            const rapidjson::Value* v = stack.back();
            stack.pop_back();
            next.push_back(v);
            if (v->IsArray()) {
              for (auto it = v->End(); it != v->Begin();) stack.push_back(&*--it);
            } else if (v->IsObject()) {
              for (auto it = v->MemberEnd(); it != v->MemberBegin();) stack.push_back(&(--it)->value);
            }
          }
          break;
        }
      }
    }
    current.swap(next);
    if (current.empty()) break;
  }
  return current;
}

const rapidjson::Value* JsonPath::FindFirst(const rapidjson::Value& root) const {
  std::vector<const rapidjson::Value*> matches = Find(root);
  return matches.empty() ? nullptr : matches.front();
}

Status JsonPath::Set(rapidjson::Value& root, rapidjson::Value value,
                     rapidjson::Document::AllocatorType& allocator) const {
  if (steps_.empty()) return InvalidArgument("cannot set \"" + text_ + "\": the path names the whole document");
  for (const Step& step : steps_) {
    if (step.kind != Step::Kind::kName) {
      return InvalidArgument("cannot set \"" + text_ + "\": only paths of plain names can be set");
    }
  }
  rapidjson::Value* node = &root;
  std::string walked = "$";
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    if (!node->IsObject()) {
      return InvalidArgument("cannot set \"" + text_ + "\": " + walked + " is " + std::string(JsonTypeName(*node)) +
                             ", not an object");
    }
    const std::string& name = steps_[i].name;
    auto it = node->FindMember(rapidjson::StringRef(name.data(), name.size()));
    const bool last = i + 1 == steps_.size();
    if (it == node->MemberEnd()) {
      rapidjson::Value key(name.data(), name.size(), allocator);
      if (last) {
        node->AddMember(key, value, allocator);
        return OkStatus();
      }
      rapidjson::Value child(rapidjson::kObjectType);
      node->AddMember(key, child, allocator);
      node = &(node->MemberEnd() - 1)->value;
    } else if (last) {
      it->value = value;
      return OkStatus();
    } else {
      node = &it->value;
    }
    walked += "." + name;
  }
  return OkStatus();  // not reached: the last step returns above
}

}  // namespace ingestd::extract::rest
