#!/usr/bin/env bash
# End-to-end load benchmark: N GitHub-issue-shaped records through
# `ingestd run` into PostgreSQL and into SQLite, with wall time, stage times
# and peak RSS (/usr/bin/time -v). See docs/benchmarks.md.
#
#   bench/run_load_bench.sh [RECORDS] [WORK_DIR]     # defaults: 1000000, /var/tmp/ingestd-bench
#
# PostgreSQL: uses $INGESTD_BENCH_PG_DSN when set; otherwise starts a
# throw-away cluster on 127.0.0.1:55432 in WORK_DIR (as the postgres user
# when run as root) and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
records=${1:-1000000}
work=${2:-/var/tmp/ingestd-bench}
ingestd=${INGESTD:-build/server/ingestd}
mkdir -p "${work}"
data="${work}/issues_${records}.jsonl"
[[ -f ${data} ]] || python3 bench/gen_issues.py "${records}" "${data}"

started_pg=""
dsn=${INGESTD_BENCH_PG_DSN:-}
if [[ -z ${dsn} ]]; then
  bindir=/usr/lib/postgresql/15/bin
  pgdir="${work}/pg"
  rm -rf "${pgdir}" && mkdir -p "${pgdir}"
  as_pg=()
  if [[ ${EUID} -eq 0 ]]; then chown postgres "${pgdir}"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "${bindir}/initdb" -D "${pgdir}/data" -A trust -U postgres >/dev/null
  port=${INGESTD_BENCH_PG_PORT:-55432}
  "${as_pg[@]}" "${bindir}/pg_ctl" -D "${pgdir}/data" -l "${pgdir}/log" -w start \
    -o "-p ${port} -k ${pgdir} -c listen_addresses=127.0.0.1" >/dev/null
  started_pg=1
  dsn="host=127.0.0.1 port=${port} user=postgres dbname=postgres"
  trap '"${as_pg[@]}" "${bindir}/pg_ctl" -D "${pgdir}/data" -m fast stop >/dev/null' EXIT
fi

export INGESTD_BENCH_PG_DSN="${dsn}"
cat > "${work}/pg.json" <<SPEC
{"name": "bench_pg", "destination": {"kind": "postgres", "dsn": "env:INGESTD_BENCH_PG_DSN"},
 "resources": [{"name": "issues", "source": {"kind": "files", "paths": ["${data}"]}}]}
SPEC
cat > "${work}/sqlite.json" <<SPEC
{"name": "bench_sqlite", "resources": [{"name": "issues", "source": {"kind": "files", "paths": ["${data}"]}}]}
SPEC

size_mb=$(( $(stat -c %s "${data}") / 1000000 ))
for dest in pg sqlite; do
  rm -rf "${work}/data-${dest}"
  echo "== ${records} records (${size_mb} MB) into ${dest}"
  /usr/bin/time -v "${ingestd}" run "${work}/${dest}.json" --data-dir "${work}/data-${dest}" \
    2> "${work}/${dest}.time" | grep -E "rows|time:"
  grep -E "Elapsed|Maximum resident" "${work}/${dest}.time"
done
