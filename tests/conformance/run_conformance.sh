#!/usr/bin/env bash
# Runs the dlt conformance corpus in CASES_DIR (any folder laid out like
# tests/conformance/cases/public) and prints a diff per failing case, ending
# with "N passed, M failed". Exit status 0 only when every case passes.
#
#   tests/conformance/run_conformance.sh [CASES_DIR] [CASE...]
#
# Uses the runner built in ${BUILD_DIR:-build}; builds it when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
build_dir=${BUILD_DIR:-build}
cases=${1:-tests/conformance/cases/public}
shift || true
runner="${build_dir}/tests/conformance/ingestd_conformance"
if [[ ! -x ${runner} ]]; then
  cmake -S . -B "${build_dir}" -G Ninja >/dev/null
  cmake --build "${build_dir}" --target ingestd_conformance
fi
exec "${runner}" "${cases}" "$@"
