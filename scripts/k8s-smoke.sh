#!/usr/bin/env bash
# Smoke test of tad on a real Kubernetes cluster (the current kubectl context): builds and loads
# the image, applies an overlay, runs the extract Job and the training MPIJob on a few captures,
# copies the model out and checks that its hash equals a local 1-executor `tad train` of the same
# dataset. Cleans up after itself. See docs/kubernetes.md; --help for the options.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<'EOF'
Usage: scripts/k8s-smoke.sh [options]

Runs tad on the cluster of the current kubectl context and checks that the model the MPIJob
trains is byte for byte the model of a local 1-executor `tad train` on the same dataset.
Needs: kubectl, the MPI Operator (CRD mpijobs.kubeflow.org) on the cluster, a local tad binary,
and no namespace "tad" nor PersistentVolume "tad-data" on the cluster yet (it creates and then
deletes both). The ServiceMonitor is left out when the cluster has no prometheus-operator.

Options:
  --overlay DIR     kustomize overlay to apply (default: deploy/k8s/overlays/minikube)
  --captures DIR    captures to upload, one sub-folder per category (default: tests/data/captures)
  --workers N       MPIJob workers = MPI ranks (default: 2)
  --image REF       image the pods run (default: tad:latest)
  --no-build        do not build the image (scripts/image.sh); use REF as it is
  --load HOW        how the image reaches the cluster: auto (default: minikube or kind from the
                    context's name), minikube, kind, push (push REF to its registry), none
  --tad PATH        local tad binary for the reference model (default: tad on PATH, else build/src/cli/tad)
  --timeout SECONDS for each wait: pod ready, extract, training (default: 1800)
  --keep            leave everything on the cluster (for debugging; delete with
                    kubectl delete namespace tad; kubectl delete pv tad-data)
  -h, --help        this text

Exit status: 0 passed, 1 a step failed (named on stderr), 2 bad usage.
EOF
}

readonly NAMESPACE=tad        # deploy/k8s/base/kustomization.yaml
readonly DATA_POD=tad-smoke-data
overlay=$root/deploy/k8s/overlays/minikube
captures=$root/tests/data/captures
workers=2
image=tad:latest
build=1
load=auto
tad=""
timeout=1800
keep=0
poll=${TAD_SMOKE_POLL_SECONDS:-10}   # between status checks; its test sets 0

usage_error() { echo "k8s-smoke: $*" >&2; echo "Try scripts/k8s-smoke.sh --help" >&2; exit 2; }
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || usage_error "$1 needs a value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --overlay) need_value "$@"; overlay=$2; shift 2 ;;
    --captures) need_value "$@"; captures=$2; shift 2 ;;
    --workers) need_value "$@"; workers=$2; shift 2 ;;
    --image) need_value "$@"; image=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --load) need_value "$@"; load=$2; shift 2 ;;
    --tad) need_value "$@"; tad=$2; shift 2 ;;
    --timeout) need_value "$@"; timeout=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[ -f "$overlay/kustomization.yaml" ] || usage_error "--overlay $overlay: no kustomization.yaml there"
[ -d "$captures" ] || usage_error "--captures $captures: not a folder"
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || usage_error "--workers $workers: must be a whole number of at least 1"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout $timeout: must be a whole number of seconds"
case "$load" in auto|minikube|kind|push|none) ;; *) usage_error "--load $load: must be auto, minikube, kind, push or none" ;; esac
if [ -z "$tad" ]; then
  tad=$(command -v tad || echo "$root/build/src/cli/tad")
fi
[ -x "$tad" ] || usage_error "no local tad binary at '$tad' (build it, or pass --tad PATH)"

step=start
say() { echo "k8s-smoke: [$step] $*" >&2; }
fail() { echo "k8s-smoke: step '$step' failed: $*" >&2; exit 1; }
begin() { step=$1; shift; say "$*"; }
k() { kubectl -n "$NAMESPACE" "$@"; }

