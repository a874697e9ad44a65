"""Container lists: names and what init containers may carry."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.findings import Fix
from podlint.model.podspec import ContainerView, PodSpecView, Role

# Fields the API server forbids on init containers that are not native sidecars.
SIDECAR_ONLY_FIELDS = ("livenessProbe", "readinessProbe", "startupProbe", "lifecycle")


@pod_check("duplicate-container-name")
def duplicate_container_name(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    # Names are unique across containers, initContainers and ephemeralContainers; the API
    # server reports the later one, in that order.
    seen: dict[str, str] = {}
    for container in pod.containers():
        name = container.name
        if not name:
            continue
        if name in seen:
            yield Problem(
                container.child("name"),
                f'{container.list_name}[{container.index}].name: Duplicate value: "{name}" '
                f"(already used by {seen[name]})",
            )
        else:
            seen[name] = f"{container.list_name}[{container.index}]"


def _remove_field(container: ContainerView, field: str) -> Fix | None:
    from podlint.edit import edits  # (imported for a fix only: most runs offer none)

    return edits.remove_key(container.obj, container.child(field), f"remove {field} from the {container.label}")


@pod_check("init-container-probe")
def init_container_probe(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        if container.role is not Role.INIT:
            continue
        for field in SIDECAR_ONLY_FIELDS:
            if field in container.data:
                yield Problem(
                    container.child(field),
                    f"initContainers[{container.index}].{field}: Forbidden: may not be set for init "
                    "containers without restartPolicy=Always (an init container runs to completion; "
                    "only a native sidecar may have probes or lifecycle hooks)",
                    fix=_remove_field(container, field),
                )
