#!/usr/bin/env bash
# Installs every package Wisp needs to build, test and run its demo on Debian 12, and nothing
# else. Idempotent: packages already present are not touched, and apt is skipped entirely when
# nothing is missing. Must run as root.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config clang llvm libclang-rt-14-dev bpftool
  # libraries (the design card's packages)
  libcaf-dev libbpf-dev libelf-dev libdw-dev libunwind-dev
  libzmq3-dev cppzmq-dev libflatbuffers-dev flatbuffers-compiler librocksdb-dev
  libgtest-dev libgmock-dev zlib1g-dev
  # real peers for tests, the demo and the benchmark
  nginx curl wrk python3 procps iproute2 util-linux redis-server redis-tools
  # PostgreSQL 15 server with initdb and pgbench, and psql: the pgsql fixtures' real peers
  postgresql postgresql-client
  # dnsmasq (DNS server) and dig: the dns fixtures' real peers
  dnsmasq bind9-dnsutils
  # MariaDB server, clients and libmariadb (the mysql fixtures' prepared-statement client)
  mariadb-server mariadb-client libmariadb-dev
  # DataStax Python driver: the real client of the CQL fixtures (the server is a scripted peer)
  python3-cassandra
  # CQL v5 compressed segments are LZ4 (liblz4; python3-lz4 lets the driver compress in tests)
  liblz4-dev
  # NATS fixtures' real peers: the server, and Node for the nats.js client
  # (test/actors/protocols/nats/client, installed with npm at the end)
  nats-server nodejs
  # Kafka fixtures' real client (librdkafka); the broker is the scripted
  # test/actors/protocols/kafka/peer.py, since no Kafka broker is packaged
  kcat
  # the PxL engine benchmark compares with SQLite
  libsqlite3-dev sqlite3
  # dynamic tracing: capstone disassembles Go functions for their RET instructions (libasm's
  # disassembler needs elfutils' private Ebl backend); Go builds the Go target of the tests
  libcapstone-dev golang-go
  # pxtrace's bpftrace programs run with Debian's bpftrace (actors/sources/bpftrace)
  bpftrace
  # Kubernetes metadata (cluster/metadata): TLS to the API server with OpenSSL; the openssl
  # tool makes the TLS tests' certificates; runc starts the cgroup-mapping tests' containers
  libssl-dev openssl runc
)

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: must run as root (it installs Debian packages)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm: Debian's nodejs ships without it (the npm package); nodesource's nodejs includes it.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # Wisp starts its own server instances (nginx, redis, PostgreSQL, MariaDB, dnsmasq, NATS) on
  # free loopback ports: the packages' system services are kept from starting at install.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The nats.js client that records the NATS fixtures (test/actors/protocols/nats/client).
nats_client="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/test/actors/protocols/nats/client"
if [[ ! -d $nats_client/node_modules/nats ]]; then
  echo "install-deps: npm install nats@2 into $nats_client"
  npm install --no-save --no-audit --no-fund --prefix "$nats_client" nats@2
fi

# The offline validator of the manifests `wisp deploy` renders (test/deploy): kubernetes-models
# (the Kubernetes OpenAPI schemas as validators) and yaml, pinned by the committed lockfile.
deploy_validator="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/test/deploy"
if [[ ! -d $deploy_validator/node_modules/kubernetes-models ]]; then
  echo "install-deps: npm ci in $deploy_validator"
  npm ci --no-audit --no-fund --prefix "$deploy_validator"
fi
