#!/usr/bin/python3
"""Checks the Grafana dashboard (and the metric names of the alert rules).

Static checks (always):
  * the dashboard JSON parses and has the shape Grafana provisioning needs:
    uid, title, schemaVersion, unique panel ids, a gridPos inside the
    24-column grid, targets with an expr and unique refIds, data sources and
    $variables that are defined;
  * every PromQL expression has balanced (), {} and [];
  * every metric an expression names is a family documented in
    docs/metrics.md (histograms through their _bucket/_sum/_count series),
    or a series Prometheus adds itself (up, scrape_*);
  * the dashboard shows runs, throughput, errors, retries, schema changes and
    contract violations.

With --ingestd and --ingestctl, against a real scrape: starts `ingestd serve`
on loopback with free ports and a temporary data directory, runs a small
pipeline against an HTTP server in this process (a rest_api source whose
first answer is a 429, a per-host rate limit, a schedule, a contract
violation on the second run), fetches /metrics and requires every metric
named by the dashboard and the rules to appear there as a `# TYPE` family.
The workload is needed because the registry leaves families without series
out of /metrics (core/metrics/text_exposition.cpp): a fresh daemon shows only
the unlabelled families. Finally it stops the daemon with SIGTERM.

Stdlib only (Debian's /usr/bin/python3). Exit status 0 when every check
passes, 1 otherwise. Used by deploy/CMakeLists.txt.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

# Series Prometheus itself adds to every scrape target.
PROMETHEUS_SYNTHETIC = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
}

# Metrics the dashboard must use: one per topic of the deployment issue.
REQUIRED = {
    "runs": "ingestd_runs_total",
    "throughput": "ingestd_loaded_rows_total",
    "extract throughput": "ingestd_extracted_items_total",
    "retries": "ingestd_http_retries_total",
    "schema changes": "ingestd_schema_changes_total",
    "contract violations": "ingestd_contract_violations_total",
    "staleness": "ingestd_pipeline_schedule_interval_seconds",
}

# Variables Grafana defines itself.
GRAFANA_BUILTIN_VARS = {
    "__rate_interval", "__interval", "__interval_ms", "__range", "__range_s",
    "__range_ms", "__dashboard", "__from", "__to", "__name", "__org", "__user",
    "timeFilter", "__timeFilter",
}

PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "and", "or", "unless", "offset", "atan2", "inf", "nan", "start", "end",
}

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


class Failures:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)
        print(f"FAIL: {message}", file=sys.stderr)


# ---------------------------------------------------------------- PromQL ----

def strip_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def balanced(expr: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for ch in strip_strings(expr):
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression (or a Grafana label_values query)
    selects: identifiers that are not functions, keywords or label names."""
    s = strip_strings(expr)
    s = re.sub(r"\{[^{}]*\}", " ", s)        # label matchers
    s = re.sub(r"\[[^\[\]]*\]", " ", s)      # ranges and subqueries
    # Grafana: label_values(metric, label) and label_values(label)
    s = re.sub(r"\blabel_values\s*\(\s*([A-Za-z_:][\w:]*)\s*,\s*\w+\s*\)", r" \1 ", s)
    s = re.sub(r"\blabel_values\s*\(\s*\w+\s*\)", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?[\w$]+", " ", s)
    s = re.sub(r"@\s*[\w.()]+", " ", s)
    names = set()
    for m in re.finditer(r"(?<![\w.$])([A-Za-z_:][\w:]*)(\s*\()?", s):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in PROMQL_WORDS:
            continue
        names.add(word)
    return names


def family_of(name: str, types: dict[str, str]) -> str | None:
    """The exported family a sample name belongs to, or None."""
    if name in types:
        return name if types[name] not in ("histogram", "summary") else None
    for suffix in HISTOGRAM_SUFFIXES:
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
        if name.endswith(suffix) and suffix != "_bucket" and types.get(base) == "summary":
            return base
    return None


# ------------------------------------------------------------- dashboard ----

def walk_panels(panels: list) -> list:
    out = []
    for p in panels:
        out.append(p)
        out.extend(walk_panels(p.get("panels", [])))
    return out


def dashboard_queries(path: Path, failures: Failures) -> list[tuple[str, str]]:
    """Checks the dashboard's structure; returns (where, expr) pairs."""
    try:
        dash = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        failures.add(f"{path}: {e}")
        return []
    if not isinstance(dash, dict):
        failures.add(f"{path}: not a JSON object")
        return []
    for key in ("uid", "title", "schemaVersion", "panels", "templating"):
        if key not in dash:
            failures.add(f"{path}: missing top-level key {key!r}")
    if "id" in dash and dash["id"] is not None:
        failures.add(f"{path}: top-level 'id' must be null or absent for provisioning")

    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    queries: list[tuple[str, str]] = []
    for name, var in variables.items():
        if var.get("type") == "query":
            q = var.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            if not isinstance(q, str) or not q:
                failures.add(f"variable ${name}: no query")
                continue
            queries.append((f"variable ${name}", q))
    if "datasource" not in variables or variables["datasource"].get("type") != "datasource":
        failures.add("a data source variable $datasource (type datasource, query prometheus) is required")

    def check_datasource(where: str, ds) -> None:
        if ds is None:
            return
        uid = ds.get("uid") if isinstance(ds, dict) else ds
        if isinstance(uid, str) and uid.startswith("$"):
            var = uid.strip("${}")
            if var not in variables:
                failures.add(f"{where}: data source {uid} names no variable")
        elif isinstance(ds, dict) and ds.get("type") not in ("grafana", "datasource", "prometheus"):
            failures.add(f"{where}: unexpected data source {ds}")

    ids: dict = {}
    for p in walk_panels(dash.get("panels", [])):
        title = p.get("title", "?")
        where = f"panel {p.get('id')} {title!r}"
        pid = p.get("id")
        if not isinstance(pid, int):
            failures.add(f"{where}: id must be an integer")
        elif pid in ids:
            failures.add(f"{where}: id {pid} also used by {ids[pid]!r}")
        else:
            ids[pid] = title
        grid = p.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in ("h", "w", "x", "y")):
            failures.add(f"{where}: gridPos needs integer h, w, x, y")
        elif grid["x"] < 0 or grid["w"] < 1 or grid["x"] + grid["w"] > 24:
            failures.add(f"{where}: gridPos outside the 24-column grid")
        if p.get("type") == "row":
            continue
        check_datasource(where, p.get("datasource"))
        targets = p.get("targets") or []
        if not targets:
            failures.add(f"{where}: no targets")
        refids = [t.get("refId") for t in targets]
        if len(set(refids)) != len(refids):
            failures.add(f"{where}: duplicate refId")
        for t in targets:
            check_datasource(where, t.get("datasource"))
            expr = t.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                failures.add(f"{where} target {t.get('refId')}: no expr")
                continue
            queries.append((f"{where} target {t.get('refId')}", expr))

    for where, expr in queries:
        for var in re.findall(r"\$\{?(\w+)", expr):
            if var not in variables and var not in GRAFANA_BUILTIN_VARS:
                failures.add(f"{where}: ${var} is not a dashboard variable")
    return queries


