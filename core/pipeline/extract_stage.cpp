#include "core/pipeline/extract_stage.hpp"

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/extract/files_source.hpp"
#include "core/extract/incremental.hpp"
#include "core/extract/rest/rest_source.hpp"
#include "core/extract/sql/sql_source.hpp"
#include "core/schema/resource_hints.hpp"

namespace ingestd::pipeline {
namespace {

// Progress events often enough to watch, rarely enough to cost nothing.
constexpr std::uint64_t kProgressItems = 1000;
constexpr std::uint64_t kProgressBytes = 1u << 20;

// The stage's totals over every resource, reported as kProgress events.
class ExtractProgress {
 public:
  explicit ExtractProgress(const RunOptions& options) : options_(options) {}

  void Add(std::uint64_t item_file_bytes) {
    ++items_;
    bytes_ += item_file_bytes;
    if (items_ - reported_items_ >= kProgressItems || bytes_ - reported_bytes_ >= kProgressBytes) Report();
  }
  void Report() {
    reported_items_ = items_;
    reported_bytes_ = bytes_;
    if (!options_.on_event) return;
    RunEvent event;
    event.kind = RunEvent::Kind::kProgress;
    event.stage = "extract";
    event.rows = items_;
    event.bytes = bytes_;
    options_.on_event(event);
  }
  std::uint64_t items() const { return items_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  const RunOptions& options_;
  std::uint64_t items_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t reported_items_ = 0;
  std::uint64_t reported_bytes_ = 0;
};

// Passes items to the package's item file (after the incremental filter).
class ItemWriterSink final : public extract::ItemSink {
 public:
  ItemWriterSink(package::ItemFileWriter& writer, const std::function<void(std::string_view)>& checkpoint,
                 ExtractProgress& progress)
      : writer_(writer), checkpoint_(checkpoint), progress_(progress) {}
  Status Accept(std::string_view json_item) override {
    INGESTD_TRY(writer_.Write(json_item));
    progress_.Add(json_item.size() + 1);  // the item file's newline
    if (++items_ == 1 && checkpoint_) checkpoint_("extract");
    return OkStatus();
  }

 private:
  package::ItemFileWriter& writer_;
  const std::function<void(std::string_view)>& checkpoint_;
  ExtractProgress& progress_;
  std::uint64_t items_ = 0;
};

// Refuses pushed records that are not JSON objects (a push resource's rows
// are records; the normalizer would wrap anything else as {"value": ...}).
// The JSON Lines reader hands items over trimmed, so the first byte tells.
class ObjectsOnlySink final : public extract::ItemSink {
 public:
  explicit ObjectsOnlySink(extract::ItemSink& next) : next_(next) {}
  Status Accept(std::string_view json_item) override {
    if (json_item.empty() || json_item.front() != '{') {
      rejected_ = index_;
      rejected_kind_ = KindOf(json_item);
      return InvalidArgument("pushed record is not a JSON object");
    }
    ++index_;
    return next_.Accept(json_item);
  }
  /// 0-based position (among non-blank lines) of the record refused, if any.
  std::optional<std::uint64_t> rejected() const { return rejected_; }
  const char* rejected_kind() const { return rejected_kind_; }

 private:
  static const char* KindOf(std::string_view json) {
    if (json.empty()) return "nothing";
    switch (json.front()) {
      case '[': return "an array";
      case '"': return "a string";
      case 't':
      case 'f': return "a boolean";
      case 'n': return "null";
      default: return "a number";
    }
  }

  extract::ItemSink& next_;
  std::uint64_t index_ = 0;
  std::optional<std::uint64_t> rejected_;
  const char* rejected_kind_ = "";
};

// The 1-based line of the `index`-th (0-based) non-blank line of a plain
// JSON Lines file, counted as the JSON Lines reader skips blank lines.
// Only called on the error path, so reading the file again costs nothing
// that matters; nullopt when the file is gzip or cannot be read.
std::optional<std::uint64_t> LineOfRecord(const std::string& path, std::uint64_t index) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  if (in.peek() == 0x1f) return std::nullopt;  // gzip: lines are not in the raw bytes
  std::string line;
  std::uint64_t line_no = 0;
  std::uint64_t records = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    if (records++ == index) return line_no;
  }
  return std::nullopt;
}

// The state key of a resource's incremental cursor (dlt:
// sources.<source>.resources.<resource>.incremental.<cursor_path>). The
// source name is the pipeline's schema name.
std::string IncrementalKey(const extract::IncrementalConfig& config) { return "incremental." + config.cursor_path; }

// Everything one resource needs while extracting; held by pointer so the
// sinks' references stay valid.
struct ResourceExtraction {
  const ResourceSpec* spec = nullptr;
  std::optional<package::ItemFileWriter> writer;  // unset: not loaded (selected: false)
  std::size_t ordinal = 0;                         // with a writer: position in the manifest
  std::optional<package::ResourceFiles> files;     // set once the writer finished
  std::unique_ptr<ItemWriterSink> to_file;
  std::optional<extract::Incremental> incremental;
  std::unique_ptr<extract::IncrementalFilter> filter;

