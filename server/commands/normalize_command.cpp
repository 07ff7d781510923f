// `ingestd normalize`: runs the relational normalizer over JSON files and
// prints the tables, columns and rows it produced, and the resulting schema.
// It loads nothing: it shows what a load would create.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/infer/timestamp_detection.hpp"
#include "core/normalize/json_normalizer.hpp"
#include "core/schema/schema_json.hpp"

namespace ingestd::commands {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ingestd normalize [options] FILE...

Normalizes JSON (one document, or an array of items) and JSON Lines files
(.jsonl, .ndjson) into flat, typed tables the way a load would, and prints
each table's columns, row count and first rows, then the schema. Nothing is
loaded anywhere.

options:
  --table NAME                  root table name (default: the first file's name without extension)
  --max-table-nesting N         nesting budget before values are kept as json (default 1000)
  --max-identifier-length N     shorten longer names with a hash tag (default 63, PostgreSQL's)
  --contract MODE               schema contract for all entities: evolve|freeze|discard_row|discard_value
  --sample-rows N               rows printed per table (default 3)
  --schema-out FILE             write the schema (dlt stored-schema JSON) to FILE
  --print-schema                print the schema JSON instead of the summary of it
)";

struct Options {
  std::string table;
  int max_nesting = 1000;
  std::size_t max_identifier_length = 63;
  std::optional<schema::ContractMode> contract;
  std::size_t sample_rows = 3;
  std::string schema_out;
  bool print_schema = false;
  std::vector<std::string> files;
};

bool ParseSize(const char* text, std::size_t& out) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') return false;
  out = static_cast<std::size_t>(v);
  return true;
}

int UsageError(std::string_view message) {
  std::cerr << "ingestd normalize: " << message << "\n\n" << kUsage;
  return 2;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Stem(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  return name.substr(0, name.find('.'));
}

std::string Display(const schema::Value& v) {
  using schema::DataType;
  switch (v.type) {
    case DataType::kBigint: return std::to_string(v.int_value);
    case DataType::kDouble: return std::to_string(v.double_value);
    case DataType::kBool: return v.bool_value ? "true" : "false";
    case DataType::kTimestamp: return infer::FormatTimestamp(v.int_value);
    case DataType::kDate: return infer::FormatDate(v.int_value);
    case DataType::kTime: return infer::FormatTime(v.int_value);
    default: {
      std::string s(v.text);
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return s;
    }
  }
}

struct TableStats {
  std::uint64_t rows = 0;
  std::vector<std::string> samples;
};

// Folds a batch into per-table counts and sample rows, then clears it, so
// memory stays flat however large the input is.
void Absorb(normalize::NormalizedBatch& batch, const schema::Schema& schema,
            std::vector<std::pair<std::string, TableStats>>& stats, std::size_t sample_rows) {
  for (const normalize::TableRows& t : batch.tables()) {
    auto it = std::find_if(stats.begin(), stats.end(), [&](auto& p) { return p.first == t.table; });
    if (it == stats.end()) it = stats.insert(stats.end(), {t.table, {}});
    const schema::TableSchema* ts = schema.FindTable(t.table);
    for (std::size_t r = 0; r < t.row_count() && it->second.samples.size() < sample_rows; ++r) {
      std::string line;
      for (const normalize::Cell& c : t.Row(r)) {
        if (!line.empty()) line += ", ";
        line += ts->column(c.column).name + "=" + Display(c.value);
      }
      it->second.samples.push_back(std::move(line));
    }
    it->second.rows += t.row_count();
  }
}

Status NormalizeFile(const std::string& path, const std::string& table,
                     normalize::JsonNormalizer& normalizer, normalize::NormalizedBatch& batch,
                     std::vector<std::pair<std::string, TableStats>>& stats, std::size_t sample_rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path + ": " + std::strerror(errno));
  const bool lines = EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson");
  if (!lines) {
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INGESTD_TRY(normalizer.Normalize(data, table, batch));
    Absorb(batch, normalizer.schema(), stats, sample_rows);
    batch.Clear();
    return OkStatus();
  }
  // JSON Lines in blocks cut at line ends: bounded memory for any file size.
  constexpr std::size_t kBlock = 4 * 1024 * 1024;
  std::string carry;
  std::vector<char> block(kBlock);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    carry.append(block.data(), static_cast<std::size_t>(in.gcount()));
    std::size_t cut = in ? carry.rfind('\n') : carry.size();
    if (cut == std::string::npos) continue;  // a line longer than a block: keep reading
    if (in) ++cut;
    INGESTD_TRY(normalizer.NormalizeLines(std::string_view(carry).substr(0, cut), table, batch));
    Absorb(batch, normalizer.schema(), stats, sample_rows);
    batch.Clear();
    carry.erase(0, cut);
  }
  return OkStatus();
}

}  // namespace

