"""A seeded generator of realistic workload manifests for the benchmark.

Deployments, StatefulSets, Jobs and Services as Helm or kustomize render them: several
containers with probes, resources, env, mounts and volumes, ~1.7 KB a document, five
documents a file. About one object in six carries something a linter reports (an untagged
image, a missing limit), so the findings path is timed too, as on real repositories.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

DOCS_PER_FILE = 5
APP_DOCUMENTS = 25
_APPS = ("checkout", "cart", "search", "billing", "auth", "catalog", "email", "ledger", "gateway", "report")
_TEAMS = ("payments", "storefront", "platform", "data")
_IMAGES = ("nginx", "redis", "envoyproxy/envoy", "ghcr.io/acme/{app}", "registry.acme.io:5000/{app}/server",
           "quay.io/prometheus/node-exporter")


class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences, as kubectl, Helm and kustomize print."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _image(rng: random.Random, app: str) -> str:
    image = rng.choice(_IMAGES).format(app=app)
    if rng.random() < 0.05:
        return image  # untagged: image-latest-tag
    if rng.random() < 0.2:
        return f"{image}@sha256:{rng.getrandbits(256):064x}"
    return f"{image}:{rng.randint(1, 3)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"


def _container(rng: random.Random, app: str, index: int) -> dict[str, Any]:
    port = rng.choice((8080, 8443, 9090, 3000, 5432)) + index  # distinct within the pod
    limits = {"cpu": f"{rng.choice((250, 500, 1000))}m", "memory": f"{rng.choice((128, 256, 512))}Mi"}
    if rng.random() < 0.05:
        del limits["memory"]  # missing-resource-limits
    container: dict[str, Any] = {
        "name": app if index == 0 else f"{app}-sidecar-{index}",
        "image": _image(rng, app),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http" if index == 0 else f"http-{index}", "containerPort": port, "protocol": "TCP"}],
        "env": [{"name": f"{app.upper().replace('-', '_')}_{key}", "value": value} for key, value in (
            ("LOG_LEVEL", rng.choice(("info", "debug", "warn"))),
            ("PORT", str(port)),
        )] + [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": limits},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True}],
    }
    if index == 0:
        container["readinessProbe"] = {"httpGet": {"path": "/healthz", "port": port},
                                       "initialDelaySeconds": 5, "periodSeconds": 10}
        container["livenessProbe"] = {"tcpSocket": {"port": port}, "failureThreshold": 3}
        container["securityContext"] = {"runAsNonRoot": True, "readOnlyRootFilesystem": True,
                                        "allowPrivilegeEscalation": False}
    return container


def _metadata(rng: random.Random, app: str, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": _TEAMS[len(app) % len(_TEAMS)],  # each app has its team
            "labels": {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "shop",
                       "team": rng.choice(_TEAMS)}}


def _pod_template(rng: random.Random, app: str, restart: str) -> dict[str, Any]:
    containers = [_container(rng, app, index) for index in range(rng.choice((1, 1, 2, 2, 3)))]
    spec: dict[str, Any] = {
        "serviceAccountName": app,
        "containers": containers,
        "volumes": [{"name": "config", "configMap": {"name": f"{app}-config"}}],
    }
    if restart != "Always":
        spec["restartPolicy"] = restart
    return {"metadata": {"labels": {"app.kubernetes.io/name": app}}, "spec": spec}


def _workload(rng: random.Random, serial: int) -> dict[str, Any]:
    # An application is a few files of one folder: its Services select its own workloads, as in
    # a real repository, however many documents the run has.
    group = serial // APP_DOCUMENTS
    app = f"{_APPS[group % len(_APPS)]}-{group}"
    name = f"{app}-{serial}"
    roll = rng.random()
    if serial % APP_DOCUMENTS == 0:  # the application's headless Service, which its StatefulSets name
        return {"apiVersion": "v1", "kind": "Service", "metadata": _metadata(rng, app, app),
                "spec": {"clusterIP": "None", "selector": {"app.kubernetes.io/name": app},
                         "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}
    if roll < 0.3:
        return {"apiVersion": "v1", "kind": "Service", "metadata": _metadata(rng, app, name),
                "spec": {"type": "ClusterIP", "selector": {"app.kubernetes.io/name": app},
                         "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}
    if roll < 0.45:
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": _metadata(rng, app, name),
                "spec": {"backoffLimit": 2, "template": _pod_template(rng, app, "OnFailure")}}
    selector = {"matchLabels": {"app.kubernetes.io/name": app}}
    if roll < 0.65:
        return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _metadata(rng, app, name),
                "spec": {"serviceName": app, "replicas": 3, "selector": selector,
                         "template": _pod_template(rng, app, "Always")}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _metadata(rng, app, name),
            "spec": {"replicas": rng.randint(1, 5), "selector": selector,
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                     "template": _pod_template(rng, app, "Always")}}


def generate(folder: Path, documents: int, seed: int = 10) -> list[Path]:
    """Write `documents` manifests, five to a file, under `folder`; the same seed, the same bytes."""
    return _write(folder, documents, random.Random(seed), _workload)


def _write(folder: Path, documents: int, rng: random.Random,
           make: Callable[[random.Random, int], dict[str, Any]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for first in range(0, documents, DOCS_PER_FILE):
        docs = [make(rng, serial) for serial in range(first, min(first + DOCS_PER_FILE, documents))]
        path = folder / f"{first // DOCS_PER_FILE:05d}.yaml"
        path.write_text(yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, explicit_start=True), encoding="utf-8")
        files.append(path)
    return files


# --- custom resources (issue 19): the kinds real repositories carry, checked by the bundled catalogue ----------

def _custom(rng: random.Random, serial: int) -> dict[str, Any]:
    """One custom resource of an app; about one in six breaks its schema or a CEL rule of its CRD."""
    group = serial // APP_DOCUMENTS
    app = f"{_APPS[group % len(_APPS)]}-{group}"
    meta = _metadata(rng, app, f"{app}-{serial}")
    broken = rng.random() < 1 / 6
    choice = serial % 8
    if choice == 0:
        return {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": meta,
                "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                         "endpoints": [{"port": "http", "interval": "30s" if not broken else 30,
                                        "path": "/metrics", "honorLabels": True}]}}
    if choice == 1:
        spec: dict[str, Any] = {"secretName": f"{app}-tls", "dnsNames": [f"{app}.example.com"], "duration": "2160h",
                                "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"},
                                "privateKey": {"algorithm": "ECDSA", "size": 256}}
        if broken:
            del spec["issuerRef"]  # a required field
        return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": meta, "spec": spec}
    if choice == 2:
        return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": meta,
                "spec": {"parentRefs": [{"name": "gateway", "sectionName": "https"}],
                         "hostnames": [f"{app}.example.com"],
                         "rules": [{"matches": [{"path": {"type": "PathPrefix",
                                                          "value": "api" if broken else "/api"}}],  # a CEL rule
                                    "backendRefs": [{"name": app, "port": 80, "weight": 1}]}]}}
    if choice == 3:
        return {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": meta,
                "spec": {"scaleTargetRef": {"name": app}, "minReplicaCount": "1" if broken else 1,
                         "maxReplicaCount": rng.randint(5, 20),
                         "triggers": [{"type": "cpu", "metricType": "Utilization", "metadata": {"value": "60"}}]}}
    if choice == 4:
        return {"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret", "metadata": meta,
                "spec": {"refreshInterval": "1h", "secretStoreRef": {"name": "vault", "kind": "ClusterSecretStore"},
                         "target": {"name": app, "creationPolicy": "Owner" if not broken else "Sometimes"},
                         "data": [{"secretKey": "password", "remoteRef": {"key": f"{app}/password"}}]}}
    if choice == 5:
        return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": meta,
                "spec": {"project": "default", "destination": {"server": "https://kubernetes.default.svc",
                                                               "namespace": app},
                         "source": {"repoURL": "https://github.com/acme/deploy.git", "targetRevision": "HEAD",
                                    "path": f"apps/{app}"},
                         "syncPolicy": {"automated": {"prune": True, "selfHeal": not broken or "yes"}}}}
    if choice == 6:
        return {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": meta,
                "spec": {"interval": "30m", "chart": {"spec": {"chart": app, "version": "1.2.3",
                                                               "sourceRef": {"kind": "HelmRepository",
                                                                             "name": "acme"}}},
                         "values": {"replicaCount": rng.randint(1, 3), "image": {"tag": "1.0.0"}}}}
    return {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": meta["name"]},
            "spec": {"template": {"spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                                            "name": "default"},
                                           "expireAfter": "720h",
                                           "requirements": [{"key": "kubernetes.io/arch", "operator": "In",
                                                             "values": ["amd64"]}]}},
                     "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                                    "consolidateAfter": "1m" if not broken else "soon"},
                     "limits": {"cpu": "1000"}, "weight": 50}}


CUSTOM_KINDS = ("ServiceMonitor", "Certificate", "HTTPRoute", "ScaledObject", "ExternalSecret", "Application",
                "HelmRelease", "NodePool")


def generate_custom(folder: Path, documents: int, seed: int = 19) -> list[Path]:
    """Like `generate`, but custom resources (CUSTOM_KINDS in turn), with no CRD among them."""
    return _write(folder, documents, random.Random(seed), _custom)