  // Where the resource's items go: the filter when incremental, else the file.
  extract::ItemSink* sink() {
    if (filter) return filter.get();
    return to_file.get();
  }
};

bool IsSelected(const ResourceSpec& spec) {
  const auto* rest = std::get_if<extract::rest::RestResourceConfig>(&spec.source);
  return rest == nullptr || rest->selected;
}

bool IsPush(const ResourceSpec& spec) { return std::holds_alternative<PushConfig>(spec.source); }

// Whether `spec` runs in this run: a push run extracts only the pushed
// resource; any other run everything but push resources (which have no
// data of their own to fetch).
bool RunsInThisRun(const ResourceSpec& spec, const RunOptions& options) {
  if (options.push) return IsPush(spec) && spec.name == options.push->resource;
  return !IsPush(spec);
}

// Reads the pushed JSON Lines file with the files source's reader.
Status ExtractPush(ResourceExtraction& r, const RunOptions& options) {
  const std::string& path = options.push->path;
  ObjectsOnlySink objects(*r.sink());
  Status read = extract::ReadItemsFromFile(path, extract::FileFormat::kJsonl, {}, objects, options.stop);
  if (read.ok() || !objects.rejected()) return read;
  std::string where = "record " + std::to_string(*objects.rejected() + 1);
  if (auto line = LineOfRecord(path, *objects.rejected())) where = "line " + std::to_string(*line);
  return InvalidArgument("pushed records " + path + ": " + where + ": expected a JSON object, got " +
                         objects.rejected_kind());
}

RunEvent FromHttpEvent(const extract::http::HttpEvent& e) {
  RunEvent event;
  switch (e.kind) {
    case extract::http::HttpEvent::Kind::kRetry: event.kind = RunEvent::Kind::kHttpRetry; break;
    case extract::http::HttpEvent::Kind::kGaveUp: event.kind = RunEvent::Kind::kHttpGaveUp; break;
    case extract::http::HttpEvent::Kind::kRateLimited: event.kind = RunEvent::Kind::kHttpRateLimited; break;
  }
  event.stage = "extract";
  event.url = e.method + " " + e.url;
  event.host = e.host;
  event.attempt = e.attempt;
  event.http_status = e.status;
  event.delay_seconds = e.delay_seconds;
  event.message = e.reason;
  return event;
}

// Column types of a `sql` resource from the database, under the spec's own
// column hints (which win).
Status ApplySqlReflection(extract::sql::SqlResource& source, const ResourceSpec& spec, schema::Schema& schema,
                          const naming::NamingConvention& naming) {
  INGESTD_ASSIGN_OR_RETURN(std::vector<schema::ColumnSchema> reflected, source.ReflectColumns());
  schema::ResourceHints hints = spec.ToResourceHints();
  std::vector<schema::ColumnSchema> columns;
  for (schema::ColumnSchema& column : reflected) {
    bool declared = false;
    for (const schema::ColumnSchema& own : spec.columns) declared = declared || own.name == column.name;
    if (!declared) columns.push_back(std::move(column));
  }
  for (const schema::ColumnSchema& own : spec.columns) columns.push_back(own);
  hints.columns = std::move(columns);
  INGESTD_TRY(schema::ApplyResourceHints(schema, hints, naming));
  return OkStatus();
}

// Extracts one files, sql or push resource; its errors name the resource
// once (a FilesResource names itself, the others are named here).
Status ExtractOne(ResourceExtraction& r, const PipelineSpec& spec, const RunOptions& options, schema::Schema& schema,
                  const naming::NamingConvention& naming) {
  const ResourceSpec& resource = *r.spec;
  auto named = [&](Status s) { return s.ok() ? s : Status(s.error().WithContext("resource " + resource.name)); };
  if (IsPush(resource)) return named(ExtractPush(r, options));
  if (const auto* files = std::get_if<extract::FilesConfig>(&resource.source)) {
    extract::FilesResourceOptions files_options;
    files_options.download_dir = options.data_dir + "/pipelines/" + spec.name;
    files_options.metrics = options.http_metrics;
    files_options.random_seed = options.random_seed;
    if (options.on_event) {
      files_options.on_http_event = [&options](const extract::http::HttpEvent& e) {
        options.on_event(FromHttpEvent(e));
      };
    }
    extract::FilesResource source(resource.name, *files, std::move(files_options));
    return source.Extract(*r.sink(), options.stop);
  }
  if (const auto* sql = std::get_if<extract::sql::SqlConfig>(&resource.source)) {
    return named([&]() -> Status {
      extract::sql::SqlConfig resolved = *sql;
      INGESTD_ASSIGN_OR_RETURN(resolved.dsn, ResolveSecret(sql->dsn));
      extract::sql::SqlResource source(resource.name, std::move(resolved),
                                       r.incremental ? &*r.incremental : nullptr);
      INGESTD_TRY(ApplySqlReflection(source, resource, schema, naming));
      return source.Extract(*r.sink(), options.stop);
    }());
  }
  return OkStatus();
}

RunEvent FromRestEvent(const extract::rest::RestEvent& e) {
  RunEvent event;
  switch (e.kind) {
    case extract::rest::RestEvent::Kind::kPaginatorDetected: event.kind = RunEvent::Kind::kPaginatorDetected; break;
    case extract::rest::RestEvent::Kind::kResponseIgnored: event.kind = RunEvent::Kind::kResponseIgnored; break;
    case extract::rest::RestEvent::Kind::kResourceFinished: event.kind = RunEvent::Kind::kResourceFinished; break;
  }
  event.stage = "extract";
  event.resource = e.resource;
  event.message = e.message;
  return event;
}

// Closes the resource's last item file and tells the feed how many it has.
Status FinishWriter(ResourceExtraction& r, ItemFileFeed* feed) {
  if (!r.writer) return OkStatus();
  INGESTD_ASSIGN_OR_RETURN(package::ResourceFiles files, r.writer->Finish());
  if (feed != nullptr) feed->EndResource(r.ordinal, files.files.size());
  r.files = std::move(files);
  return OkStatus();
}

Status ExtractRest(std::vector<ResourceExtraction*>& rest, const RunOptions& options) {
  if (rest.empty()) return OkStatus();
  std::vector<extract::rest::RestResourceBinding> bindings;
  for (ResourceExtraction* r : rest) {
    extract::rest::RestResourceBinding binding;
    binding.name = r->spec->name;
    binding.config = &std::get<extract::rest::RestResourceConfig>(r->spec->source);
    // The driver applies the incremental itself (children must only see
    // kept parent items), so it gets the file sink, not the filter.
    binding.sink = r->to_file.get();
    binding.incremental = r->incremental ? &*r->incremental : nullptr;
    bindings.push_back(std::move(binding));
  }
  extract::rest::RestSourceOptions rest_options;
  rest_options.resolve_secret = [](const std::string& reference) { return ResolveSecret(reference); };
  rest_options.metrics = options.http_metrics;
  rest_options.random_seed = options.random_seed;
  if (options.on_event) {
    rest_options.on_http_event = [&options](const extract::http::HttpEvent& e) { options.on_event(FromHttpEvent(e)); };
    rest_options.on_event = [&options](const extract::rest::RestEvent& e) { options.on_event(FromRestEvent(e)); };
  }
  INGESTD_TRY(extract::rest::ExtractRestApi(bindings, rest_options, options.stop));
  return OkStatus();
}

}  // namespace

