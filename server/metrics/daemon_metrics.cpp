#include "server/metrics/daemon_metrics.hpp"

#include <string>
#include <vector>

#include "server/metrics/process_metrics.hpp"

namespace ingestd::server_metrics {
namespace {

// A run takes from a fraction of a second (nothing new) to hours (a first
// full load).
std::vector<double> RunDurationBounds() {
  return {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400};
}

// One stage of one package: milliseconds for a small page, up to an hour
// for a large load.
std::vector<double> StageDurationBounds() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
}

// Unary control calls answer from memory or the catalog: 0.5 ms to a few
// seconds.
std::vector<double> GrpcDurationBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace

Result<DaemonMetrics> DaemonMetrics::Register(metrics::Registry& registry, std::string_view version) {
  DaemonMetrics m;
  // ---- runs ----
  INGESTD_ASSIGN_OR_RETURN(
      m.runs, registry.AddCounter("ingestd_runs_total",
                                  "Finished runs by pipeline and outcome (succeeded, failed, cancelled).",
                                  {"pipeline", "outcome"}));
  INGESTD_ASSIGN_OR_RETURN(m.run_duration,
                           registry.AddHistogram("ingestd_run_duration_seconds",
                                                 "Duration of finished runs, created to finished, in seconds.",
                                                 {"pipeline"}, RunDurationBounds()));
  INGESTD_ASSIGN_OR_RETURN(
      m.stage_duration,
      registry.AddHistogram("ingestd_stage_duration_seconds",
                            "Duration of one run stage (extract, normalize, load) for one package, in seconds.",
                            {"pipeline", "stage"}, StageDurationBounds()));
  INGESTD_ASSIGN_OR_RETURN(m.active_runs,
                           registry.AddGauge("ingestd_active_runs", "Runs executing right now.", {}));
  INGESTD_ASSIGN_OR_RETURN(m.queued_runs,
                           registry.AddGauge("ingestd_queued_runs", "Runs waiting for a free slot right now.", {}));
  INGESTD_ASSIGN_OR_RETURN(
      m.pending_packages,
      registry.AddGauge("ingestd_pending_packages", "Load packages extracted but not yet loaded.", {"pipeline"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.last_success,
      registry.AddGauge("ingestd_last_success_timestamp_seconds",
                        "Unix time at which the newest successful run of the pipeline finished.", {"pipeline"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.schedule_interval,
      registry.AddGauge("ingestd_pipeline_schedule_interval_seconds",
                        "Longest wait between two scheduled runs of the pipeline; NaN without an active schedule.",
                        {"pipeline"}));

  // ---- data ----
  INGESTD_ASSIGN_OR_RETURN(
      m.extracted_items,
      registry.AddCounter("ingestd_extracted_items_total", "Items (records) extracted from sources.", {"pipeline"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.extracted_bytes,
      registry.AddCounter("ingestd_extracted_bytes_total", "Bytes of source data extracted.", {"pipeline"}));
  INGESTD_ASSIGN_OR_RETURN(m.normalized_rows,
                           registry.AddCounter("ingestd_normalized_rows_total",
                                               "Rows written to load files by the normalizer.", {"pipeline", "table"}));
  INGESTD_ASSIGN_OR_RETURN(m.loaded_rows,
                           registry.AddCounter("ingestd_loaded_rows_total", "Rows committed to the destination.",
                                               {"pipeline", "table"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.schema_changes,
      registry.AddCounter("ingestd_schema_changes_total", "New schema versions stored.", {"pipeline"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.contract_violations,
      registry.AddCounter("ingestd_contract_violations_total",
                          "Schema contract violations by pipeline, entity (tables, columns, data_type) and mode.",
                          {"pipeline", "entity", "mode"}));

  // ---- control plane ----
  INGESTD_ASSIGN_OR_RETURN(
      m.grpc_requests,
      registry.AddCounter("ingestd_grpc_requests_total", "Finished gRPC calls by method and status code.",
                          {"method", "code"}));
  INGESTD_ASSIGN_OR_RETURN(m.grpc_duration,
                           registry.AddHistogram("ingestd_grpc_request_duration_seconds",
                                                 "Duration of unary gRPC calls, in seconds.", {"method"},
                                                 GrpcDurationBounds()));

  INGESTD_ASSIGN_OR_RETURN(m.http, extract::http::HttpMetrics::Register(registry));

  // ---- normalize workers ----
  INGESTD_ASSIGN_OR_RETURN(m.normalize_pool.workers,
                           registry.AddGauge("ingestd_normalize_workers",
                                             "Normalize worker processes by state (busy, idle).", {"state"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.normalize_pool.jobs,
      registry.AddCounter("ingestd_normalize_jobs_total",
                          "Normalize jobs (one item file each) by outcome (succeeded, failed, retried).",
                          {"outcome"}));
  INGESTD_ASSIGN_OR_RETURN(m.normalize_pool.job_duration,
                           registry.AddHistogram("ingestd_normalize_job_duration_seconds",
                                                 "One normalize job, sent to a worker to answered, in seconds.", {},
                                                 StageDurationBounds()));
  INGESTD_ASSIGN_OR_RETURN(
      m.normalize_pool.restarts,
      registry.AddCounter("ingestd_normalize_worker_restarts_total",
                          "Normalize workers replaced after they died (crash, memory limit, killed).", {}));

  INGESTD_ASSIGN_OR_RETURN(
      metrics::Family<metrics::Gauge>* build_info,
      registry.AddGauge("ingestd_build_info", "Always 1; the version label says which ingestd is running.",
                        {"version"}));
  build_info->WithLabels({std::string(version)}).Set(1);

  INGESTD_TRY(RegisterProcessMetrics(registry));
  return m;
}

void DaemonMetrics::KnowPipeline(const std::string& pipeline) const {
  if (runs == nullptr) return;
  for (const char* outcome : {"succeeded", "failed", "cancelled"}) runs->WithLabels({pipeline, outcome});
}

}  // namespace ingestd::server_metrics
