#include "core/workers/job_update_merge.hpp"

namespace ingestd::workers {

Result<MergeVerdict> MergeJobUpdate(schema::Schema& merged, const schema::SchemaUpdate& update) {
  for (const schema::TableSchema& partial : update.tables) {
    const schema::TableSchema* table = merged.FindTable(partial.name());
    if (table == nullptr) continue;
    for (const schema::ColumnSchema& column : partial.columns()) {
      const schema::ColumnSchema* existing = table->FindColumn(column.name);
      // The job saw this column as new; an earlier job has since made it
      // complete. Only an identical definition leaves the job's rows valid.
      if (existing != nullptr && existing->IsComplete() && !(*existing == column)) return MergeVerdict::kRedo;
    }
  }
  INGESTD_TRY(merged.ApplyUpdate(update));
  return MergeVerdict::kMerged;
}

schema::Schema RedoSchema(const schema::Schema& merged, const schema::Schema& start) {
  schema::Schema redo = merged;
  for (const schema::TableSchema& table : merged.tables()) {
    const schema::TableSchema* before = start.FindTable(table.name());
    if (before != nullptr && before->HasCompleteColumns()) continue;
    redo.FindTable(table.name())->evolve_columns_once = true;
  }
  return redo;
}

}  // namespace ingestd::workers
