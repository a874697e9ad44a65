"""A rendered chart or overlay as a source like any other, and what every renderer shares.

The engine lints a `Rendered` as it lints a file (its `read` gives the rendered text); its name
is `<root>/<helm template>` or `<root>/<kustomize build>`, a child of the chart's or overlay's
folder, so that the cross-object checks see one render as one folder. `sources/origin.py`
then moves each finding to the line a developer edits.

Renderers run offline and within a time budget: `run_tool` gives a subprocess an environment
whose proxies point at a closed loopback port and whose git may use local files only, so a
dependency fetch or a remote base fails at once instead of reaching the network.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from podlint.findings import Finding, Related, Severity, Span
from podlint.sources.files import Source

RENDER_TIMEOUT_SECONDS = 60.0  # per renderer call; a real chart or overlay renders in well under a second
RULE = "render-error"
HELM_NAME = "<helm template>"
KUSTOMIZE_NAME = "<kustomize build>"


class RenderOptions(NamedTuple):
    """The `lint` options that steer rendering."""

    values: tuple[str, ...] = ()  # --values files, in the order given (later ones win)
    sets: tuple[str, ...] = ()  # --set K=V, in order
    release_name: str = "release-name"  # helm template's own default
    namespace: str = "default"
    kube_version: str = ""  # "1.33": Helm's --kube-version
    max_bytes: int = 10 * 1024 * 1024  # the rendered output's limit (--max-file-size)
    timeout: float = RENDER_TIMEOUT_SECONDS


class Rendered(Source):
    """The rendered output of a chart or an overlay, or why there is none (`problems`).

    A Source (named `<root>/<helm template>`, no path) with more attributes: the engine reads it as a
    file, in this process (it is never sent to a worker: it has no path).
    """

    text: bytes
    root: str  # the chart's or overlay's folder, as reports show it
    tool: str  # "helm" or "kustomize"
    problems: tuple[Finding, ...]  # render errors: nothing (or not everything) was rendered
    origin: object  # what origin.py needs to map findings back

    def __new__(cls, name: str, text: bytes = b"", root: str = "", tool: str = "",
                problems: tuple[Finding, ...] = (), origin: object = None) -> Rendered:
        self = super().__new__(cls, name, None)
        self.text = text
        self.root = root
        self.tool = tool
        self.problems = problems
        self.origin = origin
        return self

    def read(self, limit: int = 0) -> bytes:
        return self.text if not limit else self.text[:limit + 1]


class RenderFailed(Exception):
    """A render that failed: the message, and where (file, line, column) when the renderer says."""

    def __init__(self, message: str, file: str, line: int = 1, column: int = 1, *,
                 approximate: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.approximate = approximate

    def finding(self, root: str) -> Finding:
        related = (Related(root, None, "chart" if _is_chart(root) else "overlay"),) if root != self.file else ()
        return Finding(RULE, Severity.ERROR, self.message, self.file, Span.point(self.line, self.column),
                       related=related, approximate=self.approximate)


def _is_chart(root: str) -> bool:
    return (Path(root) / "Chart.yaml").is_file()


def offline_environment(home: str | None = None) -> dict[str, str]:
    """The environment of a renderer: ours, with every way out to the network closed."""
    env = {key: value for key, value in os.environ.items()
           if not key.lower().endswith("_proxy") and not key.startswith("GIT_")}
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection fails at once
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[key] = closed
    env["NO_PROXY"] = env["no_proxy"] = ""
    env["GIT_ALLOW_PROTOCOL"] = "file"  # kustomize clones remote bases with git: local paths only
    env["GIT_TERMINAL_PROMPT"] = "0"
    if home is not None:  # Helm's caches and repository lists: an empty folder, never the user's
        for key in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
            env[key] = home
    return env


class ToolRun(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: str


def run_tool(argv: list[str], cwd: str, options: RenderOptions, home: str | None = None) -> ToolRun:
    """Run a renderer offline within the time budget; its output is cut past the size limit.

    Raises RenderFailed (without a place: the caller knows the root) for a timeout or a tool
    that cannot start.
    """
    import subprocess  # (only a run with a chart or overlay starts a process)

    try:
        done = subprocess.run(argv, cwd=cwd, env=offline_environment(home), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=options.timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderFailed(f"{Path(argv[0]).name} took longer than {options.timeout:g} s: stopped", "") from None
    except OSError as exc:
        raise RenderFailed(f"cannot run {argv[0]}: {exc.strerror or exc}", "") from None
    if len(done.stdout) > options.max_bytes:
        raise RenderFailed(f"the rendered output is over the {options.max_bytes:,}-byte limit (--max-file-size)", "")
    return ToolRun(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))


def version_tuple(text: str) -> tuple[int, ...]:
    """`v3.14.2+g1a2b` -> (3, 14, 2); () when there is no version in the text."""
    import re

    match = re.search(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part) for part in match.groups() if part is not None) if match else ()
