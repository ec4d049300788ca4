#!/usr/bin/python3
"""Regenerates the vendored schemas in this folder from upstream checkouts (see README.md).

Usage: vendor_schemas.py KUBECTL_VALIDATE_CHECKOUT MPI_OPERATOR_CHECKOUT PROMETHEUS_OPERATOR_CHECKOUT

Each checkout must be at the commit README.md names. The Kubernetes OpenAPI v3 documents are
several hundred KiB to 2 MiB each, almost all of it API paths and kinds we do not ship, so only
the component schemas reachable from the kinds in KINDS are kept (the definitions themselves are
copied unchanged); the two CRDs are copied whole.
"""
import json
import pathlib
import shutil
import sys

HERE = pathlib.Path(__file__).resolve().parent
K8S_VERSION = "1.32"
# Upstream document (kubernetes/kubernetes api/openapi-spec/v3 name) -> the kinds we validate.
KINDS = {
    "api__v1_openapi.json": ("api/v1.json", ["io.k8s.api.core.v1.Namespace", "io.k8s.api.core.v1.ServiceAccount",
                                             "io.k8s.api.core.v1.PersistentVolume",
                                             "io.k8s.api.core.v1.PersistentVolumeClaim", "io.k8s.api.core.v1.Service",
                                             "io.k8s.api.core.v1.ConfigMap", "io.k8s.api.core.v1.Pod",
                                             # Custom resources' metadata is validated as ObjectMeta.
                                             "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]),
    "apis__batch__v1_openapi.json": ("apis/batch/v1.json", ["io.k8s.api.batch.v1.Job"]),
    "apis__apps__v1_openapi.json": ("apis/apps/v1.json", ["io.k8s.api.apps.v1.DaemonSet"]),
    "apis__rbac.authorization.k8s.io__v1_openapi.json": ("apis/rbac.authorization.k8s.io/v1.json",
                                                         ["io.k8s.api.rbac.v1.Role", "io.k8s.api.rbac.v1.RoleBinding"]),
}
REF_PREFIX = "#/components/schemas/"


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"][len(REF_PREFIX):]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def reachable(schemas, roots):
    keep, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo.extend(refs(schemas[name]))
    return keep


def main():
    validate, mpi, prometheus = (pathlib.Path(p) for p in sys.argv[1:4])
    out = HERE / f"kubernetes-{K8S_VERSION}"
    out.mkdir(exist_ok=True)
    for name, (source, roots) in KINDS.items():
        document = json.loads((validate / "pkg/openapiclient/builtins" / K8S_VERSION / source).read_text())
        schemas = document["components"]["schemas"]
        keep = reachable(schemas, roots)
        stripped = {"openapi": document["openapi"], "info": document["info"],
                    "components": {"schemas": {k: schemas[k] for k in sorted(keep)}}}
        (out / name).write_text(json.dumps(stripped, indent=1, sort_keys=True) + "\n")
    shutil.copyfile(mpi / "manifests/base/kubeflow.org_mpijobs.yaml", HERE / "mpi-operator-v0.6.0" / "kubeflow.org_mpijobs.yaml")
    shutil.copyfile(prometheus / "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
                    HERE / "prometheus-operator-v0.93.0" / "monitoring.coreos.com_servicemonitors.yaml")


if __name__ == "__main__":
    main()
