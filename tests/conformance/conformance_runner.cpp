// Conformance runner: replays each case of a dlt conformance corpus (see
// cases/README.md) through ingestd and compares with what dlt produced.
//
//   ingestd_conformance CASES_DIR [CASE_NAME...]
//   ingestd_conformance --postgres --ingestd PATH CASES_DIR [CASE_NAME...]
//
// Without --postgres (fast, no server): for every case, start from an empty
// schema, apply the case's resource hints and normalize each run's input
// with the run's contract; compare each run's status (and for contract
// failures the table, column, entity and mode), rows per table per run, and
// every data table's columns (order, PostgreSQL type, nullability).
//
// With --postgres: every run goes through the real `ingestd run` (a spec per
// run, a fresh data directory per case) into a fresh PostgreSQL dataset —
// the server in INGESTD_TEST_PG_DSN, or a throw-away cluster started on
// 127.0.0.1 — and the whole dataset is dumped and compared with
// expected.json: tables, columns, constraints, row counts and every row
// (volatile values as placeholders).
//
// Prints a readable diff per failing case and ends with "N passed, M failed".

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/destinations/postgres/pg_type_mapping.hpp"
#include "core/json/rapidjson.hpp"
#include "core/naming/snake_case_convention.hpp"
#include "core/normalize/json_normalizer.hpp"
#include "core/schema/resource_hints.hpp"
#include "tests/conformance/dataset_dump.hpp"
#include "tests/support/ingestd_process.hpp"
#include "tests/support/postgres_fixture.hpp"

#include <libpq-fe.h>

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


// ---------------------------------------------------------------------------
// --postgres: through `ingestd run` into PostgreSQL

std::string JsonString(const std::string& s) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.String(s.c_str(), s.size());
  return b.GetString();
}

std::string JsonOf(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return b.GetString();
}

// The spec of one run: the case's resource hints, the run's contract, and a
// files source over the run's input.
std::string RunSpec(const rapidjson::Value& c, const rapidjson::Value& run, const std::string& pipeline,
                    const std::string& dataset, const fs::path& input) {
  std::string wd = Str(c, "write_disposition");
  std::string strategy = Str(c, "merge_strategy");
  std::string disposition = JsonString(wd);
  if (wd == "merge" && !strategy.empty()) {
    disposition = R"({"disposition": "merge", "strategy": )" + JsonString(strategy) + "}";
  }
  std::string spec = "{\"name\": " + JsonString(pipeline) +
                     ", \"destination\": {\"kind\": \"postgres\", \"dsn\": \"env:INGESTD_CONFORMANCE_DSN\"}" +
                     ", \"dataset_name\": " + JsonString(dataset) + ", \"resources\": [{\"name\": \"data\"" +
                     ", \"table_name\": " + JsonString(Str(c, "table_name")) +
                     ", \"write_disposition\": " + disposition;
  for (const char* key : {"primary_key", "merge_key"}) {
    if (auto it = c.FindMember(key); it != c.MemberEnd() && it->value.IsArray() && !it->value.Empty()) {
      spec += std::string(", \"") + key + "\": " + JsonOf(it->value);
    }
  }
  if (auto it = c.FindMember("columns"); it != c.MemberEnd() && it->value.IsObject() &&
                                          it->value.MemberCount() > 0) {
    spec += ", \"columns\": " + JsonOf(it->value);
  }
  if (auto it = c.FindMember("max_table_nesting"); it != c.MemberEnd() && it->value.IsInt()) {
    spec += ", \"max_table_nesting\": " + std::to_string(it->value.GetInt());
  }
  if (auto it = c.FindMember("incremental"); it != c.MemberEnd() && it->value.IsObject()) {
    spec += ", \"incremental\": " + JsonOf(it->value);
  }
  if (auto it = run.FindMember("schema_contract"); it != run.MemberEnd() && !it->value.IsNull()) {
    spec += ", \"schema_contract\": " + JsonOf(it->value);
  }
  spec += ", \"source\": {\"kind\": \"files\", \"format\": \"json\", \"paths\": [" +
          JsonString(input.string()) + "]}}]}";
  return spec;
}

