"""Lifecycle hooks (postStart, preStop) and shutdown timing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import as_dict, as_int, spec_path, termination_grace_period
from podlint.model.podspec import ContainerView, PodSpecView, Role
from podlint.patterns import lazy

HOOKS = ("postStart", "preStop")
HOOK_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600}


_SLEEP = lazy(r"(?:^|[;&|(\s])sleep\s+(\d+)([smh]?)(?=$|[\s;&|)])")


def hooks(pod: PodSpecView) -> Iterator[tuple[ContainerView, str, dict[str, Any]]]:
    """The hooks the API server validates: on app containers and native sidecars."""
    for container in pod.containers():
        if container.role not in (Role.APP, Role.SIDECAR):
            continue
        lifecycle = as_dict(container.data.get("lifecycle"))
        for hook in HOOKS:
            handler = lifecycle.get(hook)
            if isinstance(handler, dict):
                yield container, hook, handler


@pod_check("invalid-lifecycle-handler")
def invalid_lifecycle_handler(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container, hook, handler in hooks(pod):
        present = [key for key in HOOK_HANDLERS if handler.get(key) is not None]
        where = spec_path(container, "lifecycle", hook)
        if not present:
            yield Problem(container.child("lifecycle", hook), f"{where}: Required value: must specify a handler type")
        for extra in present[1:]:
            yield Problem(container.child("lifecycle", hook, extra),
                          f"{where}.{extra}: Forbidden: may not specify more than 1 handler type "
                          f"(already {present[0]})")


@pod_check("lifecycle-tcp-socket")
def lifecycle_tcp_socket(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container, hook, handler in hooks(pod):
        if handler.get("tcpSocket") is None:
            continue
        effect = ("a failed postStart hook kills the container" if hook == "postStart"
                  else "the container gets no graceful preStop")
        yield Problem(container.child("lifecycle", hook, "tcpSocket"),
                      f"{spec_path(container, 'lifecycle', hook, 'tcpSocket')}: tcpSocket is not supported as a "
                      f"lifecycle handler: the API server accepts it but the hook fails at runtime ({effect})")


def exec_sleep_seconds(command: Any) -> int | None:
    """The longest `sleep N` an exec hook runs: `sleep 20`, or inside `sh -c '...'`."""
    if not isinstance(command, list) or not command or not all(isinstance(p, str) for p in command):
        return None
    program = command[0].rsplit("/", 1)[-1]
    if program == "sleep" and len(command) == 2:
        script = "sleep " + command[1]
    elif program in SHELLS and "-c" in command[1:-1]:
        script = command[command.index("-c", 1) + 1]
    else:
        return None
    found = [int(number) * _UNIT[unit] for number, unit in _SLEEP.findall(script)]
    return max(found) if found else None


@pod_check("prestop-sleep-exceeds-grace")
def prestop_sleep_exceeds_grace(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    grace = termination_grace_period(pod)
    for container, hook, handler in hooks(pod):
        sleep = as_dict(handler.get("sleep"))
        seconds = as_int(sleep.get("seconds"))
        if seconds is not None and seconds > grace:
            # The API server rejects a sleep action longer than the grace period.
            yield Problem(container.child("lifecycle", hook, "sleep", "seconds"),
                          f"{spec_path(container, 'lifecycle', hook, 'sleep', 'seconds')}: Invalid value: {seconds}: "
                          f"must be non-negative and less than terminationGracePeriodSeconds ({grace})",
                          anchor="value")
        if hook != "preStop":
            continue
        slept = exec_sleep_seconds(as_dict(handler.get("exec")).get("command"))
        if slept is not None and slept >= grace:
            yield Problem(container.child("lifecycle", hook, "exec", "command"),
                          f"{spec_path(container, 'lifecycle', hook)} sleeps {slept}s, as long as or longer than "
                          f"terminationGracePeriodSeconds ({grace}): the grace period is spent in the hook, and the "
                          "container gets SIGTERM only 2 seconds before it is killed")
