"""The pod's DNS configuration (`dnsPolicy`, `dnsConfig`)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, items, unrendered
from podlint.model.podspec import PodSpecView
from podlint.model.validation import go_value

MAX_NAMESERVERS = 3
MAX_SEARCHES = 32
MAX_SEARCH_CHARS = 2048
IP_DETAIL = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
NDOTS_DEFAULT = 5  # what the cluster DNS sets in a ClusterFirst pod's resolv.conf


@functools.lru_cache(maxsize=256)
def _is_ip(value: str) -> bool:
    import ipaddress  # (only for a pod that lists nameservers)

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@pod_check("invalid-dns-config")
def invalid_dns_config(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    config = pod.data.get("dnsConfig")
    if pod.data.get("dnsPolicy") == "None":
        if not isinstance(config, dict):
            yield Problem(pod.child("dnsPolicy"), "dnsConfig: Required value: must provide `dnsConfig` when "
                          "`dnsPolicy` is None", anchor="value")
            return
        if not config.get("nameservers"):
            yield Problem(pod.child("dnsConfig"), "dnsConfig.nameservers: Required value: must provide at least "
                          "one DNS nameserver when `dnsPolicy` is None")
            return
    if not isinstance(config, dict):
        return
    nameservers = config.get("nameservers")
    if isinstance(nameservers, list):
        if len(nameservers) > MAX_NAMESERVERS:
            yield Problem(pod.child("dnsConfig", "nameservers"), f"dnsConfig.nameservers: Invalid value: "
                          f"{go_value(nameservers)}: must not have more than {MAX_NAMESERVERS} nameservers")
        for index, server in enumerate(nameservers):
            if isinstance(server, str) and not unrendered(server) and not _is_ip(server):
                yield Problem(pod.child("dnsConfig", "nameservers", index), f"dnsConfig.nameservers[{index}]: "
                              f"Invalid value: {go_value(server)}: {IP_DETAIL}", anchor="value")
    searches = config.get("searches")
    if isinstance(searches, list):
        if len(searches) > MAX_SEARCHES:
            yield Problem(pod.child("dnsConfig", "searches"), f"dnsConfig.searches: Invalid value: "
                          f"{go_value(searches)}: must not have more than {MAX_SEARCHES} search paths")
        elif len(" ".join(str(s) for s in searches)) > MAX_SEARCH_CHARS:
            yield Problem(pod.child("dnsConfig", "searches"), f"dnsConfig.searches: Invalid value: "
                          f"{go_value(' '.join(str(s) for s in searches))}: must not have more than "
                          f"{MAX_SEARCH_CHARS} characters (including spaces) in the search list")
    for index, option in items(config.get("options")):
        if not option.get("name"):
            yield Problem(pod.child("dnsConfig", "options", index), f"dnsConfig.options[{index}]: Required value: "
                          "must not be empty")


@pod_check("dns-ndots")
def dns_ndots(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if pod.dns_policy not in ("ClusterFirst", "ClusterFirstWithHostNet") or (
            pod.host_network and pod.dns_policy == "ClusterFirst"):
        return  # the cluster DNS's ndots applies to ClusterFirst pods only
    options = list(items(as_dict(pod.data.get("dnsConfig")).get("options")))
    for index, option in options:
        if option.get("name") != "ndots":
            continue
        value = option.get("value")
        if unrendered(value):
            return
        if not (isinstance(value, str) and value.isdigit() and int(value) <= 15):
            yield Problem(pod.child("dnsConfig", "options", index), f"dnsConfig.options[{index}]: ndots "
                          f"{go_value(value)} is not a number from 0 to 15: the resolver ignores it and keeps "
                          f"ndots:{NDOTS_DEFAULT}")
        return
    yield Problem(pod.path, f"no ndots option in dnsConfig: with the cluster default ndots:{NDOTS_DEFAULT}, every "
                  "lookup of an external name (api.example.com) first tries each cluster search domain, up to four "
                  "extra queries per lookup; set dnsConfig.options [{name: ndots, value: \"2\"}] if the pods call "
                  "external names")
