// `ingestd run SPEC.json`: runs one pipeline once, in this process, and
// prints the load summary. Exit code 0 only when the load committed.

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>

#include "core/extract/http/http_metrics.hpp"
#include "core/metrics/registry.hpp"
#include "core/metrics/text_exposition.hpp"
#include "core/package/file_io.hpp"
#include "core/pipeline/pipeline_runner.hpp"
#include "server/config/daemon_config.hpp"
#include "server/daemon/normalize_pool.hpp"

namespace ingestd::commands {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ingestd run SPEC.json [--data-dir DIR] [--metrics-file PATH] [--normalize-workers N]
                   [--normalize-memory-limit-mb MIB]

Runs the pipeline described by SPEC.json once: finishes packages an earlier
run left pending, extracts every resource into a new load package,
normalizes it and loads it into the destination in one transaction. Exits 0
only when the load committed. See docs/pipeline-spec.md.

options:
  --data-dir DIR   where ingestd keeps schemas, state, load packages and the
                   default SQLite destination (default: $INGESTD_DATA_DIR, else
                   ./.ingestd)
  --metrics-file PATH
                   after the run, write the run's metrics (HTTP requests,
                   retries, waits) to PATH in the Prometheus text format
  --normalize-workers N
                   normalize in N worker processes (default:
                   $INGESTD_NORMALIZE_WORKERS, else the number of cores);
                   0 normalizes in this process. The loaded data is the same.
  --normalize-memory-limit-mb MIB
                   address-space limit of each worker (default:
                   $INGESTD_NORMALIZE_MEMORY_LIMIT_MB, else 2048; 0: none)

HTTP retries, rate-limit waits and paginator detection are reported on
stderr as they happen.
)";

std::string Seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << s << " s";
  return out.str();
}

void PrintSummary(const pipeline::RunSummary& summary) {
  std::cout << "pipeline " << summary.pipeline << " -> " << summary.destination << " (dataset "
            << summary.dataset << ")\n";
  if (summary.restored_from_destination) {
    std::cout << "restored schema and state from the destination (empty data directory)\n";
  }
  for (const pipeline::PackageSummary& p : summary.packages) {
    std::cout << "\nload " << p.load_id;
    if (p.resumed) std::cout << "  (pending package from an earlier run, completed first)";
    if (p.already_loaded) std::cout << "  (already in the destination: not loaded again)";
    std::cout << "\n";
    if (!p.resumed) std::cout << "  items extracted: " << p.items_extracted << "\n";
    std::uint64_t total = 0;
    for (const auto& [table, rows] : p.rows_per_table) {
      std::cout << "  " << table << std::string(table.size() < 40 ? 40 - table.size() : 1, ' ') << rows
                << " rows\n";
      total += rows;
    }
    std::cout << "  total rows: " << total << "\n";
    if (!p.new_tables.empty()) {
      std::cout << "  new tables:";
      for (const auto& t : p.new_tables) std::cout << " " << t;
      std::cout << "\n";
    }
    if (!p.new_columns.empty()) std::cout << "  new columns: " << p.new_columns.size() << "\n";
    std::cout << "  contract violations: " << p.violation_total << "\n";
    for (const auto& v : p.violations) std::cout << "    " << v.Describe() << "\n";
    std::cout << "  schema version " << p.schema_version << (p.state_stored ? ", state stored" : "") << "\n";
    std::cout << "  time: extract " << Seconds(p.times.extract) << ", normalize "
              << Seconds(p.times.normalize) << ", load " << Seconds(p.times.load) << "\n";
  }
}

bool ParseCount(std::string_view text, std::size_t max, std::size_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

}  // namespace

