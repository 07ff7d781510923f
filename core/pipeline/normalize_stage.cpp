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

  // The next finished job; nullopt when `wake_fd` became readable first
  // (only with workers: in this process a job runs to its end). Outer
  // error: the stop was requested.
  Result<std::optional<workers::NormalizeJobOutcome>> Next(const std::stop_token& stop, int wake_fd) {
    if (session_) {
      INGESTD_ASSIGN_OR_RETURN(std::optional<workers::NormalizeJobOutcome> outcome, session_->Next(stop, wake_fd));
      if (!outcome && session_->pending() == 0) return Internal("normalize: waited for a job with none pending");
      return outcome;
    }
    if (queued_.empty()) return Internal("normalize: waited for a job with none pending");
    workers::NormalizeJob job = std::move(queued_.front());
    queued_.erase(queued_.begin());
    Result<workers::NormalizeJobResult> result = workers::RunNormalizeJob(job, stop);
    if (stop.stop_requested()) return Error(ErrorCode::kCancelled, "run cancelled during normalize");
    return std::optional<workers::NormalizeJobOutcome>(workers::NormalizeJobOutcome{job.id, std::move(result)});
  }

 private:
  std::optional<workers::NormalizeWorkerPool::Session> session_;
  std::vector<workers::NormalizeJob> queued_;
};

std::string PathIn(const std::string& package_dir, std::string_view relative) {
  std::string path = package_dir;
  path.push_back('/');
  path.append(relative);
  return path;
}

