#include "core/normalize/json_normalizer.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/infer/type_coercion.hpp"
#include "core/infer/type_inference.hpp"
#include "core/json/rapidjson.hpp"
#include "core/naming/snake_case_convention.hpp"
#include "core/normalize/item_builder.hpp"
#include "core/normalize/name_cache.hpp"
#include "core/normalize/row_id.hpp"
#include "core/schema/hint_matcher.hpp"

namespace ingestd::normalize {

using contracts::ContractViolation;
using schema::ColumnHint;
using schema::ColumnSchema;
using schema::ContractEntity;
using schema::ContractMode;
using schema::DataType;
using schema::ResolvedContract;
using schema::TableSchema;
using schema::Value;

namespace {

constexpr std::uint32_t kSystemFrame = UINT32_MAX;
constexpr std::size_t kParserPadding = 16;

// How a root row's `_dlt_id` is made (dlt's get_root_row_id_type).
enum class RootIdKind { kRandom, kKeyHash, kRowHash };

std::string Truncated(std::string_view s, std::size_t n) {
  if (s.size() <= n) return std::string(s);
  // Do not cut a UTF-8 sequence in half.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

std::string ValueSample(const infer::RawScalar& raw, bool is_null) {
  if (is_null) return "null";
  switch (raw.kind) {
    case infer::ScalarKind::kBool: return raw.bool_value ? "true" : "false";
    case infer::ScalarKind::kString:
      return '"' + Truncated(raw.text, ContractViolation::kMaxSampleBytes) + '"';
    default: return Truncated(raw.text, ContractViolation::kMaxSampleBytes);
  }
}

// True when a value's bytes point into `raw`'s input text (so they must be
// copied before the input buffer is reused).
bool PointsInto(std::string_view value, std::string_view raw) {
  if (value.empty() || raw.empty()) return false;
  std::less_equal<const char*> le;
  return le(raw.data(), value.data()) && le(value.data() + value.size(), raw.data() + raw.size());
}

bool UsesText(DataType t) {
  return t == DataType::kText || t == DataType::kJson || t == DataType::kDecimal ||
         t == DataType::kWei || t == DataType::kBinary;
}

}  // namespace

/// Everything a JsonNormalizer owns; also the ItemSink the SAX builder
/// reports items to.
class NormalizerState final : public ItemSink {
 public:
  NormalizerState(schema::Schema schema, NormalizeOptions options, schema::HintMatcher hints,
                  std::shared_ptr<const naming::NamingConvention> naming)
      : schema_(std::move(schema)),
        options_(std::move(options)),
        hints_(std::move(hints)),
        names_(std::move(naming)),
        builder_(names_, *this, ItemBuilder::Limits{options_.max_depth, options_.max_value_bytes}),
        ids_(options_.row_id_seed) {
    detections_ = {};
    detections_.iso_timestamp = false;
    for (const auto& d : schema_.settings.detections) {
      if (d == "iso_timestamp") detections_.iso_timestamp = true;
      if (d == "iso_date") detections_.iso_date = true;
      if (d == "timestamp") detections_.timestamp = true;
      if (d == "large_integer") detections_.large_integer = true;
    }
    detections_.now_unix_seconds = options_.now_unix_seconds;
    natural_ = {};
    natural_.iso_timestamp = false;
  }

  Status Run(std::string_view data, std::string_view root_table, NormalizedBatch& out, bool lines);

  // ItemSink
  bool IsJsonColumn(KeyNode& node) override;
  int RootNestingBudget(TableCtx& table) override;
  Status FinishItem(ItemTree& tree) override;

  schema::Schema schema_;
  schema::SchemaUpdate update_;
  std::uint64_t items_seen_ = 0;
  std::optional<ContractViolation> frozen_violation_;

 private:
  struct NewColumn {
    ColumnSlot* slot;
    ColumnSchema column;
    std::uint32_t rank;  // dlt's discovery order: frame rank, then position
    std::uint32_t pos;
  };

  Result<bool> ProcessRow(ItemTree& tree, std::uint32_t r);
  void ComputeFrameRanks(const PendingRow& row);
  std::uint32_t RankOf(std::uint32_t frame) const {
    if (frame == kSystemFrame) return UINT32_MAX;
    return frame < frame_rank_.size() ? frame_rank_[frame] : 0;
  }
  void PushChildren(ItemTree& tree, std::uint32_t r);

