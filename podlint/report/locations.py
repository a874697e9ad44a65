"""Where a finding's file is, as CI services want it: relative to the repository root.

Code scanning, GitHub annotations and GitLab Code Quality all match files by their path from
the top of the repository, whatever directory podlint was run from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from podlint.sources.files import STDIN_NAME

SRCROOT = "%SRCROOT%"


def git_top_level(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder, or a file in a worktree)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def find_root(files: Iterable[str], cwd: Path | None = None) -> Path:
    """The git top-level of the first linted file on disk, else of the current directory, else that directory."""
    here = Path(os.path.abspath(cwd or Path.cwd()))
    for name in files:
        if name == STDIN_NAME:
            continue
        path = Path(os.path.abspath(here / name))
        if path.exists():
            top = git_top_level(path.parent)
            if top is not None:
                return top
            break
    return git_top_level(here) or here


class Locator:
    """Maps the file names of findings (as the user gave them) to repository-relative paths."""

    def __init__(self, root: Path, cwd: Path | None = None) -> None:
        self.root = Path(os.path.abspath(root))
        self.cwd = Path(os.path.abspath(cwd or Path.cwd()))

    def relative(self, name: str) -> str | None:
        """`name` as a POSIX path from the root; None for standard input or a file outside the root."""
        if name == STDIN_NAME:
            return None
        # abspath, not resolve: a symbolic link inside the repository stays inside it.
        path = Path(os.path.abspath(self.cwd / name))
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def display(self, name: str) -> str:
        """The repository-relative path when there is one, else the name as given."""
        return self.relative(name) or name

    def uri(self, name: str) -> tuple[str, str | None]:
        """A SARIF artifact location: (relative URI, SRCROOT), or (absolute URI or name, None)."""
        relative = self.relative(name)
        if relative is not None:
            return quote(relative), SRCROOT
        if name == STDIN_NAME:
            return quote(name, safe=""), None
        return Path(os.path.abspath(self.cwd / name)).as_uri(), None

    def root_uri(self) -> str:
        """The root as an absolute `file:` URI ending in `/`, as SARIF wants for a base."""
        uri = self.root.as_uri()
        return uri if uri.endswith("/") else uri + "/"
