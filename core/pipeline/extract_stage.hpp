#pragma once

#include <cstdint>
#include <vector>

#include "core/common/result.hpp"
#include "core/naming/naming_convention.hpp"
#include "core/package/load_package.hpp"
#include "core/pipeline/item_file_feed.hpp"
#include "core/pipeline/pipeline_runner.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/schema/schema.hpp"
#include "core/state/pipeline_state.hpp"

namespace ingestd::pipeline {

/// The extract stage of a run: every resource of the spec into the
/// package's item files, through its incremental filter, with the cursors
/// written into `next_state`.
///
/// `files` and `sql` resources run one after the other in declaration
/// order; then the `rest_api` resources run together on one io_context
/// (extract::rest::ExtractRestApi), parents feeding children. Resource
/// hints (and, for `sql`, the reflected column types) are applied to
/// `schema` before any data arrives. Resources with `selected: false` get
/// no item file. Events go to options.on_event (kProgress at most every
/// 1,000 items or 1 MiB of items, and once at the end).
///
/// `push` resources extract only in a push run (options.push), and then
/// nothing else does: the pushed resource reads the JSON Lines file
/// options.push->path (each line one JSON object; anything else is
/// kInvalidArgument naming the line). Resources that do not extract get no
/// item file (so normalize neither loads nor replaces their tables) and
/// keep their state in `next_state` as it was.
///
/// Cancellation (options.stop) is checked between resources and, inside
/// the sources, between items; it returns kCancelled.
struct ExtractStageResult {
  package::ExtractedCommit commit;  // pipeline_state not set
  std::uint64_t items = 0;
  /// Bytes of the item files written (items plus their newlines).
  std::uint64_t bytes = 0;
};

/// kInvalidArgument unless options.push is unset or names a `push`
/// resource of `spec`.
Status ValidatePushInput(const PipelineSpec& spec, const RunOptions& options);

/// The resources that get an item file in this run (they run and are
/// selected), in manifest order: their tables are the ones the package
/// loads (and replaces).
std::vector<const ResourceSpec*> ExtractedResources(const PipelineSpec& spec, const RunOptions& options);

/// Whether every change extraction makes to the schema (resource hints) is
/// known before the first item: false when a `sql` resource runs, whose
/// reflected column types join the schema only when its turn comes. Only
/// then can normalization start before extraction ends.
bool SchemaSettledBeforeData(const PipelineSpec& spec, const RunOptions& options);

/// Whether any resource of this run extracts over the network (a REST
/// resource, or a files resource with an http(s) URL): extraction may then
/// take as long as the API makes it.
bool ExtractsOverNetwork(const PipelineSpec& spec, const RunOptions& options);

/// With `feed`, every item file is announced as soon as it is complete
/// (ItemFileFeed: resources numbered in manifest order), and each resource
/// ends when its last file is closed (files and sql resources right after
/// they extract, REST resources after all of them). The caller ends the
/// feed once it committed the extraction.
Result<ExtractStageResult> RunExtractStage(const PipelineSpec& spec, const RunOptions& options,
                                           package::LoadPackage& package, schema::Schema& schema,
                                           const naming::NamingConvention& naming, state::PipelineState& next_state,
                                           ItemFileFeed* feed = nullptr);

}  // namespace ingestd::pipeline
