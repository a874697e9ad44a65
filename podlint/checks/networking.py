"""Pod networking and DNS."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.podspec import PodSpecView


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
    )
