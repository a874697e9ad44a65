"""How images reach the node (the pull policy's validity and `latest` are images.py's)."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.checks.fields import spec_path
from podlint.model.podspec import PodSpecView


@pod_check("image-pull-policy-never")
def image_pull_policy_never(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        if container.image_pull_policy == "Never":
            yield Problem(container.child("imagePullPolicy"),
                          f"{spec_path(container, 'imagePullPolicy')}: Never: the image must already be on "
                          "every node that may run the pod, or the container fails with ErrImageNeverPull",
                          anchor="value")
