#!/usr/bin/env bash
# `make image`: builds the tad container image (Containerfile) with podman, or docker if that is
# what works here. Two routes to the debian:bookworm base image:
#   1. a registry is reachable: the engine pulls debian:bookworm itself (docker.io/library);
#   2. no registry (as on our build machines): the base image is made from Debian's packages with
#      `debootstrap --variant=minbase bookworm` and imported as debian:bookworm
#      (`tar -C rootfs -c . | podman import - debian:bookworm`).
# TAD_BASE=pull|debootstrap forces a route; the default tries a pull (60 s) and falls back.
# The build context is the working tree after scripts/setup.sh (pinned DuckDB in
# third_party/duckdb, ECharts in report/node_modules), less what .containerignore leaves out.
# podman reads deploy/podman/containers.conf: runc, the cgroupfs manager, no default ulimits.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${TAD_IMAGE_TAG:-tad:latest}
route=${TAD_BASE:-auto}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/podman/containers.conf}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! command -v podman >/dev/null 2>&1 && ! { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }; then
  echo "image: installing podman (no podman, no running docker engine)" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    podman runc fuse-overlayfs uidmap slirp4netns debootstrap >/dev/null
fi
if command -v podman >/dev/null 2>&1; then engine=podman; else engine=docker; fi

have_base() { $engine image inspect debian:bookworm >/dev/null 2>&1; }
if ! have_base && [ "$route" != debootstrap ]; then
  timeout 60 $engine pull docker.io/library/debian:bookworm >/dev/null 2>&1 \
    && $engine tag docker.io/library/debian:bookworm debian:bookworm || true
fi
if ! have_base; then
  [ "$route" != pull ] || { echo "image: cannot pull debian:bookworm" >&2; exit 1; }
  command -v debootstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
  echo "image: no registry; making debian:bookworm with debootstrap" >&2
  rootfs=$(mktemp -d)
  trap '$SUDO rm -rf "$rootfs"' EXIT
  $SUDO debootstrap --variant=minbase bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
  $SUDO tar -C "$rootfs" -c . | $engine import - debian:bookworm >/dev/null
fi

$engine build -f Containerfile -t "$tag" .
echo "image: built $tag with $engine"