int RunNormalize(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--table") {
      const char* v = value("--table");
      if (v == nullptr || *v == '\0') return UsageError("--table needs a name");
      opt.table = v;
    } else if (arg == "--max-table-nesting") {
      const char* v = value("--max-table-nesting");
      std::size_t n = 0;
      if (v == nullptr || !ParseSize(v, n) || n > 100000) {
        return UsageError("--max-table-nesting needs a number from 0 to 100000");
      }
      opt.max_nesting = static_cast<int>(n);
    } else if (arg == "--max-identifier-length") {
      const char* v = value("--max-identifier-length");
      if (v == nullptr || !ParseSize(v, opt.max_identifier_length) ||
          (opt.max_identifier_length > 0 && opt.max_identifier_length < 8)) {
        return UsageError("--max-identifier-length needs 0 (no limit) or a number of at least 8");
      }
    } else if (arg == "--contract") {
      const char* v = value("--contract");
      auto mode = v ? schema::ParseContractMode(v) : std::nullopt;
      if (!mode) return UsageError("--contract needs one of evolve, freeze, discard_row, discard_value");
      opt.contract = mode;
    } else if (arg == "--sample-rows") {
      const char* v = value("--sample-rows");
      if (v == nullptr || !ParseSize(v, opt.sample_rows)) return UsageError("--sample-rows needs a number");
    } else if (arg == "--schema-out") {
      const char* v = value("--schema-out");
      if (v == nullptr) return UsageError("--schema-out needs a file name");
      opt.schema_out = v;
    } else if (arg == "--print-schema") {
      opt.print_schema = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return UsageError("unknown option " + std::string(arg));
    } else {
      opt.files.emplace_back(arg);
    }
  }
  if (opt.files.empty()) return UsageError("no input files");
  if (opt.table.empty()) opt.table = Stem(opt.files.front());

  schema::Schema schema = schema::Schema::CreateDefault(opt.table);
  if (opt.contract) schema.settings.schema_contract = schema::SchemaContract::All(*opt.contract);
  normalize::NormalizeOptions options;
  options.max_nesting = opt.max_nesting;
  options.max_identifier_length = opt.max_identifier_length;
  std::random_device random;
  options.row_id_seed = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  options.load_id = std::to_string(std::chrono::duration<double>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
  auto normalizer = normalize::JsonNormalizer::Create(schema, options);
  if (!normalizer.ok()) {
    std::cerr << "ingestd normalize: " << normalizer.error().message() << "\n";
    return 1;
  }

  normalize::NormalizedBatch batch;
  std::vector<std::pair<std::string, TableStats>> stats;
  std::vector<contracts::ContractViolation> violations;
  std::uint64_t violation_total = 0;
  for (const std::string& file : opt.files) {
    Status s = NormalizeFile(file, opt.table, *normalizer, batch, stats, opt.sample_rows);
    violation_total += batch.violation_total();
    for (const auto& v : batch.violations()) violations.push_back(v);
    if (!s.ok()) {
      std::cerr << "ingestd normalize: " << file << ": " << s.error().message() << "\n";
      return 1;
    }
  }

  schema::Schema result = normalizer->schema();
  result.BumpVersion();
  if (opt.print_schema) {
    std::cout << schema::SchemaToJson(result, /*pretty=*/true) << "\n";
  } else {
    std::cout << "Normalized " << normalizer->items_seen() << " items from " << opt.files.size()
              << " file(s) into root table '" << opt.table << "'. Nothing was loaded: this shows\n"
              << "the tables, columns and rows a load would create.\n";
    for (const schema::TableSchema& t : result.tables()) {
      if (schema::IsDltName(t.name())) continue;
      auto it = std::find_if(stats.begin(), stats.end(), [&](auto& p) { return p.first == t.name(); });
      std::uint64_t rows = it == stats.end() ? 0 : it->second.rows;
      std::cout << "\ntable " << t.name() << "  (" << rows << " rows"
                << (t.parent ? ", nested in " + *t.parent : std::string()) << ")\n";
      for (const schema::ColumnSchema& c : t.columns()) {
        std::string type = c.data_type ? std::string(schema::DataTypeName(*c.data_type)) : "(no type yet)";
        std::cout << "  " << c.name << std::string(c.name.size() < 40 ? 40 - c.name.size() : 1, ' ')
                  << type << (c.IsNullable() ? "" : "  not null") << (c.IsVariant() ? "  variant" : "")
                  << "\n";
      }
      if (it != stats.end()) {
        for (const std::string& line : it->second.samples) std::cout << "  | " << line << "\n";
      }
    }
    std::cout << "\ncontract violations: " << violation_total << "\n";
    for (const auto& v : violations) std::cout << "  " << v.Describe() << "\n";
    std::cout << "schema '" << result.name() << "' version " << result.version() << ", hash "
              << result.version_hash() << "\n";
  }
  if (!opt.schema_out.empty()) {
    std::ofstream out(opt.schema_out, std::ios::binary | std::ios::trunc);
    out << schema::SchemaToJson(result, /*pretty=*/true) << "\n";
    if (!out) {
      std::cerr << "ingestd normalize: cannot write " << opt.schema_out << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace ingestd::commands
