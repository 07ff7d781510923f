#!/usr/bin/env bash
# Fails when core/ includes gRPC, protobuf or server/client headers: core is
# a pure library that the daemon, the CLI and the tests all build on.
set -euo pipefail
core_dir=${1:?usage: check_core_includes.sh CORE_DIR}
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](grpc|grpcpp|google/protobuf|server/|client/|proto/|ingestd/v1/)|\.pb\.h[>"]'
if hits=$(grep -rnE "$pattern" "$core_dir" --include='*.hpp' --include='*.cpp' --include='*.h' --include='*.cc'); then
  echo "core/ must not include gRPC, protobuf, generated or server/client headers:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "core/ include boundary ok"
