// Normalizer throughput on GitHub-issue-shaped records (the data dlt's
// baseline was measured on). Input: INGESTD_BENCH_DATA, a JSONL file from
//   python3 bench/gen_issues.py 20000 /tmp/issues.jsonl
// (default /tmp/ingestd_bench_issues.jsonl). See docs/benchmarks.md.
//
// BM_ParseOnly is RapidJSON's SAX parse with a handler that does nothing:
// the floor of what any JSON normalizer can cost. BM_Normalize is the full
// relational normalizer (naming, flattening, child tables, ids, inference,
// coercion, contracts), single-threaded, with the schema already learned
// (the steady state of a long load) and, separately, from an empty schema.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json/rapidjson.hpp"
#include "core/normalize/json_normalizer.hpp"

namespace {

using namespace ingestd;

const std::string& Data() {
  static const std::string data = [] {
    const char* path = std::getenv("INGESTD_BENCH_DATA");
    std::string file = path ? path : "/tmp/ingestd_bench_issues.jsonl";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr,
                   "no benchmark data at %s: run python3 bench/gen_issues.py 20000 %s\n",
                   file.c_str(), file.c_str());
      std::exit(2);
    }
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  return data;
}

// The input cut into ~4 MiB blocks at line ends, as a file reader feeds it.
std::vector<std::string_view> Blocks() {
  const std::string& d = Data();
  std::vector<std::string_view> blocks;
  std::size_t start = 0;
  while (start < d.size()) {
    std::size_t end = std::min(d.size(), start + (4u << 20));
    if (end < d.size()) end = d.find('\n', end) + 1;
    if (end == 0) end = d.size();
    blocks.push_back(std::string_view(d).substr(start, end - start));
    start = end;
  }
  return blocks;
}

std::size_t CountLines(const std::string& d) {
  return static_cast<std::size_t>(std::count(d.begin(), d.end(), '\n'));
}

struct NullHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, NullHandler> {
  bool Default() { return true; }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return true; }
};

void BM_ParseOnly(benchmark::State& state) {
  const std::string& d = Data();
  std::string buffer;
  for (auto _ : state) {
    buffer.assign(d);
    buffer.append(17, '\0');  // NUL + padding for RapidJSON's SIMD reads
    rapidjson::InsituStringStream stream(buffer.data());
    rapidjson::Reader reader;
    NullHandler handler;
    while (true) {
      rapidjson::SkipWhitespace(stream);
      if (stream.Peek() == '\0') break;
      reader.Parse<rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                   rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag |
                   rapidjson::kParseStopWhenDoneFlag>(stream, handler);
    }
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * CountLines(d)));
}
BENCHMARK(BM_ParseOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

normalize::NormalizeOptions Options() {
  normalize::NormalizeOptions options;
  options.load_id = "1700000000.000001";
  options.row_id_seed = 7;
  return options;
}

void RunAll(normalize::JsonNormalizer& n, const std::vector<std::string_view>& blocks,
            normalize::NormalizedBatch& batch, std::size_t& rows) {
  for (std::string_view block : blocks) {
    Status s = n.NormalizeLines(block, "issues", batch);
    if (!s.ok()) {
      std::fprintf(stderr, "normalize failed: %s\n", s.error().message().c_str());
      std::exit(1);
    }
    rows += batch.row_count();
    batch.Clear();
  }
}

// Steady state: the schema has seen the data once already.
void BM_Normalize(benchmark::State& state) {
  const auto blocks = Blocks();
  auto first = normalize::JsonNormalizer::Create(schema::Schema::CreateDefault("bench"), Options());
  normalize::NormalizedBatch batch;
  std::size_t rows = 0;
  RunAll(*first, blocks, batch, rows);
  schema::Schema learned = first->schema();
  rows = 0;
  for (auto _ : state) {
    auto n = normalize::JsonNormalizer::Create(learned, Options());
    RunAll(*n, blocks, batch, rows);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Data().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * CountLines(Data())));
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Normalize)->Unit(benchmark::kMillisecond)->UseRealTime();

// First load: every table and column is discovered on the way.
void BM_NormalizeFromEmptySchema(benchmark::State& state) {
  const auto blocks = Blocks();
  normalize::NormalizedBatch batch;
  std::size_t rows = 0;
  for (auto _ : state) {
    auto n = normalize::JsonNormalizer::Create(schema::Schema::CreateDefault("bench"), Options());
    RunAll(*n, blocks, batch, rows);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Data().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * CountLines(Data())));
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_NormalizeFromEmptySchema)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
