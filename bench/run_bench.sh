#!/usr/bin/env bash
# End-to-end benchmark of `ingestd run` (files source → PostgreSQL and SQLite)
# against the limit kernel (bench/limit_kernel.cpp: parse + flatten + COPY with
# no schema logic, measured in the same run). See docs/benchmarks.md.
#
#   bench/run_bench.sh [--records 1000000,3000000] [--work-dir /var/tmp/ingestd-bench]
#                      [--destinations pg,sqlite] [--build-dir build]
#                      [--kernel-modes parse,flatten,copy-text,copy-binary] [--ratio-to copy-text]
#
# Kernel modes: parse, flatten (COPY text to /dev/null), copy-text, copy-binary,
# copy-text-unique (copy-text with UNIQUE (_dlt_id) on every table, as ingestd
# creates them). The ratio column compares `ingestd run` into PostgreSQL with
# the --ratio-to mode of the same record count (SQLite has no kernel).
#
# Binaries: $INGESTD (default BUILD_DIR/server/ingestd) and $INGESTD_KERNEL
# (default BUILD_DIR/bench/ingestd_limit_kernel). Copy ingestd elsewhere first
# when others may rebuild it while you measure.
#
# Data: WORK_DIR/issues_N.jsonl (bench/gen_issues.py, seed 42), kept between
# runs. gen_issues.py writes records one after the other from one seeded
# generator, so the first N lines of a bigger file are exactly the N-record
# file: the largest count is generated once (3M: about 4.8 GB, 10-15 minutes)
# and smaller ones are cut from it with head.
#
# PostgreSQL: $INGESTD_BENCH_PG_DSN when set; otherwise a throw-away
# PostgreSQL 15 cluster in WORK_DIR/pg on 127.0.0.1 and a free port (initdb as
# the postgres user when run as root), default settings, stopped on exit.
#
# Every measured command runs under /usr/bin/time -v inside a sampler that
# sums the RSS of the command's whole process tree (workers included, the
# time process itself not) from /proc every 100 ms: /usr/bin/time's
# "Maximum resident set size" is the peak of the largest single process, not
# the sum. Both are reported. The PostgreSQL server's memory is in neither.
#
# Output: a table on stdout, a memory check (peak tree RSS at the smallest and
# largest record count within 10 %), and one JSON object per measurement
# appended to WORK_DIR/results.jsonl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

records_list=1000000,3000000
work=/var/tmp/ingestd-bench
destinations=pg,sqlite
build_dir=build
kernel_modes=parse,flatten,copy-text,copy-binary
ratio_to=copy-text
while [[ $# -gt 0 ]]; do
  case $1 in
    --records) records_list=$2; shift 2 ;;
    --work-dir) work=$2; shift 2 ;;
    --destinations) destinations=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --kernel-modes) kernel_modes=$2; shift 2 ;;
    --ratio-to) ratio_to=$2; shift 2 ;;
    -h|--help) sed -n '2,37p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run_bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
ingestd=${INGESTD:-${build_dir}/server/ingestd}
kernel=${INGESTD_KERNEL:-${build_dir}/bench/ingestd_limit_kernel}
for bin in "${ingestd}" "${kernel}"; do
  [[ -x ${bin} ]] || { echo "run_bench.sh: ${bin} not built" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "run_bench.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
mkdir -p "${work}"
work=$(cd "${work}" && pwd)
IFS=, read -r -a counts <<< "${records_list}"
IFS=, read -r -a dests <<< "${destinations}"
IFS=, read -r -a kmodes <<< "${kernel_modes}"
mapfile -t counts < <(printf '%s\n' "${counts[@]}" | sort -n)
run_id=$(date -u +%Y%m%dT%H%M%SZ)

# --- data ------------------------------------------------------------------
largest=${counts[-1]}
data_file() { echo "${work}/issues_$1.jsonl"; }
if [[ ! -f $(data_file "${largest}") ]]; then
  echo "== generating ${largest} records (bench/gen_issues.py, seed 42)" >&2
  python3 bench/gen_issues.py "${largest}" "$(data_file "${largest}").tmp" --seed 42
  mv "$(data_file "${largest}").tmp" "$(data_file "${largest}")"
fi
for n in "${counts[@]}"; do
  if [[ ! -f $(data_file "${n}") ]]; then
    head -n "${n}" "$(data_file "${largest}")" > "$(data_file "${n}").tmp"
    mv "$(data_file "${n}").tmp" "$(data_file "${n}")"
  fi
done

# --- PostgreSQL --------------------------------------------------------------
dsn=${INGESTD_BENCH_PG_DSN:-}
if [[ -z ${dsn} ]]; then
  bindir=/usr/lib/postgresql/15/bin
  pgdir="${work}/pg"
  rm -rf "${pgdir}" && mkdir -p "${pgdir}"
  as_pg=()
  if [[ ${EUID} -eq 0 ]]; then chown postgres "${pgdir}"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "${bindir}/initdb" -D "${pgdir}/data" -A trust -U postgres >/dev/null
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_pg[@]}" "${bindir}/pg_ctl" -D "${pgdir}/data" -l "${pgdir}/log" -w start \
    -o "-p ${port} -k ${pgdir} -c listen_addresses=127.0.0.1" >/dev/null
  dsn="host=127.0.0.1 port=${port} user=postgres dbname=postgres"
  trap '"${as_pg[@]}" "${bindir}/pg_ctl" -D "${pgdir}/data" -m fast stop >/dev/null' EXIT