  ColumnSlot& SlotOf(KeyNode& node) {
    if (node.slot == nullptr) node.slot = &node.table->Slot(node.column_name);
    return *node.slot;
  }
  void BindTable(TableCtx& t);
  RootIdKind RootIdKindOf(TableCtx& t);
  RootIdKind ComputeRootIdKind(TableCtx& t);
  bool NeedsRootKey(TableCtx& root);
  bool ComputeNeedsRootKey(TableCtx& root);
  Status AssignRowId(ItemTree& tree, PendingRow& row);
  Status AddSystemCells(ItemTree& tree, PendingRow& row, std::uint64_t stamp);
  std::optional<Value> Convert(const infer::RawScalar& raw, const ColumnSchema& column);
  Status Resolve(TableCtx& t, const TableSchema* ts, PendingCell& cell, ColumnSlot& slot,
                 std::uint64_t stamp);
  Status CheckNull(TableCtx& t, const TableSchema* ts, const PendingCell& cell, ColumnSlot& slot);
  ResolvedContract ContractFor(TableCtx& t);
  void RecordViolation(ContractViolation v);
  ContractViolation MakeViolation(TableCtx& t, std::string_view column, ContractEntity entity,
                                  ContractMode mode, const PendingCell* cell);
  Error FreezeError(const ContractViolation& v);
  void ApplyNewColumns(TableCtx& t);
  void MarkSeenData(TableCtx& t);
  std::string CellPath(const ItemTree& tree, const PendingCell* cell) const;
  TableSchema& EnsureTable(TableCtx& t);

  NormalizeOptions options_;
  schema::HintMatcher hints_;
  NameCache names_;
  ItemBuilder builder_;
  RowIdGenerator ids_;
  infer::DetectionSettings detections_;
  infer::DetectionSettings natural_;  // no detectors: the value's own type

  std::string buffer_;  // in-situ copy of the input
  NormalizedBatch* out_ = nullptr;
  TableCtx* root_ = nullptr;
  std::optional<Error> poisoned_;
  std::uint64_t row_stamp_ = 0;
  std::uint64_t schema_epoch_ = 1;

