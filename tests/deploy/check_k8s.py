#!/usr/bin/python3
"""Renders every kustomize overlay and checks what the deployment promises: locked-down
containers with resources, the MPIJob's run policy, the metrics Service on worker 0, the
dashboard ConfigMap, no cluster-wide roles, and one setting for the worker count."""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(sys.argv[1])
K8S = ROOT / "deploy" / "k8s"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def render(path):
    out = subprocess.run(["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        sys.exit(f"kubectl kustomize {path} failed: {out.stderr.strip()}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def pod_specs(obj):
    kind = obj["kind"]
    if kind == "Job":
        yield obj["metadata"]["name"], obj["spec"]["template"]["spec"]
    elif kind == "MPIJob":
        for role, spec in obj["spec"]["mpiReplicaSpecs"].items():
            yield f'{obj["metadata"]["name"]}/{role}', spec["template"]["spec"]


def check_pod(name, spec):
    check(spec.get("serviceAccountName") == "tad", f"{name}: not the tad service account")
    check(spec.get("automountServiceAccountToken") is False, f"{name}: mounts a service account token")
    check(spec.get("securityContext", {}).get("runAsNonRoot") is True, f"{name}: pod not runAsNonRoot")
    for container in spec.get("initContainers", []) + spec["containers"]:
        cname = f'{name}/{container["name"]}'
        sc = container.get("securityContext", {})
        check(sc.get("runAsNonRoot") is True, f"{cname}: runAsNonRoot missing")
        check(sc.get("readOnlyRootFilesystem") is True, f"{cname}: root filesystem writable")
        check(sc.get("allowPrivilegeEscalation") is False, f"{cname}: privilege escalation allowed")
        check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{cname}: capabilities not all dropped")
        check(sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{cname}: seccomp not RuntimeDefault")
        res = container.get("resources", {})
        for part in ("requests", "limits"):
            check({"cpu", "memory"} <= set(res.get(part, {})), f"{cname}: {part} for cpu and memory missing")


def check_overlay(name, objects):
    kinds = {}
    for obj in objects:
        kinds.setdefault(obj["kind"], []).append(obj)
        check(not obj["kind"].startswith("ClusterRole"), f"{name}: renders a {obj['kind']}")
        if obj["kind"] in ("RoleBinding", "Role"):
            failures.append(f"{name}: renders a {obj['kind']}, the pods need no API access")
    text = yaml.safe_dump_all(objects)
    check(not re.search(r"\b(cluster-admin|ClusterRole)\b", text), f"{name}: names a cluster-wide role")
    for kind in ("Namespace", "ServiceAccount", "PersistentVolumeClaim", "Job", "MPIJob", "Service",
                 "ServiceMonitor", "ConfigMap"):
        check(kind in kinds, f"{name}: no {kind}")
    for obj in objects:
        for pod_name, spec in pod_specs(obj):
            check_pod(f"{name}:{pod_name}", spec)
    mpijob = kinds["MPIJob"][0]
    check(mpijob["apiVersion"] == "kubeflow.org/v2beta1", f"{name}: MPIJob apiVersion")
    spec = mpijob["spec"]
    check(spec.get("slotsPerWorker") == 1, f"{name}: slotsPerWorker")
    check(spec.get("launcherCreationPolicy") == "WaitForWorkersReady", f"{name}: launcherCreationPolicy")
    policy = spec.get("runPolicy", {})
    for field in ("cleanPodPolicy", "backoffLimit", "ttlSecondsAfterFinished"):
        check(field in policy, f"{name}: runPolicy.{field} missing")
    launcher = spec["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]["containers"][0]
    command = launcher["command"] + launcher.get("args", [])
    check("-np" not in command and "-n" not in command,
          f"{name}: launcher fixes the rank count; the worker replicas must be the only setting")
    check("/opt/tad/bin/tad" in command and "train" in command, f"{name}: launcher does not run tad train")
    service = kinds["Service"][0]
    selector = service["spec"]["selector"]
    check(selector.get("training.kubeflow.org/replica-index") == "0"
          and selector.get("training.kubeflow.org/job-role") == "worker",
          f"{name}: metrics Service does not select worker 0 (rank 0)")
    check(service["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true",
          f"{name}: metrics Service lacks scrape annotations")
    check(any(p["port"] == 4040 for p in service["spec"]["ports"]), f"{name}: metrics port is not 4040")
    monitor = kinds["ServiceMonitor"][0]
    paths = {e.get("path") for e in monitor["spec"]["endpoints"]}
    check({"/metrics", "/metrics/executors/prometheus"} <= paths, f"{name}: ServiceMonitor paths {paths}")
    dashboards = [c for c in kinds["ConfigMap"] if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    check(len(dashboards) == 1, f"{name}: no ConfigMap labelled grafana_dashboard=1")
    for c in dashboards:
        for key, value in c.get("data", {}).items():
            try:
                json.loads(value)
            except ValueError:
                failures.append(f"{name}: dashboard {key} is not JSON")
    return spec["mpiReplicaSpecs"]["Worker"]["replicas"]


for overlay in sorted((K8S / "overlays").iterdir()):
    check_overlay(overlay.name, render(overlay))

# One setting picks the worker count: changing the replica patch of the minikube overlay changes
# the rendered workers and nothing else needs to follow.
minikube = (K8S / "overlays" / "minikube" / "kustomization.yaml").read_text()
for workers in (1, 3, 7):
    with tempfile.TemporaryDirectory(dir=K8S / "overlays") as tmp:
        text = re.sub(r"(Worker/replicas\n\s+value:) \d+", rf"\1 {workers}", minikube)
        text = text.replace("../../base", "../../base")
        (pathlib.Path(tmp) / "kustomization.yaml").write_text(text)
        got = check_overlay(f"minikube-{workers}", render(tmp))
        check(got == workers, f"minikube with {workers} workers renders {got}")

# The ConfigMap's dashboard is a copy of deploy/grafana's (kustomize cannot read outside its root).
copy = K8S / "base" / "dashboards" / "tad-dashboard.json"
original = ROOT / "deploy" / "grafana" / "tad-dashboard.json"
check(original.exists() and copy.read_bytes() == original.read_bytes(),
      f"{copy} differs from {original}: run `cp {original} {copy}`")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("k8s manifests: all checks passed")
