#!/usr/bin/env bash
# A stand-in for kubectl in k8s_smoke_test.sh: a "cluster" whose volume is the folder
# $FAKE_VOLUME and whose Job and MPIJob run the real tad on it. `kubectl kustomize` and the
# rendering of `apply -k` are the real kubectl's ($REAL_KUBECTL); every applied stream is kept
# in $FAKE_DIR/applied-N.yaml and every call is logged in $FAKE_DIR/calls. Any call the smoke
# script is not expected to make fails (exit 99), so a new one cannot go unnoticed.
# Knobs: FAKE_NAMESPACE_EXISTS, FAKE_NO_SERVICEMONITOR, FAKE_EXTRACT_FAILS, FAKE_CORRUPT_MODEL.
set -uo pipefail
echo "$*" >>"$FAKE_DIR/calls"
[ "${1:-}" != -n ] || shift 2

save_applied() {
  local n
  n=$(find "$FAKE_DIR" -name 'applied-*.yaml' | wc -l)
  cat >"$FAKE_DIR/applied-$((n + 1)).yaml"
}
# The worker replicas of the MPIJob last applied.
workers() {
  /usr/bin/python3 - "$FAKE_DIR" <<'PY'
import pathlib, sys, yaml
applied = sorted(pathlib.Path(sys.argv[1]).glob("applied-*.yaml"), key=lambda p: int(p.stem.split("-")[1]))
jobs = [o for p in applied for o in yaml.safe_load_all(p.read_text()) if o and o["kind"] == "MPIJob"]
print(jobs[-1]["spec"]["mpiReplicaSpecs"]["Worker"]["replicas"])
PY
}

case "$1 ${2:-}" in
  "config current-context") echo "${FAKE_CONTEXT:-fake-cluster}" ;;
  "get --raw") echo '{"gitVersion": "v1.32.0"}' ;;
  "get crd")
    [ "$3" != servicemonitors.monitoring.coreos.com ] || [ -z "${FAKE_NO_SERVICEMONITOR:-}" ] || exit 1 ;;
  "get namespace") [ -n "${FAKE_NAMESPACE_EXISTS:-}" ] || { echo "namespaces \"$3\" not found" >&2; exit 1; } ;;
  "get persistentvolume") echo "persistentvolumes \"$3\" not found" >&2; exit 1 ;;
  "get job/tad-extract")
    if [ -z "${FAKE_EXTRACT_FAILS:-}" ] &&
       "$FAKE_TAD" extract "$FAKE_VOLUME/captures" --out "$FAKE_VOLUME/dataset" --overwrite >/dev/null 2>&1; then
      echo "Complete "
    else
      echo "Failed "
    fi ;;
  "get mpijob/tad-train")
    mkdir -p "$FAKE_VOLUME/runs/latest"
    mpirun --oversubscribe -np "$(workers)" "$FAKE_TAD" train "$FAKE_VOLUME/dataset" \
      --model "$FAKE_VOLUME/runs/latest/model.json" --run-dir "$FAKE_VOLUME/runs/latest" --overwrite >/dev/null 2>&1 ||
      { echo "Created Failed "; exit 0; }
    if [ -n "${FAKE_CORRUPT_MODEL:-}" ]; then
      sed -i '0,/[0-9]/s/[0-9]/x/' "$FAKE_VOLUME/runs/latest/model.json"
    fi
    echo "Created Running Succeeded " ;;
  "kustomize "*) exec "$REAL_KUBECTL" "$@" ;;
  "apply -k") "$REAL_KUBECTL" kustomize "$3" | save_applied ;;
  "apply -f") save_applied ;;
  "wait --for=condition=Ready") ;;
  "exec "*)
    # The data pod: its /data is $FAKE_VOLUME.
    while [ "$1" != -- ]; do shift; done
    shift
    command=()
    for arg in "$@"; do command+=("${arg/#\/data/$FAKE_VOLUME}"); done
    exec "${command[@]}" ;;
  "logs "*) echo "(fake log of $2)" ;;
  "delete -k") ;;
  *) echo "fake kubectl: unexpected call: kubectl $*" >&2; exit 99 ;;
esac