  // Scratch reused across rows.
  ItemTree* tree_ = nullptr;
  std::uint32_t current_row_ = 0;
  std::vector<std::uint32_t> order_stack_;
  std::vector<std::uint32_t> frame_rank_;
  std::vector<std::uint32_t> frame_order_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> list_order_;
  std::vector<std::uint32_t> chain_;
  std::vector<NewColumn> new_columns_;
  StringArena item_scratch_;
  std::vector<std::pair<std::size_t, std::size_t>> rollback_sizes_;
};

// ---------------------------------------------------------------------------
// Running the parser

Status NormalizerState::Run(std::string_view data, std::string_view root_table,
                            NormalizedBatch& out, bool lines) {
  if (poisoned_) return *poisoned_;
  out_ = &out;
  root_ = &names_.RootTable(root_table);
  BindTable(*root_);
  builder_.set_record_item_json(RootIdKindOf(*root_) == RootIdKind::kRowHash);

  // Parse a private copy in situ: strings and numbers then point into it
  // without a copy per value, and it stays valid until the call returns.
  // RapidJSON's SIMD whitespace scan reads whole aligned 16-byte blocks, so
  // the terminating NUL is followed by padding that keeps those reads inside
  // the buffer.
  buffer_.assign(data);
  buffer_.append(kParserPadding + 1, '\0');
  rapidjson::InsituStringStream stream(buffer_.data());
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseStopWhenDoneFlag;
  bool any = false;
  while (true) {
    rapidjson::SkipWhitespace(stream);
    if (stream.Peek() == '\0') {
      if (stream.Tell() < data.size()) {
        return InvalidArgument("JSON input has a NUL byte at offset " +
                               std::to_string(stream.Tell()));
      }
      break;
    }
    if (any && !lines) {
      return InvalidArgument("unexpected content after the JSON document at offset " +
                             std::to_string(stream.Tell()) +
                             " (one document expected; use JSON Lines for several)");
    }
    std::size_t start = stream.Tell();
    builder_.BeginDocument(*root_, buffer_.data());
    rapidjson::ParseResult result = reader.Parse<kFlags>(stream, builder_);
    if (!result) {
      if (builder_.error()) {
        Error e = *builder_.error();
        std::string where = "item " + std::to_string(items_seen_);
        std::string path = builder_.CurrentPath();
        if (!path.empty()) where += " at " + path;
        return e.WithContext(where);
      }
      return InvalidArgument("malformed JSON at offset " + std::to_string(result.Offset()) +
                             " (document starting at offset " + std::to_string(start) +
                             ", item " + std::to_string(items_seen_) +
                             "): " + rapidjson::GetParseError_En(result.Code()));
    }
    any = true;
  }
  if (!any && !lines) return InvalidArgument("empty JSON input: expected a JSON document");
  return OkStatus();
}

bool NormalizerState::IsJsonColumn(KeyNode& node) {
  if (node.json_check_epoch != schema_epoch_) {
    node.json_check_epoch = schema_epoch_;
    std::optional<DataType> type;
    if (const TableSchema* ts = schema_.FindTable(node.table->name)) {
      if (const ColumnSchema* c = ts->FindColumn(node.column_name); c && c->data_type) {
        type = c->data_type;
      }
    }
    if (!type) type = hints_.PreferredType(node.column_name);
    node.is_json = type == DataType::kJson;
  }
  return node.is_json;
}

int NormalizerState::RootNestingBudget(TableCtx& table) {
  if (const TableSchema* ts = schema_.FindTable(table.name); ts && ts->max_nesting) {
    return *ts->max_nesting;
  }
  if (schema_.normalizer_config.max_nesting) return *schema_.normalizer_config.max_nesting;
  return options_.max_nesting;
}

// ---------------------------------------------------------------------------
// Items and rows

Status NormalizerState::FinishItem(ItemTree& tree) {
  if (poisoned_) return *poisoned_;
  tree_ = &tree;
  item_scratch_.Clear();
  // Remember the batch sizes so a failing item leaves no partial rows.
  rollback_sizes_.clear();
  std::size_t table_count = out_->table_count_;
  for (std::size_t i = 0; i < table_count; ++i) {
    rollback_sizes_.emplace_back(out_->tables_[i].cells.size(), out_->tables_[i].row_ends.size());
  }
  std::size_t violation_count = out_->violations_.size();

  order_stack_.clear();
  order_stack_.push_back(0);
  Status status;
  while (!order_stack_.empty()) {
    std::uint32_t r = order_stack_.back();
    order_stack_.pop_back();
    Result<bool> keep = ProcessRow(tree, r);
    if (!keep.ok()) {
      status = std::move(keep).error();
      break;
    }
    if (*keep) PushChildren(tree, r);
  }
  std::uint64_t item = items_seen_++;
  if (status.ok()) return status;

  // Roll back this item's rows. Schema changes made by earlier rows of the
  // item cannot be undone cheaply, so the normalizer refuses further work:
  // the caller fails the run, as dlt does on a frozen contract.
  for (std::size_t i = 0; i < table_count; ++i) {
    out_->tables_[i].cells.resize(rollback_sizes_[i].first);
    out_->tables_[i].row_ends.resize(rollback_sizes_[i].second);
  }
  for (std::size_t i = table_count; i < out_->table_count_; ++i) {
    out_->tables_[i].cells.clear();
    out_->tables_[i].row_ends.clear();
  }
  out_->table_count_ = table_count;
  out_->violations_.resize(violation_count);
  Error error = status.error();
  poisoned_ = FailedPrecondition("normalizer stopped after an earlier error in item " +
                                 std::to_string(item) + ": " + error.message());
  return error;
}

void NormalizerState::ComputeFrameRanks(const PendingRow& row) {
  // dlt flattens a row's dicts with a stack: a dict's own keys first, then
  // its nested dicts, the last one seen first. Rank frames in that order.
  const std::size_t n = row.frame_parent.size();
  frame_rank_.assign(n, 0);
  if (n == 1) return;
  frame_order_.clear();
  std::vector<std::uint32_t>& stack = chain_;
  stack.clear();
  stack.push_back(0);
  std::uint32_t next_rank = 0;
  while (!stack.empty()) {
    std::uint32_t f = stack.back();
    stack.pop_back();
    frame_rank_[f] = next_rank++;
    // Children of f in creation order; the last pushed is visited first.
    for (std::uint32_t c = 1; c < n; ++c) {
      if (row.frame_parent[c] == f) stack.push_back(c);
    }
  }
}

void NormalizerState::PushChildren(ItemTree& tree, std::uint32_t r) {
  PendingRow& row = tree.row(r);
  if (row.lists.empty()) return;
  // Lists in dlt's order: by the rank of the dict frame holding them, then
  // by position. Push in reverse so the first list's rows come out first.
  list_order_.clear();
  for (std::uint32_t i = 0; i < row.lists.size(); ++i) {
    list_order_.emplace_back(RankOf(row.lists[i].frame), i);
  }
  std::stable_sort(list_order_.begin(), list_order_.end());
  for (auto it = list_order_.rbegin(); it != list_order_.rend(); ++it) {
    chain_.clear();
    for (std::uint32_t c = row.lists[it->second].first_row; c != kNone; c = tree.row(c).next_sibling) {
      chain_.push_back(c);
    }
    for (auto c = chain_.rbegin(); c != chain_.rend(); ++c) order_stack_.push_back(*c);
  }
}

void NormalizerState::BindTable(TableCtx& t) {
  if (t.bound) return;
  t.bound = true;
  // First contact with this table in this run: remember whether it is new,
  // because new tables evolve freely for the whole run (dlt's evolve-once).
  const TableSchema* ts = schema_.FindTable(t.name);
  t.evolves_freely = ts == nullptr || !ts->HasCompleteColumns() ||
                     ts->evolve_columns_once.value_or(false);
  if (ts != nullptr) {
    for (std::size_t i = 0; i < ts->columns().size(); ++i) {
      const ColumnSchema& c = ts->column(i);
      if (c.IsComplete()) t.Slot(c.name).column_index = static_cast<int>(i);
    }
  }
}

RootIdKind NormalizerState::RootIdKindOf(TableCtx& t) {
  if (t.id_cache_epoch != schema_epoch_) {
    t.id_cache_epoch = schema_epoch_;
    t.root_id_kind = static_cast<std::uint8_t>(ComputeRootIdKind(t));
    t.needs_root_key = ComputeNeedsRootKey(t);
  }
  return static_cast<RootIdKind>(t.root_id_kind);
}

bool NormalizerState::NeedsRootKey(TableCtx& root) {
  RootIdKindOf(root);
  return root.needs_root_key;
}

RootIdKind NormalizerState::ComputeRootIdKind(TableCtx& t) {
  auto strategy = schema_.ResolveMergeStrategy(t.name);
  if (!strategy) return RootIdKind::kRandom;
  if (*strategy == schema::MergeStrategy::kUpsert || *strategy == schema::MergeStrategy::kInsertOnly) {
    return RootIdKind::kKeyHash;
  }
  if (*strategy == schema::MergeStrategy::kScd2) {
    // The row hash goes to `_dlt_id` unless a user column carries x-row-version.
    const TableSchema* ts = schema_.FindTable(t.name);
    if (ts != nullptr) {
      for (const ColumnSchema& c : ts->columns()) {
        for (const auto& [key, value] : c.extra) {
          if (key == "x-row-version" && value == "true" && c.name != schema::kDltId) {
            return RootIdKind::kRandom;
          }
        }
      }
    }
    return RootIdKind::kRowHash;
  }
  return RootIdKind::kRandom;
}

bool NormalizerState::ComputeNeedsRootKey(TableCtx& root) {
  if (const auto* mapping = schema_.normalizer_config.PropagationFor(root.name)) {
    for (const auto& [from, as] : *mapping) {
      if (from == schema::kDltId && as == schema::kDltRootId) return true;
    }
  }
  auto strategy = schema_.ResolveMergeStrategy(root.name);
  // dlt propagates the root key for these strategies (scd2 is not among them).
  return strategy && (*strategy == schema::MergeStrategy::kDeleteInsert ||
                      *strategy == schema::MergeStrategy::kUpsert ||
                      *strategy == schema::MergeStrategy::kInsertOnly);
}

Status NormalizerState::AssignRowId(ItemTree& tree, PendingRow& row) {
  // An item may bring its own `_dlt_id`; dlt keeps a truthy one.
  for (const PendingCell& cell : row.cells) {
    if (cell.dead || cell.is_null || cell.node->column_name != schema::kDltId) continue;
    bool truthy = cell.raw.kind == infer::ScalarKind::kBool ? cell.raw.bool_value
                                                            : !cell.raw.text.empty();
    if (cell.raw.kind == infer::ScalarKind::kNumber) truthy = cell.raw.text != "0";
    if (truthy && cell.raw.text.size() < sizeof(row.id)) {
      std::copy(cell.raw.text.begin(), cell.raw.text.end(), row.id);
      row.id_length = static_cast<std::uint8_t>(cell.raw.text.size());
      return OkStatus();
    }
  }
  row.id_length = kRowIdChars;
  if (row.parent != kNone) {
    NestedRowId(tree.row(row.parent).Id(), row.table->name, row.list_index, row.id);
    return OkStatus();
  }
  switch (RootIdKindOf(*row.table)) {
    case RootIdKind::kRandom:
      ids_.Next(row.id);
      return OkStatus();
    case RootIdKind::kRowHash: {
      std::string canonical;
      if (!CanonicalItemJson(builder_.item_json(), canonical)) {
        return Internal("could not re-read the item to compute its scd2 row hash");
      }
      ContentRowId(canonical, row.id);
      return OkStatus();
    }
    case RootIdKind::kKeyHash: {
      // Compact JSON of {pk: value} with sorted keys, as dlt hashes it.
      std::vector<std::string> keys;
      if (const TableSchema* ts = schema_.FindTable(row.table->name)) {
        for (const ColumnSchema& c : ts->columns()) {
          if (c.HasHint(ColumnHint::kPrimaryKey)) keys.push_back(c.name);
        }
      }
      if (keys.empty()) {
        return InvalidArgument("table " + row.table->name +
                               " uses merge strategy upsert/insert-only but has no primary key; "
                               "declare primary_key on the resource");
      }
      std::sort(keys.begin(), keys.end());
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      writer.StartObject();
      for (const std::string& key : keys) {
        const PendingCell* found = nullptr;
        for (const PendingCell& cell : row.cells) {
          if (!cell.dead && cell.node->column_name == key) found = &cell;
        }
        if (found == nullptr || found->is_null) {
          return InvalidArgument("table " + row.table->name + ": primary key column " + key +
                                 " is missing or null; every item of an upsert table needs it");
        }
        writer.Key(key.data(), key.size());
        switch (found->raw.kind) {
          case infer::ScalarKind::kString: writer.String(found->raw.text.data(), found->raw.text.size()); break;
          case infer::ScalarKind::kNumber: writer.RawValue(found->raw.text.data(), found->raw.text.size(), rapidjson::kNumberType); break;
          case infer::ScalarKind::kBool: writer.Bool(found->raw.bool_value); break;
          case infer::ScalarKind::kJson: writer.RawValue(found->raw.text.data(), found->raw.text.size(), rapidjson::kObjectType); break;
        }
      }
      writer.EndObject();
      ContentRowId({buffer.GetString(), buffer.GetSize()}, row.id);
      return OkStatus();
    }
  }
  return OkStatus();
}

Status NormalizerState::AddSystemCells(ItemTree& tree, PendingRow& row, std::uint64_t stamp) {
  TableCtx& t = *row.table;
  // A system value replaces a data value of the same name (dlt assigns it
  // over the flattened row), keeping that value's position.
  auto add = [&](std::string_view name, infer::RawScalar raw) {
    KeyNode& node = names_.FixedKey(t, name);
    ColumnSlot& slot = SlotOf(node);
    if (slot.row_stamp == stamp) {
      PendingCell& existing = row.cells[slot.cell_pos];
      existing.raw = raw;
      existing.is_null = false;
      existing.dead = false;
      return;
    }
    PendingCell& cell = row.cells.emplace_back();
    cell.node = &node;
    cell.raw = raw;
    cell.frame = kSystemFrame;
    slot.row_stamp = stamp;
    slot.cell_pos = static_cast<std::uint32_t>(row.cells.size() - 1);
  };
  if (row.parent == kNone) {
    add(schema::kDltLoadId, infer::RawScalar::String(options_.load_id));
  } else {
    if (NeedsRootKey(*root_)) add(schema::kDltRootId, infer::RawScalar::String(tree.row(0).Id()));
    add(schema::kDltParentId, infer::RawScalar::String(tree.row(row.parent).Id()));
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), row.list_index);
    add(schema::kDltListIdx,
        infer::RawScalar::Number(item_scratch_.Store({digits, static_cast<std::size_t>(end - digits)})));
  }
  // `_dlt_id` last, unless the item brought its own (then it is a data cell).
  bool has_own_id = false;
  for (const PendingCell& cell : row.cells) {
    if (!cell.dead && !cell.is_null && cell.node->column_name == schema::kDltId) has_own_id = true;
  }
  if (!has_own_id) add(schema::kDltId, infer::RawScalar::String(row.Id()));
  return OkStatus();
}