Status ValidatePushInput(const PipelineSpec& spec, const RunOptions& options) {
  if (!options.push) return OkStatus();
  for (const ResourceSpec& resource : spec.resources) {
    if (resource.name != options.push->resource) continue;
    if (IsPush(resource)) return OkStatus();
    return InvalidArgument("pipeline " + spec.name + ": resource " + resource.name + " is a " +
                           std::string(SourceKindName(resource.source)) +
                           " resource; records can only be pushed to push resources");
  }
  return InvalidArgument("pipeline " + spec.name + " has no resource " + options.push->resource +
                         " to push records to");
}

bool SchemaSettledBeforeData(const PipelineSpec& spec, const RunOptions& options) {
  for (const ResourceSpec& resource : spec.resources) {
    if (!RunsInThisRun(resource, options) || !IsSelected(resource)) continue;
    if (std::holds_alternative<extract::sql::SqlConfig>(resource.source)) return false;
  }
  return true;
}

bool ExtractsOverNetwork(const PipelineSpec& spec, const RunOptions& options) {
  auto is_url = [](std::string_view path) { return path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0; };
  for (const ResourceSpec& resource : spec.resources) {
    if (!RunsInThisRun(resource, options)) continue;
    if (std::holds_alternative<extract::rest::RestResourceConfig>(resource.source)) return true;
    if (const auto* files = std::get_if<extract::FilesConfig>(&resource.source)) {
      for (const std::string& path : files->paths) {
        if (is_url(path)) return true;
      }
    }
  }
  return false;
}

