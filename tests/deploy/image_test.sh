#!/usr/bin/env bash
# Builds the container image (scripts/image.sh) and runs it the way the MPI Operator would: as
# uid 1000 with a read-only root, no capabilities and /tmp as the only writable place. Checks
# `tad --version`, a 2-rank `tad train` on synthetic captures, and the non-root sshd on 2222
# with keys mounted at /home/mpiuser/.ssh (as the operator's secret is).
# Opt-in (minutes of compiling): runs when TAD_TEST_IMAGE=1 (`make test-image`), else skips.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${TAD_TEST_IMAGE:-0}" != 1 ]; then
  echo "image test: skipped (set TAD_TEST_IMAGE=1 or run make test-image)"
  exit 77
fi
tag=tad:test
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/deploy/podman/containers.conf}
TAD_IMAGE_TAG=$tag bash "$root/scripts/image.sh"
engine=$(command -v podman >/dev/null 2>&1 && echo podman || echo docker)

keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
ssh-keygen -q -t rsa -b 2048 -N "" -f "$keys/id_rsa"
cp "$keys/id_rsa.pub" "$keys/authorized_keys"
chmod 0755 "$keys"     # mktemp -d makes it 0700: uid 1000 in the container could not enter it
chmod 0644 "$keys"/*   # the operator's secret volume: files owned by root, readable by mpiuser

run() {
  "$engine" run --rm --network none --read-only --tmpfs /tmp:rw,exec --user 1000:1000 \
    --cap-drop ALL --security-opt no-new-privileges -v "$keys:/home/mpiuser/.ssh:ro" "$tag" "$@"
}

version=$(run tad --version)
echo "$version"
[[ "$version" == "tad "* ]] || { echo "image test: unexpected version line: $version" >&2; exit 1; }

run bash -euo pipefail -c '
  tad synth /tmp/captures --packets 4000 --seed 7 >/dev/null
  tad extract /tmp/captures --out /tmp/dataset >/dev/null
  tad train /tmp/dataset --executors 2 --run-dir /tmp/run2 >/dev/null
  tad train /tmp/dataset --executors 1 --run-dir /tmp/run1 >/dev/null
  test -s /tmp/run2/model.json && test -s /tmp/run2/results.json
  cmp /tmp/run1/model.json /tmp/run2/model.json
  grep -q "\"executors\": 2" /tmp/run2/results.json
  echo "image test: 2-rank train in the container gives the 1-rank model"
'

# sshd as mpiuser on 2222 with the mounted keys, and the ssh client finding that port by itself:
# what the launcher does to reach every worker.
run bash -euo pipefail -c '
  /usr/sbin/sshd -D -e -f /etc/tad/sshd_config &
  for _ in $(seq 50); do ssh -o BatchMode=yes 127.0.0.1 true 2>/dev/null && break; sleep 0.2; done
  out=$(ssh -o BatchMode=yes 127.0.0.1 "id -u; /opt/tad/bin/tad --version")
  echo "$out"
  [ "$(echo "$out" | head -n1)" = 1000 ] && echo "$out" | grep -q "^tad "
  echo "image test: non-root sshd on 2222 runs tad for the launcher"
'
