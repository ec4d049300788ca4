#!/usr/bin/python3
"""Renders every kustomize overlay and checks what the deployment promises: locked-down
containers with resources, the MPIJob's run policy and ssh setup, the metrics Service on worker 0,
the ServiceMonitor, the dashboard ConfigMap, no cluster-wide or broad roles, and one setting for
the worker count.

Usage: check_k8s.py REPO_ROOT            check the overlays
       check_k8s.py REPO_ROOT --self-test  check that broken variants of the manifests are rejected
"""
import copy
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(sys.argv[1])
K8S = ROOT / "deploy" / "k8s"
MINIKUBE = K8S / "overlays" / "minikube"
BROAD_ROLES = {"edit", "admin", "cluster-admin"}


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


def check_pod(name, spec, fail):
    if spec.get("serviceAccountName") != "tad":
        fail(f"{name}: not the tad service account")
    if spec.get("automountServiceAccountToken") is not False:
        fail(f"{name}: mounts a service account token")
    if spec.get("securityContext", {}).get("runAsNonRoot") is not True:
        fail(f"{name}: pod not runAsNonRoot")
    tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    for container in spec.get("initContainers", []) + spec["containers"]:
        cname = f'{name}/{container["name"]}'
        sc = container.get("securityContext", {})
        if sc.get("runAsNonRoot") is not True:
            fail(f"{cname}: runAsNonRoot missing")
        if sc.get("readOnlyRootFilesystem") is not True:
            fail(f"{cname}: root filesystem writable")
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(f"{cname}: privilege escalation allowed")
        if sc.get("privileged"):
            fail(f"{cname}: privileged")
        if sc.get("capabilities", {}).get("drop") != ["ALL"] or sc.get("capabilities", {}).get("add"):
            fail(f"{cname}: capabilities not all dropped")
        if sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            fail(f"{cname}: seccomp not RuntimeDefault")
        if sc.get("runAsUser", spec.get("securityContext", {}).get("runAsUser")) == 0:
            fail(f"{cname}: runs as uid 0")
        res = container.get("resources", {})
        for part in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(res.get(part, {})):
                fail(f"{cname}: {part} for cpu and memory missing")
        # A read-only root needs a writable /tmp (OpenMPI's session dir, sshd's pid file).
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        if mounts.get("/tmp") not in tmp_volumes:
            fail(f"{cname}: /tmp is not an emptyDir")