// Files of a job whose output is dropped (it is redone).
void RemoveJobFiles(const std::string& package_dir, const workers::NormalizeJobResult& result) {
  for (const package::TableFiles& table : result.tables) {
    for (const std::string& relative : table.files) {
      std::error_code ignored;
      std::filesystem::remove(PathIn(package_dir, relative), ignored);
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

Result<NormalizeTarget> NormalizeTarget::Prepare(package::LoadPackage& package) {
  NormalizeTarget target;
  target.package_dir = package.dir();
  INGESTD_ASSIGN_OR_RETURN(target.output_dir, package.PrepareNormalizedDir());
  target.load_id = package.load_id();
  target.created_at = package.created_at();
  return target;
}

Result<NormalizeStageResult> RunNormalizeStage(const NormalizeTarget& target, const NormalizeStageOptions& options,
                                               ItemFileFeed& feed) {
  const schema::Schema& start = *options.start;
  const std::string start_json = schema::SchemaToJson(start);

  // A job per item file, keyed by its merge position (resource, file).
  struct Slot {
    workers::NormalizeJob job;
    std::string input;  // relative path, for error messages
    std::optional<Result<workers::NormalizeJobResult>> result;
    bool redone = false;
  };
  using Key = std::pair<std::size_t, std::size_t>;
  std::map<Key, Slot> slots;
  std::map<std::uint64_t, Key> key_of_job;  // executor ids are arrival order
  std::map<std::size_t, std::size_t> files_of_ended;
  std::optional<std::size_t> resources;  // known once extraction ended
  Key cursor{0, 0};                       // the next position to merge
  std::uint64_t next_id = 0;
  std::size_t outstanding = 0;
  std::size_t merged = 0;

  NormalizeStageResult out;
  Merger merger(start, out);
  JobExecutor executor(options.pool);
  auto submit = [&](Slot& slot, Key key) {
    slot.job.id = next_id++;
    key_of_job[slot.job.id] = key;
    executor.Submit(slot.job);
    ++outstanding;
  };

  while (true) {
    ItemFileFeed::Batch batch = feed.Take();
    for (ItemFileFeed::File& file : batch.files) {
      const Key key{file.resource, file.index};
      if (key < cursor || slots.count(key) > 0) {
        return Internal("normalize: item file " + file.relative + " was announced twice");
      }
      Slot& slot = slots[key];
      workers::NormalizeJob& job = slot.job;
      job.input_path = PathIn(target.package_dir, file.relative);
      job.root_table = std::move(file.table);
      job.output_dir = target.output_dir;
      job.file_tag = "j" + std::to_string(file.resource) + "_" + std::to_string(file.index);
      job.schema_json = start_json;
      job.load_id = target.load_id;
      job.max_identifier_length = options.max_identifier_length;
      job.row_id_seed = Mix(options.row_id_seed ^ Mix((std::uint64_t{file.resource} << 32) | file.index));
      job.now_unix_seconds = target.created_at;
      job.file_options = options.file_options;
      slot.input = std::move(file.relative);
      submit(slot, key);
      ++out.jobs;
    }
    for (const ItemFileFeed::EndedResource& ended : batch.ended) files_of_ended[ended.resource] = ended.files;
    if (batch.resources) resources = batch.resources;

    // Merge in (resource, file) order whatever is ready.
    bool waiting_for_redo = false;
    while (!waiting_for_redo) {
      if (resources && cursor.first >= *resources) return out;
      auto ended = files_of_ended.find(cursor.first);
      if (ended != files_of_ended.end() && cursor.second >= ended->second) {
        cursor = Key{cursor.first + 1, 0};
        continue;
      }
      if (resources && ended == files_of_ended.end()) {
        // End comes after every EndResource: a feed that skipped one would
        // leave this stage waiting forever.
        return Internal("normalize: extraction ended without ending resource " + std::to_string(cursor.first));
      }
      auto it = slots.find(cursor);
      if (it == slots.end() || !it->second.result) break;
      Slot& slot = it->second;
      Result<workers::NormalizeJobResult>& result = *slot.result;
      if (!result.ok()) return std::move(result).error();
      INGESTD_ASSIGN_OR_RETURN(workers::MergeVerdict verdict, merger.Merge(*result));
      if (verdict == workers::MergeVerdict::kRedo) {
        // A job normalized against the merged schema adds only columns that
        // schema lacks, so a second redo would be a bug, not bad data.
        if (slot.redone) return Internal("normalize: " + slot.input + " conflicts after it was redone");
        slot.redone = true;
        // Normalize this file again against everything merged so far; the
        // jobs after it are unaffected (they are merged the same way).
        RemoveJobFiles(target.package_dir, *result);
        slot.result.reset();
        slot.job.file_tag += "r";
        slot.job.schema_json = schema::SchemaToJson(merger.RedoSchema());
        submit(slot, cursor);
        ++out.redone_jobs;
        waiting_for_redo = true;
        continue;
      }
      if (options.on_job_merged) options.on_job_merged(*result, out.schema, out.rows, out.bytes);
      if (merged++ == 0 && options.on_first_job) options.on_first_job();
      slots.erase(it);  // its files are listed; free the memory
      ++cursor.second;
    }

    if (outstanding == 0) {
      // Nothing running: only new files (or the end) can move things on.
      INGESTD_TRY(feed.WaitForInput(options.stop));
      continue;
    }
    INGESTD_ASSIGN_OR_RETURN(std::optional<workers::NormalizeJobOutcome> outcome,
                             executor.Next(options.stop, feed.wake_fd()));
    if (!outcome) continue;  // new files arrived
    --outstanding;
    auto key = key_of_job.find(outcome->id);
    if (key == key_of_job.end()) return Internal("normalize: unexpected result for job " + std::to_string(outcome->id));
    auto slot = slots.find(key->second);
    if (slot == slots.end() || slot->second.result) {
      return Internal("normalize: unexpected result for job " + std::to_string(outcome->id));
    }
    key_of_job.erase(key);
    slot->second.result = std::move(outcome->result);
  }
}

Result<NormalizeStageResult> RunNormalizeStage(package::LoadPackage& package, const NormalizeStageOptions& options) {
  INGESTD_ASSIGN_OR_RETURN(ItemFileFeed feed, ItemFileFeed::Create());
  const std::vector<package::ResourceFiles>& extracted = package.manifest().resources;
  for (std::size_t r = 0; r < extracted.size(); ++r) {
    for (std::size_t i = 0; i < extracted[r].files.size(); ++i) {
      feed.AddFile(r, i, extracted[r].table, extracted[r].files[i]);
    }
    feed.EndResource(r, extracted[r].files.size());
  }
  feed.End(extracted.size());
  INGESTD_ASSIGN_OR_RETURN(NormalizeTarget target, NormalizeTarget::Prepare(package));
  return RunNormalizeStage(target, options, feed);
}

}  // namespace ingestd::pipeline