std::optional<Value> NormalizerState::Convert(const infer::RawScalar& raw,
                                              const ColumnSchema& column) {
  const DataType type = *column.data_type;
  // Fast paths for the common exact matches; everything else follows dlt's
  // coercion table in infer::Coerce.
  switch (type) {
    case DataType::kText:
      if (raw.kind == infer::ScalarKind::kString) {
        return Value::Text(DataType::kText, out_->arena_.Store(raw.text));
      }
      break;
    case DataType::kBigint:
      if (raw.kind == infer::ScalarKind::kNumber) {
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(raw.text.data(), raw.text.data() + raw.text.size(), v);
        if (ec == std::errc() && p == raw.text.data() + raw.text.size()) return Value::Bigint(v);
      }
      break;
    case DataType::kBool:
      if (raw.kind == infer::ScalarKind::kBool) return Value::Bool(raw.bool_value);
      break;
    default: break;
  }
  infer::TargetType target;
  target.data_type = type;
  target.precision = column.precision.value_or(-1);
  target.scale = column.scale.value_or(-1);
  target.timezone = column.timezone.value_or(true);
  std::optional<Value> v = infer::Coerce(raw, target, out_->arena_);
  // dlt loads -0.0 as 0 (conformance case numbers_and_bools); so do we.
  if (v && v->type == DataType::kDouble && v->double_value == 0) v->double_value = 0.0;
  if (v && UsesText(v->type) && PointsInto(v->text, raw.text)) {
    v->text = out_->arena_.Store(v->text);
  }
  return v;
}