def check_objects(name, objects, fail):
    """Checks one rendered overlay; returns the MPIJob's worker replicas (or None)."""
    kinds = {}
    for obj in objects:
        kinds.setdefault(obj["kind"], []).append(obj)
        if obj["kind"] in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"):
            fail(f"{name}: renders a {obj['kind']} {obj['metadata']['name']}; the pods need no API access")
        role_ref = obj.get("roleRef", {})
        if role_ref.get("name") in BROAD_ROLES or role_ref.get("kind") == "ClusterRole":
            fail(f"{name}: binds {role_ref.get('kind')} {role_ref.get('name')}")
    text = yaml.safe_dump_all(objects)
    if re.search(r"\b(cluster-admin|ClusterRole(Binding)?)\b", text):
        fail(f"{name}: names a cluster-wide role")
    for kind in ("Namespace", "ServiceAccount", "PersistentVolumeClaim", "Job", "MPIJob", "Service",
                 "ServiceMonitor", "ConfigMap"):
        if kind not in kinds:
            fail(f"{name}: no {kind}")
            return None
    for obj in objects:
        if obj["kind"] not in ("Namespace", "PersistentVolume") and obj["metadata"].get("namespace") != "tad":
            fail(f"{name}: {obj['kind']} {obj['metadata']['name']} is not in namespace tad")
        for pod_name, spec in pod_specs(obj):
            check_pod(f"{name}:{pod_name}", spec, fail)
    for account in kinds["ServiceAccount"]:
        if account.get("automountServiceAccountToken") is not False:
            fail(f"{name}: ServiceAccount {account['metadata']['name']} automounts its token")

    # The dataset volume: the Job and the workers use the claim.
    claims = {c["metadata"]["name"] for c in kinds["PersistentVolumeClaim"]}
    extract = kinds["Job"][0]
    extract_container = extract["spec"]["template"]["spec"]["containers"][0]
    if extract_container["command"][:2] != ["/opt/tad/bin/tad", "extract"]:
        fail(f"{name}: the Job does not run tad extract")
    volumes = extract["spec"]["template"]["spec"].get("volumes", [])
    if not any(v.get("persistentVolumeClaim", {}).get("claimName") in claims for v in volumes):
        fail(f"{name}: the extract Job does not mount the dataset claim")

    mpijob = kinds["MPIJob"][0]
    if mpijob["apiVersion"] != "kubeflow.org/v2beta1":
        fail(f"{name}: MPIJob apiVersion {mpijob['apiVersion']}")
    spec = mpijob["spec"]
    expected = {"slotsPerWorker": 1, "launcherCreationPolicy": "WaitForWorkersReady",
                "runLauncherAsWorker": False, "mpiImplementation": "OpenMPI",
                "sshAuthMountPath": "/home/mpiuser/.ssh"}
    for field, value in expected.items():
        if spec.get(field) != value:
            fail(f"{name}: MPIJob {field} is {spec.get(field)!r}, want {value!r}")
    policy = spec.get("runPolicy", {})
    if policy.get("cleanPodPolicy") != "Running":
        fail(f"{name}: runPolicy.cleanPodPolicy is {policy.get('cleanPodPolicy')!r}")
    for field in ("backoffLimit", "ttlSecondsAfterFinished"):
        if not isinstance(policy.get(field), int):
            fail(f"{name}: runPolicy.{field} missing")
    replicas = spec["mpiReplicaSpecs"]
    if replicas.get("Launcher", {}).get("replicas") != 1:
        fail(f"{name}: not exactly one launcher")
    launcher = replicas["Launcher"]["template"]["spec"]["containers"][0]
    command = launcher.get("command", []) + launcher.get("args", [])
    if command[:1] != ["mpirun"] or "/opt/tad/bin/tad" not in command or "train" not in command:
        fail(f"{name}: the launcher does not mpirun /opt/tad/bin/tad train")
    if {"-np", "-n", "--np", "--executors"} & set(command):
        fail(f"{name}: the launcher fixes the rank count; the worker replicas must be the only setting")
    if "--metrics-port" not in command or command[command.index("--metrics-port") + 1] != "4040":
        fail(f"{name}: tad train does not serve metrics on 4040")
    worker = replicas["Worker"]["template"]["spec"]["containers"][0]
    worker_command = worker.get("command", []) + worker.get("args", [])
    if worker_command[:1] != ["/usr/sbin/sshd"] or "/etc/tad/sshd_config" not in worker_command:
        fail(f"{name}: workers do not run the image's non-root sshd")
    ports = {p.get("name"): p["containerPort"] for p in worker.get("ports", [])}
    if ports.get("ssh") != 2222 or ports.get("metrics") != 4040:
        fail(f"{name}: worker ports {ports}, want ssh 2222 and metrics 4040")
    images = {c["image"] for _, s in pod_specs(mpijob) for c in s["containers"]}
    images |= {extract_container["image"]}
    if len(images) != 1:
        fail(f"{name}: pods run different images {sorted(images)}")

    service = next((s for s in kinds["Service"] if s["metadata"]["name"] == "tad-train-metrics"), None)
    if service is None:
        fail(f"{name}: no Service tad-train-metrics")
        return replicas["Worker"].get("replicas")
    selector = service["spec"].get("selector", {})
    want_selector = {"training.kubeflow.org/job-name": mpijob["metadata"]["name"],
                     "training.kubeflow.org/job-role": "worker",
                     "training.kubeflow.org/replica-index": "0"}
    if selector != want_selector:
        fail(f"{name}: metrics Service selector {selector}, want worker 0 (rank 0) {want_selector}")
    annotations = service["metadata"].get("annotations", {})
    if (annotations.get("prometheus.io/scrape"), annotations.get("prometheus.io/port")) != ("true", "4040"):
        fail(f"{name}: metrics Service lacks prometheus.io scrape/port annotations")
    service_ports = {p.get("name"): p for p in service["spec"]["ports"]}
    metrics_port = service_ports.get("metrics", {})
    if metrics_port.get("port") != 4040 or metrics_port.get("targetPort") not in (4040, "metrics"):
        fail(f"{name}: metrics Service port {metrics_port}")

    monitor = kinds["ServiceMonitor"][0]
    if monitor["apiVersion"] != "monitoring.coreos.com/v1":
        fail(f"{name}: ServiceMonitor apiVersion {monitor['apiVersion']}")
    match = monitor["spec"].get("selector", {}).get("matchLabels", {})
    if not match or any(service["metadata"].get("labels", {}).get(k) != v for k, v in match.items()):
        fail(f"{name}: the ServiceMonitor does not select the metrics Service")
    endpoints = monitor["spec"].get("endpoints", [])
    if {e.get("port") for e in endpoints} != {"metrics"}:
        fail(f"{name}: ServiceMonitor endpoints not on the metrics port")
    paths = {e.get("path") for e in endpoints}
    if not {"/metrics/prometheus/", "/metrics/executors/prometheus"} <= paths:
        fail(f"{name}: ServiceMonitor paths {sorted(paths)}")

    dashboards = [c for c in kinds["ConfigMap"] if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    if len(dashboards) != 1:
        fail(f"{name}: {len(dashboards)} ConfigMaps labelled grafana_dashboard=1, want 1")
    for c in dashboards:
        if not c.get("data"):
            fail(f"{name}: the dashboard ConfigMap is empty")
        for key, value in c.get("data", {}).items():
            try:
                dashboard = json.loads(value)
            except ValueError:
                fail(f"{name}: dashboard {key} is not JSON")
                continue
            if not isinstance(dashboard, dict) or not dashboard.get("panels"):
                fail(f"{name}: dashboard {key} has no panels")
    return replicas["Worker"].get("replicas")


def render_minikube_with(workers):
    """The minikube overlay with its one worker-count setting changed, rendered."""
    text = (MINIKUBE / "kustomization.yaml").read_text()
    changed, count = re.subn(r"(# tad-workers\n\s+value:) \d+", rf"\1 {workers}", text)
    if count != 1:
        sys.exit("minikube overlay: the '# tad-workers' setting is not there exactly once")
    with tempfile.TemporaryDirectory(dir=K8S / "overlays") as tmp:
        (pathlib.Path(tmp) / "kustomization.yaml").write_text(changed)
        return render(tmp)


def check_dashboard_copies(fail):
    """base/dashboards holds byte-identical copies of deploy/grafana's dashboards (kustomize
    cannot read outside its root), and the generator lists exactly them."""
    originals = {p.name: p for p in (ROOT / "deploy" / "grafana" / "dashboards").glob("*.json")}
    copies = {p.name: p for p in (K8S / "base" / "dashboards").glob("*.json")}
    if not originals:
        print("note: deploy/grafana/dashboards has no dashboard yet; the copy is not compared")
        return
    if set(copies) != set(originals):
        fail(f"deploy/k8s/base/dashboards has {sorted(copies)}, deploy/grafana/dashboards has {sorted(originals)}")
    for file, original in originals.items():
        if file in copies and copies[file].read_bytes() != original.read_bytes():
            fail(f"deploy/k8s/base/dashboards/{file} differs from {original}: "
                 f"run `cp deploy/grafana/dashboards/{file} deploy/k8s/base/dashboards/`")
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    listed = {pathlib.Path(f).name for g in base.get("configMapGenerator", []) for f in g.get("files", [])}
    if listed != set(originals):
        fail(f"the dashboard ConfigMap lists {sorted(listed)}, deploy/grafana/dashboards has {sorted(originals)}")


def check_classify_daemonset(fail):
    """deploy/k8s/classify: a DaemonSet on the host network that may capture and nothing more."""
    objects = render(K8S / "classify")
    sets = [o for o in objects if o["kind"] == "DaemonSet"]
    if len(sets) != 1:
        fail(f"classify: renders {len(sets)} DaemonSets, want 1")
        return
    spec = sets[0]["spec"]["template"]["spec"]
    if spec.get("hostNetwork") is not True:
        fail("classify: the DaemonSet is not on the host network")
    for container in spec["containers"]:
        security = container.get("securityContext", {})
        capabilities = security.get("capabilities", {})
        if capabilities.get("drop") != ["ALL"] or sorted(capabilities.get("add", [])) != ["NET_ADMIN", "NET_RAW"]:
            fail(f"classify: container {container['name']} capabilities {capabilities}, want drop ALL, "
                 "add NET_RAW and NET_ADMIN only")
        if security.get("readOnlyRootFilesystem") is not True or security.get("allowPrivilegeEscalation") is not False:
            fail(f"classify: container {container['name']} needs a read-only root and no privilege escalation")
        if security.get("privileged"):
            fail(f"classify: container {container['name']} is privileged")


def main():
    failures = []
    check_classify_daemonset(failures.append)
    for overlay in sorted((K8S / "overlays").iterdir()):
        check_objects(overlay.name, render(overlay), failures.append)
    # One setting picks the worker count (1 to 7 for the scaling study).
    for workers in (1, 3, 7):
        got = check_objects(f"minikube-{workers}", render_minikube_with(workers), failures.append)
        if got != workers:
            failures.append(f"minikube with {workers} workers renders {got}")
    check_dashboard_copies(failures.append)
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print("k8s manifests: all checks passed")


def self_test():
    """Each broken variant of the minikube rendering must be caught."""
    good = render(MINIKUBE)
    base_failures = []
    check_objects("good", good, base_failures.append)
    if base_failures:
        sys.exit("self-test: the unmodified overlay fails:\n" + "\n".join(base_failures))

    def find(objects, kind):
        return next(o for o in objects if o["kind"] == kind)

    def worker(objects):
        return find(objects, "MPIJob")["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]

    def launcher(objects):
        return find(objects, "MPIJob")["spec"]["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]

    def add_init(objects):
        worker(objects).setdefault("initContainers", []).append(
            {"name": "init", "image": "tad:latest", "resources": {}})

    def cluster_binding(objects):
        objects.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                        "metadata": {"name": "tad-edit", "namespace": "tad"},
                        "roleRef": {"kind": "ClusterRole", "name": "edit"}})

    mutations = {
        "writable root": lambda o: worker(o)["containers"][0]["securityContext"].update(readOnlyRootFilesystem=False),
        "capability added": lambda o: launcher(o)["containers"][0]["securityContext"]["capabilities"].update(add=["NET_ADMIN"]),
        "no seccomp": lambda o: find(o, "Job")["spec"]["template"]["spec"]["containers"][0]["securityContext"].pop("seccompProfile"),
        "root user": lambda o: worker(o)["containers"][0]["securityContext"].update(runAsUser=0),
        "no limits": lambda o: worker(o)["containers"][0]["resources"].pop("limits"),
        "bare init container": add_init,
        "token mounted": lambda o: launcher(o).update(automountServiceAccountToken=True),
        "edit role binding": cluster_binding,
        "launcher as worker": lambda o: find(o, "MPIJob")["spec"].update(runLauncherAsWorker=True),
        "clean all pods": lambda o: find(o, "MPIJob")["spec"]["runPolicy"].update(cleanPodPolicy="All"),
        "no ttl": lambda o: find(o, "MPIJob")["spec"]["runPolicy"].pop("ttlSecondsAfterFinished"),
        "fixed -np": lambda o: launcher(o)["containers"][0]["args"].insert(0, "-np"),
        "service on worker 1": lambda o: find(o, "Service")["spec"]["selector"].update({"training.kubeflow.org/replica-index": "1"}),
        "no scrape annotation": lambda o: find(o, "Service")["metadata"]["annotations"].pop("prometheus.io/scrape"),
        "monitor misses executors": lambda o: find(o, "ServiceMonitor")["spec"]["endpoints"].pop(),
        "dashboard unlabelled": lambda o: find(o, "ConfigMap")["metadata"]["labels"].pop("grafana_dashboard"),
        "sshd on 22": lambda o: worker(o)["containers"][0]["ports"][0].update(containerPort=22),
    }
    missed = []
    for what, mutate in mutations.items():
        objects = copy.deepcopy(good)
        mutate(objects)
        caught = []
        check_objects(what, objects, caught.append)
        if not caught:
            missed.append(what)
    if missed:
        sys.exit("self-test: the checker accepts broken manifests: " + ", ".join(missed))
    print(f"k8s checker self-test: all {len(mutations)} broken variants rejected")


if __name__ == "__main__":
    self_test() if "--self-test" in sys.argv[2:] else main()
