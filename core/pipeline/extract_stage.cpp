#include "core/pipeline/extract_stage.hpp"

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

// Passes items to the package's item file (after the incremental filter).
class ItemWriterSink final : public extract::ItemSink {
 public:
  ItemWriterSink(package::ItemFileWriter& writer, const std::function<void(std::string_view)>& checkpoint)
      : writer_(writer), checkpoint_(checkpoint) {}
  Status Accept(std::string_view json_item) override {
    INGESTD_TRY(writer_.Write(json_item));
    if (++items_ == 1 && checkpoint_) checkpoint_("extract");
    return OkStatus();
  }

 private:
  package::ItemFileWriter& writer_;
  const std::function<void(std::string_view)>& checkpoint_;
  std::uint64_t items_ = 0;
};

// The state key of a resource's incremental cursor (dlt:
// sources.<source>.resources.<resource>.incremental.<cursor_path>). The
// source name is the pipeline's schema name.
std::string IncrementalKey(const extract::IncrementalConfig& config) { return "incremental." + config.cursor_path; }

// Everything one resource needs while extracting; held by pointer so the
// sinks' references stay valid.
struct ResourceExtraction {
  const ResourceSpec* spec = nullptr;
  std::optional<package::ItemFileWriter> writer;  // unset: not loaded (selected: false)
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

Status ExtractOne(ResourceExtraction& r, const PipelineSpec& spec, const RunOptions& options, schema::Schema& schema,
                  const naming::NamingConvention& naming) {
  const ResourceSpec& resource = *r.spec;
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
    extract::sql::SqlConfig resolved = *sql;
    INGESTD_ASSIGN_OR_RETURN(resolved.dsn, ResolveSecret(sql->dsn));
    extract::sql::SqlResource source(resource.name, std::move(resolved),
                                     r.incremental ? &*r.incremental : nullptr);
    INGESTD_TRY(ApplySqlReflection(source, resource, schema, naming));
    return source.Extract(*r.sink(), options.stop);
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

Result<ExtractStageResult> RunExtractStage(const PipelineSpec& spec, const RunOptions& options,
                                           package::LoadPackage& package, schema::Schema& schema,
                                           const naming::NamingConvention& naming, state::PipelineState& next_state) {
  package::ItemFileOptions item_options;
  if (spec.options.file_max_items) item_options.file_max_items = *spec.options.file_max_items;
  if (spec.options.file_max_bytes) item_options.file_max_bytes = *spec.options.file_max_bytes;

  std::vector<std::unique_ptr<ResourceExtraction>> resources;
  for (const ResourceSpec& resource : spec.resources) {
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
      r->to_file = std::make_unique<ItemWriterSink>(*r->writer, options.checkpoint);
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
    Status extracted = ExtractOne(*r, spec, options, schema, naming);
    if (!extracted.ok()) return std::move(extracted).error().WithContext("resource " + r->spec->name);
  }
  INGESTD_TRY(ExtractRest(rest, options));

  ExtractStageResult result;
  for (auto& r : resources) {
    if (r->writer) {
      INGESTD_ASSIGN_OR_RETURN(package::ResourceFiles files, r->writer->Finish());
      result.items += files.items;
      result.commit.resources.push_back(std::move(files));
    }
    if (r->incremental && r->incremental->persist_state()) {
      INGESTD_TRY(next_state.SetResourceValue(spec.name, r->spec->name, IncrementalKey(*r->spec->incremental),
                                              r->incremental->State().ToJson()));
    }
  }
  return result;
}

}  // namespace ingestd::pipeline