work=$(mktemp -d)
created=0       # the namespace and the volume are ours to delete
wrote_data=0    # /data/{captures,dataset,runs} on the volume are ours to delete
cleanup() {
  local status=$?
  if [ "$keep" = 1 ]; then
    [ "$created" = 1 ] && echo "k8s-smoke: --keep: left namespace $NAMESPACE and PersistentVolume tad-data on the cluster" >&2
  elif [ "$created" = 1 ]; then
    step=cleanup
    say "deleting what the smoke test created"
    if [ "$wrote_data" = 1 ]; then
      k exec "$DATA_POD" -- rm -rf /data/captures /data/dataset /data/runs >/dev/null 2>&1 ||
        say "warning: could not empty the volume (/data/captures, /data/dataset, /data/runs)"
    fi
    kubectl delete -k "$work/train" --ignore-not-found --wait=true --timeout="${timeout}s" >/dev/null 2>&1 ||
      say "warning: kubectl delete -k failed; delete namespace $NAMESPACE and PersistentVolume tad-data by hand"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# An overlay on top of the chosen one: the image, the worker count, and which objects to leave
# out in this phase (the extract Job and the MPIJob must wait for the uploaded captures).
write_overlay() {  # DIR, then the kinds to leave out
  local dir=$1 name tag kind
  shift
  mkdir -p "$dir"
  name=$image tag=""
  if [[ "${image##*/}" == *:* ]]; then name=${image%:*} tag=${image##*:}; fi
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources:"
    echo "  - $(realpath --relative-to="$dir" "$overlay")"
    echo "images:"
    echo "  - name: tad"
    echo "    newName: $name"
    [ -z "$tag" ] || echo "    newTag: \"$tag\""
    echo "patches:"
    echo "  - target: {kind: MPIJob, name: tad-train}"
    echo "    patch: |-"
    echo "      - {op: replace, path: /spec/mpiReplicaSpecs/Worker/replicas, value: $workers}"
    for kind in "$@"; do
      echo "  - patch: |-"
      echo "      \$patch: delete"
      case "$kind" in
        Job) printf '      %s\n' "apiVersion: batch/v1" "kind: Job" "metadata: {name: tad-extract}" ;;
        MPIJob) printf '      %s\n' "apiVersion: kubeflow.org/v2beta1" "kind: MPIJob" "metadata: {name: tad-train}" ;;
        ServiceMonitor) printf '      %s\n' "apiVersion: monitoring.coreos.com/v1" "kind: ServiceMonitor" "metadata: {name: tad-train}" ;;
      esac
    done
  } >"$dir/kustomization.yaml"
}

# Waits until a Job or MPIJob has condition GOOD (returns 0) or BAD (1), or the timeout (2).
wait_condition() {  # RESOURCE GOOD BAD
  local deadline=$((SECONDS + timeout)) conditions
  while :; do
    conditions=$(k get "$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}') ||
      fail "kubectl get $1 failed"
    case " $conditions " in
      *" $2 "*) return 0 ;;
      *" $3 "*) return 1 ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || return 2
    sleep "$poll"
  done
}

begin preflight "checking the cluster of context $(kubectl config current-context 2>/dev/null || echo '(none)')"
command -v kubectl >/dev/null 2>&1 || fail "no kubectl on PATH"
context=$(kubectl config current-context 2>/dev/null) || fail "no current kubectl context"
kubectl get --raw /version >/dev/null 2>&1 || fail "the cluster of context $context does not answer"
kubectl get crd mpijobs.kubeflow.org >/dev/null 2>&1 ||
  fail "no MPI Operator on the cluster (CRD mpijobs.kubeflow.org); install it as docs/kubernetes.md shows"
! kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 ||
  fail "namespace $NAMESPACE already exists; the smoke test creates and deletes it, so it will not run beside an existing deployment"
! kubectl get persistentvolume tad-data >/dev/null 2>&1 ||
  fail "PersistentVolume tad-data already exists; the smoke test creates and deletes it"
leave_out=()
kubectl get crd servicemonitors.monitoring.coreos.com >/dev/null 2>&1 || {
  say "no prometheus-operator (CRD servicemonitors.monitoring.coreos.com): leaving the ServiceMonitor out"
  leave_out=(ServiceMonitor)
}
write_overlay "$work/volume" Job MPIJob "${leave_out[@]}"
write_overlay "$work/extract" MPIJob "${leave_out[@]}"
write_overlay "$work/train" "${leave_out[@]}"
for phase in volume extract train; do
  kubectl kustomize "$work/$phase" >/dev/null 2>"$work/kustomize.err" ||
    fail "kubectl kustomize $overlay: $(head -n 3 "$work/kustomize.err")"
done

begin image "$([ "$build" = 1 ] && echo "building $image" || echo "using $image as it is"), getting it to the cluster (--load $load)"
if [ "$build" = 1 ]; then
  TAD_IMAGE_TAG=$image "$root/scripts/image.sh" >&2 || fail "scripts/image.sh could not build $image"
fi
if [ "$load" = auto ]; then
  case "$context" in
    minikube) load=minikube ;;
    kind-*) load=kind ;;
    *) fail "cannot tell how to get the image into context $context: pass --load push (with --image REGISTRY/tad:TAG) or --load none" ;;
  esac
