#!/usr/bin/python3
"""Validates every object that the kustomize overlays render against the schema a cluster would
apply to it: Kubernetes' own OpenAPI v3 documents for the built-in kinds, the MPI Operator's CRD
for MPIJob and prometheus-operator's CRD for ServiceMonitor (all vendored in schemas/, see
schemas/README.md). Unknown fields are errors, as with the API server's strict field validation
(`kubectl apply --validate=strict`, the default since Kubernetes 1.27).

Usage: check_k8s_schemas.py REPO_ROOT                   validate every overlay
       check_k8s_schemas.py REPO_ROOT --self-test       check that a misspelt field is caught in every kind
       check_k8s_schemas.py REPO_ROOT --rendered FILE.. validate the objects in YAML files (what
                                                        scripts/k8s-smoke.sh applies, in its test)
"""
import copy
import json
import pathlib
import subprocess
import sys

import jsonschema
import yaml

SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"
KUBERNETES = SCHEMAS / "kubernetes-1.32"
CRDS = [SCHEMAS / "mpi-operator-v0.6.0" / "kubeflow.org_mpijobs.yaml",
        SCHEMAS / "prometheus-operator-v0.93.0" / "monitoring.coreos.com_servicemonitors.yaml"]
REF = "#/components/schemas/"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def strict(node):
    """An OpenAPI v3 schema made into a JSON Schema (draft 4) that rejects unknown fields.

    The API server's rules: an object schema that lists properties accepts no others unless it
    says x-kubernetes-preserve-unknown-fields; x-kubernetes-int-or-string takes an integer or a
    string; nullable admits null. The subschemas of allOf/anyOf/oneOf are left open: in Kubernetes
    they only wrap a $ref (whose target is made strict on its own) or, in a CRD's structural
    schema, repeat properties declared beside them to add value constraints."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: strict(schema) for name, schema in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = strict(value)
        else:
            out[key] = value
    if "properties" in out and "additionalProperties" not in out \
            and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if out.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.get("nullable"):
        out = {"anyOf": [{"type": "null"}, out]}
    return out


def api_version(gvk):
    return f'{gvk["group"]}/{gvk["version"]}' if gvk["group"] else gvk["version"]


class Registry:
    """(apiVersion, kind) -> a validator for objects of that kind."""

    def __init__(self):
        self.validators = {}
        core = None
        for path in sorted(KUBERNETES.glob("*_openapi.json")):
            schemas = json.loads(path.read_text())["components"]["schemas"]
            document = {"components": {"schemas": {name: strict(s) for name, s in schemas.items()}}}
            if OBJECT_META in schemas:
                core = document
            for name, schema in schemas.items():
                for gvk in schema.get("x-kubernetes-group-version-kind", []):
                    self._add(api_version(gvk), gvk["kind"], document, name)
        for path in CRDS:
            crd = yaml.safe_load(path.read_text())
            spec = crd["spec"]
            for version in spec["versions"]:
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                # The API server validates a custom resource's metadata as ObjectMeta; the CRD only
                # says "type: object".
                schema["properties"]["metadata"] = {"$ref": REF + OBJECT_META}
                name = f'{spec["group"]}/{version["name"]}/{spec["names"]["kind"]}'
                document = {"components": {"schemas": {**core["components"]["schemas"], name: strict(schema)}}}
                self._add(f'{spec["group"]}/{version["name"]}', spec["names"]["kind"], document, name)

    def _add(self, version, kind, document, name):
        resolver = jsonschema.RefResolver("", document)
        schema = document["components"]["schemas"][name]
        self.validators[(version, kind)] = jsonschema.Draft4Validator(schema, resolver=resolver)

    def errors(self, obj):
        """One line per schema violation of obj (empty when it is valid)."""
        what = f'{obj.get("kind")} {obj.get("metadata", {}).get("name")}'
        validator = self.validators.get((obj.get("apiVersion"), obj.get("kind")))
        if validator is None:
            return [f'{what}: no schema for apiVersion {obj.get("apiVersion")} kind {obj.get("kind")}']
        lines = []
        for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
            where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
            lines.append(f"{what}: {where}: {error.message}")
        return lines


def render(overlay):
    out = subprocess.run(["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit(f"kubectl kustomize {overlay} failed: {out.stderr.strip()}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def overlays(root):
    """The training overlays, and deploy/k8s/classify (the tad classify DaemonSet)."""
    training = sorted(p for p in (root / "deploy" / "k8s" / "overlays").iterdir() if (p / "kustomization.yaml").exists())
    return training + [root / "deploy" / "k8s" / "classify"]


def main(root):
    registry = Registry()
    failures, count = [], 0
    for overlay in overlays(root):
        for obj in render(overlay):
            count += 1
            failures += [f"{overlay.name}: {line}" for line in registry.errors(obj)]
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"k8s schemas: {count} objects in {len(overlays(root))} overlays valid")


# Kinds no overlay renders yet (the validator is ready for them): one small valid object each.
EXTRA_OBJECTS = [
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
     "metadata": {"name": "reader", "namespace": "tad"},
     "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]},
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
     "metadata": {"name": "reader", "namespace": "tad"},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
     "subjects": [{"kind": "ServiceAccount", "name": "tad", "namespace": "tad"}]},
]


def rename(mapping, old, new):
    """Misspells one field, keeping its value (the mistake a user makes)."""
    if old not in mapping:
        raise KeyError(f"self-test: the manifests no longer have the field {old}; update the self-test")
    mapping[new] = mapping.pop(old)


def pod(obj):
    return obj["spec"]["template"]["spec"]


def mpi_role(obj, role):
    return obj["spec"]["mpiReplicaSpecs"][role]["template"]["spec"]


# kind -> (what is broken, how, a word the error must name). Misspelt fields in every kind, at
# the top, in the spec and deep in pod templates, plus wrong types and enum values where a
# schema has them.
BREAKAGES = {
    "Namespace": [("metadata.lables", lambda o: rename(o["metadata"], "labels", "lables"), "lables")],
    "ServiceAccount": [("automountServiceAccountTokens",
                        lambda o: rename(o, "automountServiceAccountToken", "automountServiceAccountTokens"),
                        "automountServiceAccountTokens")],
    "PersistentVolume": [("spec.hostpath", lambda o: rename(o["spec"], "hostPath", "hostpath"), "hostpath")],
    "PersistentVolumeClaim": [("spec.accesModes", lambda o: rename(o["spec"], "accessModes", "accesModes"),
                               "accesModes")],
    "ConfigMap": [("datas", lambda o: rename(o, "data", "datas"), "datas")],
    "Service": [("spec.ports[0].targetport", lambda o: rename(o["spec"]["ports"][0], "targetPort", "targetport"),
                 "targetport"),
                ("spec.ports[0].port as a list", lambda o: o["spec"]["ports"][0].update(port=[4040]), "port")],
    "Job": [("spec.backofLimit", lambda o: rename(o["spec"], "backoffLimit", "backofLimit"), "backofLimit"),
            ("securityContext.readOnlyRootFileSystem",
             lambda o: rename(pod(o)["containers"][0]["securityContext"], "readOnlyRootFilesystem",
                              "readOnlyRootFileSystem"), "readOnlyRootFileSystem")],
    "MPIJob": [("spec.slotPerWorker", lambda o: rename(o["spec"], "slotsPerWorker", "slotPerWorker"), "slotPerWorker"),
               ("spec.mpiReplicaSpec", lambda o: rename(o["spec"], "mpiReplicaSpecs", "mpiReplicaSpec"),
                "mpiReplicaSpec"),
               ("spec.launcherCreationPolicies",
                lambda o: rename(o["spec"], "launcherCreationPolicy", "launcherCreationPolicies"),
                "launcherCreationPolicies"),
               # The CRD enumerates mpiImplementation but not launcherCreationPolicy or cleanPodPolicy
               # (the operator checks those; check_k8s.py pins their values).
               ("mpiImplementation value", lambda o: o["spec"].update(mpiImplementation="OpenMPl"), "OpenMPl"),
               ("runPolicy.cleanPodPolicies",
                lambda o: rename(o["spec"]["runPolicy"], "cleanPodPolicy", "cleanPodPolicies"), "cleanPodPolicies"),
               ("Worker replicas as a string",
                lambda o: o["spec"]["mpiReplicaSpecs"]["Worker"].update(replicas="2"), "'2'"),
               ("worker container imagePullPolice",
                lambda o: mpi_role(o, "Worker")["containers"][0].update(imagePullPolice="Never"), "imagePullPolice"),
               ("launcher pod volume emptydir",
                lambda o: rename(next(v for v in mpi_role(o, "Launcher")["volumes"] if "emptyDir" in v),
                                 "emptyDir", "emptydir"), "emptydir"),
               ("metadata.labells", lambda o: o["metadata"].update(labells={"a": "b"}), "labells")],
    "ServiceMonitor": [("spec.endpoints[0].intervall",
                        lambda o: o["spec"]["endpoints"][0].update(intervall="30s"), "intervall"),
                       ("spec.namespaceSelectors", lambda o: o["spec"].update(namespaceSelectors={"any": True}),
                        "namespaceSelectors")],
    "Role": [("rules[0].verb", lambda o: rename(o["rules"][0], "verbs", "verb"), "verb")],
    "RoleBinding": [("roleRef.kindd", lambda o: rename(o["roleRef"], "kind", "kindd"), "kindd")],
    "DaemonSet": [("template.spec.nodeselector", lambda o: rename(pod(o), "nodeSelector", "nodeselector"),
                   "nodeselector"),
                  ("ports[0].containerport",
                   lambda o: rename(pod(o)["containers"][0]["ports"][0], "containerPort", "containerport"),
                   "containerport")],
}


def rule_problems():
    """strict()'s rules on small schemas: what it must accept and what it must reject."""
    def valid(schema, value):
        return jsonschema.Draft4Validator(strict(schema)).is_valid(value)

    listed = {"type": "object", "properties": {"a": {"type": "string"}}}
    preserved = dict(listed, **{"x-kubernetes-preserve-unknown-fields": True})
    int_or_string = {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
    checks = [
        ("a listed field", valid(listed, {"a": "x"})),
        ("no unknown field", not valid(listed, {"b": "x"})),
        ("no unknown field in a nested object", not valid({"properties": {"n": listed}}, {"n": {"b": "x"}})),
        ("unknown fields under x-kubernetes-preserve-unknown-fields", valid(preserved, {"b": "x"})),
        ("preserved objects still check listed fields", not valid(preserved, {"a": 1})),
        ("a map's values", valid({"type": "object", "additionalProperties": {"type": "string"}}, {"k": "v"})),
        ("int-or-string as an integer", valid(int_or_string, 4040)),
        ("int-or-string as a string", valid(int_or_string, "metrics")),
        ("int-or-string not as a list", not valid(int_or_string, [1])),
        ("int-or-string without anyOf", valid({"type": "string", "x-kubernetes-int-or-string": True}, 1)),
        ("nullable", valid({"type": "string", "nullable": True}, None)),
        ("not nullable", not valid({"type": "string"}, None)),
    ]
    return [f"self-test: strict() gets wrong: {what}" for what, ok in checks if not ok]


def self_test(root):
    registry = Registry()
    problems = rule_problems()
    objects = {}
    rendered = render(root / "deploy" / "k8s" / "overlays" / "minikube") + render(root / "deploy" / "k8s" / "classify")
    for obj in rendered + EXTRA_OBJECTS:
        objects.setdefault(obj["kind"], obj)
    for kind, obj in objects.items():
        problems += [f"self-test: the unbroken {kind} fails: {line}" for line in registry.errors(obj)]
        if kind not in BREAKAGES:
            problems.append(f"self-test: no broken variant of {kind}")
    variants = 0
    for kind, breakages in BREAKAGES.items():
        if kind not in objects:
            problems.append(f"self-test: no {kind} to break")
            continue
        for what, breakage, word in breakages:
            broken = copy.deepcopy(objects[kind])
            breakage(broken)
            variants += 1
            errors = registry.errors(broken)
            if not any(word in line for line in errors):
                problems.append(f"self-test: {kind} with {what} is not rejected naming {word!r}: {errors}")
    unknown = {"apiVersion": "kubeflow.org/v1", "kind": "MPIJob", "metadata": {"name": "old"}}
    if not registry.errors(unknown):
        problems.append("self-test: an MPIJob of an API version we have no schema for is accepted")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"k8s schema self-test: {len(objects)} kinds valid, all {variants} broken variants rejected")


def check_files(paths):
    registry = Registry()
    failures, count = [], 0
    for path in paths:
        for obj in yaml.safe_load_all(pathlib.Path(path).read_text()):
            if obj:
                count += 1
                failures += [f"{path}: {line}" for line in registry.errors(obj)]
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"k8s schemas: {count} objects in {len(paths)} files valid")


if __name__ == "__main__":
    repo = pathlib.Path(sys.argv[1])
    if sys.argv[2:3] == ["--self-test"]:
        self_test(repo)
    elif sys.argv[2:3] == ["--rendered"]:
        check_files(sys.argv[3:])
    else:
        main(repo)