fi
export INGESTD_BENCH_PG_DSN="${dsn}"
psql_q() { psql "${dsn}" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
pg_version=$(psql_q -c 'SHOW server_version')

# --- the tree-RSS sampler (stdlib Python) -------------------------------------
sampler="${work}/tree_rss.py"
cat > "${sampler}" <<'PY'
"""tree_rss.py RESULT_JSON TIME_FILE -- CMD...: runs /usr/bin/time -v -o TIME_FILE CMD,
samples the summed RSS of all its descendants every 100 ms, writes wall time and peak."""
import json, os, subprocess, sys, threading, time

out, time_file, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
page = os.sysconf("SC_PAGE_SIZE")

def children():
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(entry))
    return kids

def tree_rss(root):
    kids = children()
    total, stack, count = 0, list(kids.get(root, [])), 0
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
            count += 1
        except (OSError, IndexError):
            pass
        stack.extend(kids.get(pid, []))
    return total, count

start = time.monotonic()
proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", time_file] + cmd)
done = threading.Event()
ended = [0.0]
def wait():
    proc.wait()
    ended[0] = time.monotonic()
    done.set()
threading.Thread(target=wait, daemon=True).start()
peak, peak_procs, samples = 0, 0, 0
while not done.wait(0.1):
    rss, procs = tree_rss(proc.pid)
    samples += 1
    if rss > peak:
        peak, peak_procs = rss, procs
with open(out, "w") as f:
    json.dump({"wall_s": ended[0] - start, "tree_peak_rss_kb": peak // 1024,
               "tree_procs_at_peak": peak_procs, "samples": samples, "exit": proc.returncode}, f)
sys.exit(proc.returncode)
PY

# --- one measurement -----------------------------------------------------------
# measure NAME CMD...: stdout → WORK/NAME.out, stderr → WORK/NAME.err,
# /usr/bin/time -v → WORK/NAME.time, sampler → WORK/NAME.rss.json.
measure() {
  local name=$1; shift
  if ! python3 "${sampler}" "${work}/${name}.rss.json" "${work}/${name}.time" -- "$@" \
       > "${work}/${name}.out" 2> "${work}/${name}.err"; then
    echo "run_bench.sh: ${name} failed:" >&2
    tail -5 "${work}/${name}.err" >&2
    exit 1
  fi
}
json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
time_max_rss_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }   # key=value from the kernel's line
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
fresh_pg() {  # drop every benchmark schema and checkpoint, so each run starts alike
  psql_q -c 'DROP SCHEMA IF EXISTS bench_pg_dataset CASCADE' -c 'DROP SCHEMA IF EXISTS ingestd_kernel CASCADE' \
    -c 'CHECKPOINT' 2>/dev/null
}
pg_rows() {  # rows over all data tables of schema $1
  local total=0 t
  for t in $(psql_q -c "SELECT table_name FROM information_schema.tables WHERE table_schema = '$1' AND table_name NOT LIKE '\\_dlt\\_%'"); do
    total=$(( total + $(psql_q -c "SELECT count(*) FROM \"$1\".\"${t}\"") ))
  done
  echo "${total}"
}
sqlite_rows() {
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_dlt\\_%' ESCAPE '\\'")]
print(sum(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables))
PY
}

