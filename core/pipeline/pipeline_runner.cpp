#include "core/pipeline/pipeline_runner.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <mutex>
#include <thread>

#include "core/destinations/destination.hpp"
#include "core/destinations/postgres/postgres_destination.hpp"
#include "core/destinations/sqlite/sqlite_destination.hpp"
#include "core/naming/snake_case_convention.hpp"
#include "core/package/file_io.hpp"
#include "core/package/package_store.hpp"
#include "core/pipeline/background_load.hpp"
#include "core/pipeline/extract_stage.hpp"
#include "core/pipeline/item_file_feed.hpp"
#include "core/pipeline/normalize_stage.hpp"
#include "core/schema/resource_hints.hpp"
#include "core/schema/schema_json.hpp"
#include "core/state/pipeline_state.hpp"

namespace ingestd::pipeline {
namespace {

constexpr std::size_t kMaxLocalFileBytes = 256u << 20;
constexpr std::size_t kViolationsInSummary = 20;

double Now(const RunOptions& options) { return options.clock ? options.clock() : 0.0; }

class Runner {
 public:
  Runner(const PipelineSpec& spec, const RunOptions& options)
      : spec_(spec), options_(options), extract_options_(options) {
    if (options_.on_event) extract_options_.on_event = [this](const RunEvent& event) { Emit(event); };
  }

  Result<RunSummary> Run();

 private:
  Status OpenDestination();
  Status LoadLocalOrRestore();
  Status SaveLocal(const std::string& schema_json, const std::optional<std::string>& state_json);
  // Everything one normalize stage needs, set up on the run's thread; the
  // stage itself may then run on another (alongside extraction).
  struct NormalizeRun {
    schema::Schema start;  // the schema with every resource's hints
    NormalizeStageOptions stage;
    std::stop_source stop;  // requested when the run stops or the load failed
    std::optional<std::stop_callback<std::function<void()>>> on_run_stop;
    std::optional<std::stop_callback<std::function<void()>>> on_load_failed;
    bool progress_reported = false;
    std::uint64_t load_rows_reported = 0;
    double started_at = 0;
  };

  Status Extract(package::LoadPackage& package, PackageSummary& summary, ItemFileFeed* feed);
  std::vector<std::string> ReplaceTables(const std::vector<std::string>& resources) const;
  std::vector<std::string> ReplaceTables(const package::LoadPackage& package) const;
  std::unique_ptr<BackgroundLoad> StartLoad(const package::LoadPackage& package,
                                            std::vector<std::string> replace_tables, bool open_now = true);
  Result<std::unique_ptr<NormalizeRun>> PrepareNormalize(const package::LoadPackage& package, PackageSummary& summary,
                                                         BackgroundLoad* loader);
  Status FinishNormalize(package::LoadPackage& package, PackageSummary& summary, NormalizeRun& run,
                         Result<NormalizeStageResult> normalized);
  Status Normalize(package::LoadPackage& package, PackageSummary& summary, BackgroundLoad* loader);
  Status Load(package::LoadPackage& package, PackageSummary& summary, BackgroundLoad* loader);
  Status RunNewPackage(package::PackageStore& store);
  void EmitViolation(const contracts::ContractViolation& v) const {
    RunEvent event;
    event.kind = RunEvent::Kind::kContractViolation;
    event.stage = "normalize";
    event.table = v.table;
    event.column = v.column;
    event.entity = std::string(schema::ContractEntityName(v.entity));
    event.mode = std::string(schema::ContractModeName(v.mode));
    event.message = v.Describe();
    Emit(event);
  }
  void Stage(const char* stage, bool started, std::string message = {}) const {
    RunEvent event;
    event.kind = started ? RunEvent::Kind::kStageStarted : RunEvent::Kind::kStageFinished;
    event.stage = stage;
    event.message = std::move(message);
    Emit(event);
  }
  void Checkpoint(std::string_view point) const {
    if (options_.checkpoint) options_.checkpoint(point);
  }
  // Events come from the run's thread and, while stages overlap, from the
  // normalize thread: one at a time.
  void Emit(const RunEvent& event) const {
    if (!options_.on_event) return;
    std::lock_guard lock(event_mutex_);
    options_.on_event(event);
  }
  void Progress(const char* stage, std::uint64_t rows, std::uint64_t bytes) const {
    RunEvent event;
    event.kind = RunEvent::Kind::kProgress;
    event.stage = stage;
    event.rows = rows;
    event.bytes = bytes;
    Emit(event);
  }
  // Between stages and packages: a stop request ends the run here, leaving
  // committed packages pending for the next run.
  Status CheckStop(const std::string& where) const {
    if (!options_.stop.stop_requested()) return OkStatus();
    return Error(ErrorCode::kCancelled, "run cancelled " + where);
  }

