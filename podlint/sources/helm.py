"""Render a Helm chart offline: `helm template` on PATH, else Helm in process (`podlint[helm]`).

A `helm` binary the user already has (3.8 or newer) is preferred: it is the Helm the user deploys
with, published by the Helm project, and it takes `--kube-version`. Without it, the optional
`podlint[helm]` extra (PyPI `helm-python-sdk`, Helm v4 as a shared library, published by an
individual) renders in process, ~10x faster per chart once loaded; it renders with Helm's default
capabilities (`.Capabilities.KubeVersion` is Helm's own default, not --kubernetes-version).

Both produce `helm template`'s text: each document after `---` and `# Source: CHART/templates/...`,
CRDs from `crds/` included, `helm test` hooks left out (`--skip-tests`). Nothing is fetched: a
dependency missing from `charts/` is a render error that names `helm dependency build`.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

import yaml

from podlint.sources.rendered import RenderFailed, RenderOptions, run_tool, version_tuple

MIN_HELM = (3, 8)
INSTALL_HINT = ("install a Helm renderer: `pip install 'podlint[helm]'` (Helm in process) or Helm 3.8+ on PATH "
                "(https://helm.sh/docs/intro/install/); or lint without rendering: --render never")
_SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)
_SPLIT = re.compile(r"(?:^|\s*\n)---\s*")
# Where Helm's errors name a place: `template: web/templates/x.yaml:12:20:`, `parse error at (web/templates/x.yaml:5)`,
# `execution error at (web/templates/x.yaml:5:14)`, `YAML parse error on web/templates/x.yaml:`.
_PLACE = re.compile(r"(?:at \(|template: |error on |calling include: template: )"
                    r"(?P<file>[^\s:()]+?)(?::(?P<line>\d+))?(?::(?P<column>\d+))?(?:\)|:)")
_RENDERED_LINE = re.compile(r"yaml: line (\d+):")
_HOOK = re.compile(r"""^\s+["']?helm\.sh/hook["']?\s*:\s*["']?([\w, -]+)""", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class HelmOrigin:
    """What mapping a chart's findings back needs."""

    root: str  # absolute folder
    shown: str  # as reports name it
    chart_name: str  # `name:` of Chart.yaml: the first part of every `# Source:` path
    values: tuple[str, ...]  # --values files (absolute), in the order given
    sets: tuple[str, ...]  # --set K=V
    renderer: str  # "helm 3.14.2" or "helm-python-sdk 0.2.2"


