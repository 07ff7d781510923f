#include "core/package/load_file_set_writer.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/package/file_io.hpp"

namespace ingestd::package {

struct LoadFileSetWriter::Impl {
  struct TableState {
    TableFiles files;
    std::optional<LoadFileWriter> current;
  };

  std::string dir;
  LoadFileOptions options;
  std::string name_infix;  // "." or ".<tag>.": between table and sequence number
  std::vector<TableState> tables;  // first-seen order, as the manifest lists them
  bool finished = false;

  TableState& StateFor(const std::string& table) {
    for (TableState& t : tables) {
      if (t.files.table == table) return t;
    }
    TableState& t = tables.emplace_back();
    t.files.table = table;
    return t;
  }

  // Finishes the open file of `t`, if any, and counts its rows.
  Status Close(TableState& t) {
    if (!t.current) return OkStatus();
    INGESTD_TRY(t.current->Finish());
    t.files.rows += t.current->rows_written();
    t.current.reset();
    return OkStatus();
  }
};

LoadFileSetWriter::LoadFileSetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoadFileSetWriter::LoadFileSetWriter(LoadFileSetWriter&&) noexcept = default;
LoadFileSetWriter& LoadFileSetWriter::operator=(LoadFileSetWriter&&) noexcept = default;
LoadFileSetWriter::~LoadFileSetWriter() = default;

Result<LoadFileSetWriter> LoadFileSetWriter::Create(std::string normalized_dir, const LoadFileOptions& options,
                                                    std::string file_tag) {
  if (options.file_max_rows == 0 || options.file_max_bytes == 0) {
    return InvalidArgument("load file limits must be positive");
  }
  // A dot or slash in the tag would make names ambiguous or escape the dir.
  const bool tag_ok = std::all_of(file_tag.begin(), file_tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!tag_ok || file_tag.size() > 64) {
    return InvalidArgument("load file tag '" + file_tag + "' must be at most 64 letters, digits or '_'");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = std::move(normalized_dir);
  impl->options = options;
  impl->name_infix = file_tag.empty() ? "." : "." + file_tag + ".";
  return LoadFileSetWriter(std::move(impl));
}

Status LoadFileSetWriter::Append(const normalize::TableRows& rows, const schema::TableSchema& table) {
  Impl& s = *impl_;
  if (s.finished) return FailedPrecondition("table " + rows.table + ": rows appended after Finish");
  if (rows.row_count() == 0) return OkStatus();
  INGESTD_TRY(CheckFileNamePart("table", rows.table));
  Impl::TableState& t = s.StateFor(rows.table);
  if (t.current && (t.current->rows_written() >= s.options.file_max_rows ||
                    t.current->bytes_written() >= s.options.file_max_bytes)) {
    INGESTD_TRY(s.Close(t));
  }
  if (!t.current) {
    std::string name = rows.table + s.name_infix + std::to_string(t.files.files.size()) + ".lf";
    INGESTD_ASSIGN_OR_RETURN(LoadFileWriter writer, LoadFileWriter::Create(s.dir + "/" + name));
    t.current.emplace(std::move(writer));
    t.files.files.push_back("normalized/" + name);
  }
  Status appended = t.current->Append(rows, table);
  if (!appended.ok()) return appended.error().WithContext("load file " + t.current->path());
  return OkStatus();
}

Status LoadFileSetWriter::AppendBatch(const normalize::NormalizedBatch& batch, const schema::Schema& schema) {
  for (const normalize::TableRows& rows : batch.tables()) {
    const schema::TableSchema* table = schema.FindTable(rows.table);
    if (table == nullptr) return Internal("table " + rows.table + " has rows but is not in the schema");
    INGESTD_TRY(Append(rows, *table));
  }
  return OkStatus();
}

Result<std::vector<TableFiles>> LoadFileSetWriter::Finish() {
  Impl& s = *impl_;
  if (s.finished) return FailedPrecondition("load file set finished twice");
  s.finished = true;
  std::vector<TableFiles> out;
  out.reserve(s.tables.size());
  for (Impl::TableState& t : s.tables) {
    INGESTD_TRY(s.Close(t));
    out.push_back(std::move(t.files));
  }
  return out;
}

}  // namespace ingestd::package
