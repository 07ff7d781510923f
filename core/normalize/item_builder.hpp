#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/common/string_arena.hpp"
#include "core/json/rapidjson.hpp"
#include "core/normalize/item_tree.hpp"
#include "core/normalize/name_cache.hpp"

namespace ingestd::normalize {

/// What the SAX builder needs from the normalizer around it.
class ItemSink {
 public:
  virtual ~ItemSink() = default;
  /// True when values under `node` are kept whole as json (the column or a
  /// preferred-type rule says json).
  virtual bool IsJsonColumn(KeyNode& node) = 0;
  /// The nesting budget root rows of `table` start with.
  virtual int RootNestingBudget(TableCtx& table) = 0;
  /// Called at the end of every item with its rows.
  virtual Status FinishItem(ItemTree& tree) = 0;
};

/// RapidJSON SAX handler that builds the ItemTree of each item as the parser
/// streams events: keys resolve through the NameCache trie, dicts flatten
/// into frames of the current row, lists open nested rows, and containers
/// beyond the nesting budget (or under json columns) are captured as compact
/// JSON text. No recursion: the parser is iterative and so is this.
///
/// String and number views point into the (in-situ parsed) input buffer or
/// into `scratch`; both must outlive FinishItem.
class ItemBuilder {
 public:
  struct Limits {
    std::size_t max_depth = 10000;
    std::size_t max_value_bytes = 64 * 1024 * 1024;
  };

  ItemBuilder(NameCache& names, ItemSink& sink, Limits limits)
      : names_(names), sink_(sink), limits_(limits), capture_writer_(capture_buffer_) {}

  /// Prepares for a new JSON document whose items go into `root_table`.
  /// `input_base` is the start of the buffer being parsed (error offsets).
  void BeginDocument(TableCtx& root_table, const char* input_base);
  /// Also keep the current item as compact JSON text (needed for content
  /// hashes of scd2 tables); see item_json().
  void set_record_item_json(bool on) { record_item_json_ = on; }
  /// The item being finished, as compact JSON (only while recording).
  std::string_view item_json() const { return {item_buffer_.GetString(), item_buffer_.GetSize()}; }
  /// Set when a handler callback failed for a reason other than syntax.
  const std::optional<Error>& error() const { return error_; }
  /// Path of the value being processed when an error happened ("a.b[2]").
  std::string CurrentPath() const;

  // RapidJSON SAX interface.
  bool Null();
  bool Bool(bool b);
  bool Int(int) { return Unexpected(); }
  bool Uint(unsigned) { return Unexpected(); }
  bool Int64(std::int64_t) { return Unexpected(); }
  bool Uint64(std::uint64_t) { return Unexpected(); }
  bool Double(double) { return Unexpected(); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy);
  bool String(const char* str, rapidjson::SizeType length, bool copy);
  bool StartObject();
  bool Key(const char* str, rapidjson::SizeType length, bool copy);
  bool EndObject(rapidjson::SizeType member_count);
  bool StartArray();
  bool EndArray(rapidjson::SizeType element_count);

 private:
  enum class FrameKind : std::uint8_t {
    kItems,       // top-level array: each element is an item
    kRowDict,     // the object of a row
    kNestedDict,  // an object flattened into its row
    kList,        // an array whose elements are rows of a nested table
  };
  struct Frame {
    FrameKind kind;
    std::uint32_t row = kNone;   // row the frame belongs to (kRowDict, kNestedDict, kList)
    std::uint32_t dict_frame = 0;  // the row's dict frame (dicts) or the holder's (lists)
    KeyNode* node = nullptr;     // path node of a dict; key node of a list
    int budget = 0;              // nesting budget at this level
    TableCtx* list_table = nullptr;
    std::uint32_t list_slot = 0;  // index into the row's lists
    std::uint32_t next_index = 0;
    KeyNode* last_key = nullptr;  // previous key in this object (key prediction)
  };

  // Where the next value goes, as decided by the innermost frame.
  bool OnScalar(const infer::RawScalar& raw, bool is_null);
  bool OnContainerStart(bool is_object);
  bool BeginItemRow(bool wrap_value);
  bool FinishRootItem();
  bool Fail(Error error);
  bool AtItemLevel() const {
    return capture_depth_ == 0 && (stack_.empty() || stack_.back().kind == FrameKind::kItems);
  }
  void TeeItemStart() {
    item_buffer_.Clear();
    item_writer_.Reset(item_buffer_);
  }
  bool Unexpected();
  // Inline fast path: called for every key and value.
  bool CheckSize(std::size_t length) {
    return length <= limits_.max_value_bytes || FailTooLarge(length);
  }
  bool FailTooLarge(std::size_t length);
  bool CheckUtf8(const char* str, std::size_t length);
  bool CheckDepth();
  void AddCell(std::uint32_t row, std::uint32_t frame, KeyNode& node, const infer::RawScalar& raw,
               bool is_null);
  bool OpenList(std::uint32_t row, std::uint32_t dict_frame, KeyNode& key, int budget);
  bool NewElementRow(Frame& list_frame, bool is_object);

  // Capture of a container kept whole as json.
  bool CaptureStart(std::uint32_t row, std::uint32_t frame, KeyNode& node, bool is_object);
  bool CaptureFinish();

  NameCache& names_;
  ItemSink& sink_;
  Limits limits_;
  ItemTree tree_;
  StringArena scratch_;
  std::vector<Frame> stack_;
  TableCtx* root_table_ = nullptr;
  const char* input_base_ = nullptr;
  KeyNode* pending_key_ = nullptr;
  std::optional<Error> error_;

  // Capture state: depth 0 means not capturing.
  std::size_t capture_depth_ = 0;
  std::uint32_t capture_row_ = kNone;
  std::uint32_t capture_frame_ = 0;
  KeyNode* capture_node_ = nullptr;
  bool capture_is_item_ = false;  // capturing a whole top-level array wrapped as {"value": ...}
  rapidjson::StringBuffer capture_buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> capture_writer_;

  // Optional copy of the whole item (scd2 content hash).
  bool record_item_json_ = false;
  rapidjson::StringBuffer item_buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> item_writer_{item_buffer_};
};

}  // namespace ingestd::normalize
