"""Images and how they are pulled."""

from __future__ import annotations

from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.model.podspec import PodSpecView, is_placeholder, is_valid_image, parse_image

PULL_POLICIES = ("Always", "IfNotPresent", "Never")


@pod_check("image-latest-tag")
def image_latest_tag(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        image = container.image
        image = (image or "").strip()
        # Placeholders (`$IMAGE`, `<your-image>`) are not images yet: nothing to say about their tag.
        if not image or is_placeholder(image) or not is_valid_image(image):
            continue
        ref = parse_image(image)
        if ref.digest or (ref.tag and ref.tag != "latest"):
            continue
        what = "has no tag" if not ref.tag else "uses the mutable tag `latest`"
        pulled = ""
        if container.image_pull_policy in (None, ""):
            pulled = ", and with no imagePullPolicy it is pulled on every start (implicit Always)"
        yield Problem(
            container.child("image"),
            f"image {image!r} {what}: the version that runs changes without notice{pulled}",
        )


@pod_check("invalid-image-pull-policy")
def invalid_image_pull_policy(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        if "imagePullPolicy" not in container.data:
            continue
        policy = container.image_pull_policy
        if policy in PULL_POLICIES or policy in ("", None) or is_placeholder(policy):
            continue
        supported = ", ".join(f'"{p}"' for p in PULL_POLICIES)
        yield Problem(
            container.child("imagePullPolicy"),
            f'{container.list_name}[{container.index}].imagePullPolicy: Unsupported value: "{policy}": '
            f"supported values: {supported}",
            anchor="value",
        )
