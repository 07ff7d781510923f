// Conformance runner: replays each case of a dlt conformance corpus (see
// cases/README.md) through ingestd and compares with what dlt produced.
//
//   ingestd_conformance CASES_DIR [CASE_NAME...]
//
// For every case folder under CASES_DIR: start from an empty schema, apply
// the case's resource hints, and for each run normalize its input with the
// run's contract. Compared today: each run's status (completed / failed, and
// for contract failures the table, column, entity and mode), rows per table
// per run, and every data table's columns (order, PostgreSQL type,
// nullability). Row values are compared once the loading stage exists: the
// runner already builds the dataset in the shape `CompareRows` will take.
// Prints a readable diff per failing case and ends with "N passed, M failed".

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/destinations/postgres/pg_type_mapping.hpp"
#include "core/json/rapidjson.hpp"
#include "core/naming/snake_case_convention.hpp"
#include "core/normalize/json_normalizer.hpp"
#include "core/schema/resource_hints.hpp"

namespace fs = std::filesystem;
using namespace ingestd;

namespace {

constexpr std::size_t kPostgresIdentifierLength = 63;

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ParseJson(const fs::path& path, rapidjson::Document& doc, std::vector<std::string>& diffs) {
  auto text = ReadFile(path);
  if (!text) {
    diffs.push_back("cannot read " + path.string());
    return false;
  }
  doc.Parse<rapidjson::kParseIterativeFlag>(text->c_str(), text->size());
  if (doc.HasParseError()) {
    diffs.push_back(path.string() + ": invalid JSON at offset " + std::to_string(doc.GetErrorOffset()));
    return false;
  }
  return true;
}

std::string Str(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string();
}

std::vector<std::string> StrList(const rapidjson::Value& v, const char* key) {
  std::vector<std::string> out;
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& e : it->value.GetArray()) {
    if (e.IsString()) out.emplace_back(e.GetString());
  }
  return out;
}

std::optional<schema::SchemaContract> ParseContract(const rapidjson::Value& v) {
  if (v.IsNull()) return std::nullopt;
  if (v.IsString()) {
    auto mode = schema::ParseContractMode(v.GetString());
    if (mode) return schema::SchemaContract::All(*mode);
    return std::nullopt;
  }
  schema::SchemaContract c;
  if (!v.IsObject()) return std::nullopt;
  for (const auto& m : v.GetObject()) {
    if (!m.value.IsString()) continue;
    auto mode = schema::ParseContractMode(m.value.GetString());
    std::string entity = m.name.GetString();
    if (entity == "tables") c.tables = mode;
    if (entity == "columns") c.columns = mode;
    if (entity == "data_type") c.data_type = mode;
  }
  return c;
}

Result<schema::ResourceHints> HintsFromCase(const rapidjson::Value& c) {
  schema::ResourceHints hints;
  hints.table_name = Str(c, "table_name");
  auto wd = schema::ParseWriteDisposition(Str(c, "write_disposition"));
  if (!wd) return InvalidArgument("unknown write_disposition");
  hints.write_disposition = *wd;
  if (*wd == schema::WriteDisposition::kMerge) {
    std::string strategy = Str(c, "merge_strategy");
    hints.merge_strategy = strategy.empty() ? schema::MergeStrategy::kDeleteInsert
                                            : schema::ParseMergeStrategy(strategy).value_or(
                                                  schema::MergeStrategy::kDeleteInsert);
  }
  hints.primary_key = StrList(c, "primary_key");
  hints.merge_key = StrList(c, "merge_key");
  if (auto it = c.FindMember("columns"); it != c.MemberEnd() && it->value.IsObject()) {
    for (const auto& m : it->value.GetObject()) {
      schema::ColumnSchema col;
      col.name = m.name.GetString();
      const auto& h = m.value;
      if (auto t = h.FindMember("data_type"); t != h.MemberEnd() && t->value.IsString()) {
        col.data_type = schema::ParseDataType(t->value.GetString());
      }
      if (auto n = h.FindMember("nullable"); n != h.MemberEnd() && n->value.IsBool()) {
        col.nullable = n->value.GetBool();
      }
      if (auto p = h.FindMember("precision"); p != h.MemberEnd() && p->value.IsInt()) {
        col.precision = p->value.GetInt();
      }
      if (auto s = h.FindMember("scale"); s != h.MemberEnd() && s->value.IsInt()) {
        col.scale = s->value.GetInt();
      }
      hints.columns.push_back(std::move(col));
    }
  }
  if (auto it = c.FindMember("max_table_nesting"); it != c.MemberEnd() && it->value.IsInt()) {
    hints.max_table_nesting = it->value.GetInt();
  }
  return hints;
}

