#pragma once

#include "core/common/result.hpp"
#include "core/extract/http/http_metrics.hpp"
#include "core/metrics/registry.hpp"
#include "core/workers/normalize_worker_pool.hpp"

namespace ingestd::server_metrics {

/// The daemon's metric families (docs/metrics.md lists each with its
/// labels). Registered once on the daemon's registry; components keep the
/// pointers (the registry owns the families and outlives them).
struct DaemonMetrics {
  // ---- runs ----
  /// ingestd_runs_total{pipeline, outcome}: finished runs; outcome
  /// "succeeded", "failed", "cancelled".
  metrics::Family<metrics::Counter>* runs = nullptr;
  /// ingestd_run_duration_seconds{pipeline}: created to finished.
  metrics::Family<metrics::Histogram>* run_duration = nullptr;
  /// ingestd_stage_duration_seconds{pipeline, stage}: stage "extract",
  /// "normalize", "load", per package.
  metrics::Family<metrics::Histogram>* stage_duration = nullptr;
  /// ingestd_active_runs, ingestd_queued_runs: right now.
  metrics::Family<metrics::Gauge>* active_runs = nullptr;
  metrics::Family<metrics::Gauge>* queued_runs = nullptr;
  /// ingestd_pending_packages{pipeline}: load packages extracted but not
  /// loaded (updated after each run and at start-up).
  metrics::Family<metrics::Gauge>* pending_packages = nullptr;
  /// ingestd_last_success_timestamp_seconds{pipeline}: Unix time the newest
  /// successful run finished.
  metrics::Family<metrics::Gauge>* last_success = nullptr;
  /// ingestd_pipeline_schedule_interval_seconds{pipeline}: the longest wait
  /// between two scheduled runs (schedule::Schedule::LongestGapAfter); NaN
  /// once the pipeline has no active schedule (removed, paused, deleted).
  metrics::Family<metrics::Gauge>* schedule_interval = nullptr;

  // ---- data ----
  /// ingestd_extracted_items_total{pipeline}, ingestd_extracted_bytes_total{pipeline}.
  metrics::Family<metrics::Counter>* extracted_items = nullptr;
  metrics::Family<metrics::Counter>* extracted_bytes = nullptr;
  /// ingestd_normalized_rows_total{pipeline, table}: rows written to load files.
  metrics::Family<metrics::Counter>* normalized_rows = nullptr;
  /// ingestd_loaded_rows_total{pipeline, table}: rows committed to the destination.
  metrics::Family<metrics::Counter>* loaded_rows = nullptr;
  /// ingestd_schema_changes_total{pipeline}: new schema versions.
  metrics::Family<metrics::Counter>* schema_changes = nullptr;
  /// ingestd_contract_violations_total{pipeline, entity, mode}.
  metrics::Family<metrics::Counter>* contract_violations = nullptr;

  // ---- control plane ----
  /// ingestd_grpc_requests_total{method, code}: finished RPCs ("OK",
  /// "NOT_FOUND", ...).
  metrics::Family<metrics::Counter>* grpc_requests = nullptr;
  /// ingestd_grpc_request_duration_seconds{method}: unary calls.
  metrics::Family<metrics::Histogram>* grpc_duration = nullptr;

  /// The HTTP client's families (ingestd_http_*), shared by every run.
  extract::http::HttpMetrics http;

  /// The normalize worker pool's families: ingestd_normalize_workers{state},
  /// ingestd_normalize_jobs_total{outcome},
  /// ingestd_normalize_job_duration_seconds,
  /// ingestd_normalize_worker_restarts_total.
  workers::WorkerPoolMetrics normalize_pool;

  /// Registers every family above plus ingestd_build_info{version} (always
  /// 1) and the process families process_cpu_seconds_total,
  /// process_resident_memory_bytes, process_start_time_seconds and
  /// process_open_fds (read from /proc at scrape time; Prometheus' standard
  /// names, so stock dashboards work).
  static Result<DaemonMetrics> Register(metrics::Registry& registry, std::string_view version);

  /// Creates the pipeline's ingestd_runs_total series for every outcome at
  /// 0, so that `increase()` sees the first failure after a restart or a
  /// new pipeline (a series born at 1 has no increase to show). Called for
  /// each stored pipeline at start-up and when a pipeline is applied.
  void KnowPipeline(const std::string& pipeline) const;
};

}  // namespace ingestd::server_metrics
