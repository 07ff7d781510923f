#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and benchmarking
# ingestd needs. Idempotent: when all packages are present it changes nothing
# and does not even refresh the package lists. Works as root or through sudo.
#
# Dependencies come from Debian only (no vendored code, no downloads).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

packages=(
  # toolchain and build
  g++ cmake ninja-build pkg-config
  # control plane: find_package(gRPC CONFIG) checks that every gRPC plugin
  # binary exists, so protobuf-compiler-grpc is needed even though we use
  # only the C++ one.
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # Boost 1.81, not the default 1.74 -dev packages (they conflict): its Asio
  # enables co_await under clang 14.
  libboost1.81-dev
  # core: JSON parsing, destinations, TLS, gzip
  rapidjson-dev libpq-dev libsqlite3-dev libssl-dev zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql   # server binaries: integration-test fixtures start their own cluster
  python3      # bench/gen_issues.py (stdlib only)
  openssl      # the Python client's TLS tests make their certificates with the openssl CLI
  prometheus   # promtool: a unit test lints our /metrics text with `promtool check metrics`
  # client/python: the Python client and Airflow provider (stubs come from
  # protoc + grpc_python_plugin of protobuf-compiler-grpc, above)
  python3-grpcio python3-protobuf
  docker-compose   # `docker-compose config` validates docker-compose.yml (Docker itself is not needed)
  # optional libFuzzer targets (tests/fuzz, -DINGESTD_BUILD_FUZZ=ON)
  clang-14 libclang-rt-14-dev
)

if [[ ${EUID} -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo --preserve-env=DEBIAN_FRONTEND)
else
  echo "install-deps.sh: run as root or install sudo" >&2
  exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "${pkg}" 2>/dev/null || true)
  if [[ ${status} != installed ]]; then
    missing+=("${pkg}")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
# Wait for a concurrent apt/dpkg (e.g. unattended-upgrades) instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=300)
"${as_root[@]}" apt-get "${apt_opts[@]}" update
"${as_root[@]}" apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"
