"""Pod networking and DNS."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.findings import Fix
from podlint.model.podspec import PodSpecView

HOST_NETWORK_POLICY = "ClusterFirstWithHostNet"


@pod_check("host-network-dns-policy")
def host_network_dns_policy(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    # An explicit Default or None is a deliberate choice; only the implicit ClusterFirst
    # silently falls back to the node's resolver when the pod uses the host network.
    if not pod.host_network or pod.dns_policy != "ClusterFirst":
        return
    yield Problem(
        pod.child("hostNetwork"),
        "hostNetwork: true with dnsPolicy ClusterFirst falls back to the node's DNS: cluster "
        "service names stop resolving; set dnsPolicy: ClusterFirstWithHostNet",
        fix=_set_dns_policy(pod),
    )


def _set_dns_policy(pod: PodSpecView) -> Fix | None:
    from podlint.edit import edits  # (imported for a fix only: most runs offer none)

    description = f"set dnsPolicy: {HOST_NETWORK_POLICY}"
    if "dnsPolicy" in pod.data:  # an explicit ClusterFirst (or empty) value: correct it
        return edits.set_value(pod.obj, pod.child("dnsPolicy"), HOST_NETWORK_POLICY, description)
    return edits.add_key(pod.obj, pod.path, "dnsPolicy", HOST_NETWORK_POLICY, description, after="hostNetwork")