results="${work}/results.jsonl"
rows_out=()  # table lines, printed at the end
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
declare -A kernel_mbps peak_tree

for n in "${counts[@]}"; do
  data=$(data_file "${n}")
  bytes=$(stat -c %s "${data}")
  # --- the limit kernel ---
  for km in "${kmodes[@]}"; do
    case ${km} in
      parse|flatten) kargs=(--mode "${km}") ;;
      copy-text) kargs=(--mode copy --format text --schema ingestd_kernel --drop-existing) ;;
      copy-binary) kargs=(--mode copy --format binary --schema ingestd_kernel --drop-existing) ;;
      copy-text-unique) kargs=(--mode copy --format text --unique-ids --schema ingestd_kernel --drop-existing) ;;
      *) echo "run_bench.sh: unknown kernel mode ${km}" >&2; exit 2 ;;
    esac
    fresh_pg
    load=$(loadavg)
    echo "== kernel ${km}, ${n} records (load ${load})" >&2
    measure "kernel-${km}-${n}" "${kernel}" "${data}" "${kargs[@]}"
    f="${work}/kernel-${km}-${n}"
    cat "${f}.out" >&2
    kernel_mbps[${km}-${n}]=$(kv "${f}.out" mb_per_s)
    python3 - "${f}" "${km}" "${n}" "${bytes}" "${load}" "${run_id}" "${commit}" "$(time_max_rss_kb "${f}.time")" >> "${results}" <<'PY'
import json, sys
f, mode, n, size, load, run_id, commit, maxrss = sys.argv[1:]
line = open(f + ".out").read().split()
kv = dict(x.split("=", 1) for x in line[1:])
rss = json.load(open(f + ".rss.json"))
print(json.dumps({"run_id": run_id, "commit": commit, "what": "kernel", "mode": mode, "records": int(n),
                  "input_bytes": int(size), "loadavg": load, "kernel": kv, "wall_s": round(rss["wall_s"], 3),
                  "max_rss_kb_largest_process": int(maxrss), "tree_peak_rss_kb": rss["tree_peak_rss_kb"]}))
PY
  done
  fresh_pg

  # --- ingestd run ---
  for dest in "${dests[@]}"; do
    spec="${work}/${dest}.json"
    case ${dest} in
      pg) printf '%s\n' '{"name": "bench_pg", "destination": {"kind": "postgres", "dsn": "env:INGESTD_BENCH_PG_DSN"},' \
            " \"resources\": [{\"name\": \"issues\", \"source\": {\"kind\": \"files\", \"paths\": [\"${data}\"]}}]}" > "${spec}" ;;
      sqlite) printf '%s\n' '{"name": "bench_sqlite",' \
            " \"resources\": [{\"name\": \"issues\", \"source\": {\"kind\": \"files\", \"paths\": [\"${data}\"]}}]}" > "${spec}" ;;
      *) echo "run_bench.sh: unknown destination ${dest}" >&2; exit 2 ;;
    esac
    rm -rf "${work}/data-${dest}"
    load=$(loadavg)
    echo "== ingestd run → ${dest}, ${n} records (load ${load})" >&2
    name="ingestd-${dest}-${n}"
    measure "${name}" "${ingestd}" run "${spec}" --data-dir "${work}/data-${dest}"
    f="${work}/${name}"
    if [[ ${dest} == pg ]]; then
      counted=$(pg_rows bench_pg_dataset)
    else
      counted=$(sqlite_rows "${work}/data-${dest}/bench_sqlite.sqlite")
    fi
    ref=""
    [[ ${dest} == pg ]] && ref=${kernel_mbps[${ratio_to}-${n}]:-}
    line=$(python3 - "${f}" "${dest}" "${n}" "${bytes}" "${load}" "${run_id}" "${commit}" \
             "$(time_max_rss_kb "${f}.time")" "${counted}" "${ref}" "${ratio_to}" "${pg_version}" <<'PY'
import json, re, sys
f, dest, n, size, load, run_id, commit, maxrss, counted, ref, ratio_to, pg_version = sys.argv[1:]
out = open(f + ".out").read()
rss = json.load(open(f + ".rss.json"))
wall = rss["wall_s"]
m = re.search(r"time: extract ([\d.]+) s, normalize ([\d.]+) s, load ([\d.]+) s", out)
stages = [float(x) for x in m.groups()] if m else None
m = re.search(r"total rows: (\d+)", out)
printed = int(m.group(1)) if m else None
mbps = int(size) / 1e6 / wall
rec = {"run_id": run_id, "commit": commit, "what": "ingestd", "destination": dest, "records": int(n),
       "input_bytes": int(size), "loadavg": load, "wall_s": round(wall, 3),
       "records_per_s": round(int(n) / wall), "mb_per_s": round(mbps, 2),
       "rows_counted": int(counted), "rows_printed": printed, "all_rows_per_s": round(int(counted) / wall),
       "stages_s": dict(zip(("extract", "normalize", "load"), stages)) if stages else None,
       "tree_peak_rss_kb": rss["tree_peak_rss_kb"], "tree_procs_at_peak": rss["tree_procs_at_peak"],
       "max_rss_kb_largest_process": int(maxrss),
       "kernel_ref": ratio_to if ref else None, "kernel_mb_per_s": float(ref) if ref else None,
       "ratio_to_kernel": round(mbps / float(ref), 3) if ref else None,
       "pg_server_version": pg_version if dest == "pg" else None}
print(json.dumps(rec))
PY
)
    echo "${line}" >> "${results}"
    rows_out+=("${line}")
    peak_tree[${dest}-${n}]=$(json_field "${f}.rss.json" tree_peak_rss_kb)
    if [[ ${dest} == pg ]]; then
      psql_q -c 'DROP SCHEMA IF EXISTS bench_pg_dataset CASCADE' 2>/dev/null
    fi
    rm -rf "${work}/data-${dest}"
  done