// "  <table>   <n> rows" lines of the run summary.
std::map<std::string, std::uint64_t> ParseRowCounts(const std::string& output) {
  std::map<std::string, std::uint64_t> counts;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 7 || line.rfind("  ", 0) != 0 || line.substr(line.size() - 5) != " rows") continue;
    std::istringstream fields(line);
    std::string table;
    std::uint64_t n = 0;
    if (fields >> table >> n && table != "total") counts[table] = n;
  }
  return counts;
}

Status DropDataset(const std::string& dsn, const std::string& dataset) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(dsn.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return Internal(PQerrorMessage(conn.get()));
  PQclear(PQexec(conn.get(), "SET client_min_messages = warning"));
  for (const std::string& schema : {dataset, dataset + "_staging"}) {
    char* ident = PQescapeIdentifier(conn.get(), schema.c_str(), schema.size());
    std::string sql = "DROP SCHEMA IF EXISTS " + std::string(ident) + " CASCADE";
    PQfreemem(ident);
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Internal(PQerrorMessage(conn.get()));
  }
  return OkStatus();
}

std::string Show(const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "NULL"; }

void CompareDumped(const rapidjson::Value& expected_tables, const conformance::DumpedDataset& dumped,
                   std::vector<std::string>& diffs) {
  for (auto t = expected_tables.MemberBegin(); t != expected_tables.MemberEnd(); ++t) {
    std::string name = t->name.GetString();
    const rapidjson::Value& want = t->value;
    auto found = dumped.find(name);
    if (found == dumped.end()) {
      diffs.push_back("table " + name + ": missing in PostgreSQL");
      continue;
    }
    const conformance::DumpedTable& have = found->second;
    std::vector<std::string> want_cols;
    for (const auto& col : want["columns"].GetArray()) {
      want_cols.push_back(Str(col, "name") + " " + Str(col, "data_type") +
                          (col["nullable"].GetBool() ? "" : " NOT NULL"));
    }
    std::vector<std::string> have_cols;
    for (const auto& col : have.columns) {
      have_cols.push_back(col.name + " " + col.data_type + (col.nullable ? "" : " NOT NULL"));
    }
    if (want_cols != have_cols) {
      std::string d = "table " + name + ": columns differ\n      dlt:     ";
      for (const auto& c : want_cols) d += c + ", ";
      d += "\n      ingestd: ";
      for (const auto& c : have_cols) d += c + ", ";
      diffs.push_back(d);
    }
    std::set<std::string> want_cons;
    std::set<std::string> have_cons;
    for (const auto& con : want["constraints"].GetArray()) want_cons.insert(Str(con, "type") + " " + Str(con, "definition"));
    for (const auto& [type, def] : have.constraints) have_cons.insert(type + " " + def);
    if (want_cons != have_cons) {
      std::string d = "table " + name + ": constraints differ: dlt {";
      for (const auto& c : want_cons) d += c + "; ";
      d += "} ingestd {";
      for (const auto& c : have_cons) d += c + "; ";
      diffs.push_back(d + "}");
    }
    std::size_t want_count = want["row_count"].GetUint64();
    if (want_count != have.row_count) {
      diffs.push_back("table " + name + ": " + std::to_string(want_count) + " rows in dlt, " +
                      std::to_string(have.row_count) + " in ingestd");
    }
    auto rows = want.FindMember("rows");
    if (rows == want.MemberEnd() || schema::IsDltName(name)) continue;
    const auto& want_rows = rows->value.GetArray();
    for (rapidjson::SizeType i = 0; i < want_rows.Size() && i < have.rows.size(); ++i) {
      for (auto cell = want_rows[i].MemberBegin(); cell != want_rows[i].MemberEnd(); ++cell) {
        std::string column = cell->name.GetString();
        std::optional<std::string> theirs;
        if (cell->value.IsString()) theirs = std::string(cell->value.GetString());
        auto mine = have.rows[i].find(column);
        std::optional<std::string> ours = mine == have.rows[i].end() ? std::nullopt : mine->second;
        if (theirs != ours) {
          diffs.push_back("table " + name + " row " + std::to_string(i) + " column " + column + ": dlt " +
                          Show(theirs) + ", ingestd " + Show(ours));
        }
      }
    }
  }
  for (const auto& [name, table] : dumped) {
    if (!expected_tables.HasMember(name.c_str())) {
      diffs.push_back("table " + name + ": created by ingestd, not by dlt (" + std::to_string(table.row_count) +
                      " rows)");
    }
  }
}

