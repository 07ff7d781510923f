#include "core/workers/normalize_job.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/naming/snake_case_convention.hpp"
#include "core/normalize/json_normalizer.hpp"
#include "core/package/file_io.hpp"
#include "core/schema/schema_json.hpp"

namespace ingestd::workers {
namespace {

// Read size; a block is cut at its last line end, so memory stays bounded by
// this plus the longest line whatever the file size.
constexpr std::size_t kBlockBytes = 4u << 20;

}  // namespace

Result<NormalizeJobResult> RunNormalizeJob(const NormalizeJob& job, const std::stop_token& stop) {
  const auto context = [&job](Error error) { return error.WithContext("normalizing " + job.input_path); };
  auto schema = schema::SchemaFromJson(job.schema_json);
  if (!schema.ok()) return context(std::move(schema).error().WithContext("job schema"));

  normalize::NormalizeOptions options;
  options.load_id = job.load_id;
  options.naming = std::make_shared<naming::SnakeCaseConvention>(job.max_identifier_length);
  options.max_identifier_length = job.max_identifier_length;
  options.row_id_seed = job.row_id_seed;
  options.now_unix_seconds = job.now_unix_seconds;
  const std::size_t max_violation_records = options.max_violation_records;
  auto created = normalize::JsonNormalizer::Create(*schema, std::move(options));
  if (!created.ok()) return context(std::move(created).error());
  normalize::JsonNormalizer normalizer = std::move(created).value();

  auto writer = package::LoadFileSetWriter::Create(job.output_dir, job.file_options, job.file_tag);
  if (!writer.ok()) return context(std::move(writer).error());
  auto fd = package::OpenForRead(job.input_path);
  if (!fd.ok()) return context(std::move(fd).error());

  NormalizeJobResult result;
  result.id = job.id;
  normalize::NormalizedBatch batch;
  std::vector<char> block(kBlockBytes);
  std::string carry;
  while (true) {
    if (stop.stop_requested()) return Error(ErrorCode::kCancelled, "normalizing " + job.input_path + ": cancelled");
    auto read = package::ReadUpTo(fd->get(), job.input_path, block.data(), block.size());
    if (!read.ok()) return context(std::move(read).error());
    const std::size_t n = *read;
    carry.append(block.data(), n);
    const bool at_end = n == 0;
    std::size_t cut = at_end ? carry.size() : carry.rfind('\n');
    if (cut == std::string::npos) continue;
    if (!at_end) ++cut;
    if (cut > 0) {
      Status s = normalizer.NormalizeLines(std::string_view(carry).substr(0, cut), job.root_table, batch);
      result.violation_total += batch.violation_total();
      for (const contracts::ContractViolation& v : batch.violations()) {
        if (result.violations.size() >= max_violation_records) break;
        result.violations.push_back(v);
      }
      if (!s.ok()) return context(std::move(s).error());
      Status appended = writer->AppendBatch(batch, normalizer.schema());
      if (!appended.ok()) return context(std::move(appended).error());
      result.rows += batch.row_count();
      result.bytes += cut;
      batch.Clear();
      carry.erase(0, cut);
    }
    if (at_end) break;
  }
  auto tables = writer->Finish();
  if (!tables.ok()) return context(std::move(tables).error());
  result.tables = std::move(tables).value();
  result.items = normalizer.items_seen();
  result.update = normalizer.TakeUpdate();
  return result;
}

}  // namespace ingestd::workers