done

# --- report ----------------------------------------------------------------------
echo
echo "run ${run_id}, commit ${commit}, $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), PostgreSQL ${pg_version}"
echo "kernel (limit): MB/s by mode and records"
for n in "${counts[@]}"; do
  printf '  %-10s' "${n}"
  for km in "${kmodes[@]}"; do printf ' %s=%s' "${km}" "${kernel_mbps[${km}-${n}]}"; done
  echo
done
printf '%s\n' "${rows_out[@]}" > "${work}/table.jsonl"
python3 - "${work}/table.jsonl" <<'PY'
import json, sys
cols = ["dest", "records", "input MB", "wall s", "records/s", "MB/s", "all rows/s", "extract/normalize/load s",
        "peak RSS tree MB", "largest proc MB", "kernel MB/s", "ratio", "load avg"]
rows = []
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    r = json.loads(line)
    st = r["stages_s"]
    rows.append([r["destination"], f"{r['records']:,}", f"{r['input_bytes'] / 1e6:,.0f}", f"{r['wall_s']:.1f}",
                 f"{r['records_per_s']:,}", f"{r['mb_per_s']:.1f}", f"{r['all_rows_per_s']:,}",
                 " / ".join(f"{st[k]:.1f}" for k in ("extract", "normalize", "load")) if st else "-",
                 f"{r['tree_peak_rss_kb'] / 1024:.1f}", f"{r['max_rss_kb_largest_process'] / 1024:.1f}",
                 f"{r['kernel_mb_per_s']:.1f}" if r["kernel_mb_per_s"] else "-",
                 f"{r['ratio_to_kernel']:.2f}" if r["ratio_to_kernel"] else "-", r["loadavg"]])
widths = [max(len(str(x)) for x in col) for col in zip(cols, *rows)]
for row in [cols] + rows:
    print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)))
PY
status=0
if [[ ${#counts[@]} -ge 2 ]]; then
  small=${counts[0]}
  for dest in "${dests[@]}"; do
    a=${peak_tree[${dest}-${small}]}; b=${peak_tree[${dest}-${largest}]}
    verdict=$(python3 -c "a, b = $a, $b; d = (b - a) / a * 100; print(f'{a / 1024:.1f} MB vs {b / 1024:.1f} MB ({d:+.1f} %): ' + ('OK' if abs(d) <= 10 else 'FAIL'))")
    echo "memory check ${dest}: peak tree RSS ${small} vs ${largest} records: ${verdict} (limit 10 %)"
    [[ ${verdict} == *FAIL ]] && status=1
  done
fi
echo "results appended to ${results}"
exit "${status}"
