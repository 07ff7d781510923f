#include "core/normalize/item_builder.hpp"

#include <string>

#include "core/common/utf8.hpp"

namespace ingestd::normalize {

using infer::RawScalar;

void ItemBuilder::BeginDocument(TableCtx& root_table, const char* input_base) {
  root_table_ = &root_table;
  input_base_ = input_base;
  stack_.clear();
  pending_key_ = nullptr;
  capture_depth_ = 0;
  error_.reset();
  tree_.Clear();
  scratch_.Clear();
}

std::string ItemBuilder::CurrentPath() const {
  std::string path;
  auto append_key = [&path](const KeyNode* node) {
    if (node == nullptr || node->parent == nullptr) return;
    if (!path.empty()) path += '.';
    path += node->raw_key;
  };
  for (const Frame& f : stack_) {
    if (f.kind == FrameKind::kNestedDict) append_key(f.node);
    if (f.kind == FrameKind::kList) {
      append_key(f.node);
      path += '[' + std::to_string(f.next_index == 0 ? 0 : f.next_index - 1) + ']';
    }
  }
  if (capture_depth_ == 0) append_key(pending_key_);
  return path;
}

bool ItemBuilder::Fail(Error error) {
  if (!error_) error_ = std::move(error);
  return false;
}

bool ItemBuilder::Unexpected() {
  // The parser runs with kParseNumbersAsStringsFlag, so numbers arrive as
  // RawNumber; typed number callbacks mean the flags were changed.
  return Fail(Internal("JSON parser delivered a typed number; numbers must arrive as raw text"));
}

bool ItemBuilder::FailTooLarge(std::size_t length) {
  return Fail(ResourceExhausted("value of " + std::to_string(length) + " bytes at " +
                                (CurrentPath().empty() ? "the item" : CurrentPath()) +
                                " exceeds the limit of " + std::to_string(limits_.max_value_bytes) +
                                " bytes (normalize option max_value_bytes)"));
}

bool ItemBuilder::CheckUtf8(const char* str, std::size_t length) {
  // Validated here rather than by the parser: this check is several times
  // faster on the mostly-ASCII text of real data.
  std::size_t bad = FindInvalidUtf8({str, length});
  if (bad == length) return true;
  std::string where;
  if (input_base_ != nullptr && str >= input_base_) {
    where = " near byte offset " + std::to_string(static_cast<std::size_t>(str - input_base_) + bad);
  }
  return Fail(InvalidArgument("invalid UTF-8 in a string" + where +
                              "; input must be UTF-8 (re-encode the source)"));
}

bool ItemBuilder::CheckDepth() {
  if (stack_.size() + capture_depth_ < limits_.max_depth) return true;
  return Fail(ResourceExhausted("item nests deeper than " + std::to_string(limits_.max_depth) +
                                " levels (normalize option max_depth)"));
}

void ItemBuilder::AddCell(std::uint32_t row, std::uint32_t frame, KeyNode& node,
                          const RawScalar& raw, bool is_null) {
  PendingCell& cell = tree_.row(row).cells.emplace_back();
  cell.node = &node;
  cell.raw = raw;
  cell.is_null = is_null;
  cell.frame = frame;
}

bool ItemBuilder::BeginItemRow(bool wrap_value) {
  tree_.Clear();
  scratch_.Clear();
  std::uint32_t row = tree_.NewRow(root_table_, kNone, 0, sink_.RootNestingBudget(*root_table_));
  if (!wrap_value) {
    stack_.push_back(Frame{FrameKind::kRowDict, row, 0, root_table_->root.get(),
                           tree_.row(row).nesting_budget, nullptr, 0, 0});
  }
  return true;
}

bool ItemBuilder::FinishRootItem() {
  Status status = sink_.FinishItem(tree_);
  tree_.Clear();
  scratch_.Clear();
  if (!status.ok()) return Fail(std::move(status).error());
  return true;
}

bool ItemBuilder::OpenList(std::uint32_t row, std::uint32_t dict_frame, KeyNode& key, int budget) {
  TableCtx& table = names_.ListTable(key);
  PendingRow& r = tree_.row(row);
  auto slot = static_cast<std::uint32_t>(r.lists.size());
  r.lists.push_back(PendingList{&key, dict_frame, kNone, kNone});
  stack_.push_back(Frame{FrameKind::kList, row, dict_frame, &key, budget, &table, slot, 0});
  return true;
}

bool ItemBuilder::NewElementRow(Frame& list, bool is_object) {
  // Elements that are lists become intermediate rows ({"list": [...]}) one
  // budget level lower, as dlt does for lists of lists.
  int budget = is_object ? list.budget : list.budget - 1;
  std::uint32_t row = tree_.NewRow(list.list_table, list.row, list.next_index++, budget);
  PendingList& pl = tree_.row(list.row).lists[list.list_slot];
  if (pl.first_row == kNone) {
    pl.first_row = row;
  } else {
    tree_.row(pl.last_row).next_sibling = row;
  }
  pl.last_row = row;
  return true;
}

bool ItemBuilder::OnScalar(const RawScalar& raw, bool is_null) {
  if (capture_depth_ > 0) {
    switch (raw.kind) {
      case infer::ScalarKind::kString:
        return capture_writer_.String(raw.text.data(), raw.text.size());
      case infer::ScalarKind::kNumber:
        return capture_writer_.RawValue(raw.text.data(), raw.text.size(), rapidjson::kNumberType);
      case infer::ScalarKind::kBool:
        return is_null ? capture_writer_.Null() : capture_writer_.Bool(raw.bool_value);
      case infer::ScalarKind::kJson:
        return Fail(Internal("json scalar inside a capture"));
    }
  }
  if (stack_.empty() || stack_.back().kind == FrameKind::kItems) {
    // A top-level scalar is the item {"value": v}.
    BeginItemRow(/*wrap_value=*/true);
    AddCell(0, 0, names_.FixedKey(*root_table_, "value"), raw, is_null);
    return FinishRootItem();
  }
  Frame& f = stack_.back();
  if (f.kind == FrameKind::kList) {
    NewElementRow(f, /*is_object=*/true);
    std::uint32_t row = static_cast<std::uint32_t>(tree_.size() - 1);
    AddCell(row, 0, names_.FixedKey(*f.list_table, "value"), raw, is_null);
    return true;
  }
  // In a dict: the value of the pending key.
  if (pending_key_ == nullptr) return Fail(Internal("value without a key"));
  AddCell(f.row, f.dict_frame, *pending_key_, raw, is_null);
  pending_key_ = nullptr;
  return true;
}

bool ItemBuilder::Null() {
  if (record_item_json_) {
    if (AtItemLevel()) TeeItemStart();
    item_writer_.Null();
  }
  return OnScalar(RawScalar::Bool(false), /*is_null=*/true);
}

bool ItemBuilder::Bool(bool b) {
  if (record_item_json_) {
    if (AtItemLevel()) TeeItemStart();
    item_writer_.Bool(b);
  }
  return OnScalar(RawScalar::Bool(b), false);
}

bool ItemBuilder::RawNumber(const char* str, rapidjson::SizeType length, bool copy) {
  if (!CheckSize(length)) return false;
  if (record_item_json_) {
    if (AtItemLevel()) TeeItemStart();
    item_writer_.RawValue(str, length, rapidjson::kNumberType);
  }
  std::string_view text(str, length);
  if (copy && capture_depth_ == 0) text = scratch_.Store(text);
  return OnScalar(RawScalar::Number(text), false);
}

bool ItemBuilder::String(const char* str, rapidjson::SizeType length, bool copy) {
  if (!CheckSize(length) || !CheckUtf8(str, length)) return false;
  if (record_item_json_) {
    if (AtItemLevel()) TeeItemStart();
    item_writer_.String(str, length);
  }
  std::string_view text(str, length);
  if (copy && capture_depth_ == 0) text = scratch_.Store(text);
  return OnScalar(RawScalar::String(text), false);
}

bool ItemBuilder::Key(const char* str, rapidjson::SizeType length, bool /*copy*/) {
  if (record_item_json_) item_writer_.Key(str, length);
  if (!CheckUtf8(str, length)) return false;
  if (capture_depth_ > 0) return capture_writer_.Key(str, length);
  if (!CheckSize(length)) return false;
  Frame& f = stack_.back();
  std::string_view key(str, length);
  KeyNode* guess = f.last_key != nullptr ? f.last_key->next_hint : f.node->first_hint;
  if (guess == nullptr || guess->raw_key != key) {
    guess = &names_.Child(*f.node, key);
    (f.last_key != nullptr ? f.last_key->next_hint : f.node->first_hint) = guess;
  }
  f.last_key = guess;
  pending_key_ = guess;
  return true;
}

bool ItemBuilder::CaptureStart(std::uint32_t row, std::uint32_t frame, KeyNode& node,
                               bool is_object) {
  capture_buffer_.Clear();
  capture_writer_.Reset(capture_buffer_);
  capture_row_ = row;
  capture_frame_ = frame;
  capture_node_ = &node;
  capture_depth_ = 1;
  return is_object ? capture_writer_.StartObject() : capture_writer_.StartArray();
}

bool ItemBuilder::CaptureFinish() {
  std::string_view json = scratch_.Store({capture_buffer_.GetString(), capture_buffer_.GetSize()});
  if (!CheckSize(json.size())) return false;
  AddCell(capture_row_, capture_frame_, *capture_node_, RawScalar::Json(json), false);
  if (capture_is_item_) {
    capture_is_item_ = false;
    return FinishRootItem();
  }
  return true;
}

bool ItemBuilder::OnContainerStart(bool is_object) {
  if (!CheckDepth()) return false;
  if (capture_depth_ > 0) {
    ++capture_depth_;
    return is_object ? capture_writer_.StartObject() : capture_writer_.StartArray();
  }
  if (stack_.empty() || stack_.back().kind == FrameKind::kItems) {
    if (is_object) return BeginItemRow(/*wrap_value=*/false);
    if (stack_.empty()) {
      stack_.push_back(Frame{FrameKind::kItems});
      return true;
    }
    // An array inside the top-level array is the item {"value": [...]}.
    BeginItemRow(/*wrap_value=*/true);
    KeyNode& key = names_.FixedKey(*root_table_, "value");
    int budget = tree_.row(0).nesting_budget;
    if (budget <= 0 || sink_.IsJsonColumn(key)) {
      capture_is_item_ = true;
      return CaptureStart(0, 0, key, false);
    }
    return OpenList(0, 0, key, budget - 1);
  }

  Frame& f = stack_.back();
  if (f.kind == FrameKind::kList) {
    NewElementRow(f, is_object);
    auto row = static_cast<std::uint32_t>(tree_.size() - 1);
    TableCtx* table = f.list_table;
    int budget = tree_.row(row).nesting_budget;
    if (is_object) {
      stack_.push_back(Frame{FrameKind::kRowDict, row, 0, table->root.get(), budget, nullptr, 0, 0});
      return true;
    }
    KeyNode& key = names_.FixedKey(*table, "list");
    if (budget <= 0 || sink_.IsJsonColumn(key)) return CaptureStart(row, 0, key, false);
    return OpenList(row, 0, key, budget - 1);
  }

  if (pending_key_ == nullptr) return Fail(Internal("container without a key"));
  KeyNode& key = *pending_key_;
  pending_key_ = nullptr;
  if (f.budget <= 0 || sink_.IsJsonColumn(key)) {
    return CaptureStart(f.row, f.dict_frame, key, is_object);
  }
  if (is_object) {
    PendingRow& r = tree_.row(f.row);
    auto frame = static_cast<std::uint32_t>(r.frame_parent.size());
    r.frame_parent.push_back(f.dict_frame);
    Frame nested{FrameKind::kNestedDict, f.row, frame, &key, f.budget - 1, nullptr, 0, 0};
    stack_.push_back(nested);
    return true;
  }
  // Element rows of a list get the holding row's budget minus one (dlt
  // counts lists against the row, not against the dict the key sits in).
  return OpenList(f.row, f.dict_frame, key, tree_.row(f.row).nesting_budget - 1);
}

bool ItemBuilder::StartObject() {
  if (record_item_json_) {
    if (AtItemLevel()) TeeItemStart();
    item_writer_.StartObject();
  }
  return OnContainerStart(true);
}

bool ItemBuilder::StartArray() {
  // The top-level array only separates items; it is not part of any item.
  if (record_item_json_ && !(capture_depth_ == 0 && stack_.empty())) {
    if (AtItemLevel()) TeeItemStart();
    item_writer_.StartArray();
  }
  return OnContainerStart(false);
}

bool ItemBuilder::EndObject(rapidjson::SizeType /*member_count*/) {
  if (record_item_json_) item_writer_.EndObject();
  if (capture_depth_ > 0) {
    if (!capture_writer_.EndObject()) return false;
    return --capture_depth_ == 0 ? CaptureFinish() : true;
  }
  Frame f = stack_.back();
  stack_.pop_back();
  if (f.kind == FrameKind::kRowDict && f.row == 0 &&
      (stack_.empty() || stack_.back().kind == FrameKind::kItems)) {
    return FinishRootItem();
  }
  return true;
}

bool ItemBuilder::EndArray(rapidjson::SizeType /*element_count*/) {
  if (record_item_json_ &&
      !(capture_depth_ == 0 && stack_.size() == 1 && stack_.back().kind == FrameKind::kItems)) {
    item_writer_.EndArray();
  }
  if (capture_depth_ > 0) {
    if (!capture_writer_.EndArray()) return false;
    return --capture_depth_ == 0 ? CaptureFinish() : true;
  }
  Frame f = stack_.back();
  stack_.pop_back();
  // A list directly under the top level wraps a whole item ({"value": [...]}).
  if (f.kind == FrameKind::kList && (stack_.empty() || stack_.back().kind == FrameKind::kItems)) {
    return FinishRootItem();
  }
  return true;
}

}  // namespace ingestd::normalize
