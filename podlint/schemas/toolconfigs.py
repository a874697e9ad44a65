"""Configuration files of tools that look like Kubernetes objects but are never sent to a cluster.

kustomize's `kustomization.yaml`, eksctl's `ClusterConfig`, kind's `Cluster`, skaffold's `Config`
and the like carry an `apiVersion` and a `kind`, so they would count as custom resources with no
CRD. They are recognised by API group and kind: not counted as unchecked custom resources, and
validated against their own schema where the bundled catalogue has one (kustomize's).
"""

from __future__ import annotations

ANY = "*"

# API group (the part of apiVersion before the slash; "" for a bare version) -> kinds -> tool.
TOOL_CONFIGS: dict[str, tuple[str, frozenset[str]]] = {
    "": ("kubeconfig", frozenset({"Config"})),
    "kustomize.config.k8s.io": ("kustomize", frozenset({"Kustomization", "Component"})),
    "builtin": ("kustomize (built-in generators and transformers)", frozenset({ANY})),
    "eksctl.io": ("eksctl", frozenset({"ClusterConfig"})),
    "kind.x-k8s.io": ("kind", frozenset({"Cluster"})),
    "skaffold": ("skaffold", frozenset({"Config"})),
    "k3d.io": ("k3d", frozenset({"Simple"})),
    "ctlptl.dev": ("ctlptl", frozenset({"Cluster", "Registry"})),
    "k0sctl.k0sproject.io": ("k0sctl", frozenset({"Cluster"})),
    "kpt.dev": ("kpt", frozenset({"Kptfile"})),
    "fn.kpt.dev": ("kpt functions", frozenset({ANY})),
    "kubeadm.k8s.io": ("kubeadm", frozenset({"InitConfiguration", "ClusterConfiguration", "JoinConfiguration",
                                             "ResetConfiguration", "UpgradeConfiguration"})),
    "kubelet.config.k8s.io": ("kubelet", frozenset({"KubeletConfiguration", "CredentialProviderConfig"})),
    "kubeproxy.config.k8s.io": ("kube-proxy", frozenset({"KubeProxyConfiguration"})),
    "kubescheduler.config.k8s.io": ("kube-scheduler", frozenset({"KubeSchedulerConfiguration"})),
    "apiserver.config.k8s.io": ("kube-apiserver", frozenset({ANY})),
    "apiserver.k8s.io": ("kube-apiserver", frozenset({"AdmissionConfiguration"})),
    "audit.k8s.io": ("kube-apiserver audit", frozenset({"Policy"})),
    "kubectl.config.k8s.io": ("kubectl", frozenset({"Preference"})),
    "client.authentication.k8s.io": ("client-go credential plugins", frozenset({"ExecCredential"})),
    "kuttl.dev": ("kuttl", frozenset({"TestSuite", "TestStep", "TestAssert"})),
    "chainsaw.kyverno.io": ("chainsaw", frozenset({"Test", "Configuration", "StepTemplate"})),
    "cli.kyverno.io": ("kyverno CLI", frozenset({"Test", "Values", "UserInfo", "Context"})),
    "config.kwok.x-k8s.io": ("kwok", frozenset({"KwokConfiguration", "KwokctlConfiguration"})),
    "krew.googlecontainertools.github.com": ("krew", frozenset({"Plugin"})),
}


def tool_of(group: str, kind: str) -> str | None:
    """The tool whose configuration file this (API group, kind) is, or None for a cluster object."""
    entry = TOOL_CONFIGS.get(group)
    if entry is None:
        return None
    tool, kinds = entry
    return tool if kind in kinds or ANY in kinds else None
