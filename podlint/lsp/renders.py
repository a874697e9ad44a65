"""Charts and overlays in the editor: a template, values file, patch or base shows the findings of its
chart's or overlay's render, at their mapped lines.

Renders read the files on disk, so they run when a file of the chart or overlay is opened or saved
(debounced by the server), off the event loop, and are cached by the content of every file they
read: saving a file without changes, or opening another file of the same chart, renders nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.findings import Finding
from podlint.sources import detect
from podlint.sources.rendered import RenderOptions

Root = tuple[str, str]  # ("helm" | "kustomize", absolute folder)


@dataclass(slots=True)
class Result:
    fingerprint: str
    by_file: dict[str, list[Finding]] = field(default_factory=dict)  # absolute path -> its findings


class Renders:
    def __init__(self) -> None:
        self.results: dict[Root, Result] = {}

    def roots(self, path: str) -> list[Root]:
        """The charts and outermost overlays a file is part of (none: a plain manifest)."""
        path = os.path.abspath(path)
        finder = detect._Finder()
        chart = finder.chart_root(os.path.dirname(path))
        if chart is not None:
            return [("helm", chart)]
        kustomizations: dict[str, detect.Kustomization | None] = {}

        def kustomization(folder: str) -> detect.Kustomization | None:
            if folder not in kustomizations:
                kustomizations[folder] = detect.read_kustomization(folder)
            return kustomizations[folder]

        consumer = detect._consumer(os.path.dirname(path), path, finder, kustomization)
        if consumer is None:
            return []
        folders = [consumer, *detect._users(consumer, finder, kustomization)]
        return [("kustomize", folder) for folder in detect._outermost(folders, kustomization)]

    def known(self, path: str) -> list[Finding] | None:
        """The findings the last renders put on this file; None before any render of its roots."""
        path = os.path.abspath(path)
        found: list[Finding] | None = None
        for root in self.roots(path):
            result = self.results.get(root)
            if result is not None:
                found = (found or []) + result.by_file.get(path, [])
        return found

    def render(self, root: Root, linter: Linter) -> tuple[set[str], bool]:
        """Render and lint one root unless its files are unchanged; the files whose findings may have
        changed (those with findings before or now), and whether anything was rendered."""
        fingerprint = _fingerprint(root)
        before = self.results.get(root)
        if before is not None and before.fingerprint == fingerprint:
            return set(), False
        from podlint.sources.render import render

        rendered = render(root[0], root[1], detect._shown(root[1]), RenderOptions(
            kube_version=".".join(map(str, linter.options.kubernetes_version)),
            max_bytes=linter.options.max_file_bytes))
        result = Result(fingerprint)
        for finding in lint_sources([rendered], linter).findings:
            result.by_file.setdefault(os.path.abspath(finding.file), []).append(finding)
        self.results[root] = result
        return set(result.by_file) | (set(before.by_file) if before is not None else set()), True


def _files(root: Root) -> Iterator[str]:
    if root[0] == "helm":
        for folder, folders, files in os.walk(root[1]):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            for name in sorted(files):
                yield os.path.join(folder, name)
        return
    from podlint.sources.kustomize import reached

    for kustomization in reached(root[1]).values():
        yield kustomization.file
        yield from sorted(kustomization.files)


def _fingerprint(root: Root) -> str:
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as stream:
                digest.update(stream.read(10 * 1024 * 1024))
        except OSError:
            digest.update(b"\1")
    return digest.hexdigest()