TableSchema& NormalizerState::EnsureTable(TableCtx& t) {
  if (TableSchema* ts = schema_.FindTable(t.name)) return *ts;
  TableSchema table{t.name};
  if (t.parent != nullptr) {
    table.parent = t.parent->name;
  } else {
    // A root table nobody declared: dlt creates it from the resource with
    // these defaults.
    table.write_disposition = schema::WriteDisposition::kAppend;
    table.resource = t.name;
  }
  TableSchema& partial = update_.PartialTable(t.name);
  partial.parent = table.parent;
  partial.write_disposition = table.write_disposition;
  partial.resource = table.resource;
  return schema_.AddTable(std::move(table));
}

Status NormalizerState::CheckNull(TableCtx& t, const TableSchema* ts, const PendingCell& cell,
                                  ColumnSlot& slot) {
  const ColumnSchema* col = nullptr;
  if (slot.column_index >= 0 && ts != nullptr) {
    col = &ts->column(static_cast<std::size_t>(slot.column_index));
    if (col->IsNullable()) return OkStatus();  // the common case, without a lookup
  } else if (ts != nullptr) {
    col = ts->FindColumn(slot.name);
  }
  bool refuse = false;
  if (col != nullptr && col->IsComplete()) {
    refuse = !col->IsNullable();
  } else if (col == nullptr) {
    refuse = hints_.Matches("not_null", slot.name);
  }
  if (!refuse) return OkStatus();
  std::string path = CellPath(*tree_, &cell);
  return InvalidArgument("table " + t.name + ": column " + slot.name +
                         " is not nullable but item " + std::to_string(items_seen_) +
                         " has null" + (path.empty() ? "" : " at " + path) +
                         " (send a value, or declare the column nullable)");
}