  const PipelineSpec& spec_;
  const RunOptions& options_;
  RunOptions extract_options_;  // options_ with events through Emit
  mutable std::mutex event_mutex_;
  std::string pipeline_dir_;
  std::unique_ptr<destinations::Destination> destination_;
  std::shared_ptr<const naming::NamingConvention> naming_;
  schema::Schema schema_;
  std::optional<state::PipelineState> state_;
  RunSummary summary_;
  double load_started_at_ = 0;  // of the current package
};

Status Runner::OpenDestination() {
  const DestinationSpec& d = spec_.destination;
  if (d.kind == DestinationKind::kSqlite) {
    std::string path = d.sqlite_path.value_or(options_.data_dir + "/" + spec_.name + ".sqlite");
    INGESTD_TRY(package::MakeDirectories(package::ParentDirectory(path)));
    INGESTD_ASSIGN_OR_RETURN(destination_,
                             destinations::sqlite::OpenSqlite({path, spec_.dataset_name}));
    summary_.destination = "sqlite:" + path;
  } else {
    INGESTD_ASSIGN_OR_RETURN(std::string dsn, ResolveSecret(d.postgres_dsn));
    destinations::postgres::PostgresConfig config;
    config.dsn = std::move(dsn);
    config.dataset = spec_.dataset_name;
    config.copy_format = options_.pg_copy_format;
    INGESTD_ASSIGN_OR_RETURN(destination_, destinations::postgres::OpenPostgres(config));
    summary_.destination = "postgres:" + spec_.dataset_name;
  }
  std::size_t max_length =
      spec_.options.max_identifier_length.value_or(destination_->MaxIdentifierLength());
  naming_ = std::make_shared<naming::SnakeCaseConvention>(max_length);
  return OkStatus();
}

Status Runner::LoadLocalOrRestore() {
  const std::string schema_path = pipeline_dir_ + "/schema.json";
  const std::string state_path = pipeline_dir_ + "/state.json";
  auto local_schema = package::ReadSmallFile(schema_path, kMaxLocalFileBytes);
  if (local_schema.ok()) {
    INGESTD_ASSIGN_OR_RETURN(schema_, schema::SchemaFromJson(*local_schema));
    auto local_state = package::ReadSmallFile(state_path, kMaxLocalFileBytes);
    if (local_state.ok()) {
      INGESTD_ASSIGN_OR_RETURN(state::PipelineState s, state::PipelineState::FromJson(*local_state));
      state_ = std::move(s);
    }
  } else {
    // An empty data directory: take the schema and state from the
    // destination, as dlt restores a pipeline from its dataset.
    INGESTD_ASSIGN_OR_RETURN(destinations::StoredPipeline stored,
                             destination_->Restore(spec_.name, spec_.name));
    if (stored.schema_json) {
      INGESTD_ASSIGN_OR_RETURN(schema_, schema::SchemaFromJson(*stored.schema_json));
      summary_.restored_from_destination = true;
    } else {
      schema_ = schema::Schema::CreateDefault(spec_.name);
    }
    if (stored.state) {
      INGESTD_ASSIGN_OR_RETURN(state::PipelineState s,
                               state::PipelineState::FromCompressed(stored.state->state));
      state_ = std::move(s);
      summary_.restored_from_destination = true;
    }
  }
  if (!state_) {
    state_ = state::PipelineState::New(spec_.name, spec_.dataset_name, spec_.name,
                                       DestinationKindName(spec_.destination.kind));
  }
  return OkStatus();
}

Status Runner::SaveLocal(const std::string& schema_json, const std::optional<std::string>& state_json) {
  INGESTD_TRY(package::WriteFileAtomically(pipeline_dir_ + "/schema.json", schema_json));
  if (state_json) INGESTD_TRY(package::WriteFileAtomically(pipeline_dir_ + "/state.json", *state_json));
  return OkStatus();
}

Status Runner::Extract(package::LoadPackage& package, PackageSummary& summary, ItemFileFeed* feed) {
  const double start = Now(options_);
  state::PipelineState next_state = *state_;
  INGESTD_ASSIGN_OR_RETURN(ExtractStageResult extracted, RunExtractStage(spec_, extract_options_, package, schema_,
                                                                         *naming_, next_state, feed));
  summary.items_extracted = extracted.items;
  summary.bytes_extracted = extracted.bytes;
  next_state.BumpVersion();
  extracted.commit.pipeline_state = next_state.ToJson();
  INGESTD_TRY(package.CommitExtracted(std::move(extracted.commit)));
  Checkpoint("extracted");
  summary.times.extract = Now(options_) - start;
  return OkStatus();
}

// Only resources the package extracted replace their tables: one that did
// not run (not selected, a push resource outside its push run, every other
// resource in a push run) leaves its table alone. The manifest records which
// ran, so a resumed package decides as its own run did.
std::vector<std::string> Runner::ReplaceTables(const std::vector<std::string>& resources) const {
  std::vector<std::string> tables;
  for (const std::string& extracted : resources) {
    for (const ResourceSpec& resource : spec_.resources) {
      if (resource.name != extracted) continue;
      if (resource.write_disposition == schema::WriteDisposition::kReplace) {
        tables.push_back(naming_->NormalizePath(resource.table_name));
      }
    }
  }
  return tables;
}

std::vector<std::string> Runner::ReplaceTables(const package::LoadPackage& package) const {
  std::vector<std::string> resources;
  for (const package::ResourceFiles& extracted : package.manifest().resources) resources.push_back(extracted.resource);
  return ReplaceTables(resources);
}

// Opens the package's load transaction before normalization starts, so each
// job's load files are loaded while later jobs normalize. Null when the run
// loads after normalization instead.
std::unique_ptr<BackgroundLoad> Runner::StartLoad(const package::LoadPackage& package,
                                                  std::vector<std::string> replace_tables, bool open_now) {
  load_started_at_ = Now(options_);
  if (!options_.overlap_load) return nullptr;
  destinations::LoadBegin begin;
  begin.load_id = package.load_id();
  begin.pipeline_name = spec_.name;
  begin.replace_tables = std::move(replace_tables);
  begin.created_at = package.created_at();
  begin.checkpoint = options_.checkpoint;
  return std::make_unique<BackgroundLoad>(*destination_, std::move(begin), options_.stop, open_now);
}

Result<std::unique_ptr<Runner::NormalizeRun>> Runner::PrepareNormalize(const package::LoadPackage& package,
                                                                       PackageSummary& summary,
                                                                       BackgroundLoad* loader) {
  auto run = std::make_unique<NormalizeRun>();
  run->started_at = Now(options_);
  // Resource hints are (re-)applied so a resumed package sees its tables;
  // extraction applies the same ones to schema_, so this is the schema it
  // normalizes against either way.
  run->start = schema_;
  for (const ResourceSpec& resource : spec_.resources) {
    INGESTD_TRY(schema::ApplyResourceHints(run->start, resource.ToResourceHints(), *naming_));
  }
  NormalizeStageOptions& stage = run->stage;
  stage.start = &run->start;
  stage.max_identifier_length = naming_->max_length();
  stage.row_id_seed = options_.row_id_seed ^ std::hash<std::string>{}(package.load_id());
  if (spec_.options.file_max_items) stage.file_options.file_max_rows = *spec_.options.file_max_items;
  if (spec_.options.file_max_bytes) stage.file_options.file_max_bytes = *spec_.options.file_max_bytes;
  stage.pool = options_.normalize_pool;
  // Normalization stops when the run is cancelled or the load behind it
  // failed (its error is the run's then).
  NormalizeRun* r = run.get();
  run->on_run_stop.emplace(options_.stop, std::function<void()>([r] { r->stop.request_stop(); }));
  if (loader != nullptr) {
    run->on_load_failed.emplace(loader->failed(), std::function<void()>([r] { r->stop.request_stop(); }));
  }
  stage.stop = run->stop.get_token();
  stage.on_job_merged = [this, r, &summary, loader, &package](const workers::NormalizeJobResult& job,
                                                              const schema::Schema& merged, std::uint64_t rows,
                                                              std::uint64_t bytes) {
    summary.violation_total += job.violation_total;
    for (const auto& v : job.violations) {
      if (summary.violations.size() >= kViolationsInSummary) break;
      summary.violations.push_back(v);
      EmitViolation(v);
    }
    Progress("normalize", rows, bytes);
    r->progress_reported = true;
    if (loader == nullptr) return;
    // What the loader has done so far (before this job's files join it).
    if (const std::uint64_t loaded = loader->rows_loaded(); loaded != r->load_rows_reported) {
      Progress("load", loaded, 0);
      r->load_rows_reported = loaded;
    }
    std::vector<destinations::TableLoad> tables;
    // LoadFilePaths reads only the package's directory, never the manifest
    // the extracting thread may be committing.
    for (const package::TableFiles& t : job.tables) tables.push_back({t.table, package.LoadFilePaths(t)});
    loader->Submit(std::make_shared<const schema::Schema>(merged), std::move(tables), job.rows);
  };
  stage.on_first_job = [this] { Checkpoint("normalize"); };
  return run;
}

Status Runner::FinishNormalize(package::LoadPackage& package, PackageSummary& summary, NormalizeRun& run,
                               Result<NormalizeStageResult> normalized) {
  if (!normalized.ok()) {
    if (normalized.error().code() == ErrorCode::kCancelled) {
      return Error(ErrorCode::kCancelled, "run cancelled during normalize");
    }
    return std::move(normalized).error();
  }
  if (!run.progress_reported) Progress("normalize", 0, 0);

  schema::Schema next = std::move(normalized->schema);
  if (package.manifest().pipeline_state && next.FindTable(schema::kPipelineStateTableName) == nullptr) {
    next.AddTable(schema::PipelineStateTableSchema());
  }
  const std::string before = run.start.version_hash();
  next.BumpVersion();
  summary.new_tables = std::move(normalized->new_tables);
  summary.new_columns = std::move(normalized->new_columns);
  std::vector<package::TableFiles> tables = std::move(normalized->tables);
  package::NormalizedCommit commit;
  commit.tables = std::move(tables);
  commit.schema_json = schema::SchemaToJson(next);
  commit.schema_changed = next.version_hash() != before;
  commit.replace_tables = ReplaceTables(package);
  const bool schema_changed = commit.schema_changed;
  INGESTD_TRY(package.CommitNormalized(std::move(commit)));
  Checkpoint("normalized");
  if (schema_changed) {
    RunEvent event;
    event.kind = RunEvent::Kind::kSchemaChanged;
    event.stage = "normalize";
    event.schema_version = next.version();
    event.new_tables = summary.new_tables;
    event.new_columns = summary.new_columns;
    Emit(event);
  }
  schema_ = std::move(next);
  summary.times.normalize = Now(options_) - run.started_at;
  return OkStatus();
}

Status Runner::Normalize(package::LoadPackage& package, PackageSummary& summary, BackgroundLoad* loader) {
  INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<NormalizeRun> run, PrepareNormalize(package, summary, loader));
  return FinishNormalize(package, summary, *run, RunNormalizeStage(package, run->stage));
}

Status Runner::Load(package::LoadPackage& package, PackageSummary& summary, BackgroundLoad* loader) {
  const double start = loader != nullptr ? load_started_at_ : Now(options_);
  INGESTD_ASSIGN_OR_RETURN(std::string schema_json, package.ReadSchemaJson());
  INGESTD_ASSIGN_OR_RETURN(schema::Schema package_schema, schema::SchemaFromJson(schema_json));
  destinations::LoadRequest request;
  request.load_id = package.load_id();
  request.pipeline_name = spec_.name;
  request.schema = &package_schema;
  request.store_schema_version = package.manifest().schema_changed;
  request.replace_tables = package.manifest().replace_tables;
  request.created_at = package.created_at();
  request.checkpoint = options_.checkpoint;
  for (const package::TableFiles& t : package.manifest().tables) {
    request.tables.push_back({t.table, package.LoadFilePaths(t)});
  }
  std::optional<std::string> state_json = package.manifest().pipeline_state;
  if (state_json) {
    INGESTD_ASSIGN_OR_RETURN(state::PipelineState package_state, state::PipelineState::FromJson(*state_json));
    // A state row only when the state changed since the last committed one.
    if (package_state.version_hash() != state_->version_hash()) {
      destinations::StateRow row;
      row.version = package_state.version();
      row.pipeline_name = spec_.name;
      row.state = package_state.Compressed();
      row.created_at = package.created_at();
      row.version_hash = package_state.version_hash();
      request.state = std::move(row);
      summary.state_stored = true;
    }
    state_ = std::move(package_state);
  }
  destinations::LoadResult result;
  if (loader != nullptr) {
    // Every load file was appended already: this commits.
    request.tables.clear();
    INGESTD_ASSIGN_OR_RETURN(result, loader->Finish(request));
  } else {
    Progress("load", 0, 0);
    INGESTD_ASSIGN_OR_RETURN(result, destination_->Load(request, options_.stop));
  }
  summary.already_loaded = result.already_loaded;
  if (!result.already_loaded) summary.rows_per_table = result.rows_per_table;
  if (summary.rows_per_table.empty()) {
    for (const package::TableFiles& t : package.manifest().tables) {
      summary.rows_per_table.emplace_back(t.table, t.rows);
    }
  }
  std::uint64_t rows = 0;
  for (const auto& [table, n] : summary.rows_per_table) rows += n;
  Progress("load", rows, 0);
  summary.schema_version = package_schema.version();
  Checkpoint("loaded");
  // Local copies first, then forget the package: a crash in between loads
  // it again, and the destination recognizes the load id.
  INGESTD_TRY(SaveLocal(schema_json, state_json));
  schema_ = std::move(package_schema);
  summary.times.load = Now(options_) - start;
  return OkStatus();
}

Result<RunSummary> Runner::Run() {
  summary_.pipeline = spec_.name;
  summary_.dataset = spec_.dataset_name;
  // A push to a resource that cannot take it fails before anything else.
  INGESTD_TRY(ValidatePushInput(spec_, options_));
  pipeline_dir_ = options_.data_dir + "/pipelines/" + spec_.name;
  INGESTD_TRY(package::MakeDirectories(pipeline_dir_));
  INGESTD_TRY(OpenDestination());
  INGESTD_TRY(LoadLocalOrRestore());
  INGESTD_ASSIGN_OR_RETURN(package::PackageStore store, package::PackageStore::Open(pipeline_dir_));
  INGESTD_TRY(store.Recover());

  // Packages earlier runs left behind come first, oldest first (dlt does
  // the same before extracting anything new).
  INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> pending, store.ListPending());
  for (const std::string& load_id : pending) {
    INGESTD_TRY(CheckStop("before finishing pending package " + load_id));
    INGESTD_ASSIGN_OR_RETURN(package::LoadPackage package, store.OpenPackage(load_id));
    PackageSummary summary;
    summary.load_id = load_id;
    summary.resumed = true;
    for (const package::ResourceFiles& r : package.manifest().resources) summary.items_extracted += r.items;
    std::unique_ptr<BackgroundLoad> loader;
    if (package.stage() == package::PackageStage::kExtracted) {
      loader = StartLoad(package, ReplaceTables(package));
      Status s = Normalize(package, summary, loader.get());
      if (!s.ok() && loader != nullptr) {
        if (std::optional<Error> load_error = loader->Stop()) {
          return std::move(*load_error).WithContext("pending package " + load_id + " stays pending");
        }
      }
      if (!s.ok()) {
        if (s.error().code() == ErrorCode::kCancelled) {
          return std::move(s).error().WithContext("pending package " + load_id + " stays pending");
        }
        return std::move(s).error().WithContext(
            "pending package " + load_id +
            " (from an earlier run) failed to normalize again; fix the cause and run again");
      }
      INGESTD_TRY(CheckStop("after normalizing pending package " + load_id + " (it stays pending)"));
    }
    Status loaded = Load(package, summary, loader.get());
    if (!loaded.ok()) return std::move(loaded).error().WithContext("pending package " + load_id + " stays pending");
    INGESTD_TRY(store.MarkLoaded(package));
    RunEvent resumed;
    resumed.kind = RunEvent::Kind::kPackageResumed;
    resumed.message = load_id;
    Emit(resumed);
    summary_.packages.push_back(std::move(summary));
  }