fi
engine=$(command -v podman || command -v docker || true)
case "$load" in
  minikube|kind)
    [ -n "$engine" ] || fail "neither podman nor docker to save the image with"
    "$engine" save -o "$work/image.tar" "$image" >/dev/null || fail "$engine save $image failed"
    if [ "$load" = minikube ]; then
      minikube image load "$work/image.tar" || fail "minikube image load failed"
    else
      kind load image-archive "$work/image.tar" --name "${context#kind-}" || fail "kind load image-archive failed"
    fi
    rm -f "$work/image.tar" ;;
  push)
    [ -n "$engine" ] || fail "neither podman nor docker to push the image with"
    "$engine" push "$image" || fail "$engine push $image failed" ;;
  none) ;;
esac

begin volume "creating namespace $NAMESPACE, the volume and the services"
created=1
kubectl apply -k "$work/volume" >&2 || fail "kubectl apply -k (namespace, volume, services) failed"
k apply -f - >&2 <<EOF || fail "could not create pod $DATA_POD"
apiVersion: v1
kind: Pod
metadata:
  name: $DATA_POD
  namespace: $NAMESPACE
  labels: {app.kubernetes.io/part-of: tad, app.kubernetes.io/name: tad-smoke-data}
spec:
  serviceAccountName: tad
  automountServiceAccountToken: false
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    fsGroup: 1000
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: data
      image: $image
      imagePullPolicy: IfNotPresent
      command: [sleep, infinity]
      securityContext:
        runAsNonRoot: true
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
        seccompProfile: {type: RuntimeDefault}
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {cpu: 500m, memory: 512Mi}
      volumeMounts:
        - {name: data, mountPath: /data}
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: tad-data}
EOF
k wait --for=condition=Ready "pod/$DATA_POD" --timeout="${timeout}s" >&2 ||
  fail "pod $DATA_POD (the volume and the image) is not ready: see kubectl -n $NAMESPACE describe pod $DATA_POD"

begin upload "copying $captures to the volume"
# The volume may be a user's (minikube's host path /data01): never overwrite what is there.
existing=$(k exec "$DATA_POD" -- find /data/captures /data/dataset /data/runs -mindepth 1 -maxdepth 1 2>/dev/null | head -n 3)
[ -z "$existing" ] || fail "the volume already holds data ($(echo "$existing" | tr '\n' ' ')); the smoke test needs an empty one"
wrote_data=1
k exec "$DATA_POD" -- mkdir -p /data/captures || fail "cannot write to the volume (minikube: mount it with --uid 1000 --gid 1000)"
tar -C "$captures" -cf - . | k exec -i "$DATA_POD" -- tar -C /data/captures -xf - ||
  fail "copying the captures to the volume failed"

begin extract "running Job tad-extract"
kubectl apply -k "$work/extract" >&2 || fail "kubectl apply -k (the extract Job) failed"
wait_condition job/tad-extract Complete Failed
case $? in
  1) k logs job/tad-extract --tail=20 >&2; fail "Job tad-extract failed (its log above)" ;;
  2) fail "Job tad-extract did not finish within ${timeout} s" ;;
esac

begin train "running MPIJob tad-train on $workers workers"
kubectl apply -k "$work/train" >&2 || fail "kubectl apply -k (the MPIJob) failed"
wait_condition mpijob/tad-train Succeeded Failed
case $? in
  1) k logs job/tad-train-launcher --tail=20 >&2; fail "MPIJob tad-train failed (the launcher's log above)" ;;
  2) fail "MPIJob tad-train did not succeed within ${timeout} s" ;;
esac

begin download "copying the dataset and the model off the volume"
mkdir -p "$work/cluster" "$work/local"
k exec "$DATA_POD" -- tar -C /data -cf - dataset runs/latest/model.json | tar -C "$work/cluster" -xf - ||
  fail "copying /data/dataset and /data/runs/latest/model.json off the volume failed"

begin reference "training locally with 1 executor: $tad train"
"$tad" train "$work/cluster/dataset" --model "$work/local/model.json" --run-dir "$work/local" --executors 1 \
  >"$work/local/train.log" 2>&1 || { tail -n 20 "$work/local/train.log" >&2; fail "local tad train failed (its log above)"; }

begin compare "comparing the models"
cluster_hash=$(sha256sum <"$work/cluster/runs/latest/model.json" | cut -d' ' -f1)
local_hash=$(sha256sum <"$work/local/model.json" | cut -d' ' -f1)
[ "$cluster_hash" = "$local_hash" ] ||
  fail "the cluster's model (sha256 $cluster_hash, $workers workers) differs from the local 1-executor model (sha256 $local_hash)"
say "passed: the $workers-worker model on $context equals the local 1-executor model (sha256 $cluster_hash)"