# ----------------------------------------------------------------- rules ----

def rule_queries(path: Path, failures: Failures) -> list[tuple[str, str]]:
    """The `expr:` values of a rules file (plain or block scalars)."""
    try:
        lines = path.read_text().splitlines()
    except OSError as e:
        failures.add(f"{path}: {e}")
        return []
    out = []
    alert = "?"
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*-?\s*(alert|record):\s*(\S+)", line)
        if m:
            alert = m.group(2)
        m = re.match(r"(\s*)expr:\s*(.*)$", line)
        if m:
            indent, value = len(m.group(1)), m.group(2).strip()
            if value in ("|", ">", "|-", ">-", "|+", ">+"):
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i])
                    i += 1
                out.append((f"{path.name} {alert}", "\n".join(block)))
                continue
            out.append((f"{path.name} {alert}", value.strip("'\"")))
        i += 1
    if not out:
        failures.add(f"{path}: no expr found")
    return out


# ------------------------------------------------------------------ docs ----

def documented_types(path: Path) -> dict[str, str]:
    types = {}
    for m in re.finditer(r"^\|\s*`([a-zA-Z_:][\w:]*)`\s*\|\s*(counter|gauge|histogram|summary)\s*\|",
                         path.read_text(), re.M):
        types[m.group(1)] = m.group(2)
    return types