std::vector<std::string> RunCaseOnPostgres(const fs::path& dir, const std::string& dsn, const std::string& ingestd) {
  std::vector<std::string> diffs;
  rapidjson::Document c;
  rapidjson::Document expected;
  if (!ParseJson(dir / "case.json", c, diffs) || !ParseJson(dir / "expected.json", expected, diffs)) {
    return diffs;
  }
  const std::string name = dir.filename().string();
  const std::string dataset = Str(expected, "dataset_name").empty() ? "conf_" + name : Str(expected, "dataset_name");
  const std::string pipeline = "conf_" + name;
  if (Status s = DropDataset(dsn, dataset); !s.ok()) return {"cannot reset dataset: " + s.error().message()};
  fs::path work = fs::temp_directory_path() / ("ingestd-conformance-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(work);
  fs::create_directories(work);
  const auto& runs = c["runs"];
  const auto& expected_runs = expected["runs"];
  for (rapidjson::SizeType i = 0; i < runs.Size(); ++i) {
    std::string label = "run " + std::to_string(i + 1);
    fs::path spec_path = work / ("run" + std::to_string(i + 1) + ".spec.json");
    std::ofstream(spec_path) << RunSpec(c, runs[i], pipeline, dataset, fs::absolute(dir / Str(runs[i], "input")));
    testing::ProcessResult result =
        testing::RunIngestdProcess(ingestd, spec_path.string(), (work / "data").string());
    if (i >= expected_runs.Size()) continue;
    std::string status = Str(expected_runs[i], "status");
    if (status == "completed" && result.exit_code != 0) {
      diffs.push_back(label + ": dlt completed, ingestd failed: " + result.output);
      continue;
    }
    if (status == "failed" && result.exit_code == 0) {
      diffs.push_back(label + ": dlt failed, ingestd completed");
      continue;
    }
    if (status == "completed") {
      auto counts = ParseRowCounts(result.output);
      if (auto want = expected_runs[i].FindMember("row_counts"); want != expected_runs[i].MemberEnd()) {
        for (auto m = want->value.MemberBegin(); m != want->value.MemberEnd(); ++m) {
          std::string table = m->name.GetString();
          if (schema::IsDltName(table)) continue;
          if (counts[table] != m->value.GetUint64()) {
            diffs.push_back(label + ": rows loaded into " + table + ": dlt " +
                            std::to_string(m->value.GetUint64()) + ", ingestd " + std::to_string(counts[table]));
          }
        }
      }
    }
  }
  auto dumped = conformance::DumpPostgresDataset(dsn, dataset);
  if (!dumped.ok()) {
    diffs.push_back("cannot dump the dataset: " + dumped.error().message());
  } else {
    CompareDumped(expected["tables"], *dumped, diffs);
  }
  if (diffs.empty()) fs::remove_all(work);
  return diffs;
}

}  // namespace

int main(int argc, char** argv) {
  bool postgres = false;
  std::string ingestd;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--postgres") {
      postgres = true;
    } else if (arg == "--ingestd" && i + 1 < argc) {
      ingestd = argv[++i];
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty() || (postgres && ingestd.empty())) {
    std::cerr << "usage: ingestd_conformance [--postgres --ingestd PATH] CASES_DIR [CASE...]\n";
    return 2;
  }
  std::string dsn;
  if (postgres) {
    auto server = ingestd::testing::TestPostgresDsn();
    if (!server.ok()) {
      std::cerr << "no PostgreSQL for the conformance run: " << server.error().message() << "\n";
      return 2;
    }
    dsn = *server;
    setenv("INGESTD_CONFORMANCE_DSN", dsn.c_str(), 1);
  }
  fs::path root = positional[0];
  std::vector<std::string> only(positional.begin() + 1, positional.end());
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
    std::vector<std::string> diffs = postgres ? RunCaseOnPostgres(dir, dsn, ingestd) : RunCase(dir);
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
