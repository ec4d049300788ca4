#!/usr/bin/env bash
# What can be tested of scripts/k8s-smoke.sh without a cluster: its arguments, the manifests it
# applies (the objects of each phase, valid against the vendored schemas), the hash comparison
# and the cleanup. The cluster is fake_kubectl.sh: its volume is a folder, its Job runs the real
# `tad extract` and its MPIJob the real `tad train` under mpirun with the applied worker count,
# so a passing run also shows the N-rank model equal to the script's 1-executor reference.
# Usage: k8s_smoke_test.sh REPO_ROOT TAD WORK_DIR
set -euo pipefail
root=$(cd "$1" && pwd) tad=$(realpath "$2") work=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp \
  OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
REAL_KUBECTL=$(command -v kubectl) || { echo "FAIL: no kubectl on PATH (kubectl kustomize renders the manifests)" >&2; exit 1; }
export REAL_KUBECTL FAKE_TAD=$tad TAD_SMOKE_POLL_SECONDS=0
rm -rf "$work" && mkdir -p "$work/bin"
ln -s "$root/tests/deploy/fake_kubectl.sh" "$work/bin/kubectl"
fail() { echo "FAIL: $*" >&2; exit 1; }
smoke=$root/scripts/k8s-smoke.sh

"$tad" synth "$work/captures" --packets 20000 --seed 7 >/dev/null