def chart_metadata(root: str) -> dict[str, Any]:
    try:
        with open(os.path.join(root, "Chart.yaml"), "rb") as stream:
            data = yaml.load(stream.read(1024 * 1024), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise RenderFailed(f"Chart.yaml cannot be read: {exc}", "") from None
    return data if isinstance(data, dict) else {}


def render_chart(root: str, shown: str, options: RenderOptions) -> tuple[bytes, HelmOrigin]:
    metadata = chart_metadata(root)
    _check_dependencies(root, shown, metadata)
    values = tuple(os.path.abspath(path) for path in options.values)
    renderer = _renderer()
    if renderer is None:
        raise RenderFailed(f"cannot render the chart {shown}: no Helm renderer found; {INSTALL_HINT}", "")
    kind, where, version = renderer
    if kind == "binary":
        text = _render_binary(where, root, shown, values, options)
    else:
        text = _render_sdk(root, shown, values, options)
    name = metadata.get("name")
    return text, HelmOrigin(root, shown, str(name) if name is not None else os.path.basename(root), values,
                            options.sets, version)


@functools.cache
def _renderer() -> tuple[str, str, str] | None:
    """("binary", path, label) for a helm on PATH, ("sdk", "", label) for the extra, None for neither."""
    binary = shutil.which("helm")
    if binary is not None:
        try:
            done = run_tool([binary, "version", "--short"], os.getcwd(), RenderOptions(timeout=20.0))
            version = version_tuple(done.stdout.decode("utf-8", "replace"))
        except RenderFailed:
            version = ()
        if version >= MIN_HELM:
            return "binary", binary, "helm " + ".".join(map(str, version))
    try:
        import helm_python
    except (ImportError, OSError):  # OSError: the wheel's shared library does not load here
        return None
    return "sdk", "", f"helm-python-sdk {helm_python.__version__}"


def _check_dependencies(root: str, shown: str, metadata: dict[str, Any]) -> None:
    """Dependencies declared in Chart.yaml (or requirements.yaml) must be in charts/: nothing is fetched."""
    declared = metadata.get("dependencies")
    source = "Chart.yaml"
    if not declared and os.path.isfile(os.path.join(root, "requirements.yaml")):
        try:
            with open(os.path.join(root, "requirements.yaml"), "rb") as stream:
                data = yaml.load(stream.read(1024 * 1024), Loader=yaml.CSafeLoader)
            declared, source = (data or {}).get("dependencies"), "requirements.yaml"
        except (OSError, yaml.YAMLError, AttributeError):
            declared = None
    if not isinstance(declared, list):
        return
    present = _present_subcharts(root)
    for dependency in declared:
        if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
            continue
        name = dependency["name"]
        if name in present:
            continue
        line, column = _line_of(os.path.join(root, source), f"name: {name}")
        raise RenderFailed(f"the chart's dependency {name!r} is missing from {shown}/charts/: run "
                           f"`helm dependency build {shown}` first (podlint renders offline and never fetches "
                           "dependencies)", f"{shown}/{source}", line, column)


def _present_subcharts(root: str) -> set[str]:
    names: set[str] = set()
    folder = os.path.join(root, "charts")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return names
    for entry in entries:
        if entry.name.endswith(".tgz"):
            names.add(entry.name[:-4].rsplit("-", 1)[0])
            names.add(re.sub(r"-v?\d+\.\d+\.\d+.*$", "", entry.name[:-4]))
        elif entry.is_dir():
            names.add(entry.name)
            name = chart_metadata(entry.path).get("name") if os.path.isfile(os.path.join(entry.path,
                                                                                         "Chart.yaml")) else None
            if isinstance(name, str):
                names.add(name)
    return names


def _line_of(path: str, needle: str) -> tuple[int, int]:
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            for number, line in enumerate(stream, start=1):
                if needle in line:
                    return number, line.index(needle) + 1
    except OSError:
        pass
    return 1, 1


def _render_binary(binary: str, root: str, shown: str, values: tuple[str, ...], options: RenderOptions) -> bytes:
    argv = [binary, "template", options.release_name, root, "--namespace", options.namespace, "--include-crds",
            "--skip-tests"]
    if options.kube_version:
        argv += ["--kube-version", f"v{options.kube_version}.0"]
    for path in values:
        argv += ["--values", path]
    for expression in options.sets:
        argv += ["--set", expression]
    with tempfile.TemporaryDirectory(prefix="podlint-helm-") as home:
        done = run_tool(argv, os.path.dirname(root), options, home=home)
    if done.returncode != 0:
        raise _failure(done.stderr.strip() or f"helm template exited with code {done.returncode}", root, shown)
    return done.stdout


def _render_sdk(root: str, shown: str, values: tuple[str, ...], options: RenderOptions) -> bytes:
    """Render in a thread, so that the time budget holds even for a render that does not end."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["text"] = _sdk_text(root, values, options)
        except Exception as exc:  # the library's errors carry Helm's message
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="podlint-helm", daemon=True)
    thread.start()
    thread.join(options.timeout)
    if thread.is_alive():
        raise RenderFailed(f"rendering took longer than {options.timeout:g} s: stopped", "")
    if "error" in outcome:
        error = outcome["error"]
        if isinstance(error, RenderFailed):
            raise error
        raise _failure(str(error), root, shown)
    text: bytes = outcome["text"]
    if len(text) > options.max_bytes:
        raise RenderFailed(f"the rendered output is over the {options.max_bytes:,}-byte limit (--max-file-size)", "")
    return text


def _sdk_text(root: str, values: tuple[str, ...], options: RenderOptions) -> bytes:
    import helm_python as helm

    merged: dict[str, Any] = {}
    for path in values:
        try:
            with open(path, encoding="utf-8") as stream:
                text = stream.read()
        except OSError as exc:
            raise RenderFailed(f"cannot read the values file: {exc.strerror or exc}", path) from None
        merge_values(merged, helm.values_from_yaml(text))
    for expression in options.sets:
        merge_values(merged, helm.parse_set_string(expression))
    with helm.Chart.load(root) as chart:
        manifests = chart.render(merged or None, name=options.release_name, namespace=options.namespace)
        crds = chart.crds
    parts: list[str] = []
    for crd in sorted(crds, key=lambda item: str(item.get("filename", ""))):
        name = str(crd.get("filename") or crd.get("name") or "crds")
        parts.append(f"---\n# Source: {name}\n{str(crd.get('data', '')).strip()}\n")
    for name in sorted(manifests):
        base = name.rsplit("/", 1)[-1]
        if base.startswith("_") or name.endswith("NOTES.txt"):
            continue
        for document in _SPLIT.split(manifests[name].strip()):
            document = document.strip()
            if document and not _is_test(document):
                parts.append(f"---\n# Source: {name}\n{document}\n")
    return "".join(parts).encode("utf-8")


def _is_test(document: str) -> bool:
    """A `helm test` hook (left out, as `helm template --skip-tests` does: its pods are not part of the
    release, and their names are often random)."""
    match = _HOOK.search(document)
    return match is not None and any(hook.strip() in ("test", "test-success") for hook in match.group(1).split(","))


def merge_values(base: dict[str, Any], override: dict[str, Any]) -> None:
    """Helm's merge of values files: maps merge key by key, anything else is replaced."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_values(base[key], value)
        else:
            base[key] = value


def _failure(message: str, root: str, shown: str) -> RenderFailed:
    """A Helm error at the file and line it names (a template's line), else at Chart.yaml."""
    message = message.removeprefix("Error: ").strip()
    first = message.splitlines()[0] if message else "helm failed"
    match = _PLACE.search(message)
    if match is not None:
        found = source_file(match.group("file"), root, shown)
        if found is not None:
            file = found[0]
            line = int(match.group("line") or 0)
            column = int(match.group("column") or 0)
            rendered = _RENDERED_LINE.search(message)
            if "YAML parse error" in message or (not line and rendered):
                # The line is one of the template's rendered output, not of the template itself.
                note = f" (line {rendered.group(1)} of its rendered output)" if rendered else ""
                return RenderFailed(f"helm: {first}{note}", file, 1, 1, approximate=True)
            return RenderFailed(f"helm: {first}", file, max(line, 1), max(column, 1))
    return RenderFailed(f"helm: {first}", f"{shown}/Chart.yaml")


def source_file(name: str, root: str, shown: str) -> tuple[str, str] | None:
    """`web/templates/x.yaml` (a `# Source:` path: the chart's name first) -> `charts/web/templates/x.yaml`,
    as reports show it, and its absolute path; subcharts (`web/charts/db/templates/...`) resolved to their
    folders. None: not on disk."""
    parts = name.split("/")
    if len(parts) < 2:
        return None
    folder, shown_folder = root, shown
    rest = parts[1:]
    while len(rest) >= 2 and rest[0] == "charts":
        sub = _subchart_folder(folder, rest[1])
        if sub is None:
            return None
        folder, shown_folder = os.path.join(folder, "charts", sub), f"{shown_folder}/charts/{sub}"
        rest = rest[2:]
    path = os.path.join(folder, *rest)
    return (f"{shown_folder}/{'/'.join(rest)}", path) if os.path.isfile(path) else None


@functools.lru_cache(maxsize=256)
def _subchart_folder(folder: str, name: str) -> str | None:
    if os.path.isfile(os.path.join(folder, "charts", name, "Chart.yaml")):
        return name
    try:
        entries = list(os.scandir(os.path.join(folder, "charts")))
    except OSError:
        return None
    for entry in sorted(entries, key=lambda e: e.name):
        chart = os.path.join(entry.path, "Chart.yaml")
        if entry.is_dir() and os.path.isfile(chart) and chart_metadata(entry.path).get("name") == name:
            return entry.name
    return None


def source_of_documents(text: str) -> list[tuple[int, str]]:
    """(line, path) of each `# Source:` comment of a render, in order (lines 1-based)."""
    return [(text.count("\n", 0, match.start()) + 1, match.group(1).strip()) for match in _SOURCE.finditer(text)]