Status NormalizerState::Resolve(TableCtx& t, const TableSchema* ts, PendingCell& cell,
                                ColumnSlot& slot, std::uint64_t stamp) {
  ColumnSlot* target = &slot;
  bool is_variant = false;
  // Up to two rounds: the column itself, then its variant.
  for (int round = 0; round < 2; ++round) {
    // A column created earlier in this row is pending, not yet in the schema.
    const ColumnSchema* col = nullptr;
    if (target->column_index >= 0 && ts != nullptr) {
      col = &ts->column(static_cast<std::size_t>(target->column_index));
    } else {
      for (const NewColumn& nc : new_columns_) {
        if (nc.slot == target) col = &nc.column;
      }
    }
    if (col != nullptr) {
      if (std::optional<Value> v = Convert(cell.raw, *col)) {
        cell.value = *v;
        cell.target = target;
        return OkStatus();
      }
    } else {
      // A new column (or one with hints but no type yet): infer its type.
      const ColumnSchema* incomplete = ts ? ts->FindColumn(target->name) : nullptr;
      ColumnSchema column;
      column.name = target->name;
      std::optional<DataType> preferred =
          is_variant ? std::nullopt : hints_.PreferredType(target->name);
      column.data_type = preferred ? *preferred : infer::InferDataType(cell.raw, detections_);
      hints_.ApplyDefaultHints(column);
      if (is_variant) column.variant = true;
      if (incomplete != nullptr) {
        // Hints declared before data win over inferred properties.
        ColumnSchema merged = *incomplete;
        merged.data_type = column.data_type;
        if (!merged.nullable) merged.nullable = column.nullable;
        for (int i = 0; i < schema::kColumnHintCount; ++i) {
          if (!merged.hints[i]) merged.hints[i] = column.hints[i];
        }
        column = std::move(merged);
      }
      if (std::optional<Value> v = Convert(cell.raw, column)) {
        cell.value = *v;
        cell.target = target;
        new_columns_.push_back(NewColumn{target, std::move(column), RankOf(cell.frame),
                                         static_cast<std::uint32_t>(&cell - tree_->row(current_row_).cells.data())});
        return OkStatus();
      }
    }
    if (is_variant) break;
    // The value does not fit: it goes to `<column>__v_<its own type>`.
    DataType natural = infer::InferDataType(cell.raw, natural_);
    ColumnSlot*& variant = target->variants[static_cast<int>(natural)];
    if (variant == nullptr) variant = &t.Slot(names_.VariantName(target->name, natural));
    target = variant;
    is_variant = true;
    if (target->row_stamp == stamp && target->cell_pos != UINT32_MAX) {
      // The item also has a key that normalizes to this variant's name.
      tree_->row(current_row_).cells[target->cell_pos].dead = true;
    }
  }
  const ColumnSchema* base = ts ? ts->FindColumn(slot.name) : nullptr;
  std::string path = CellPath(*tree_, &cell);
  return InvalidArgument(
      "table " + t.name + ": value " + ValueSample(cell.raw, cell.is_null) + " of item " +
      std::to_string(items_seen_) + (path.empty() ? "" : " at " + path) +
      " fits neither column " + slot.name +
      (base && base->data_type ? " (" + std::string(schema::DataTypeName(*base->data_type)) + ")" : "") +
      " nor its variant column " + target->name +
      " (dlt's CannotCoerceColumnException; fix the data or the column's declared type)");
}

ResolvedContract NormalizerState::ContractFor(TableCtx& t) {
  // A table not yet in the schema takes its parent's contract (dlt resolves
  // for the parent when the nested table does not exist yet).
  if (schema_.FindTable(t.name) == nullptr && t.parent != nullptr) {
    return ContractFor(*t.parent);
  }
  return schema_.ResolveContract(t.name);
}

std::string NormalizerState::CellPath(const ItemTree& tree, const PendingCell* cell) const {
  // Rebuild `a.b[2].c` from the row chain and the key trie.
  std::vector<std::string> parts;
  auto key_path = [](const KeyNode* node) {
    std::vector<std::string_view> keys;
    for (; node != nullptr && node->parent != nullptr; node = node->parent) keys.push_back(node->raw_key);
    std::string s;
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
      if (!s.empty()) s += '.';
      s += *it;
    }
    return s;
  };
  std::string path;
  if (cell != nullptr && cell->frame != kSystemFrame) path = key_path(cell->node);
  for (std::uint32_t r = current_row_; r != kNone && tree.row(r).parent != kNone;
       r = tree.row(r).parent) {
    const PendingRow& row = tree.row(r);
    std::string segment = key_path(row.table->list_node);
    if (segment.empty()) segment = "list";
    segment += '[' + std::to_string(row.list_index) + ']';
    path = path.empty() ? segment : segment + "." + path;
  }
  return path;
}

ContractViolation NormalizerState::MakeViolation(TableCtx& t, std::string_view column,
                                                 ContractEntity entity, ContractMode mode,
                                                 const PendingCell* cell) {
  ContractViolation v;
  v.table = t.name;
  v.column = std::string(column);
  v.entity = entity;
  v.mode = mode;
  v.item_index = items_seen_;
  if (cell != nullptr) {
    v.observed_type = std::string(schema::DataTypeName(
        cell->is_null ? DataType::kText : infer::InferDataType(cell->raw, natural_)));
    if (cell->is_null) v.observed_type = "null";
    v.sample = ValueSample(cell->raw, cell->is_null);
  }
  v.path = CellPath(*tree_, cell);
  return v;
}