# Runs the smoke script against a fresh fake cluster; sets rc, $out (stderr+stdout) and $FAKE_DIR.
run() {  # NAME, then the smoke script's arguments
  local name=$1
  shift
  export FAKE_DIR=$work/$name FAKE_VOLUME=$work/$name/volume
  mkdir -p "$FAKE_VOLUME"
  touch "$FAKE_DIR/calls"
  set +e
  out=$(PATH="$work/bin:$PATH" bash "$smoke" --captures "$work/captures" --tad "$tad" --no-build --load none "$@" 2>&1)
  rc=$?
  set -e
}
expect() {  # RC TEXT: the last run exited RC and said TEXT
  [ "$rc" = "$1" ] || fail "$name: exit $rc, want $1; output:"$'\n'"$out"
  grep -qF -- "$2" <<<"$out" || fail "$name: output lacks '$2':"$'\n'"$out"
}
kinds() { /usr/bin/python3 -c '
import sys, yaml
print(" ".join(sorted(o["kind"] for o in yaml.safe_load_all(open(sys.argv[1])) if o)))' "$1"; }

# Arguments.
name=help; run help --help; expect 0 "Usage: scripts/k8s-smoke.sh"
grep -q -- "--overlay DIR" <<<"$out" || fail "--help does not list --overlay"
name=unknown; run unknown --bogus; expect 2 "unknown argument '--bogus'"
name=workers; run workers --workers 0; expect 2 "--workers 0"
name=overlay; run overlay --overlay "$work/nowhere"; expect 2 "no kustomization.yaml"
name=load; run load --load ftp; expect 2 "--load ftp"
name=timeout; run timeout --timeout soon; expect 2 "--timeout soon"
name=value; run value --image; expect 2 "--image needs a value"
for name in help unknown workers overlay load timeout value; do
  [ ! -s "$work/$name/calls" ] || fail "$name: kubectl was called on bad usage"
done

# An existing deployment is left alone: nothing applied, nothing deleted.
name=existing; FAKE_NAMESPACE_EXISTS=1 run existing; expect 1 "step 'preflight' failed: namespace tad already exists"
! grep -qE "^(-n tad )?(apply|delete)" "$work/existing/calls" || fail "existing: applied or deleted something"

# The image must have a way into the cluster.
name=autoload; FAKE_CONTEXT=gke_project_zone_c run autoload --load auto; expect 1 "step 'image' failed: cannot tell how"

# The whole run: 3 workers, an image from a registry, no prometheus-operator.
name=pass
FAKE_NO_SERVICEMONITOR=1 run pass --workers 3 --image registry.example:5000/tad:smoke
expect 0 "passed: the 3-worker model on fake-cluster equals the local 1-executor model"
applied=$(find "$work/pass" -name 'applied-*.yaml' | sort -V)
[ "$(echo "$applied" | wc -l)" = 4 ] || fail "pass: $(echo "$applied" | wc -l) applies, want 4 (volume, data pod, extract, train)"
set -- $applied
[ "$(kinds "$1")" = "ConfigMap Namespace PersistentVolume PersistentVolumeClaim Service ServiceAccount" ] ||
  fail "pass: the first apply has $(kinds "$1"); the Job and MPIJob must wait for the captures, the ServiceMonitor has no CRD"
[ "$(kinds "$2")" = "Pod" ] || fail "pass: the second apply is $(kinds "$2"), want the data pod"
[ "$(kinds "$3")" = "ConfigMap Job Namespace PersistentVolume PersistentVolumeClaim Service ServiceAccount" ] ||
  fail "pass: the extract apply has $(kinds "$3")"
[ "$(kinds "$4")" = "ConfigMap Job MPIJob Namespace PersistentVolume PersistentVolumeClaim Service ServiceAccount" ] ||
  fail "pass: the train apply has $(kinds "$4")"
/usr/bin/python3 "$root/tests/deploy/check_k8s_schemas.py" "$root" --rendered $applied >/dev/null ||
  fail "pass: the applied objects do not validate: $(/usr/bin/python3 "$root/tests/deploy/check_k8s_schemas.py" "$root" --rendered $applied)"
/usr/bin/python3 - "$4" <<'PY' || fail "pass: the train apply does not carry --workers and --image"
import sys, yaml
job = next(o for o in yaml.safe_load_all(open(sys.argv[1])) if o and o["kind"] == "MPIJob")
specs = job["spec"]["mpiReplicaSpecs"]
assert specs["Worker"]["replicas"] == 3, specs["Worker"]["replicas"]
images = {c["image"] for s in specs.values() for c in s["template"]["spec"]["containers"]}
assert images == {"registry.example:5000/tad:smoke"}, images
PY
grep -q "^delete -k" "$work/pass/calls" || fail "pass: no cleanup (kubectl delete -k)"
[ -z "$(ls -A "$work/pass/volume")" ] || fail "pass: the volume was not emptied: $(ls -A "$work/pass/volume")"

# With the prometheus-operator, the ServiceMonitor is applied too.
name=monitor; run monitor; expect 0 "passed: the 2-worker model"
grep -q "^kind: ServiceMonitor" "$(find "$work/monitor" -name 'applied-*.yaml' | sort -V | tail -n1)" ||
  fail "monitor: the ServiceMonitor was left out although its CRD is there"

# A model that differs from the reference fails the compare step, and everything is cleaned up.
name=differs; FAKE_CORRUPT_MODEL=1 run differs; expect 1 "step 'compare' failed: the cluster's model (sha256"
grep -q "^delete -k" "$work/differs/calls" || fail "differs: no cleanup after the failure"
[ -z "$(ls -A "$work/differs/volume")" ] || fail "differs: the volume was not emptied"

# A failed Job is named, with its log; the MPIJob is never applied.
name=extract; FAKE_EXTRACT_FAILS=1 run extract; expect 1 "step 'extract' failed: Job tad-extract failed"
grep -qF "(fake log of job/tad-extract)" <<<"$out" || fail "extract: the Job's log is not shown"
! grep -q "kind: MPIJob" "$work"/extract/applied-*.yaml || fail "extract: the MPIJob was applied after the Job failed"
grep -q "^delete -k" "$work/extract/calls" || fail "extract: no cleanup after the failure"

# A volume that already holds data is not touched.
name=occupied; mkdir -p "$work/occupied/volume/dataset/category=x"; touch "$work/occupied/volume/dataset/category=x/keep"
run occupied; expect 1 "step 'upload' failed: the volume already holds data"
[ -f "$work/occupied/volume/dataset/category=x/keep" ] || fail "occupied: the user's data was deleted"

echo "k8s smoke script: arguments, applied manifests, hash comparison and cleanup all checked"