  INGESTD_TRY(CheckStop("before extract"));
  INGESTD_TRY(RunNewPackage(store));
  return std::move(summary_);
}

// Extracts a new package, normalizes and loads it. When the schema is
// settled before the first item (SchemaSettledBeforeData), the three stages
// overlap: item files are normalized on a thread of their own as extraction
// closes them, and each job's load files are loaded (BackgroundLoad) while
// later ones normalize — from the start for local sources, from the end of
// extraction for network ones (ExtractsOverNetwork). Either way the package commits extracted, then
// normalized, then loaded, in that order, so crash recovery is unchanged;
// a failure after extraction leaves the package pending, as before.
Status Runner::RunNewPackage(package::PackageStore& store) {
  INGESTD_ASSIGN_OR_RETURN(package::LoadPackage package, store.Create(options_.now));
  PackageSummary summary;
  summary.load_id = package.load_id();
  const bool streamed = options_.overlap_extract && SchemaSettledBeforeData(spec_, options_);
  // Extraction over the network can take as long as the API makes it (rate
  // limits, backoff): the destination's transaction, and its lock, open
  // only once it is done. Local extraction is short and loads alongside.
  const bool load_during_extract = !ExtractsOverNetwork(spec_, options_);

  std::unique_ptr<BackgroundLoad> loader;
  std::unique_ptr<NormalizeRun> normalize;
  std::optional<ItemFileFeed> feed;
  std::optional<Result<NormalizeStageResult>> normalized;
  std::jthread normalizer;
  Stage("extract", true);
  if (streamed) {
    // Everything the normalize thread reads is fixed before it starts: the
    // extracting thread goes on to commit the package's manifest.
    Status started = [&]() -> Status {
      INGESTD_ASSIGN_OR_RETURN(NormalizeTarget target, NormalizeTarget::Prepare(package));
      INGESTD_ASSIGN_OR_RETURN(ItemFileFeed created, ItemFileFeed::Create());
      feed.emplace(std::move(created));
      std::vector<std::string> resources;
      for (const ResourceSpec* r : ExtractedResources(spec_, options_)) resources.push_back(r->name);
      Stage("normalize", true);
      loader = StartLoad(package, ReplaceTables(resources), load_during_extract);
      if (loader != nullptr) Stage("load", true);
      INGESTD_ASSIGN_OR_RETURN(normalize, PrepareNormalize(package, summary, loader.get()));
      normalizer = std::jthread([&normalized, &feed, &normalize, target = std::move(target)] {
        normalized.emplace(RunNormalizeStage(target, normalize->stage, *feed));
      });
      return OkStatus();
    }();
    if (!started.ok()) {
      if (loader != nullptr) (void)loader->Stop();
      (void)store.Discard(package);
      return std::move(started).error().WithContext("normalize");
    }
  }

  Status extracted = Extract(package, summary, feed ? &*feed : nullptr);
  if (!extracted.ok()) {
    if (normalizer.joinable()) {
      normalize->stop.request_stop();
      normalizer.join();
    }
    if (loader != nullptr) (void)loader->Stop();
    // Nothing of an unfinished extraction was loaded: drop it.
    (void)store.Discard(package);
    return std::move(extracted).error().WithContext("extract");
  }
  Stage("extract", false, std::to_string(summary.items_extracted) + " items");
  const std::string stays_pending =
      "package " + package.load_id() + " stays pending and is retried by the next run";

  Status normalize_status = OkStatus();
  if (streamed) {
    if (loader != nullptr) loader->Open();
    // The manifest is committed: the normalize stage may finish now.
    feed->End(package.manifest().resources.size());
    normalizer.join();
    normalize_status = FinishNormalize(package, summary, *normalize, std::move(*normalized));
  } else {
    INGESTD_TRY(CheckStop("after extract (" + stays_pending + ")"));
    Stage("normalize", true);
    loader = StartLoad(package, ReplaceTables(package));
    if (loader != nullptr) Stage("load", true);  // it runs alongside normalization
    normalize_status = Normalize(package, summary, loader.get());
  }
  if (!normalize_status.ok()) {
    if (loader != nullptr) {
      if (std::optional<Error> load_error = loader->Stop()) {
        return std::move(*load_error).WithContext("load (" + stays_pending + ")");
      }
    }
    return std::move(normalize_status).error().WithContext("normalize (" + stays_pending + ")");
  }
  Stage("normalize", false);
  INGESTD_TRY(CheckStop("after normalize (" + stays_pending + ")"));
  if (loader == nullptr) Stage("load", true);
  Status loaded = Load(package, summary, loader.get());
  if (!loaded.ok()) return std::move(loaded).error().WithContext("load (" + stays_pending + ")");
  INGESTD_TRY(store.MarkLoaded(package));
  Stage("load", false);
  summary_.packages.push_back(std::move(summary));
  return OkStatus();
}

}  // namespace

Result<std::string> ResolveSecret(const std::string& reference) {
  if (reference.rfind("env:", 0) == 0) {
    std::string name = reference.substr(4);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return InvalidArgument("secret reference env:" + name + ": the environment variable is not set");
    }
    return std::string(value);
  }
  if (reference.rfind("file:", 0) == 0) {
    std::string path = reference.substr(5);
    auto content = package::ReadSmallFile(path, 1u << 20);
    if (!content.ok()) {
      return InvalidArgument("secret reference file:" + path + ": the file cannot be read");
    }
    std::string value = *content;
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.pop_back();
    return value;
  }
  return reference;
}

Result<RunSummary> RunPipeline(const PipelineSpec& spec, const RunOptions& options) {
  if (options.data_dir.empty()) return InvalidArgument("a data directory is required");
  Runner runner(spec, options);
  return runner.Run();
}

}  // namespace ingestd::pipeline
