#!/usr/bin/env bash
# Configures, builds and runs every test (labels `unit` and `integration`) the
# way CI does. Exits non-zero when configuring, building or any test fails.
#
#   tests/run_all.sh                    # build dir ./build
#   BUILD_DIR=build-ci tests/run_all.sh
#
# CTEST_PARALLEL_LEVEL (ctest's own variable) sets how many tests run at once;
# the default is one per core.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${BUILD_DIR:-build}
jobs=$(nproc)

cmake -S . -B "${build_dir}" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DINGESTD_WERROR=ON
cmake --build "${build_dir}" --parallel "${jobs}"
ctest --test-dir "${build_dir}" --output-on-failure --no-tests=error \
  --parallel "${CTEST_PARALLEL_LEVEL:-${jobs}}"
