#include "tests/conformance/dataset_dump.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>

namespace ingestd::conformance {
namespace {

struct ConnDeleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

Result<ResultPtr> Query(PGconn* conn, const std::string& sql, const std::vector<std::string>& params = {}) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  ResultPtr r(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0));
  auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return Internal("query failed: " + sql + ": " + PQerrorMessage(conn));
  }
  return r;
}

std::optional<std::string> Cell(PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  return std::string(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

bool IsDecimal(const std::string& s, long double& out) {
  if (s.empty()) return false;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  bool digits = false;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  out = std::strtold(s.c_str(), nullptr);
  return true;
}

struct RawTable {
  std::vector<DumpedColumn> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  int ColumnIndex(const std::string& name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }
};

bool IsIdColumn(const std::string& name) {
  return name == "_dlt_id" || name == "_dlt_parent_id" || name == "_dlt_root_id";
}

}  // namespace

int CompareConformanceValues(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b) return a ? 1 : (b ? -1 : 0);
  long double x = 0;
  long double y = 0;
  bool xa = IsDecimal(*a, x);
  bool yb = IsDecimal(*b, y);
  if (xa && yb) return x < y ? -1 : (x > y ? 1 : 0);
  if (xa != yb) return xa ? -1 : 1;
  return a->compare(*b) < 0 ? -1 : (a->compare(*b) > 0 ? 1 : 0);
}