struct RunOutcome {
  bool completed = false;
  std::map<std::string, std::uint64_t> row_counts;
  std::optional<contracts::ContractViolation> freeze;
  std::string error;
};

// Compares one case; returns the list of differences (empty = pass).
std::vector<std::string> RunCase(const fs::path& dir) {
  std::vector<std::string> diffs;
  rapidjson::Document c;
  rapidjson::Document expected;
  if (!ParseJson(dir / "case.json", c, diffs) || !ParseJson(dir / "expected.json", expected, diffs)) {
    return diffs;
  }
  auto naming = std::make_shared<naming::SnakeCaseConvention>(kPostgresIdentifierLength);
  schema::Schema schema = schema::Schema::CreateDefault(dir.filename().string());
  auto hints = HintsFromCase(c);
  if (!hints.ok()) return {"case.json: " + hints.error().message()};

  const auto& runs = c["runs"];
  const auto& expected_runs = expected["runs"];
  std::uint64_t seed = 1;
  for (rapidjson::SizeType i = 0; i < runs.Size(); ++i) {
    const auto& run = runs[i];
    std::string label = "run " + std::to_string(i + 1);
    schema::ResourceHints run_hints = *hints;
    // dlt writes a run's contract to the schema settings and as a hint on
    // every extracted resource.
    if (auto it = run.FindMember("schema_contract"); it != run.MemberEnd()) {
      if (auto contract = ParseContract(it->value)) {
        schema.settings.schema_contract = contract;
        run_hints.schema_contract = contract;
      }
    }
    if (auto applied = schema::ApplyResourceHints(schema, run_hints, *naming); !applied.ok()) {
      diffs.push_back(label + ": hints: " + applied.error().message());
      return diffs;
    }
    auto input = ReadFile(dir / Str(run, "input"));
    if (!input) {
      diffs.push_back(label + ": cannot read " + Str(run, "input"));
      return diffs;
    }
    normalize::NormalizeOptions options;
    options.load_id = "L" + std::to_string(i + 1);
    options.row_id_seed = seed++;
    options.naming = naming;
    auto normalizer = normalize::JsonNormalizer::Create(schema, options);
    if (!normalizer.ok()) {
      diffs.push_back(label + ": " + normalizer.error().message());
      return diffs;
    }
    normalize::NormalizedBatch batch;
    RunOutcome outcome;
    std::string root = naming->NormalizePath(hints->table_name);
    Status s = normalizer->Normalize(*input, root, batch);
    outcome.completed = s.ok();
    if (!s.ok()) {
      outcome.error = s.error().message();
      if (const auto* v = normalizer->frozen_violation()) outcome.freeze = *v;
    } else {
      for (const auto& t : batch.tables()) outcome.row_counts[t.table] = t.row_count();
      // A completed run keeps its schema changes (a failed one keeps none).
      schema::Schema next = normalizer->schema();
      next.BumpVersion();
      schema = std::move(next);
    }

    if (i >= expected_runs.Size()) continue;
    const auto& want = expected_runs[i];
    std::string status = Str(want, "status");
    if (status == "completed" && !outcome.completed) {
      diffs.push_back(label + ": dlt completed, ingestd failed: " + outcome.error);
      continue;
    }
    if (status == "failed" && outcome.completed) {
      diffs.push_back(label + ": dlt failed, ingestd completed");
      continue;
    }
    if (status == "failed") {
      // The innermost error carrying contract facts must match ours.
      const rapidjson::Value* facts = nullptr;
      if (auto ex = want.FindMember("exception"); ex != want.MemberEnd() && ex->value.IsObject()) {
        if (auto chain = ex->value.FindMember("chain"); chain != ex->value.MemberEnd()) {
          for (const auto& link : chain->value.GetArray()) {
            if (auto attrs = link.FindMember("attrs");
                attrs != link.MemberEnd() && attrs->value.HasMember("schema_entity")) {
              facts = &attrs->value;
            }
          }
        }
      }
      if (facts != nullptr) {
        if (!outcome.freeze) {
          diffs.push_back(label + ": dlt failed on a contract, ingestd failed otherwise: " + outcome.error);
        } else {
          auto check = [&](const char* key, const std::string& ours) {
            std::string theirs = Str(*facts, key);
            if (theirs != ours) {
              diffs.push_back(label + ": contract failure " + key + ": dlt '" + theirs +
                              "', ingestd '" + ours + "'");
            }
          };
          check("table_name", outcome.freeze->table);
          check("column_name", outcome.freeze->column);
          check("schema_entity", std::string(schema::ContractEntityName(outcome.freeze->entity)));
          check("contract_mode", std::string(schema::ContractModeName(outcome.freeze->mode)));
        }
      }
      continue;
    }
    if (auto counts = want.FindMember("row_counts"); counts != want.MemberEnd()) {
      for (const auto& m : counts->value.GetObject()) {
        std::string table = m.name.GetString();
        if (schema::IsDltName(table)) continue;  // system tables: loading stage
        std::uint64_t theirs = m.value.GetUint64();
        std::uint64_t ours = outcome.row_counts.count(table) ? outcome.row_counts[table] : 0;
        if (theirs != ours) {
          diffs.push_back(label + ": rows in " + table + ": dlt " + std::to_string(theirs) +
                          ", ingestd " + std::to_string(ours));
        }
      }
      for (const auto& [table, n] : outcome.row_counts) {
        if (!counts->value.HasMember(table.c_str())) {
          diffs.push_back(label + ": ingestd wrote " + std::to_string(n) + " rows to " + table +
                          ", dlt none");
        }
      }
    }
  }

  // Tables and columns at the end of all runs.
  const rapidjson::Value& expected_tables = expected["tables"];
  for (auto m_it = expected_tables.MemberBegin(); m_it != expected_tables.MemberEnd(); ++m_it) {
    const auto& m = *m_it;
    std::string table = m.name.GetString();
    if (schema::IsDltName(table)) continue;
    const schema::TableSchema* ours = schema.FindTable(table);
    if (ours == nullptr) {
      diffs.push_back("table " + table + ": missing in ingestd");
      continue;
    }
    std::vector<std::string> want_cols;
    for (const auto& col : m.value["columns"].GetArray()) {
      want_cols.push_back(Str(col, "name") + " " + Str(col, "data_type") +
                          (col["nullable"].GetBool() ? "" : " NOT NULL"));
    }
    std::vector<std::string> have_cols;
    for (const auto& col : ours->columns()) {
      if (!col.IsComplete()) continue;  // not created in the destination
      have_cols.push_back(col.name + " " + destinations::postgres::PgTypeName(col) +
                          (col.IsNullable() ? "" : " NOT NULL"));
    }
    if (want_cols != have_cols) {
      std::string d = "table " + table + ": columns differ\n      dlt:     ";
      for (const auto& s : want_cols) d += s + ", ";
      d += "\n      ingestd: ";
      for (const auto& s : have_cols) d += s + ", ";
      diffs.push_back(d);
    }
  }
  for (const auto& t : schema.tables()) {
    if (schema::IsDltName(t.name()) || !t.HasCompleteColumns()) continue;
    if (!expected["tables"].HasMember(t.name().c_str())) {
      diffs.push_back("table " + t.name() + ": created by ingestd, not by dlt");
    }
  }
  return diffs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ingestd_conformance CASES_DIR [CASE...]\n";
    return 2;
  }
  fs::path root = argv[1];
  std::vector<std::string> only(argv + 2, argv + argc);
  std::vector<fs::path> cases;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "case.json")) continue;
    std::string name = entry.path().filename().string();
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    cases.push_back(entry.path());
  }
  if (ec) {
    std::cerr << "cannot read " << root << ": " << ec.message() << "\n";
    return 2;
  }
  std::sort(cases.begin(), cases.end());
  int passed = 0;
  int failed = 0;
  for (const auto& dir : cases) {
    std::vector<std::string> diffs = RunCase(dir);
    if (diffs.empty()) {
      ++passed;
      std::cout << "PASS " << dir.filename().string() << "\n";
    } else {
      ++failed;
      std::cout << "FAIL " << dir.filename().string() << "\n";
      for (const auto& d : diffs) std::cout << "    " << d << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 && passed > 0 ? 0 : 1;
}
