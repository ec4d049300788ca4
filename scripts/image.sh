#!/usr/bin/env bash
# `make image`: builds the tad container image (Containerfile) with podman, or docker if that is
# what works here. Two routes to the debian:bookworm base image:
#   1. a registry is reachable: the engine pulls debian:bookworm itself;
#   2. no registry (as on our build machines): TAD_BASE_FROM_DEBOOTSTRAP=1 makes the base image from
#      Debian's packages with debootstrap and imports it as debian:bookworm.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${TAD_IMAGE_TAG:-tad:latest}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/podman/containers.conf}

if command -v podman >/dev/null 2>&1; then
  engine=podman
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  engine=docker
else
  echo "image: neither podman nor a running docker engine; install podman (apt-get install podman runc)" >&2
  exit 1
fi

if [ "${TAD_BASE_FROM_DEBOOTSTRAP:-0}" = 1 ] && ! $engine image exists debian:bookworm 2>/dev/null; then
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian
  tar -C "$rootfs" -c . | $engine import - debian:bookworm
fi

$engine build -f Containerfile -t "$tag" .
echo "image: built $tag with $engine"
