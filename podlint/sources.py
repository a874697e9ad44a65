"""Command-line paths -> the files to lint, in a stable order, with read problems as data."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass(frozen=True, slots=True)
class Source:
    """A file to lint (or standard input), named as the user will see it."""

    name: str
    path: Path | None  # None for standard input

    def read(self) -> bytes:
        if self.path is None:
            return sys.stdin.buffer.read()
        return self.path.read_bytes()


@dataclass(frozen=True, slots=True)
class SourceError:
    name: str
    message: str


def _display(path: Path) -> str:
    text = str(path)
    return text[2:] if text.startswith("./") else text


def _walk(root: Path) -> Iterator[Source | SourceError]:
    """A directory's manifests, recursively; hidden folders skipped; links followed once."""
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path) -> Iterator[Source | SourceError]:
        try:
            info = folder.stat()
        except OSError as exc:
            yield SourceError(_display(folder), f"cannot read folder: {exc.strerror or exc}")
            return
        identity = (info.st_dev, info.st_ino)
        if identity in seen:
            yield SourceError(_display(folder), "symbolic link loop: folder already visited, skipped")
            return
        seen.add(identity)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            yield SourceError(_display(folder), f"cannot read folder: {exc.strerror or exc}")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = folder / entry.name
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError as exc:
                yield SourceError(_display(path), f"cannot read: {exc.strerror or exc}")
                continue
            if is_dir:
                yield from visit(path)
            elif is_file and entry.name.endswith(MANIFEST_SUFFIXES):
                yield Source(_display(path), path)
            elif entry.is_symlink() and not path.exists() and entry.name.endswith(MANIFEST_SUFFIXES):
                yield SourceError(_display(path), "broken symbolic link")

    yield from visit(root)


def expand(paths: list[str], exclude: tuple[str, ...] = ()) -> Iterator[Source | SourceError]:
    """Files as given, directories walked, `-` as standard input; excluded globs and duplicates dropped."""
    from podlint.ruleset import matches_glob

    emitted: set[str] = set()
    for raw in paths:
        if raw == STDIN:
            items: Iterator[Source | SourceError] = iter([Source(STDIN_NAME, None)])
        else:
            path = Path(raw)
            if path.is_dir():
                items = _walk(path)
            elif path.exists():
                items = iter([Source(_display(path), path)])
            else:
                items = iter([SourceError(raw, "no such file or directory")])
        for item in items:
            if exclude and item.name != STDIN_NAME and matches_glob(item.name, exclude):
                continue
            if item.name not in emitted:
                emitted.add(item.name)
                yield item