Result<DumpedDataset> DumpPostgresDataset(const std::string& dsn, const std::string& dataset) {
  ConnPtr conn(PQconnectdb(dsn.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Error(ErrorCode::kUnavailable, std::string("cannot connect: ") + PQerrorMessage(conn.get()));
  }
  INGESTD_TRY(Query(conn.get(), "SET TimeZone = 'UTC'"));
  INGESTD_TRY(Query(conn.get(), "SET DateStyle = 'ISO'"));
  INGESTD_TRY(Query(conn.get(), "SET extra_float_digits = 1"));

  INGESTD_ASSIGN_OR_RETURN(
      ResultPtr tables,
      Query(conn.get(),
            "SELECT c.relname, c.oid::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname",
            {dataset}));
  std::map<std::string, RawTable> raw;
  DumpedDataset out;
  for (int t = 0; t < PQntuples(tables.get()); ++t) {
    std::string name = PQgetvalue(tables.get(), t, 0);
    std::string oid = PQgetvalue(tables.get(), t, 1);
    DumpedTable& dumped = out[name];
    RawTable& table = raw[name];
    INGESTD_ASSIGN_OR_RETURN(
        ResultPtr cols,
        Query(conn.get(),
              "SELECT attname, format_type(atttypid, atttypmod), NOT attnotnull FROM pg_attribute "
              "WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
              {oid}));
    for (int c = 0; c < PQntuples(cols.get()); ++c) {
      table.columns.push_back({PQgetvalue(cols.get(), c, 0), PQgetvalue(cols.get(), c, 1),
                               std::string(PQgetvalue(cols.get(), c, 2)) == "t"});
    }
    dumped.columns = table.columns;
    INGESTD_ASSIGN_OR_RETURN(
        ResultPtr cons,
        Query(conn.get(),
              "SELECT contype::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::oid "
              "ORDER BY 2",
              {oid}));
    for (int c = 0; c < PQntuples(cons.get()); ++c) {
      dumped.constraints.emplace_back(PQgetvalue(cons.get(), c, 0), PQgetvalue(cons.get(), c, 1));
    }
    std::string select = "SELECT ";
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      char* ident = PQescapeIdentifier(conn.get(), table.columns[c].name.c_str(), table.columns[c].name.size());
      select += (c ? ", " : "") + std::string(ident) + "::text";
      PQfreemem(ident);
    }
    char* schema_ident = PQescapeIdentifier(conn.get(), dataset.c_str(), dataset.size());
    char* table_ident = PQescapeIdentifier(conn.get(), name.c_str(), name.size());
    select += std::string(" FROM ") + schema_ident + "." + table_ident;
    PQfreemem(schema_ident);
    PQfreemem(table_ident);
    INGESTD_ASSIGN_OR_RETURN(ResultPtr rows, Query(conn.get(), select));
    for (int r = 0; r < PQntuples(rows.get()); ++r) {
      std::vector<std::optional<std::string>> row;
      for (int c = 0; c < PQnfields(rows.get()); ++c) row.push_back(Cell(rows.get(), r, c));
      table.rows.push_back(std::move(row));
    }
    dumped.row_count = table.rows.size();
  }

  // Load ids -> L1.. in load order; scd2 validity timestamps -> T1.. in time order.
  std::set<std::string> load_ids;
  std::set<std::string> instants;
  for (const auto& [name, table] : raw) {
    int load = table.ColumnIndex(name == "_dlt_loads" ? "load_id" : "_dlt_load_id");
    int from = table.ColumnIndex("_dlt_valid_from");
    int to = table.ColumnIndex("_dlt_valid_to");
    for (const auto& row : table.rows) {
      if (load >= 0 && row[load]) load_ids.insert(*row[load]);
      if (from >= 0 && row[from]) instants.insert(*row[from]);
      if (to >= 0 && row[to]) instants.insert(*row[to]);
    }
  }
  std::vector<std::string> loads(load_ids.begin(), load_ids.end());
  std::sort(loads.begin(), loads.end(), [](const std::string& a, const std::string& b) {
    return std::strtold(a.c_str(), nullptr) < std::strtold(b.c_str(), nullptr);
  });
  std::map<std::string, std::string> replacement;
  for (std::size_t i = 0; i < loads.size(); ++i) replacement["L:" + loads[i]] = "L" + std::to_string(i + 1);
  std::size_t n = 0;
  for (const auto& t : instants) replacement["T:" + t] = "T" + std::to_string(++n);
  for (auto& [name, table] : raw) {
    int load = table.ColumnIndex("_dlt_load_id");
    int from = table.ColumnIndex("_dlt_valid_from");
    int to = table.ColumnIndex("_dlt_valid_to");
    for (auto& row : table.rows) {
      if (load >= 0 && row[load]) row[load] = replacement["L:" + *row[load]];
      if (from >= 0 && row[from]) row[from] = replacement["T:" + *row[from]];
      if (to >= 0 && row[to]) row[to] = replacement["T:" + *row[to]];
    }
  }

  // Row tree: children of every row id, by child table.
  struct RowRef {
    std::string table;
    std::size_t index;
  };
  std::map<std::string, RowRef> by_id;
  std::map<std::string, std::map<std::string, std::vector<RowRef>>> children;  // parent id -> table -> rows
  std::vector<RowRef> roots;
  for (const auto& [name, table] : raw) {
    if (name.rfind("_dlt", 0) == 0) continue;
    int id = table.ColumnIndex("_dlt_id");
    int parent = table.ColumnIndex("_dlt_parent_id");
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      if (id >= 0 && table.rows[r][id]) by_id[*table.rows[r][id]] = {name, r};
      if (parent >= 0 && table.rows[r][parent]) {
        children[*table.rows[r][parent]][name].push_back({name, r});
      } else {
        roots.push_back({name, r});
      }
    }
  }
  auto value_key = [&](const RowRef& ref) {
    const RawTable& table = raw[ref.table];
    std::vector<std::optional<std::string>> key;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      if (!IsIdColumn(table.columns[c].name)) key.push_back(table.rows[ref.index][c]);
    }
    return key;
  };
  auto id_of = [&](const RowRef& ref) -> std::string {
    int id = raw[ref.table].ColumnIndex("_dlt_id");
    return id >= 0 && raw[ref.table].rows[ref.index][id] ? *raw[ref.table].rows[ref.index][id] : "";
  };
  auto list_idx = [&](const RowRef& ref) -> long {
    int c = raw[ref.table].ColumnIndex("_dlt_list_idx");
    return c >= 0 && raw[ref.table].rows[ref.index][c] ? std::strtol(raw[ref.table].rows[ref.index][c]->c_str(), nullptr, 10) : 0;
  };
  std::function<int(const RowRef&, const RowRef&)> compare = [&](const RowRef& a, const RowRef& b) {
    auto ka = value_key(a);
    auto kb = value_key(b);
    for (std::size_t i = 0; i < std::min(ka.size(), kb.size()); ++i) {
      if (int c = CompareConformanceValues(ka[i], kb[i])) return c;
    }
    if (ka.size() != kb.size()) return ka.size() < kb.size() ? -1 : 1;
    auto& ca = children[id_of(a)];
    auto& cb = children[id_of(b)];
    std::set<std::string> names;
    for (auto& [t, v] : ca) names.insert(t);
    for (auto& [t, v] : cb) names.insert(t);
    for (const auto& t : names) {
      auto la = ca[t];
      auto lb = cb[t];
      auto by_idx = [&](const RowRef& x, const RowRef& y) { return list_idx(x) < list_idx(y); };
      std::sort(la.begin(), la.end(), by_idx);
      std::sort(lb.begin(), lb.end(), by_idx);
      for (std::size_t i = 0; i < std::min(la.size(), lb.size()); ++i) {
        if (int c = compare(la[i], lb[i])) return c;
      }
      if (la.size() != lb.size()) return la.size() < lb.size() ? -1 : 1;
    }
    return 0;
  };

  // Paths, with a sort key that orders indexes numerically.
  std::map<std::string, std::pair<std::string, std::string>> path_of;  // id -> (path, sort key)
  auto pad = [](long v) {
    std::string s = std::to_string(v);
    return std::string(12 - std::min<std::size_t>(12, s.size()), '0') + s;
  };
  std::function<void(const RowRef&, const std::string&, const std::string&, const std::string&)> assign =
      [&](const RowRef& ref, const std::string& path, const std::string& key, const std::string& root) {
        std::string id = id_of(ref);
        path_of[id] = {path, key};
        (void)root;
        for (auto& [child_table, rows] : children[id]) {
          std::string suffix = child_table;
          std::string prefix = ref.table + "__";
          if (child_table.rfind(prefix, 0) == 0) suffix = child_table.substr(prefix.size());
          for (const RowRef& c : rows) {
            long idx = list_idx(c);
            assign(c, path + "." + suffix + "[" + std::to_string(idx) + "]",
                   key + "." + suffix + "[" + pad(idx) + "]", root);
          }
        }
      };
  std::map<std::string, std::vector<RowRef>> roots_by_table;
  for (const RowRef& r : roots) roots_by_table[r.table].push_back(r);
  for (auto& [table, rows] : roots_by_table) {
    std::stable_sort(rows.begin(), rows.end(), [&](const RowRef& a, const RowRef& b) { return compare(a, b) < 0; });
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::string path = table + "[" + std::to_string(i) + "]";
      assign(rows[i], path, table + "[" + pad(static_cast<long>(i)) + "]", path);
    }
  }

  for (auto& [name, table] : raw) {
    if (name.rfind("_dlt", 0) == 0) continue;
    std::vector<std::pair<std::string, std::map<std::string, std::optional<std::string>>>> keyed;
    int id = table.ColumnIndex("_dlt_id");
    for (auto& row : table.rows) {
      std::map<std::string, std::optional<std::string>> out_row;
      std::string sort_key;
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        std::optional<std::string> v = row[c];
        if (v && IsIdColumn(table.columns[c].name) && path_of.count(*v)) {
          v = path_of[*v].first;
        }
        out_row[table.columns[c].name] = v;
      }
      if (id >= 0 && row[id] && path_of.count(*row[id])) sort_key = path_of[*row[id]].second;
      keyed.emplace_back(sort_key, std::move(out_row));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [key, row] : keyed) out[name].rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace ingestd::conformance