int RunRun(int argc, char** argv) {
  std::string spec_path;
  std::string data_dir;
  std::string metrics_file;
  std::string workers_text;
  std::string memory_text;
  if (const char* env = std::getenv("INGESTD_DATA_DIR"); env != nullptr && *env != '\0') data_dir = env;
  if (const char* env = std::getenv("INGESTD_NORMALIZE_WORKERS"); env != nullptr && *env != '\0') workers_text = env;
  if (const char* env = std::getenv("INGESTD_NORMALIZE_MEMORY_LIMIT_MB"); env != nullptr && *env != '\0') {
    memory_text = env;
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--data-dir") {
      if (i + 1 >= argc) {
        std::cerr << "ingestd run: --data-dir needs a directory\n\n" << kUsage;
        return 2;
      }
      data_dir = argv[++i];
    } else if (arg == "--metrics-file") {
      if (i + 1 >= argc) {
        std::cerr << "ingestd run: --metrics-file needs a path\n\n" << kUsage;
        return 2;
      }
      metrics_file = argv[++i];
    } else if (arg == "--normalize-workers" || arg == "--normalize-memory-limit-mb") {
      if (i + 1 >= argc) {
        std::cerr << "ingestd run: " << arg << " needs a number\n\n" << kUsage;
        return 2;
      }
      (arg == "--normalize-workers" ? workers_text : memory_text) = argv[++i];
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "ingestd run: unknown option " << arg << "\n\n" << kUsage;
      return 2;
    } else if (spec_path.empty()) {
      spec_path = std::string(arg);
    } else {
      std::cerr << "ingestd run: one spec file only\n\n" << kUsage;
      return 2;
    }
  }
  if (spec_path.empty()) {
    std::cerr << "ingestd run: no spec file\n\n" << kUsage;
    return 2;
  }
  if (data_dir.empty()) data_dir = ".ingestd";
  std::size_t workers = config::DefaultNormalizeWorkers();
  std::size_t memory_limit_mb = 2048;
  if (!workers_text.empty() && !ParseCount(workers_text, 256, workers)) {
    std::cerr << "ingestd run: --normalize-workers (or INGESTD_NORMALIZE_WORKERS): expected 0 to 256, got \""
              << workers_text << "\"\n";
    return 2;
  }
  if (!memory_text.empty() && !ParseCount(memory_text, 1u << 22, memory_limit_mb)) {
    std::cerr << "ingestd run: --normalize-memory-limit-mb (or INGESTD_NORMALIZE_MEMORY_LIMIT_MB): expected 0 to "
              << (1u << 22) << ", got \"" << memory_text << "\"\n";
    return 2;
  }

  auto spec = pipeline::LoadPipelineSpecFile(spec_path);
  if (!spec.ok()) {
    std::cerr << "ingestd run: " << spec.error().message() << "\n";
    return 2;
  }
  pipeline::RunOptions options;
  options.data_dir = data_dir;
  options.now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  options.clock = [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  std::random_device random;
  options.row_id_seed = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  // Crash-test hook: INGESTD_CRASH_AT=<point> kills the process with SIGKILL
  // at that point of the run (see RunOptions::checkpoint), as a power cut
  // would; tests then check that the next run recovers exactly once.
  if (const char* crash = std::getenv("INGESTD_CRASH_AT"); crash != nullptr && *crash != '\0') {
    std::string at = crash;
    options.checkpoint = [at](std::string_view point) {
      if (point == at) std::raise(SIGKILL);
    };
  }
  options.random_seed = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  options.on_event = [](const pipeline::RunEvent& event) {
    // Stages and progress come too often for a terminal; the summary
    // reports their outcome.
    if (event.kind == pipeline::RunEvent::Kind::kStageStarted ||
        event.kind == pipeline::RunEvent::Kind::kStageFinished ||
        event.kind == pipeline::RunEvent::Kind::kProgress) {
      return;
    }
    std::cerr << "ingestd run: " << pipeline::FormatRunEvent(event) << "\n";
  };
  metrics::Registry registry;
  auto http_metrics = extract::http::HttpMetrics::Register(registry);
  if (http_metrics.ok()) options.http_metrics = &*http_metrics;
  auto pool = daemon::StartNormalizePool(workers, memory_limit_mb);
  if (!pool.ok()) {
    std::cerr << "ingestd run: " << pool.error().message() << "\n";
    return 1;
  }
  options.normalize_pool = pool->get();
  // Benchmark knobs (docs/benchmarks.md), not settings: load after
  // normalization, or normalize after extraction, instead of alongside, to
  // measure what the overlap gains.
  const auto knob = [](const char* name) {
    const char* env = std::getenv(name);
    return env != nullptr && std::string_view(env) == "1";
  };
  if (knob("INGESTD_BENCH_SEQUENTIAL_LOAD")) options.overlap_load = false;
  if (knob("INGESTD_BENCH_SEQUENTIAL_EXTRACT")) options.overlap_extract = false;
  if (const char* format = std::getenv("INGESTD_PG_COPY_FORMAT"); format != nullptr && *format != '\0') {
    using Choice = destinations::postgres::PostgresConfig::CopyFormatChoice;
    const std::string_view f = format;
    if (f != "text" && f != "binary") {
      std::cerr << "ingestd run: INGESTD_PG_COPY_FORMAT must be text or binary, not " << f << "\n";
      return 2;
    }
    options.pg_copy_format = f == "text" ? Choice::kText : Choice::kBinary;
  }
  auto summary = pipeline::RunPipeline(*spec, options);
  if (!metrics_file.empty()) {
    Status written = package::WriteFileAtomically(metrics_file, metrics::RenderText(registry));
    if (!written.ok()) std::cerr << "ingestd run: " << written.error().message() << "\n";
  }
  if (!summary.ok()) {
    std::cerr << "ingestd run: pipeline " << spec->name << " failed: " << summary.error().message() << "\n";
    return 1;
  }
  PrintSummary(*summary);
  return 0;
}

}  // namespace ingestd::commands
