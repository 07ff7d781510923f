#pragma once

#include "core/common/result.hpp"
#include "core/schema/schema.hpp"
#include "core/schema/schema_update.hpp"

namespace ingestd::workers {

/// How the schema update of one normalize job joins the run's schema.
///
/// The jobs of a package all normalize against the schema the normalize
/// stage started with, in parallel. Their updates are then merged in job
/// order (the order of the item files, fixed by extraction), so the result
/// never depends on how many workers ran or which finished first. A job's
/// rows equal what one sequential pass would have produced unless an
/// earlier job added a column this job also added, with another definition
/// (two files discovering `x` as bigint and as text): sequential
/// normalization would have sent this job's values to a variant column
/// instead. Such a job is normalized again against the merged schema
/// (kRedo), which is rare: types of one field rarely differ between files.
enum class MergeVerdict { kMerged, kRedo };

/// Applies `update` to `merged` (the starting schema plus the updates of
/// the earlier jobs) when the job's rows stand as they are; otherwise
/// leaves `merged` unchanged and returns kRedo. Errors only for updates no
/// normalizer makes (a table moved under another parent).
Result<MergeVerdict> MergeJobUpdate(schema::Schema& merged, const schema::SchemaUpdate& update);

/// The schema a redone job normalizes against: `merged`, with every table
/// that was new when the stage started (absent from `start`, or without a
/// complete column) marked evolve_columns_once. One sequential pass lets a
/// table new in the run evolve freely for the whole run (dlt's evolve-once
/// for new tables); without the mark the redone job would see the table
/// an earlier job created as an existing one and apply the columns
/// contract to it.
schema::Schema RedoSchema(const schema::Schema& merged, const schema::Schema& start);

}  // namespace ingestd::workers
