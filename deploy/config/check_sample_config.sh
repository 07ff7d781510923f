#!/usr/bin/env bash
# Starts the real daemon with the sample config (deploy/config/ingestd.json)
# and tokens file (deploy/config/tokens.json), overriding only what cannot
# work outside a deployment (data_dir, listen addresses, tokens_file path:
# flags win over the file), and checks that every example token
# authenticates with its role and an unknown one does not.
#
#   check_sample_config.sh INGESTD INGESTCTL
#
# CTest: deploy_sample_config (deploy/CMakeLists.txt).
set -euo pipefail

ingestd=${1:?usage: check_sample_config.sh INGESTD INGESTCTL}
ingestctl=${2:?usage: check_sample_config.sh INGESTD INGESTCTL}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

tmp=$(mktemp -d)
pid=
cleanup() {
  if [[ -n ${pid} ]] && kill -0 "${pid}" 2>/dev/null; then kill -TERM "${pid}"; wait "${pid}" || true; fi
  rm -rf "${tmp}"
}
trap cleanup EXIT

# Other INGESTD_* variables would override the file's keys.
for v in $(compgen -e | grep '^INGESTD_' || true); do unset "${v}"; done

"${ingestd}" serve --config "${here}/ingestd.json" --tokens-file "${here}/tokens.json" \
  --data-dir "${tmp}/data" --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  >"${tmp}/stdout" 2>"${tmp}/stderr" &
pid=$!

for _ in $(seq 100); do
  grep -q ' serving ' "${tmp}/stdout" 2>/dev/null && break
  if ! kill -0 "${pid}" 2>/dev/null; then
    echo "ingestd did not start with the sample config:" >&2
    cat "${tmp}/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
cat "${tmp}/stdout"
grpc=$(sed -n 's/.* grpc=\([^ ]*\) .*/\1/p' "${tmp}/stdout")
[[ -n ${grpc} ]] || { echo "no start line" >&2; cat "${tmp}/stderr" >&2; exit 1; }
grep -q 'auth=tokens' "${tmp}/stderr" || { echo "authentication is not on" >&2; cat "${tmp}/stderr" >&2; exit 1; }

ctl() { "${ingestctl}" --address "${grpc}" --timeout 10 "$@"; }

# The example tokens documented in deploy/README.md.
ctl --token example-admin-token-CHANGE-ME version >/dev/null
ctl --token example-operate-token-CHANGE-ME version >/dev/null
ctl --token example-read-token-CHANGE-ME version >/dev/null

if out=$(ctl --token not-a-configured-token version 2>&1); then
  echo "an unknown token was accepted" >&2; exit 1
fi
grep -q UNAUTHENTICATED <<<"${out}" || { echo "unexpected: ${out}" >&2; exit 1; }

if out=$(ctl --token example-read-token-CHANGE-ME cancel run-does-not-exist 2>&1); then
  echo "the read token could cancel a run" >&2; exit 1
fi
grep -q PERMISSION_DENIED <<<"${out}" || { echo "unexpected: ${out}" >&2; exit 1; }

kill -TERM "${pid}"
rc=0
wait "${pid}" || rc=$?
pid=
[[ ${rc} -eq 0 ]] || { echo "ingestd exited ${rc} after SIGTERM" >&2; cat "${tmp}/stderr" >&2; exit 1; }
echo "sample config and tokens file OK"
