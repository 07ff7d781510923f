#include "core/pipeline/normalize_stage.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/schema/schema_json.hpp"
#include "core/workers/job_update_merge.hpp"

namespace ingestd::pipeline {
namespace {

// Runs jobs on the pool, or in this process one at a time when there is
// none. Either way Next() hands back finished jobs with their ids.
class JobExecutor {
 public:
  explicit JobExecutor(workers::NormalizeWorkerPool* pool) {
    if (pool != nullptr) session_.emplace(pool->OpenSession());
  }

  void Submit(workers::NormalizeJob job) {
    if (session_) {
      session_->Submit(std::move(job));
    } else {
      queued_.push_back(std::move(job));
    }
  }

  // The next finished job. Outer error: the stop was requested.
  Result<workers::NormalizeJobOutcome> Next(const std::stop_token& stop) {
    if (session_) {
      INGESTD_ASSIGN_OR_RETURN(std::optional<workers::NormalizeJobOutcome> outcome, session_->Next(stop));
      if (!outcome) return Internal("normalize: waited for a job with none pending");
      return std::move(*outcome);
    }
    if (queued_.empty()) return Internal("normalize: waited for a job with none pending");
    workers::NormalizeJob job = std::move(queued_.front());
    queued_.erase(queued_.begin());
    Result<workers::NormalizeJobResult> result = workers::RunNormalizeJob(job, stop);
    if (stop.stop_requested()) return Error(ErrorCode::kCancelled, "run cancelled during normalize");
    return workers::NormalizeJobOutcome{job.id, std::move(result)};
  }

 private:
  std::optional<workers::NormalizeWorkerPool::Session> session_;
  std::vector<workers::NormalizeJob> queued_;
};

// Files of a job whose output is dropped (it is redone).
void RemoveJobFiles(const package::LoadPackage& package, const workers::NormalizeJobResult& result) {
  for (const package::TableFiles& table : result.tables) {
    for (const std::string& relative : table.files) {
      std::error_code ignored;
      std::filesystem::remove(package.PathOf(relative), ignored);
    }
  }
}

// Collects tables, files and schema additions in job order.
class Merger {
 public:
  Merger(const schema::Schema& start, NormalizeStageResult& out) : start_(start), out_(out) {
    out_.schema = start;
  }

  // Returns kRedo when the job must run again against RedoSchema().
  Result<workers::MergeVerdict> Merge(const workers::NormalizeJobResult& result) {
    INGESTD_ASSIGN_OR_RETURN(workers::MergeVerdict verdict, workers::MergeJobUpdate(out_.schema, result.update));
    if (verdict == workers::MergeVerdict::kRedo) return verdict;
    for (const schema::TableSchema& partial : result.update.tables) {
      const schema::TableSchema* before = start_.FindTable(partial.name());
      const bool is_new = before == nullptr || !before->HasCompleteColumns();
      if (is_new && !partial.columns().empty() && new_table_names_.insert(partial.name()).second) {
        out_.new_tables.push_back(partial.name());
      }
      for (const schema::ColumnSchema& c : partial.columns()) {
        std::string name = partial.name() + "." + c.name;
        if (new_column_names_.insert(name).second) out_.new_columns.push_back(std::move(name));
      }
    }
    for (const package::TableFiles& files : result.tables) {
      auto [it, inserted] = table_index_.try_emplace(files.table, out_.tables.size());
      if (inserted) out_.tables.push_back(package::TableFiles{files.table, {}, 0});
      package::TableFiles& into = out_.tables[it->second];
      into.files.insert(into.files.end(), files.files.begin(), files.files.end());
      into.rows += files.rows;
    }
    out_.rows += result.rows;
    out_.bytes += result.bytes;
    return verdict;
  }

  schema::Schema RedoSchema() const { return workers::RedoSchema(out_.schema, start_); }

