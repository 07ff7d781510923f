#!/usr/bin/env bash
# Verifies deploy/systemd/ingestd.service with `systemd-analyze verify`.
# It only warns about unknown keys or bad values, so any output fails. The
# unit's ExecStart binary must exist: the given ingestd replaces its path.
#
#   check_unit.sh SYSTEMD_ANALYZE INGESTD [UNIT]
#
# CTest: deploy_systemd_unit (deploy/CMakeLists.txt).
set -euo pipefail

analyze=${1:?usage: check_unit.sh SYSTEMD_ANALYZE INGESTD [UNIT]}
ingestd=${2:?usage: check_unit.sh SYSTEMD_ANALYZE INGESTD [UNIT]}
unit=${3:-$(dirname "${BASH_SOURCE[0]}")/ingestd.service}

tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
sed "s#/usr/local/bin/ingestd#${ingestd}#g" "${unit}" >"${tmp}/ingestd.service"

rc=0
out=$("${analyze}" verify "${tmp}/ingestd.service" 2>&1) || rc=$?
if [[ ${rc} -ne 0 || -n ${out} ]]; then
  printf '%s\n' "${out}" >&2
  echo "systemd-analyze verify: exit ${rc}, output above" >&2
  exit 1
fi
echo "ingestd.service OK"