void NormalizerState::RecordViolation(ContractViolation v) {
  ++out_->violation_counts_[ViolationKey{v.table, v.column, v.entity, v.mode}];
  if (out_->violations_.size() < options_.max_violation_records) {
    out_->violations_.push_back(std::move(v));
  }
}

Error NormalizerState::FreezeError(const ContractViolation& v) {
  frozen_violation_ = v;
  return FailedPrecondition("schema contract violated: " + v.Describe() +
                            "; relax the contract (AlterContract / schema_contract) or fix the data");
}

void NormalizerState::ApplyNewColumns(TableCtx& t) {
  TableSchema& ts = EnsureTable(t);
  std::stable_sort(new_columns_.begin(), new_columns_.end(), [](const NewColumn& a, const NewColumn& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos;
  });
  TableSchema& partial = update_.PartialTable(t.name);
  if (t.parent != nullptr && !partial.parent) partial.parent = t.parent->name;
  for (NewColumn& nc : new_columns_) {
    if (ColumnSchema* existing = ts.FindColumn(nc.column.name)) {
      // An incomplete column (hints only) gets its type now.
      *existing = nc.column;
      nc.slot->column_index = ts.FindColumnIndex(nc.column.name);
    } else {
      nc.slot->column_index = static_cast<int>(ts.AddColumn(nc.column));
    }
    if (ColumnSchema* p = partial.FindColumn(nc.column.name)) {
      *p = nc.column;
    } else {
      partial.AddColumn(nc.column);
    }
  }
  ++schema_epoch_;
}

void NormalizerState::MarkSeenData(TableCtx& t) {
  t.received_rows = true;
  TableSchema& ts = EnsureTable(t);
  if (ts.seen_data.value_or(false)) return;
  ts.seen_data = true;
  update_.PartialTable(t.name).seen_data = true;
}

Result<bool> NormalizerState::ProcessRow(ItemTree& tree, std::uint32_t r) {
  current_row_ = r;
  PendingRow& row = tree.row(r);
  TableCtx& t = *row.table;
  BindTable(t);
  if (t.discarded) {
    RecordViolation(MakeViolation(t, "", ContractEntity::kTables, *t.discarded, nullptr));
    return false;
  }
  const std::uint64_t stamp = ++row_stamp_;
  new_columns_.clear();
  if (row.frame_parent.size() > 1 || !row.lists.empty()) ComputeFrameRanks(row);
  else frame_rank_.assign(1, 0);

  // 1. Duplicate keys (also different keys with the same normalized name):
  //    the last value wins, at the first one's position, as in a Python dict.
  //    Then filters left by earlier contract discards.
  for (std::uint32_t i = 0; i < row.cells.size(); ++i) {
    PendingCell& cell = row.cells[i];
    ColumnSlot& slot = SlotOf(*cell.node);
    if (slot.row_stamp == stamp) {
      PendingCell& first = row.cells[slot.cell_pos];
      first.raw = cell.raw;
      first.is_null = cell.is_null;
      cell.dead = true;
      continue;
    }
    slot.row_stamp = stamp;
    slot.cell_pos = i;
  }
  for (PendingCell& cell : row.cells) {
    if (cell.dead) continue;
    ColumnSlot& slot = SlotOf(*cell.node);
    if (!slot.filter) continue;
    ContractEntity entity = slot.name.find("__v_") != std::string::npos ? ContractEntity::kDataType
                                                                       : ContractEntity::kColumns;
    RecordViolation(MakeViolation(t, slot.name, entity, *slot.filter, &cell));
    if (*slot.filter == ContractMode::kDiscardRow) return false;
    cell.dead = true;
  }

  // 2. System columns and the row id (children need it).
  INGESTD_TRY(AssignRowId(tree, row));
  INGESTD_TRY(AddSystemCells(tree, row, stamp));

  // 3. Type every value: coerce into its column, infer new columns, or move
  //    it to a variant column.
  const TableSchema* row_table = schema_.FindTable(t.name);
  for (std::uint32_t i = 0; i < row.cells.size(); ++i) {
    PendingCell& cell = row.cells[i];
    if (cell.dead) continue;
    ColumnSlot& slot = SlotOf(*cell.node);
    if (cell.is_null) {
      INGESTD_TRY(CheckNull(t, row_table, cell, slot));
      cell.dead = true;
      continue;
    }
    slot.row_stamp = stamp;
    slot.cell_pos = i;
    INGESTD_TRY(Resolve(t, row_table, cell, slot, stamp));
  }

  // 4. Contracts decide about new tables and columns; then the schema grows.
  const TableSchema* ts = schema_.FindTable(t.name);
  const bool table_is_new = ts == nullptr || !ts->HasCompleteColumns();
  bool drop_row = false;
  if (table_is_new || !new_columns_.empty()) {
    ResolvedContract contract = ContractFor(t);
    if (!contract.AllEvolve()) {
      if (table_is_new && contract.tables != ContractMode::kEvolve) {
        ContractViolation v = MakeViolation(t, "", ContractEntity::kTables, contract.tables, nullptr);
        if (contract.tables == ContractMode::kFreeze) return FreezeError(v);
        t.discarded = contract.tables;
        RecordViolation(std::move(v));
        return false;
      }
      ContractMode column_mode =
          (table_is_new || t.evolves_freely) ? ContractMode::kEvolve : contract.columns;
      // Partition (stable, elements stay valid) into accepted and refused.
      auto keep = std::stable_partition(new_columns_.begin(), new_columns_.end(), [&](NewColumn& nc) {
        if (schema::IsDltName(nc.column.name)) return true;
        ContractMode mode = nc.column.IsVariant() ? contract.data_type : column_mode;
        if (mode == ContractMode::kEvolve) return true;
        nc.slot->filter = mode;
        return false;
      });
      // Report and apply the refusals; a freeze fails the item.
      for (auto it = keep; it != new_columns_.end(); ++it) {
        const NewColumn& nc = *it;
        ContractEntity entity = nc.column.IsVariant() ? ContractEntity::kDataType : ContractEntity::kColumns;
        const PendingCell* cell = nullptr;
        for (PendingCell& c : row.cells) {
          if (!c.dead && c.target == nc.slot) cell = &c;
        }
        ContractViolation v = MakeViolation(t, nc.column.name, entity, *nc.slot->filter, cell);
        if (*nc.slot->filter == ContractMode::kFreeze) {
          nc.slot->filter.reset();
          return FreezeError(v);
        }
        RecordViolation(std::move(v));
        if (*nc.slot->filter == ContractMode::kDiscardRow) drop_row = true;
        for (PendingCell& c : row.cells) {
          if (c.target == nc.slot) c.dead = true;
        }
      }
      new_columns_.erase(keep, new_columns_.end());
    }
  }
  if (!new_columns_.empty() || table_is_new) ApplyNewColumns(t);
  if (drop_row) return false;

  // 5. Emit the row.
  TableRows& out = out_->RowsFor(t.name, &t.batch_slot);
  for (const PendingCell& cell : row.cells) {
    if (cell.dead || cell.target == nullptr) continue;
    out.cells.push_back(Cell{static_cast<std::uint32_t>(cell.target->column_index), cell.value});
  }
  out.row_ends.push_back(static_cast<std::uint32_t>(out.cells.size()));
  if (!t.received_rows) MarkSeenData(t);
  return true;
}

