#!/usr/bin/env bash
# Installs everything tad needs to build and test, on a fresh Debian bookworm machine.
# Idempotent and quick when everything is already present: it checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned versions: the header must match the library exactly (C API structs are ABI).
readonly DUCKDB_LIB_PKG="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
readonly DUCKDB_HDR_PKG="duckdb@1.4.4"
readonly THIRD_PARTY=third_party/duckdb

# Build and run-time packages (Debian names). Tests start real tshark, Prometheus, Pushgateway,
# MPI ranks and a headless browser, so those are installed here too.
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libpcap-dev libopenmpi-dev openmpi-bin
  libcli11-dev nlohmann-json3-dev libsimdjson-dev libfmt-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  tshark libndpi-bin prometheus prometheus-pushgateway
  python3-sklearn python3-xgboost python3-numpy
  clang libclang-rt-14-dev
  chromium wrk iproute2 curl tcpreplay
  librsvg2-bin
  python3-yaml python3-scapy python3-jsonschema
  libonnx-dev libprotobuf-dev python3-onnx
)
# npm may come from NodeSource (bundled with nodejs, conflicting with Debian's npm): only add
# Debian's when no npm is on PATH.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)
# The deploy tests render the manifests with `kubectl kustomize`, which needs kustomize v4 or later
# (`labels`, `patches`): kubectl 1.21 or later. Debian's kubernetes-client is 1.20 (kustomize
# v2.0.3), so it is not installed here; our machines have kubectl 1.32 from the google-cloud-cli packages.
command -v kubectl >/dev/null 2>&1 ||
  echo "setup: warning: no kubectl on PATH; the deploy tests need kubectl 1.21 or later (see docs/kubernetes.md)" >&2

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # tshark asks whether non-root users may capture; answer it in advance.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$THIRD_PARTY/lib/libduckdb.so" ] || [ ! -f "$THIRD_PARTY/include/duckdb.h" ]; then
  echo "setup: fetching DuckDB ($DUCKDB_LIB_PKG, $DUCKDB_HDR_PKG)" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$DUCKDB_LIB_PKG" "$DUCKDB_HDR_PKG" >/dev/null)
  mkdir -p "$tmp/lib" "$tmp/hdr"
  tar -xzf "$tmp"/duckdb-node-bindings-linux-x64-*.tgz -C "$tmp/lib"
  tar -xzf "$tmp"/duckdb-1.4.4.tgz -C "$tmp/hdr"
  rm -rf "$THIRD_PARTY.partial" && mkdir -p "$THIRD_PARTY.partial/lib" "$THIRD_PARTY.partial/include"
  cp "$(find "$tmp/lib" -name libduckdb.so | head -n1)" "$THIRD_PARTY.partial/lib/"
  cp "$tmp/hdr/package/src/duckdb/src/include/duckdb.h" "$THIRD_PARTY.partial/include/"
  rm -rf "$THIRD_PARTY" && mv "$THIRD_PARTY.partial" "$THIRD_PARTY"
fi

# The report's web assets (report/package.json, pinned by its lock file): ECharts is embedded into
# the tad binary at build time, playwright-core drives Chromium in the browser tests, and
# onnxruntime-node runs exported models in the ONNX export test. onnxruntime-node carries the Linux
# CPU runtime in its package; its install script would download GPU files (and fail offline):
# ONNXRUNTIME_NODE_INSTALL=skip turns that off.
if ! cmp -s report/package-lock.json report/node_modules/.tad-installed-lock 2>/dev/null; then
  echo "setup: installing report/ npm packages" >&2
  (cd report && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --silent) && cp report/package-lock.json report/node_modules/.tad-installed-lock
fi