 private:
  const schema::Schema& start_;
  NormalizeStageResult& out_;
  std::map<std::string, std::size_t, std::less<>> table_index_;
  std::set<std::string, std::less<>> new_table_names_;
  std::set<std::string, std::less<>> new_column_names_;
};

// A 64-bit mix (splitmix64) so neighbouring job indexes give unrelated seeds.
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

Result<NormalizeStageResult> RunNormalizeStage(package::LoadPackage& package, const NormalizeStageOptions& options) {
  const schema::Schema& start = *options.start;
  INGESTD_ASSIGN_OR_RETURN(std::string output_dir, package.PrepareNormalizedDir());

  // One job per item file, in manifest order: that order decides the merge.
  std::vector<workers::NormalizeJob> jobs;
  std::vector<std::string> inputs;  // relative paths, for error messages
  const std::string start_json = schema::SchemaToJson(start);
  for (const package::ResourceFiles& resource : package.manifest().resources) {
    for (const std::string& relative : resource.files) {
      workers::NormalizeJob job;
      job.id = jobs.size();
      job.input_path = package.PathOf(relative);
      job.root_table = resource.table;
      job.output_dir = output_dir;
      job.file_tag = "j" + std::to_string(job.id);
      job.schema_json = start_json;
      job.load_id = package.load_id();
      job.max_identifier_length = options.max_identifier_length;
      job.row_id_seed = Mix(options.row_id_seed ^ Mix(job.id));
      job.now_unix_seconds = package.created_at();
      job.file_options = options.file_options;
      jobs.push_back(std::move(job));
      inputs.push_back(relative);
    }
  }

  NormalizeStageResult out;
  out.jobs = jobs.size();
  Merger merger(start, out);
  JobExecutor executor(options.pool);
  for (const workers::NormalizeJob& job : jobs) executor.Submit(job);

  // Results arrive in any order; they join the schema in job order.
  std::vector<std::optional<Result<workers::NormalizeJobResult>>> finished(jobs.size());
  std::vector<bool> redone(jobs.size(), false);
  std::size_t next = 0;
  std::size_t outstanding = jobs.size();
  while (next < jobs.size()) {
    if (!finished[next]) {
      if (outstanding == 0) return Internal("normalize: job " + std::to_string(next) + " never finished");
      INGESTD_ASSIGN_OR_RETURN(workers::NormalizeJobOutcome outcome, executor.Next(options.stop));
      --outstanding;
      if (outcome.id >= jobs.size() || finished[outcome.id]) {
        return Internal("normalize: unexpected result for job " + std::to_string(outcome.id));
      }
      finished[outcome.id] = std::move(outcome.result);
      continue;
    }
    Result<workers::NormalizeJobResult>& result = *finished[next];
    if (!result.ok()) return std::move(result).error();
    INGESTD_ASSIGN_OR_RETURN(workers::MergeVerdict verdict, merger.Merge(*result));
    if (verdict == workers::MergeVerdict::kRedo) {
      // A job normalized against the merged schema adds only columns that
      // schema lacks, so a second redo would be a bug, not bad data.
      if (redone[next]) return Internal("normalize: " + inputs[next] + " conflicts after it was redone");
      redone[next] = true;
      // Normalize this file again against everything merged so far; the
      // jobs after it are unaffected (they are merged the same way). The
      // redo comes back under the same id; other jobs may arrive first.
      RemoveJobFiles(package, *result);
      workers::NormalizeJob redo = jobs[next];
      redo.file_tag += "r";
      redo.schema_json = schema::SchemaToJson(merger.RedoSchema());
      executor.Submit(std::move(redo));
      ++outstanding;
      ++out.redone_jobs;
      finished[next].reset();
      continue;
    }
    if (options.on_job_merged) options.on_job_merged(*result, out.schema, out.rows, out.bytes);
    if (next == 0 && options.on_first_job) options.on_first_job();
    finished[next].reset();  // its files are listed; free the memory
    ++next;
  }
  return out;
}

}  // namespace ingestd::pipeline
