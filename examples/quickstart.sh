#!/usr/bin/env bash
# The five-minute tour, run by README's first set-up command: starts the
# daemon on the embedded default (SQLite in ./.ingestd), applies the example
# pipeline with ingestctl, runs it with live progress, shows what was loaded
# (rows per table and the inferred schema), and stops the daemon.
#
#   examples/quickstart.sh [BUILD_DIR]      # default: build
#
# INGESTD_QUICKSTART_DATA_DIR overrides the data directory (CTest runs the
# tour as a test in its build directory).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}
ingestd="${build}/server/ingestd"
ingestctl="${build}/client/ingestctl"
data_dir=${INGESTD_QUICKSTART_DATA_DIR:-.ingestd}
mkdir -p "$(dirname "${data_dir}")"

# Port 0: the daemon picks free loopback ports and prints them on its first
# stdout line, so the tour never collides with a daemon already running.
out=$(mktemp)
"${ingestd}" serve --data-dir "${data_dir}" --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  >"${out}" 2>"${data_dir}.log" &
daemon=$!
trap 'kill -TERM ${daemon} 2>/dev/null; wait ${daemon} 2>/dev/null; rm -f "${out}"' EXIT
for _ in $(seq 100); do
  grep -q ' serving ' "${out}" 2>/dev/null && break
  if ! kill -0 "${daemon}" 2>/dev/null; then cat "${data_dir}.log" >&2; exit 1; fi
  sleep 0.1
done
grpc=$(sed -n 's/.* grpc=\([^ ]*\).*/\1/p' "${out}")
http=$(sed -n 's/.* http=\([^ ]*\).*/\1/p' "${out}")
export INGESTD_ADDRESS=${grpc}
echo "== ingestd serving on ${grpc} (metrics: http://${http}/metrics, log: ${data_dir}.log)"

echo "== ingestctl apply -f examples/github_issues.pipeline.json"
"${ingestctl}" apply -f examples/github_issues.pipeline.json
echo "== ingestctl run github_issues --wait"
"${ingestctl}" run github_issues --wait
echo "== ingestctl get runs"
"${ingestctl}" get runs --pipeline github_issues
echo "== ingestctl schema show github_issues"
"${ingestctl}" schema show github_issues
echo "== loaded into ${data_dir}/github_issues.sqlite"