// ---------------------------------------------------------------------------
// JsonNormalizer

Result<JsonNormalizer> JsonNormalizer::Create(const schema::Schema& schema,
                                              NormalizeOptions options) {
  std::shared_ptr<const naming::NamingConvention> naming = options.naming;
  if (naming == nullptr) {
    if (schema.naming != "snake_case") {
      return InvalidArgument("schema " + schema.name() + " uses naming convention '" +
                             schema.naming + "'; ingestd supports snake_case");
    }
    naming = std::make_shared<naming::SnakeCaseConvention>(options.max_identifier_length);
  }
  if (options.max_nesting < 0) return InvalidArgument("max_nesting must be >= 0");
  INGESTD_ASSIGN_OR_RETURN(schema::HintMatcher hints, schema::HintMatcher::Create(schema.settings));
  auto state = std::make_unique<NormalizerState>(schema, std::move(options), std::move(hints),
                                                 std::move(naming));
  return JsonNormalizer(std::move(state));
}

JsonNormalizer::JsonNormalizer(std::unique_ptr<NormalizerState> state) : state_(std::move(state)) {}
JsonNormalizer::JsonNormalizer(JsonNormalizer&&) noexcept = default;
JsonNormalizer& JsonNormalizer::operator=(JsonNormalizer&&) noexcept = default;
JsonNormalizer::~JsonNormalizer() = default;

Status JsonNormalizer::Normalize(std::string_view json, std::string_view root_table,
                                 NormalizedBatch& out) {
  return state_->Run(json, root_table, out, /*lines=*/false);
}

Status JsonNormalizer::NormalizeLines(std::string_view data, std::string_view root_table,
                                      NormalizedBatch& out) {
  return state_->Run(data, root_table, out, /*lines=*/true);
}

const schema::Schema& JsonNormalizer::schema() const { return state_->schema_; }
const schema::SchemaUpdate& JsonNormalizer::update() const { return state_->update_; }
schema::SchemaUpdate JsonNormalizer::TakeUpdate() { return std::exchange(state_->update_, {}); }
std::uint64_t JsonNormalizer::items_seen() const { return state_->items_seen_; }
const contracts::ContractViolation* JsonNormalizer::frozen_violation() const {
  return state_->frozen_violation_ ? &*state_->frozen_violation_ : nullptr;
}

Result<NormalizedBatch> Normalize(std::string_view json, std::string_view root_table,
                                  const schema::Schema& schema, const NormalizeOptions& options,
                                  schema::SchemaUpdate* update) {
  INGESTD_ASSIGN_OR_RETURN(JsonNormalizer normalizer, JsonNormalizer::Create(schema, options));
  NormalizedBatch batch;
  INGESTD_TRY(normalizer.Normalize(json, root_table, batch));
  if (update != nullptr) *update = normalizer.TakeUpdate();
  return batch;
}

}  // namespace ingestd::normalize
