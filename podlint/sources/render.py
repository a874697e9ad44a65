"""Render one chart or overlay: the renderer chosen, the output or the render error as a `Rendered`."""

from __future__ import annotations

from podlint.sources.rendered import HELM_NAME, KUSTOMIZE_NAME, Rendered, RenderFailed, RenderOptions


def render(tool: str, root: str, shown: str, options: RenderOptions) -> Rendered:
    """`tool` "helm" renders the chart at `root` (absolute), "kustomize" the overlay; `shown` is
    the folder as reports name it. A failure is a Rendered with a render-error finding."""
    name = f"{shown}/{HELM_NAME if tool == 'helm' else KUSTOMIZE_NAME}"
    origin: object
    try:
        if tool == "helm":
            from podlint.sources import helm

            text, origin = helm.render_chart(root, shown, options)
        else:
            from podlint.sources import kustomize

            text, origin = kustomize.render_overlay(root, shown, options)
    except RenderFailed as failed:
        if not failed.file:
            failed.file = f"{shown}/Chart.yaml" if tool == "helm" else _kustomization_name(root, shown)
        return Rendered(name, root=shown, tool=tool, problems=(failed.finding(shown),))
    return Rendered(name, text=text, root=shown, tool=tool, origin=origin)


def _kustomization_name(root: str, shown: str) -> str:
    from podlint.sources.detect import kustomization_file

    file = kustomization_file(root)
    return f"{shown}/{file.rsplit('/', 1)[-1]}" if file else shown
