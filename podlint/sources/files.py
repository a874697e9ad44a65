"""Command-line paths -> the files to lint, in a stable order, with read problems as data.

No read takes more than the size limit plus one byte, so even `/dev/zero` ends. A folder
walk reads only regular files (a FIFO or a device found there could block or never end; given
by name they are read, as `podlint lint <(helm template .)` needs), follows links but refuses
one back into a folder it is inside (a loop), and skips a folder already walked by another link.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from podlint.reading.parse import MAX_FILE_BYTES

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_NAME = "<stdin>"


class Source(NamedTuple):
    """A file to lint (or standard input), named as the user will see it."""

    name: str
    path: Path | None  # None for standard input

    def read(self, limit: int = MAX_FILE_BYTES) -> bytes:
        """The content, cut after `limit` + 1 bytes: enough to tell that it is over the limit."""
        if self.path is None:
            return sys.stdin.buffer.read(limit + 1)
        with self.path.open("rb") as file:
            return file.read(limit + 1)


class SourceError(NamedTuple):
    name: str
    message: str


def display_name(path: Path | str) -> str:
    """A path as reports show it: no leading `./`, and bytes that are not UTF-8 as `\\xNN` escapes
    (a report is Unicode text; a raw undecodable byte would break JSON and UTF-8 output)."""
    text = str(path)
    text = text[2:] if text.startswith("./") else text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _cannot(exc: OSError, what: str = "cannot read") -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: not followed"
    return f"{what}: {exc.strerror or exc}"


Identity = tuple[int, int]  # (device, inode): a folder whatever the path that reached it


def _walk(root: Path) -> Iterator[Source | SourceError]:
    """A directory's manifests, depth first in name order; hidden entries skipped.

    The stack is explicit: a hostile tree may nest deeper than Python's recursion limit.
    """
    walked: set[Identity] = set()
    # Each level: the entries still to visit, and the folders it is inside (to catch loops).
    stack: list[tuple[Iterator[os.DirEntry[str]], dict[Identity, Path]]] = []

    def enter(folder: Path, ancestors: dict[Identity, Path]) -> SourceError | None:
        try:
            info = folder.stat()
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            return SourceError(display_name(folder), _cannot(exc, "cannot read folder"))
        identity = (info.st_dev, info.st_ino)
        if identity in ancestors:
            return SourceError(display_name(folder),
                               f"symbolic link loop (back to {display_name(ancestors[identity])}): not followed")
        if identity not in walked:  # else the same folder through another link: its files are linted once
            walked.add(identity)
            stack.append((iter(entries), {**ancestors, identity: folder}))
        return None

    problem = enter(root, {})
    if problem is not None:
        yield problem
    while stack:
        entries, ancestors = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError as exc:
            yield SourceError(display_name(path), _cannot(exc))
            continue
        if is_dir:
            problem = enter(path, ancestors)
            if problem is not None:
                yield problem
        elif is_file and entry.name.endswith(MANIFEST_SUFFIXES):
            yield Source(display_name(path), path)
        elif entry.is_symlink() and not path.exists() and entry.name.endswith(MANIFEST_SUFFIXES):
            yield SourceError(display_name(path), "broken symbolic link")


def _given(raw: str) -> Iterator[Source | SourceError]:
    path = Path(raw)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            message = "broken symbolic link" if path.is_symlink() else "no such file or directory"
        else:
            message = _cannot(exc)
        yield SourceError(display_name(raw), message)
        return
    if stat.S_ISDIR(mode):
        yield from _walk(path)
    else:
        yield Source(display_name(path), path)


def expand(paths: list[str], exclude: tuple[str, ...] = ()) -> Iterator[Source | SourceError]:
    """Files as given, directories walked, `-` as standard input; excluded globs and duplicates dropped."""
    from podlint.rules.ruleset import matches_glob

    emitted: set[str] = set()
    for raw in paths:
        items = iter([Source(STDIN_NAME, None)]) if raw == STDIN else _given(raw)
        for item in items:
            if exclude and item.name != STDIN_NAME and matches_glob(item.name, exclude):
                continue
            if item.name not in emitted:
                emitted.add(item.name)
                yield item