std::vector<const ResourceSpec*> ExtractedResources(const PipelineSpec& spec, const RunOptions& options) {
  std::vector<const ResourceSpec*> out;
  for (const ResourceSpec& resource : spec.resources) {
    if (RunsInThisRun(resource, options) && IsSelected(resource)) out.push_back(&resource);
  }
  return out;
}

Result<ExtractStageResult> RunExtractStage(const PipelineSpec& spec, const RunOptions& options,
                                           package::LoadPackage& package, schema::Schema& schema,
                                           const naming::NamingConvention& naming, state::PipelineState& next_state,
                                           ItemFileFeed* feed) {
  INGESTD_TRY(ValidatePushInput(spec, options));
  package::ItemFileOptions item_options;
  if (spec.options.file_max_items) item_options.file_max_items = *spec.options.file_max_items;
  if (spec.options.file_max_bytes) item_options.file_max_bytes = *spec.options.file_max_bytes;

  ExtractProgress progress(options);
  std::vector<std::unique_ptr<ResourceExtraction>> resources;
  std::size_t with_writer = 0;
  for (const ResourceSpec& resource : spec.resources) {
    // A resource that does not run gets nothing: no incremental (its state
    // stays as stored), no item file (so no rows and no replace).
    if (!RunsInThisRun(resource, options)) continue;
    auto r = std::make_unique<ResourceExtraction>();
    r->spec = &resource;
    auto context = [&](Error e) { return std::move(e).WithContext("resource " + resource.name); };
    if (resource.incremental) {
      std::optional<extract::IncrementalState> stored;
      if (auto json = next_state.GetResourceValue(spec.name, resource.name, IncrementalKey(*resource.incremental))) {
        auto state = extract::IncrementalState::FromJson(*json);
        if (!state.ok()) return context(std::move(state).error());
        stored = std::move(*state);
      }
      auto incremental = extract::Incremental::Create(*resource.incremental, stored, resource.primary_key);
      if (!incremental.ok()) return context(std::move(incremental).error());
      r->incremental.emplace(std::move(*incremental));
    }
    if (IsSelected(resource)) {
      // Resource hints shape the root table before any data arrives.
      INGESTD_ASSIGN_OR_RETURN(std::string table,
                               schema::ApplyResourceHints(schema, resource.ToResourceHints(), naming));
      INGESTD_ASSIGN_OR_RETURN(package::ItemFileWriter writer,
                               package.OpenItemWriter(resource.name, table, item_options));
      r->writer.emplace(std::move(writer));
      r->ordinal = with_writer++;
      if (feed != nullptr) {
        r->writer->set_on_file_closed([feed, ordinal = r->ordinal, table](std::size_t index,
                                                                          const std::string& relative) {
          feed->AddFile(ordinal, index, table, relative);
        });
      }
      r->to_file = std::make_unique<ItemWriterSink>(*r->writer, options.checkpoint, progress);
      // REST resources filter inside the driver (children see only kept items).
      const bool rest = std::holds_alternative<extract::rest::RestResourceConfig>(resource.source);
      if (r->incremental && !rest) {
        r->filter = std::make_unique<extract::IncrementalFilter>(*r->incremental, *r->to_file);
      }
    }
    resources.push_back(std::move(r));
  }

  std::vector<ResourceExtraction*> rest;
  for (auto& r : resources) {
    if (options.stop.stop_requested()) return Error(ErrorCode::kCancelled, "run cancelled during extract");
    if (std::holds_alternative<extract::rest::RestResourceConfig>(r->spec->source)) {
      rest.push_back(r.get());
      continue;
    }
    INGESTD_TRY(ExtractOne(*r, spec, options, schema, naming));
    // Its last file goes to normalization now, not after the other resources.
    INGESTD_TRY(FinishWriter(*r, feed));
  }
  if (!rest.empty() && options.stop.stop_requested()) {
    return Error(ErrorCode::kCancelled, "run cancelled during extract");
  }
  INGESTD_TRY(ExtractRest(rest, options));
  for (ResourceExtraction* r : rest) INGESTD_TRY(FinishWriter(*r, feed));

  ExtractStageResult result;
  for (auto& r : resources) {
    if (r->writer) {
      result.items += r->files->items;
      result.commit.resources.push_back(std::move(*r->files));
    }
    if (r->incremental && r->incremental->persist_state()) {
      INGESTD_TRY(next_state.SetResourceValue(spec.name, r->spec->name, IncrementalKey(*r->spec->incremental),
                                              r->incremental->State().ToJson()));
    }
  }
  result.bytes = progress.bytes();
  progress.Report();
  return result;
}

}  // namespace ingestd::pipeline
