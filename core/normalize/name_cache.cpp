#include "core/normalize/name_cache.hpp"

#include <algorithm>

namespace ingestd::normalize {
namespace {

constexpr std::string_view kEmptyKey = "_empty";

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

std::string ShortenJoined(const naming::NamingConvention& naming,
                          const std::vector<std::string>& parts) {
  std::vector<std::string_view> views(parts.begin(), parts.end());
  return naming.ShortenFragments(views);
}

}  // namespace

ColumnSlot& TableCtx::Slot(std::string_view column_name) {
  auto it = slots.find(column_name);
  if (it != slots.end()) return *it->second;
  auto slot = std::make_unique<ColumnSlot>();
  slot->name = std::string(column_name);
  ColumnSlot& ref = *slot;
  slots.emplace(ref.name, std::move(slot));
  return ref;
}

std::string NameCache::NormalizeKey(std::string_view raw_key) const {
  // dlt maps empty and whitespace-only keys to `_empty` before normalizing.
  if (IsBlank(raw_key)) return std::string(kEmptyKey);
  std::string normalized = naming_->NormalizePath(raw_key);
  // A key made only of separators ("__") has no parts left.
  return normalized.empty() ? std::string(kEmptyKey) : normalized;
}

TableCtx& NameCache::RootTable(std::string_view name) {
  if (auto it = roots_.find(name); it != roots_.end()) return *it->second;
  std::string normalized = NormalizeKey(name);
  auto it = tables_.find(normalized);
  if (it == tables_.end()) {
    auto table = std::make_unique<TableCtx>();
    table->name = normalized;
    table->fragments = {normalized};
    table->root->table = table.get();
    it = tables_.emplace(normalized, std::move(table)).first;
  }
  roots_.emplace(std::string(name), it->second.get());
  return *it->second;
}

KeyNode& NameCache::Child(KeyNode& parent, std::string_view raw_key) {
  auto it = parent.children.find(raw_key);
  if (it != parent.children.end()) return *it->second;
  auto node = std::make_unique<KeyNode>();
  node->parent = &parent;
  node->table = parent.table;
  node->raw_key = std::string(raw_key);
  node->path = parent.path;
  node->path.push_back(NormalizeKey(raw_key));
  node->column_name =
      node->path.size() == 1 ? node->path.front() : ShortenJoined(*naming_, node->path);
  KeyNode& ref = *node;
  parent.children.emplace(ref.raw_key, std::move(node));
  return ref;
}

TableCtx& NameCache::ListTable(KeyNode& node) {
  if (node.list_table != nullptr) return *node.list_table;
  TableCtx& parent = *node.table;
  std::vector<std::string> fragments = parent.fragments;
  fragments.insert(fragments.end(), node.path.begin(), node.path.end());
  std::string name = ShortenJoined(*naming_, fragments);
  // Two different key paths can shorten to the same table name; they share
  // the table, as they do in dlt.
  auto it = tables_.find(name);
  if (it == tables_.end()) {
    auto table = std::make_unique<TableCtx>();
    table->name = name;
    table->fragments = std::move(fragments);
    table->parent = &parent;
    table->list_node = &node;
    table->root->table = table.get();
    it = tables_.emplace(name, std::move(table)).first;
  }
  node.list_table = it->second.get();
  return *node.list_table;
}

KeyNode& NameCache::FixedKey(TableCtx& table, std::string_view normalized_name) {
  KeyNode& root = *table.root;
  auto it = root.children.find(normalized_name);
  if (it != root.children.end()) return *it->second;
  auto node = std::make_unique<KeyNode>();
  node->parent = &root;
  node->table = &table;
  node->raw_key = std::string(normalized_name);
  node->path = {std::string(normalized_name)};
  node->column_name = std::string(normalized_name);
  KeyNode& ref = *node;
  root.children.emplace(ref.raw_key, std::move(node));
  return ref;
}

std::string NameCache::VariantName(std::string_view column, schema::DataType type) const {
  std::string suffix = "v_";
  suffix += schema::DataTypeName(type);
  std::string_view parts[] = {column, suffix};
  return naming_->ShortenFragments(parts);
}

}  // namespace ingestd::normalize