def scraped_types(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^# TYPE (\S+) (\S+)$", text, re.M)}


def check_names(queries, types: dict[str, str], source: str, allow_missing: set[str],
                failures: Failures) -> set[str]:
    used = set()
    for where, expr in queries:
        if not balanced(expr):
            failures.add(f"{where}: unbalanced brackets in {expr!r}")
        for name in metric_names(expr):
            if name in PROMETHEUS_SYNTHETIC:
                continue
            family = family_of(name, types)
            if family is None:
                base = next((name[: -len(s)] for s in HISTOGRAM_SUFFIXES if name.endswith(s)), name)
                if name in allow_missing or base in allow_missing:
                    print(f"note: {name} ({where}) is not in {source}; allowed by --allow-missing")
                    used.add(base)
                    continue
                if types.get(name) == "histogram":
                    failures.add(f"{where}: histogram {name} must be used as {name}_bucket, _sum or _count")
                else:
                    failures.add(f"{where}: {name} is not in {source}")
                continue
            used.add(family)
    return used


# -------------------------------------------------------------- workload ----

class FakeApi(http.server.BaseHTTPRequestHandler):
    """GET /items: the first call answers 429 (Retry-After: 0), the second a
    page of one record, later ones a record with a new column."""
    calls = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        with FakeApi.lock:
            FakeApi.calls += 1
            n = FakeApi.calls
        if n == 1:
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        rows = [{"id": 1, "name": "a"}] if n == 2 else [{"id": n, "name": "b", "extra": "new column"}]
        body = json.dumps(rows).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def read_line(proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            if b"\n" in buf:
                return buf.split(b"\n", 1)[0].decode()
        elif proc.poll() is not None:
            break
    raise RuntimeError(f"ingestd printed no start line within {timeout} s (got {buf!r})")


def real_scrape(ingestd: str, ingestctl: str, keep: bool) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="ingestd-dashboard-check-"))
    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    spec = {
        "name": "dashboard_probe",
        "destination": {"kind": "sqlite"},
        # Far enough away not to fire during the check; sets the schedule gauge.
        "schedule": {"interval_seconds": 86400},
        "rest_api": {
            "client": {
                "base_url": f"http://127.0.0.1:{api.server_address[1]}/",
                "paginator": "single_page",
                "retry": {"max_attempts": 3, "backoff_base_seconds": 0, "min_retry_after_seconds": 0, "jitter": 0},
                "limits": {"requests_per_second": 1},
            },
            "resources": [{
                "name": "items",
                "endpoint": {"path": "items", "data_selector": "$"},
                "schema_contract": {"columns": "discard_value"},
            }],
        },
    }
    spec_path = tmp / "probe.pipeline.json"
    spec_path.write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGESTD_")}
    stderr_path = tmp / "ingestd.stderr"
    with open(stderr_path, "wb") as stderr:
        daemon = subprocess.Popen(
            [ingestd, "serve", "--data-dir", str(tmp / "data"), "--grpc-listen", "127.0.0.1:0",
             "--http-listen", "127.0.0.1:0", "--log-level", "info", "--shutdown-grace-seconds", "5"],
            stdout=subprocess.PIPE, stderr=stderr, env=env)
    try:
        line = read_line(daemon, 30)
        print(line)
        m = re.search(r"grpc=(\S+) http=(\S+)", line)
        if not m:
            raise RuntimeError(f"unexpected start line {line!r}")
        grpc, http_addr = m.groups()

        def ctl(*args: str) -> None:
            r = subprocess.run([ingestctl, "--address", grpc, *args], env=env, capture_output=True,
                               text=True, timeout=120)
            if r.returncode != 0:
                raise RuntimeError(f"ingestctl {' '.join(args)} exited {r.returncode}:\n{r.stdout}{r.stderr}")

        ctl("apply", "-f", str(spec_path))
        ctl("run", "dashboard_probe", "--wait")   # 429, retry, rate limit, schema version 1
        ctl("run", "dashboard_probe", "--wait")   # new column: a columns/discard_value violation
        with urllib.request.urlopen(f"http://{http_addr}/metrics", timeout=30) as resp:
            text = resp.read().decode()
        (tmp / "metrics.txt").write_text(text)
        return text
    except Exception:
        print(f"--- ingestd stderr ({stderr_path}) ---", file=sys.stderr)
        print(stderr_path.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        api.shutdown()
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                rc = daemon.wait(timeout=60)
                if rc != 0:
                    print(f"warning: ingestd exited {rc} after SIGTERM", file=sys.stderr)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
                print("warning: ingestd did not stop within 60 s of SIGTERM; killed", file=sys.stderr)
        if keep:
            print(f"kept {tmp}")
        else:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------ main ----

def main() -> int:
    here = Path(__file__).resolve().parent
    repo = here.parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--dashboard", type=Path, action="append",
                    help="dashboard JSON (repeatable; default: deploy/grafana/dashboards/*.json)")
    ap.add_argument("--rules", type=Path, action="append",
                    help="Prometheus rules file whose metric names to check too (repeatable)")
    ap.add_argument("--metrics-doc", type=Path, default=repo / "docs" / "metrics.md")
    ap.add_argument("--ingestd", help="ingestd binary: check against a real /metrics scrape")
    ap.add_argument("--ingestctl", help="ingestctl binary (with --ingestd)")
    ap.add_argument("--metrics-file", type=Path, help="check against this saved scrape instead")
    ap.add_argument("--allow-missing", action="append", default=[], metavar="NAME",
                    help="a metric that may be absent from the scrape (e.g. not in an older binary)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = ap.parse_args()
    if bool(args.ingestd) != bool(args.ingestctl):
        ap.error("--ingestd and --ingestctl go together")

    failures = Failures()
    dashboards = args.dashboard or sorted((here / "dashboards").glob("*.json"))
    if not dashboards:
        failures.add("no dashboard found")
    dash_queries = [q for d in dashboards for q in dashboard_queries(d, failures)]
    rules_queries = [q for r in (args.rules or []) for q in rule_queries(r, failures)]
    print(f"{len(dash_queries)} dashboard queries, {len(rules_queries)} rule expressions")

    docs = documented_types(args.metrics_doc)
    if not docs:
        failures.add(f"{args.metrics_doc}: no metric table found")
    used = check_names(dash_queries, docs, args.metrics_doc.name, set(), failures)
    check_names(rules_queries, docs, args.metrics_doc.name, set(), failures)
    for topic, name in REQUIRED.items():
        if name not in used:
            failures.add(f"the dashboard shows no {topic} ({name})")

    scrape = None
    if args.metrics_file:
        scrape = args.metrics_file.read_text()
    elif args.ingestd:
        try:
            scrape = real_scrape(args.ingestd, args.ingestctl, args.keep)
        except Exception as e:  # noqa: BLE001: report and fail
            failures.add(f"real scrape: {e}")
    if scrape is not None:
        types = scraped_types(scrape)
        print(f"scrape: {len(types)} families")
        allow = set(args.allow_missing)
        used_scrape = check_names(dash_queries, types, "the /metrics scrape", allow, failures)
        check_names(rules_queries, types, "the /metrics scrape", allow, failures)
        for name in sorted(set(docs) - set(types)):
            print(f"note: documented family {name} is not in the scrape")
        for name in sorted(set(types) - used_scrape - set(docs)):
            print(f"note: exported family {name} is not documented in {args.metrics_doc.name}")
        for name in sorted(set(types) - used_scrape):
            print(f"note: exported family {name} is not on the dashboard")

    if failures.messages:
        print(f"{len(failures.messages)} problem(s)", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
