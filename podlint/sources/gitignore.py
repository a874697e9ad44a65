"""`.gitignore` files, as a folder walk reads them: the common subset of gitignore(5), no dependency.

Inside a git repository (a folder with `.git` at or above the walked one), a walk skips what the
`.gitignore` files from the repository's top down to each folder, and `.git/info/exclude`, ignore.
Supported: comments, `!` negation, a leading or inner `/` anchoring a pattern to its file's folder,
a trailing `/` for folders only, `*`, `?`, `[...]` classes, `**` (leading, trailing, inner), `\\`
escapes and trailing spaces. Not read: the global excludes file (`core.excludesFile`) and the index
(a tracked file that a pattern ignores is skipped too). As in git, nothing under an ignored folder
is walked. Paths given by name are never checked: they are linted as asked.

(`pathspec` does the same, but importing it costs ~30-80 ms, more than a one-file lint.)
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple


class Pattern(NamedTuple):
    regex: re.Pattern[str]
    negate: bool
    folders_only: bool


def _translate(body: str) -> str:
    """A gitignore pattern (no `!`, no trailing `/`) as a regex for a `/`-separated relative path."""
    anchored = "/" in body
    body = body.removeprefix("/")
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if body.startswith("**", index) and (index == 0 or body[index - 1] == "/") and \
                (index + 2 == len(body) or body[index + 2] == "/"):
            if index + 2 == len(body):  # `dir/**`: everything inside
                out.append(".*")
            else:  # `**/`: any number of folders, none included
                out.append("(?:.*/)?")
                index += 1  # the `/` after `**`
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = body.find("]", index + 2 if body[index + 1:index + 2] in ("!", "^", "]") else index + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                inner = body[index + 1:end]
                negated = inner[:1] in ("!", "^")
                inner = inner[1:] if negated else inner
                out.append("[" + ("^/" if negated else "") + inner.replace("\\", "\\\\") + "]")
                index = end
        elif char == "\\" and index + 1 < len(body):
            index += 1
            out.append(re.escape(body[index]))
        else:
            out.append(re.escape(char))
        index += 1
    prefix = "" if anchored else "(?:.*/)?"
    return f"^{prefix}{''.join(out)}$"


def parse(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw
        while line.endswith(" ") and not line.endswith("\\ "):  # trailing spaces, unless escaped
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate or line.startswith(("\\!", "\\#")):
            line = line[1:]
        folders_only = line.endswith("/") and not line.endswith("\\/")
        line = line.rstrip("/")
        if not line:
            continue
        try:
            patterns.append(Pattern(re.compile(_translate(line)), negate, folders_only))
        except re.error:  # a pattern git would not match either: skipped, never a crash
            continue
    return patterns


class Ignores:
    """The ignore rules that apply inside one folder: (folder, its patterns), outermost first."""

    def __init__(self, layers: tuple[tuple[Path, tuple[Pattern, ...]], ...] = ()) -> None:
        self.layers = layers

    @classmethod
    def around(cls, folder: Path) -> Ignores | None:
        """The rules of the repository that apply to `folder` (those of the folders above it; its own
        `.gitignore` is added by `entering` it); None outside a repository."""
        absolute = Path(os.path.abspath(folder))
        chain = [absolute, *absolute.parents]
        top = next((candidate for candidate in chain if (candidate / ".git").exists()), None)
        if top is None:
            return None
        ignores = cls()
        exclude = top / ".git" / "info" / "exclude"
        if exclude.is_file():
            ignores = ignores._with(top, _read(exclude))
        for candidate in reversed(chain[1:chain.index(top) + 1]):
            ignores = ignores.entering(candidate)
        return ignores

    def _with(self, folder: Path, patterns: list[Pattern]) -> Ignores:
        return Ignores((*self.layers, (folder, tuple(patterns)))) if patterns else self

    def entering(self, folder: Path) -> Ignores:
        """These rules plus the folder's own `.gitignore`."""
        path = folder / ".gitignore"
        return self._with(Path(os.path.abspath(folder)), _read(path)) if path.is_file() else self

    def ignored(self, path: Path, is_folder: bool) -> bool:
        """Whether the last pattern matching `path` ignores it (git's order: deeper files win, later lines win)."""
        result = False
        path = Path(os.path.abspath(path))
        for folder, patterns in self.layers:
            try:
                relative = path.relative_to(folder).as_posix()
            except ValueError:
                continue
            for pattern in patterns:
                if pattern.folders_only and not is_folder:
                    continue
                if pattern.regex.match(relative):
                    result = not pattern.negate
        return result


def _read(path: Path) -> list[Pattern]:
    try:
        return parse(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []
