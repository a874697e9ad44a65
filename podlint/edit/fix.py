"""`podlint fix`: apply the safe fixes that findings carry, rewrite files, report what remains.

Each round lints the text, takes the fixes of the selected rules, applies those that do not
overlap (the others wait for the next round, recomputed on the new text) and lints again,
until nothing is left to fix or MAX_ROUNDS have run. A file is written only when fixes were
applied and the result still reads cleanly; its untouched bytes stay as they were.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import errno
import itertools
import os
import signal
import stat
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podlint.app.run import RunResult, lint_sources
from podlint.edit.edits import lines_of
from podlint.engine import FileResult, Linter, Options
from podlint.findings import Finding, Fix, Severity
from podlint.findings.suppress import Suppression
from podlint.model.inventory import Inventory
from podlint.reading.parse import decode
from podlint.sources.files import Source, SourceError

MAX_ROUNDS = 10
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(slots=True)
class FileFix:
    """What fixing did to one file: its text before and after, the fixes by rule, or why it was left."""

    name: str
    before: str
    after: str
    fixed: Counter[str] = field(default_factory=Counter)
    written: bool = False
    error: str | None = None


@dataclass(slots=True)
class FixRun:
    run: RunResult  # the findings that remain after fixing
    files: list[FileFix]  # the files with fixes, or with a problem fixing them

    @property
    def fixed(self) -> int:
        return sum(sum(change.fixed.values()) for change in self.files if change.error is None)

    @property
    def changed(self) -> list[FileFix]:
        return [change for change in self.files if change.error is None and change.fixed]

    def exit_code(self, fail_on: Severity | None) -> int:
        """As for lint, and 2 when a file could not be fixed (unwritable, or fixes that would break it)."""
        if any(change.error is not None for change in self.files):
            return 2
        return self.run.exit_code(fail_on)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Ranges that share text, or an insertion that touches another edit (the order would be a guess)."""
    if a[0] < b[1] and b[0] < a[1]:
        return True
    return (a[0] == a[1] or b[0] == b[1]) and a[0] <= b[1] and b[0] <= a[1]


def apply_fixes(text: str, fixes: Sequence[Fix]) -> tuple[str, list[int]]:
    """Apply, in one pass, every fix that overlaps none taken before it (in file order, then list order).

    Returns the new text and the indexes of the fixes applied; the others are for a later round.
    """
    lines = lines_of(text)
    ranges = [[(lines.offset(*edit.start), lines.offset(*edit.end)) for edit in fix.edits] for fix in fixes]
    taken: list[tuple[int, int]] = []
    applied: list[int] = []
    splices: list[tuple[int, int, str]] = []
    for index in sorted(range(len(fixes)), key=lambda i: min((start for start, _ in ranges[i]), default=0)):
        if not ranges[index] or any(_overlap(mine, other) for mine in ranges[index] for other in taken):
            continue
        taken.extend(ranges[index])
        applied.append(index)
        splices.extend((start, end, edit.text) for (start, end), edit in zip(ranges[index], fixes[index].edits,
                                                                             strict=True))
    for start, end, replacement in sorted(splices, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, applied


def _encoding(raw: bytes) -> tuple[bytes, str]:
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return bom, codec
    return b"", "utf-8"


def _write(path: Path, data: bytes, tree: Path | None = None) -> None:
    """Replace the file atomically: a temporary file in the same folder, written and synced, with the
    file's permissions and (where the process may set them) owner, renamed over it, the folder synced.

    An interrupt at any moment leaves the old file or the new one, never a mix (SIGTERM is turned
    into an exit while fixing, see fix_sources, so the temporary file is removed too). A file
    reached through a symbolic link is written only where its target stays inside `tree`.
    """
    target = path.resolve()
    if tree is not None and not target.is_relative_to(Path(os.path.realpath(tree))):
        raise OSError(errno.EPERM, f"a symbolic link to {target}, outside {tree}: not written")
    info = target.stat()
    # The temporary file is named before it exists, so that the clean-up knows it whenever an
    # interrupt lands; SIGINT and SIGTERM wait (blocked) until the file is renamed or removed.
    temporary: Path | None = target.parent / f".{target.name}.{os.getpid()}.{next(_SERIAL)}.podlint-fix"
    blocking = threading.current_thread() is threading.main_thread() and hasattr(signal, "pthread_sigmask")
    if blocking:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        assert temporary is not None
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), stat.S_IMODE(info.st_mode))
            if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(PermissionError):  # only root may give a file to another user
                    os.fchown(stream.fileno(), info.st_uid, info.st_gid)
            os.fsync(stream.fileno())
        os.replace(temporary, target)
        temporary = None
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself, on disk
        finally:
            os.close(folder)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        if blocking:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_SERIAL = itertools.count()


class FixingLinter(Linter):
    """A linter whose per-file step fixes the file first, then reports what remains."""

    def __init__(self, options: Options | None = None, rules: frozenset[str] | None = None,
                 write: bool = True) -> None:
        super().__init__(options)
        self.rules = rules
        self.write = write
        self.paths: dict[str, Path | None] = {}
        self.trees: dict[str, Path | None] = {}
        self.files: list[FileFix] = []

    def wanted(self, finding: Finding, suppressions: list[Suppression]) -> bool:
        """A finding to fix: its rule is fixable and selected, it carries a fix, and no comment silences it."""
        return (finding.fixable and finding.fix is not None and (self.rules is None or finding.rule in self.rules)
                and not any(suppression.covers(finding) for suppression in suppressions))

    def lint_bytes(self, raw: bytes, file: str, inventory: Inventory | None = None) -> FileResult:
        result, linted = self._fix_file(raw, file)
        if inventory is not None:
            inventory.add_source(linted, file)  # cross-object rules see the file as it now is
        return result

    def _fix_file(self, raw: bytes, file: str) -> tuple[FileResult, bytes]:
        """The file's findings after its fixes, and the bytes they were found in."""
        result = super().lint_bytes(raw, file)
        if result.read_failed or not any(self.wanted(finding, result.suppressions) for finding in result.findings):
            return result, raw  # a file that does not read cleanly is never written
        text, _ = decode(raw, file)
        if text is None:  # pragma: no cover - read_failed covers undecodable bytes
            return result, raw
        change, fixed_result = self.fix_text(text, file, result)
        self.files.append(change)
        if change.error is not None or not change.fixed:
            return result, raw
        path = self.paths.get(file)
        if self.write and path is None:
            change.error = "standard input cannot be rewritten: use --diff"
            return result, raw
        if self.write and path is not None:
            bom, codec = _encoding(raw)
            try:
                _write(path, bom + change.after.encode(codec), self.trees.get(file))
            except OSError as exc:
                change.error = f"cannot write: {exc.strerror or exc}"
                return result, raw
            change.written = True
        return fixed_result, change.after.encode("utf-8")

    def fix_text(self, text: str, file: str, result: FileResult) -> tuple[FileFix, FileResult]:
        """Fix to a fixed point; each distinct fix is applied once, so a fix that does not hold cannot loop."""
        change = FileFix(file, text, text)
        done: set[tuple[str, str, str]] = set()
        for _ in range(MAX_ROUNDS):
            candidates = [finding for finding in result.findings if self.wanted(finding, result.suppressions)
                          and (finding.rule, finding.path, _description(finding)) not in done]
            if not candidates:
                break
            fixed_text, applied = apply_fixes(change.after, [_fix(finding) for finding in candidates])
            if not applied:
                break
            # As for the file itself: the run applies comment suppressions once, at its end.
            fixed_result = super().lint_bytes(fixed_text.encode("utf-8"), file)
            if fixed_result.read_failed:
                change.error = ("the fixes would leave the file unreadable, so it was not changed "
                                "(please report this with the file)")
                return change, result
            for index in applied:
                finding = candidates[index]
                change.fixed[finding.rule] += 1
                done.add((finding.rule, finding.path, _description(finding)))
            change.after, result = fixed_text, fixed_result
        return change, result


def _fix(finding: Finding) -> Fix:
    assert finding.fix is not None
    return finding.fix


def _description(finding: Finding) -> str:
    return _fix(finding).description


def fix_sources(items: Iterable[Source | SourceError], linter: FixingLinter) -> FixRun:
    """Fix every file (or only compute the fixes, with `write=False`) and lint what remains."""

    def remember(sources: Iterable[Source | SourceError]) -> Iterator[Source | SourceError]:
        for item in sources:
            if isinstance(item, Source):
                linter.paths[item.name] = item.path
                linter.trees[item.name] = item.tree
            yield item

    with _terminate_as_exit():
        run = lint_sources(remember(items), linter)
    return FixRun(run, linter.files)


class _terminate_as_exit:
    """SIGTERM ends the process as SIGINT does, through the `finally` blocks that remove temporary files."""

    def __enter__(self) -> None:
        self.previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, _exit_on_signal)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _diff_lines(text: str) -> list[str]:
    """Lines with their `\\n` (only `\\n` ends a line, as in the file; `\\r` stays in the line)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def unified_diff(change: FileFix) -> str:
    """A unified diff of one file's fixes, as `git apply` and `patch -p1` read it (`-p0` for absolute names)."""
    relative = not change.name.startswith("/")
    before, after = (f"a/{change.name}", f"b/{change.name}") if relative else (change.name, change.name)
    out: list[str] = []
    for line in difflib.unified_diff(_diff_lines(change.before), _diff_lines(change.after), before, after):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
