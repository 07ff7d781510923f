#!/usr/bin/env bash
# Runs a dlt conformance corpus: every case's runs, in order, through
# `ingestd run` into a fresh PostgreSQL dataset; dumps the dataset in the
# expected.json format, compares it, prints a diff per failing case and ends
# with "N passed, M failed". Exit status 0 only when every case passes.
#
#   tests/conformance/run_conformance.sh [CASES_DIR] [CASE...]
#   tests/conformance/run_conformance.sh --normalize-only [CASES_DIR] [CASE...]
#
# CASES_DIR defaults to tests/conformance/cases/public (any folder laid out
# the same way works). PostgreSQL: the server in INGESTD_TEST_PG_DSN, else a
# throw-away cluster on 127.0.0.1 that the runner starts and stops.
# --normalize-only compares schemas and row counts without a database.
# Uses the binaries built in ${BUILD_DIR:-build}; builds them when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
build_dir=${BUILD_DIR:-build}
mode=(--postgres --ingestd "${build_dir}/server/ingestd")
if [[ ${1:-} == --normalize-only ]]; then
  mode=()
  shift
fi
cases=${1:-tests/conformance/cases/public}
shift || true
runner="${build_dir}/tests/conformance/ingestd_conformance"
if [[ ! -x ${runner} || ! -x ${build_dir}/server/ingestd ]]; then
  cmake -S . -B "${build_dir}" -G Ninja >/dev/null
  cmake --build "${build_dir}" --target ingestd_conformance ingestd
fi
exec "${runner}" "${mode[@]}" "${cases}" "$@"
