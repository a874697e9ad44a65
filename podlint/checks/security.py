"""Pod and container security settings: user namespaces, sysctls, /proc, seccomp, capabilities,
user and group ids, host ports and secrets written into env values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, as_int, items, spec_path, unrendered
from podlint.model.podspec import ContainerView, PodSpecView, Role, is_placeholder
from podlint.model.validation import go_value
from podlint.patterns import lazy
from podlint.schemas.versions import Version

SYSCTL_MAX = 253
_SYSCTL_NAME = r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"
_SYSCTL_NAME_RE = lazy(_SYSCTL_NAME)
# The sysctls the kubelet allows by default (the rest are SysctlForbidden unless the node allows them),
# by the release that made them safe.
SAFE_SYSCTLS: tuple[tuple[str, Version], ...] = (
    ("kernel.shm_rmid_forced", (1, 0)), ("net.ipv4.ip_local_port_range", (1, 0)),
    ("net.ipv4.tcp_syncookies", (1, 0)), ("net.ipv4.ping_group_range", (1, 18)),
    ("net.ipv4.ip_unprivileged_port_start", (1, 22)), ("net.ipv4.ip_local_reserved_ports", (1, 27)),
    ("net.ipv4.tcp_keepalive_time", (1, 29)), ("net.ipv4.tcp_fin_timeout", (1, 29)),
    ("net.ipv4.tcp_keepalive_intvl", (1, 29)), ("net.ipv4.tcp_keepalive_probes", (1, 29)),
    ("net.ipv4.tcp_rmem", (1, 32)), ("net.ipv4.tcp_wmem", (1, 32)),
)
_IPC_SYSCTL_PREFIXES = ("kernel.shm", "kernel.msg", "fs.mqueue.")
HIGH_ID = 10000  # ids below this may collide with users of the node (kube-score's and Checkov's bound)
# Names of variables that usually hold a credential, and name endings that say it is only a pointer to one.
# (`MAX_TOTAL_TOKENS`: a count of language-model tokens)
_SECRET_NAME = lazy(r"(?i)(passw(or)?d|secret|token(?!s)|api_?key|private_?key|credential|access_?key|auth_?key)")
_POINTER_NAME = lazy(r"(?i)(_(file|path|dir|url|uri|name|id|ref|type|header|length|ttl|expiry|endpoint|version))$")
# Values no credential takes: a yes or no (`MYSQL_ALLOW_EMPTY_PASSWORD: "1"`, `REQUIRE_TOKEN: "true"`).
_FLAG_VALUE = lazy(r"(?i)^\s*([01]|true|false|yes|no|on|off|enabled?|disabled?)\s*$")


def _hardened(pod: PodSpecView) -> Iterator[ContainerView]:
    """Containers that run the workload (an ephemeral debug container is someone's deliberate choice)."""
    return (c for c in pod.containers() if c.role is not Role.EPHEMERAL)


def _security(data: dict[str, Any]) -> dict[str, Any]:
    return as_dict(data.get("securityContext"))


def _sysctls(pod: PodSpecView) -> Iterator[tuple[int, str]]:
    for index, sysctl in items(_security(pod.data).get("sysctls")):
        name = sysctl.get("name")
        if isinstance(name, str) and not unrendered(name):
            yield index, name


@pod_check("host-users-host-namespace")
def host_users_host_namespace(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if pod.data.get("hostUsers") is not False:
        return
    # (the API server names the last two with capitals)
    for field, shown in (("hostNetwork", "hostNetwork"), ("hostPID", "HostPID"), ("hostIPC", "HostIPC")):
        if pod.data.get(field) is True:
            yield Problem(pod.child(field), f"{shown}: Forbidden: when `hostUsers` is false")


@pod_check("invalid-sysctl")
def invalid_sysctl(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, name in _sysctls(pod):
        at = pod.child("securityContext", "sysctls", index, "name")
        where = f"securityContext.sysctls[{index}].name"
        if not name:
            yield Problem(at, f"{where}: Required value")
        elif len(name) > SYSCTL_MAX or not _SYSCTL_NAME_RE.match(name):
            yield Problem(at, f"{where}: Invalid value: {go_value(name)}: must have at most {SYSCTL_MAX} characters "
                          f"and match regex {_SYSCTL_NAME}", anchor="value")
        elif name in seen:
            yield Problem(at, f"{where}: Duplicate value: {go_value(name)}", anchor="value")
        normal = name.replace("/", ".")
        if pod.host_network and normal.startswith("net."):
            yield Problem(at, f"{where}: Invalid value: {go_value(name)}: may not be specified when 'hostNetwork' is "
                          "true", anchor="value")
        if pod.data.get("hostIPC") is True and (normal.startswith(_IPC_SYSCTL_PREFIXES) or normal == "kernel.sem"):
            yield Problem(at, f"{where}: Invalid value: {go_value(name)}: may not be specified when 'hostIPC' is "
                          "true", anchor="value")
        seen.add(name)


@pod_check("unsafe-sysctl")
def unsafe_sysctl(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    safe = {name for name, since in SAFE_SYSCTLS if ctx.kubernetes_version >= since}
    for index, name in _sysctls(pod):
        if name and _SYSCTL_NAME_RE.match(name) and name.replace("/", ".") not in safe:  # (malformed: invalid-sysctl)
            yield Problem(pod.child("securityContext", "sysctls", index, "name"),
                          f"sysctl {name!r} is not in the kubelet's safe set: the pod is rejected with "
                          "SysctlForbidden on every node that does not allow it with --allowed-unsafe-sysctls",
                          anchor="value")


@pod_check("unsafe-proc-mount")
def unsafe_proc_mount(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in _hardened(pod):
        if _security(container.data).get("procMount") == "Unmasked":
            yield Problem(container.child("securityContext", "procMount"),
                          f"{container.label} mounts /proc unmasked: the kernel files the runtime hides (keys, "
                          "timers, sysrq) become readable and writable", anchor="value")


def _seccomp(data: dict[str, Any]) -> Any:
    return as_dict(_security(data).get("seccompProfile")).get("type")


@pod_check("missing-seccomp-profile")
def missing_seccomp_profile(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if as_dict(pod.data.get("os")).get("name") == "windows":
        return  # seccomp is a Linux feature
    pod_profile = _seccomp(pod.data)
    for container in _hardened(pod):
        profile = _seccomp(container.data)
        effective = profile if profile is not None else pod_profile
        if effective in ("RuntimeDefault", "Localhost") or unrendered(effective):
            continue
        if effective == "Unconfined":
            where = (container.child("securityContext", "seccompProfile", "type") if profile is not None
                     else pod.child("securityContext", "seccompProfile", "type"))
            yield Problem(where, f"{container.label} runs Unconfined by seccomp: every system call is allowed",
                          anchor="value")
        else:
            yield Problem(container.path, f"{container.label} has no seccomp profile (the runtime's default is "
                          "Unconfined): set securityContext.seccompProfile.type: RuntimeDefault on the pod")


def _capability(value: Any) -> str:
    return str(value).upper().removeprefix("CAP_")


@pod_check("capabilities-not-dropped")
def capabilities_not_dropped(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in _hardened(pod):
        dropped = as_dict(_security(container.data).get("capabilities")).get("drop")
        names = {_capability(c) for c in dropped} if isinstance(dropped, list) else set()
        # (capability names are upper-case tokens like SYS_ADMIN: only a template placeholder is unknown)
        if "ALL" in names or "NET_RAW" in names or any(is_placeholder(c) for c in dropped or ()):
            continue
        yield Problem(container.path, f"{container.label} does not drop the capability NET_RAW (nor ALL): it can "
                      "forge packets and spoof other pods on the node; set securityContext.capabilities.drop: [ALL]")


def _effective_id(pod: PodSpecView, container: ContainerView, field: str) -> tuple[int, tuple[str | int, ...]] | None:
    own = _security(container.data)
    if field in own:
        value, where = as_int(own[field]), container.child("securityContext", field)
    else:
        value, where = as_int(_security(pod.data).get(field)), pod.child("securityContext", field)
    return None if value is None else (value, where)


@pod_check("low-user-id")
def low_user_id(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if as_dict(pod.data.get("os")).get("name") == "windows":
        return
    for container in _hardened(pod):
        user = _effective_id(pod, container, "runAsUser")
        if user is not None and 0 < user[0] < HIGH_ID:
            yield Problem(user[1], f"{container.label} runs as user {user[0]}, below {HIGH_ID}: it may share its "
                          "uid with a user of the node, which a container escape then becomes", anchor="value")
        group = _effective_id(pod, container, "runAsGroup")
        if group is not None and group[0] == 0:
            yield Problem(group[1], f"{container.label} runs with the root group (runAsGroup: 0): files of group "
                          "root on mounted volumes are its own", anchor="value")
        elif group is not None and 0 < group[0] < HIGH_ID:
            yield Problem(group[1], f"{container.label} runs as group {group[0]}, below {HIGH_ID}: it may share "
                          "its gid with a group of the node", anchor="value")


@pod_check("host-port")
def host_port(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    if pod.host_network:
        return  # every port is the node's then (host-namespaces): the API server sets hostPort itself
    for container in _hardened(pod):
        for index, port in items(container.data.get("ports")):
            number = as_int(port.get("hostPort"))
            if number:
                yield Problem(container.child("ports", index, "hostPort"),
                              f"{spec_path(container, 'ports', index, 'hostPort')}: {container.label} binds port "
                              f"{number} of its node: one such pod per node, and the port bypasses NetworkPolicies "
                              "on many network plugins; use a Service", anchor="value")


@pod_check("secret-in-env")
def secret_in_env(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        for index, variable in items(container.data.get("env")):
            name, value = variable.get("name"), variable.get("value")
            if not isinstance(name, str) or not isinstance(value, str) or not value.strip() or unrendered(value):
                continue
            if (not _SECRET_NAME.search(name) or _POINTER_NAME.search(name) or value.startswith(("/", "$("))
                    or _FLAG_VALUE.match(value)):
                continue
            # (the value itself is never printed: it may be the secret)
            yield Problem(container.child("env", index, "value"),
                          f"{spec_path(container, 'env', index)}: {name!r} holds a literal value that looks like a "
                          "credential: anyone who can read the manifest or the pod spec reads it; use "
                          "valueFrom.secretKeyRef", anchor="value")
