"""Command-line paths -> the files to lint, in a stable order, with read problems as data.

Only regular files are read: a FIFO, a socket or a device (named on the command line or met
in a folder walk) is a `read-error`, since reading one can block forever or never end; standard
input (`-`) and the pipes a shell hands over (`<(helm template .)`, `/dev/fd/N`) are read. No
read takes more than the size limit plus one byte. A symbolic link is followed only while its
target stays inside the scanned tree (the folder being walked; for a link named on the command
line, the current folder), unless `follow_links` (`--follow-links`) says so: `out.yaml ->
/etc/passwd` is reported, not read. A walk refuses a link back into a folder it is inside (a
loop), and skips a folder already walked by another link.
Inside a git repository a walk skips what `.gitignore` files ignore (sources/gitignore.py).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from podlint.patterns import lazy
from podlint.reading.parse import MAX_FILE_BYTES

if TYPE_CHECKING:
    from podlint.sources.gitignore import Ignores

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_NAME = "<stdin>"


class Source(NamedTuple):
    """A file to lint (or standard input), named as the user will see it."""

    name: str
    path: Path | None  # None for standard input
    tree: Path | None = None  # the scanned tree it was found in (`podlint fix` writes nothing outside it)

    def read(self, limit: int = MAX_FILE_BYTES) -> bytes:
        """The content, cut after `limit` + 1 bytes: enough to tell that it is over the limit.

        The file is opened without blocking (a FIFO with no writer would block the open itself)
        and must still be what it was found to be: a regular file, or a shell's pipe.
        """
        if self.path is None:
            return sys.stdin.buffer.read(limit + 1)
        descriptor = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "rb") as file:
            mode = os.fstat(descriptor).st_mode
            if not stat.S_ISREG(mode) and not (stat.S_ISFIFO(mode) and _is_shell_pipe(self.path)):
                raise OSError(errno.EINVAL, f"not a regular file ({_kind(mode)})")
            if stat.S_ISFIFO(mode):
                os.set_blocking(descriptor, True)  # a shell's pipe: wait for its writer, as for standard input
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


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a file"


_SHELL_PIPE = lazy(r"^/(?:dev|proc/self)/fd/[0-9]+$")


def _is_shell_pipe(path: Path) -> bool:
    """`/dev/fd/63` from `<(command)`: a pipe the shell opened for this process, not a FIFO in the file system."""
    return _SHELL_PIPE.match(str(path)) is not None


def _special(path: Path, mode: int) -> SourceError | None:
    """The read-error for a path that is no regular file (a shell's pipe is read)."""
    if stat.S_ISREG(mode) or (stat.S_ISFIFO(mode) and _is_shell_pipe(path)):
        return None
    return SourceError(display_name(path), f"not a regular file ({_kind(mode)}): not read")


def _outside(path: Path, tree: Path) -> SourceError | None:
    """The read-error for a symbolic link whose target leaves `tree` (both as given; resolved here)."""
    try:
        target = Path(os.path.realpath(path))
        inside = target.is_relative_to(Path(os.path.realpath(tree)))
    except (OSError, ValueError):
        return None  # a loop or a broken link: reported as such where it is met
    if inside:
        return None
    return SourceError(display_name(path), f"symbolic link to {display_name(target)}, outside "
                                           f"{display_name(tree)}: not followed (--follow-links follows it)")


Identity = tuple[int, int]  # (device, inode): a folder whatever the path that reached it


def _walk(root: Path, follow_links: bool = False) -> Iterator[Source | SourceError]:
    """A directory's manifests, depth first in name order; hidden entries and what .gitignore ignores skipped.

    The stack is explicit: a hostile tree may nest deeper than Python's recursion limit.
    """
    from podlint.sources.gitignore import Ignores  # only for a walk

    walked: set[Identity] = set()
    # Each level: the entries still to visit, the folders it is inside (to catch loops), its ignore rules.
    stack: list[tuple[Iterator[os.DirEntry[str]], dict[Identity, Path], Ignores | None]] = []

    def enter(folder: Path, ancestors: dict[Identity, Path], ignores: Ignores | None) -> SourceError | None:
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
            inner = ignores.entering(folder) if ignores is not None else None
            stack.append((iter(entries), {**ancestors, identity: folder}, inner))
        return None

    problem = enter(root, {}, Ignores.around(root))
    if problem is not None:
        yield problem
    while stack:
        entries, ancestors, ignores = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        manifest = entry.name.endswith(MANIFEST_SUFFIXES)
        try:
            is_dir = entry.is_dir()
            link = entry.is_symlink()
            mode = entry.stat().st_mode if manifest and not is_dir else 0
        except FileNotFoundError:
            if manifest:
                yield SourceError(display_name(path), "broken symbolic link")
            continue
        except OSError as exc:
            if manifest or exc.errno == errno.ELOOP:
                yield SourceError(display_name(path), _cannot(exc))
            continue
        if not is_dir and not manifest:
            continue
        if ignores is not None and ignores.ignored(path, is_dir):
            continue
        if link and not follow_links:
            problem = _outside(path, root)
            if problem is not None:
                yield problem
                continue
        if is_dir:
            problem = enter(path, ancestors, ignores)
            if problem is not None:
                yield problem
            continue
        problem = _special(path, mode)
        yield problem if problem is not None else Source(display_name(path), path, root)


def _given(raw: str, follow_links: bool = False) -> Iterator[Source | SourceError]:
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
    here = Path.cwd()
    tree = here if Path(os.path.abspath(path)).is_relative_to(here) else path.parent
    if not follow_links and not _is_shell_pipe(path) and path.is_symlink():
        problem = _outside(path, tree)
        if problem is not None:
            yield problem
            return
    if stat.S_ISDIR(mode):
        yield from _walk(path, follow_links)
        return
    problem = _special(path, mode)
    yield problem if problem is not None else Source(display_name(path), path, tree)


def expand(paths: list[str], exclude: tuple[str, ...] = (), follow_links: bool = False
           ) -> Iterator[Source | SourceError]:
    """Files as given, directories walked, `-` as standard input; excluded globs and duplicates dropped."""
    from podlint.rules.ruleset import matches_glob

    emitted: set[str] = set()
    for raw in paths:
        items = iter([Source(STDIN_NAME, None)]) if raw == STDIN else _given(raw, follow_links)
        for item in items:
            if exclude and item.name != STDIN_NAME and matches_glob(item.name, exclude):
                continue
            if item.name not in emitted:
                emitted.add(item.name)
                yield item
