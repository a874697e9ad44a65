"""Charts and overlays among the inputs: which files are linted as they are, which through a render.

A folder with `Chart.yaml` is a Helm chart; a folder with `kustomization.yaml`,
`kustomization.yml` or `Kustomization` is a kustomize overlay (or base). They are found
wherever the walk of `files.py` goes, and above a file named on the command line (a commit
hook names the template, values file or patch that changed): each chart or overlay is then
rendered once, however many of its files were named.

- Files under a chart's `templates/` and `crds/` (its subcharts' too) are never linted as plain
  YAML: the chart is rendered instead (its CRDs are part of the render). Its other files
  (values files, `Chart.yaml`) hold no objects and are read as they are.
- A file an overlay uses (a resource, a patch, a generator's file) is linted through the
  render of the overlays that use it, never on its own; a kustomization file is tool
  configuration, not an object. Only the outermost overlays are rendered: a base that an
  overlay of the run uses is linted through that overlay (a finding on a base line that several
  overlays share is reported once, naming them; see origin.py).

This module stays cheap to import: a run without charts or overlays never loads a renderer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from podlint.records import Record
from podlint.sources.files import Source, SourceError, display_name
from podlint.sources.rendered import Rendered, RenderOptions

CHART_FILE = "Chart.yaml"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# Keys of a kustomization that name files or folders it reads.
_LISTS = ("resources", "bases", "components", "crds", "patchesStrategicMerge", "configurations", "transformers",
          "generators", "validators")
_GENERATORS = ("configMapGenerator", "secretGenerator")

Item = Source | SourceError


class Root(NamedTuple):
    """A chart (`helm`) or an overlay (`kustomize`) to render, by its absolute folder."""

    tool: str
    folder: str


class Kustomization(Record):
    """What a kustomization reads: files of its own and other kustomization folders."""

    __slots__ = ("component", "file", "files", "folder", "folders")

    def __init__(self, folder: str, file: str) -> None:
        self.folder = folder  # absolute
        self.file = file  # absolute path of the kustomization file
        self.component = False  # kind: Component: used by overlays, never built on its own
        self.files: set[str] = set()  # absolute paths of the files it uses
        self.folders: set[str] = set()  # absolute paths of the kustomization folders it uses


def _absolute(path: str | os.PathLike[str]) -> str:
    return os.path.abspath(path)


def kustomization_file(folder: str) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def read_kustomization(folder: str) -> Kustomization | None:
    """The references of the kustomization in `folder` (None: none there, or it does not read)."""
    import yaml

    file = kustomization_file(folder)
    if file is None:
        return None
    found = Kustomization(folder, file)
    try:
        with open(file, "rb") as stream:
            data = yaml.load(stream.read(1024 * 1024), Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError, ValueError):
        return found  # the render reports what is wrong with it
    if not isinstance(data, dict):
        return found
    found.component = data.get("kind") == "Component"
    paths: list[str] = []
    for key in _LISTS:
        paths.extend(entry for entry in _list(data.get(key)) if isinstance(entry, str))
    for key in ("patches", "patchesJson6902"):
        paths.extend(entry["path"] for entry in _list(data.get(key))
                     if isinstance(entry, dict) and isinstance(entry.get("path"), str))
    for key in _GENERATORS:
        for entry in _list(data.get(key)):
            if isinstance(entry, dict):
                for source in [*_list(entry.get("files")), *_list(entry.get("envs")), entry.get("env")]:
                    if isinstance(source, str):
                        paths.append(source.rpartition("=")[2])  # `key=path` names the key
    for entry in _list(data.get("replacements")):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            paths.append(entry["path"])
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        paths.append(openapi["path"])
    for path in paths:
        if "://" in path or path.startswith(("github.com/", "git@")):
            continue  # remote: the renderer refuses it (offline)
        target = os.path.normpath(os.path.join(folder, path))
        if os.path.isdir(target):
            found.folders.add(target)
        else:
            found.files.add(target)
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Finder:
    """Upward searches (chart roots, the repository's top), each folder asked once."""

    def __init__(self) -> None:
        self.tops: dict[str, str] = {}
        self.charts: dict[str, str | None] = {}  # folder -> its outermost chart root
        self.nearest: dict[str, str | None] = {}  # folder -> its nearest chart root

    def top(self, folder: str) -> str:
        """The search bound above `folder`: its git top-level, else the filesystem root (iterative: a
        hostile tree nests deeper than Python's recursion limit)."""
        climbed: list[str] = []
        while folder not in self.tops:
            climbed.append(folder)
            parent = os.path.dirname(folder)
            if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
                self.tops[folder] = folder
                break
            folder = parent
        known = self.tops[folder]
        for below in climbed:
            self.tops.setdefault(below, known)
        return self.tops[climbed[0]] if climbed else known

    def nearest_chart(self, folder: str) -> str | None:
        climbed: list[str] = []
        found: str | None = None
        while True:
            if folder in self.nearest:
                found = self.nearest[folder]
                break
            climbed.append(folder)
            if os.path.isfile(os.path.join(folder, CHART_FILE)):
                found = folder
                break
            parent = os.path.dirname(folder)
            if parent == folder or self.top(folder) == folder:
                break
            folder = parent
        for below in climbed:
            self.nearest[below] = found
        return found

    def chart_root(self, folder: str) -> str | None:
        """The chart to render for a file in `folder`: a subchart (`parent/charts/sub`) renders with its parent."""
        if folder in self.charts:
            return self.charts[folder]
        root = self.nearest_chart(folder)
        while root is not None:
            above = os.path.dirname(root)
            if os.path.basename(above) != "charts" or not os.path.isfile(os.path.join(os.path.dirname(above),
                                                                                       CHART_FILE)):
                break
            root = os.path.dirname(above)
        self.charts[folder] = root
        return root


def _in_chart_sources(path: str, finder: _Finder) -> bool:
    """Whether a file lies under the templates/ or crds/ of its nearest chart."""
    chart = finder.nearest_chart(os.path.dirname(path))
    if chart is None:
        return False
    first = os.path.relpath(path, chart).split(os.sep, 1)[0]
    return first in ("templates", "crds")


def _shown(absolute: str) -> str:
    """An absolute folder as reports show it: relative to the current folder when inside it."""
    relative = os.path.relpath(absolute)
    shown = absolute if relative.startswith("..") else relative
    return display_name(shown if shown != "." else os.path.basename(absolute) or absolute)


def plan_inputs(items: Iterable[Item], options: RenderOptions, named: Iterable[str] = ()) -> Iterator[
        Source | SourceError]:
    """The inputs of a run with charts and overlays replaced by their renders (see the module's doc).

    `named`: the paths given on the command line as files (a commit hook's changed files),
    whose charts and overlays are looked for above them too.
    """
    finder = _Finder()
    kustomizations: dict[str, Kustomization | None] = {}

    def kustomization(folder: str) -> Kustomization | None:
        if folder not in kustomizations:
            kustomizations[folder] = read_kustomization(folder)
        return kustomizations[folder]

    keep: list[Item | Root] = []  # the inputs in order, with each chart's place
    charts: list[Root] = []
    folders: list[str] = []  # kustomization folders of the run
    looked: set[str] = set()
    for item in items:
        if not isinstance(item, Source) or item.path is None:
            keep.append(item)
            continue
        path = _absolute(item.path)
        folder = os.path.dirname(path)
        chart = finder.chart_root(folder)
        if chart is not None:
            key = Root("helm", chart)
            if key not in charts:
                charts.append(key)
            keep.append(key)
            if _in_chart_sources(path, finder):
                continue
        elif folder not in looked:  # any of the three names, `Kustomization` too (the walk yields no such file)
            looked.add(folder)
            if kustomization_file(folder) is not None:
                folders.append(folder)
        keep.append(item)
    # A file named on the command line: the overlays that use it, wherever they are in the repository.
    for path in sorted({_absolute(name) for name in named if os.path.isfile(name)}):
        consumer = _consumer(os.path.dirname(path), path, finder, kustomization)
        if consumer is not None:
            for folder in [consumer, *_users(consumer, finder, kustomization)]:
                if folder not in folders:
                    folders.append(folder)
    overlays = [Root("kustomize", root) for root in _outermost(folders, kustomization)]
    consumed: dict[str, list[Root]] = {}  # file -> the overlays that read it
    for key in overlays:
        for path in sorted(_reached_files(key[1], kustomization)):
            consumed.setdefault(path, []).append(key)
    for folder in folders:  # a kustomization is tool configuration, linted through its overlays or not at all
        found = kustomization(folder)
        if found is not None:
            consumed.setdefault(found.file, [])
    renders = _render_all([*charts, *overlays], options)
    placed: set[Root] = set()
    for entry in keep:
        if isinstance(entry, Root):
            keys = [entry]
        elif isinstance(entry, Source) and entry.path is not None and _absolute(entry.path) in consumed:
            keys = consumed[_absolute(entry.path)]
        else:
            yield entry
            continue
        for key in keys:
            if key not in placed:
                placed.add(key)
                yield renders[key]
    for key in [*charts, *overlays]:
        if key not in placed:
            yield renders[key]


def _consumer(folder: str, path: str, finder: _Finder,
              kustomization: Any) -> str | None:
    """The nearest kustomization folder at or above `folder` that is, or uses, the file at `path`."""
    top = finder.top(folder)
    while True:
        found = kustomization(folder)
        if found is not None and (found.file == path or path in found.files):
            return folder
        parent = os.path.dirname(folder)
        if folder == top or parent == folder:
            return None
        folder = parent


def _users(base: str, finder: _Finder, kustomization: Any) -> list[str]:
    """The kustomization folders of the repository that use `base`, directly or through others."""
    top = finder.top(base)
    every = [folder for folder in _kustomization_folders(top)]
    users: list[str] = []
    wanted = {base}
    changed = True
    while changed:
        changed = False
        for folder in every:
            found = kustomization(folder)
            if found is not None and folder not in wanted and found.folders & wanted:
                wanted.add(folder)
                users.append(folder)
                changed = True
    return users


def _kustomization_folders(top: str, limit: int = 20_000) -> Iterator[str]:
    """Folders under `top` (hidden ones and node_modules skipped) that hold a kustomization."""
    stack = [top]
    visited = 0
    while stack and visited < limit:
        folder = stack.pop()
        visited += 1
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        names = {entry.name for entry in entries}
        if any(name in names for name in KUSTOMIZATION_NAMES):
            yield folder
        stack.extend(entry.path for entry in reversed(entries)
                     if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")
                     and entry.name != "node_modules")


def _outermost(folders: list[str], kustomization: Any) -> list[str]:
    """The kustomizations that no other one of the list uses (components are never built alone)."""
    used: set[str] = set()
    for folder in folders:
        found = kustomization(folder)
        if found is not None:
            used |= _reached_folders(folder, kustomization) - {folder}
    return [folder for folder in folders
            if folder not in used and (found := kustomization(folder)) is not None and not found.component]


def _reached_folders(root: str, kustomization: Any) -> set[str]:
    reached = {root}
    stack = [root]
    while stack:
        found = kustomization(stack.pop())
        for folder in found.folders if found is not None else ():
            if folder not in reached:
                reached.add(folder)
                stack.append(folder)
    return reached


def _reached_files(root: str, kustomization: Any) -> set[str]:
    files: set[str] = set()
    for folder in _reached_folders(root, kustomization):
        found = kustomization(folder)
        if found is not None:
            files |= found.files
            files.add(found.file)
    return files


def _render_all(keys: list[Root], options: RenderOptions) -> dict[Root, Rendered]:
    """Every chart and overlay rendered, several at once (renderers wait on other processes or
    on the Helm library, which releases the interpreter)."""
    if not keys:
        return {}
    from podlint.sources.render import render

    if len(keys) == 1:
        return {keys[0]: render(keys[0][0], keys[0][1], _shown(keys[0][1]), options)}
    from concurrent.futures import ThreadPoolExecutor

    workers = min(len(keys), max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                 else os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(render, key[0], key[1], _shown(key[1]), options) for key in keys}
        return {key: future.result() for key, future in futures.items()}


def plain_inputs(items: Iterable[Item]) -> Iterator[Item]:
    """The inputs that are plain YAML (for `podlint fix`): never a file of a chart's templates/ or crds/."""
    finder = _Finder()
    for item in items:
        if isinstance(item, Source) and item.path is not None and _in_chart_sources(_absolute(item.path), finder):
            continue
        yield item
