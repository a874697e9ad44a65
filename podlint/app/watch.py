"""`podlint lint --watch`: lint, then lint again whenever an input or the configuration changes.

Polling, no dependency: every second the inputs are listed again (as a run lists them) and their
sizes and modification times compared with the last run's. Ctrl-C ends it (exit status 0).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from podlint.app.command import LintRequest

INTERVAL = 1.0  # seconds between two looks at the inputs
Snapshot = frozenset[tuple[str, int, int]]


def snapshot(paths: list[str], config: str | None) -> Snapshot:
    """Each input file (and the configuration) with its size and modification time."""
    from podlint.app.config import find_config
    from podlint.sources.files import Source, expand

    seen: set[tuple[str, int, int]] = set()
    names = [item.name for item in expand(paths) if isinstance(item, Source) and item.path is not None]
    found = config or find_config(Path.cwd())
    for name in [*names, *([str(found)] if found else [])]:
        try:
            info = os.stat(name)
        except OSError:
            continue
        seen.add((name, info.st_size, info.st_mtime_ns))
    return frozenset(seen)


def watch(request: LintRequest, run: Callable[[LintRequest], int], interval: float = INTERVAL,
          rounds: int | None = None) -> int:
    """Run `run` now and after every change; `rounds` (tests) stops after that many runs."""
    from podlint.app.command import UsageError, input_paths, report_usage_error, warn

    if request.fix:
        raise UsageError("--watch does not go with --fix: each fix would start another run")
    once = request._replace(watch=False)
    paths = input_paths(once)
    config = str(once.config) if once.config is not None else None
    done = 0
    try:
        while True:
            before = snapshot(paths, config)
            try:
                run(once)
            except UsageError as error:  # a broken configuration mid-session: say so, and keep watching
                if done == 0:
                    raise
                report_usage_error(error)
            done += 1
            if rounds is not None and done >= rounds:
                return 0
            warn("watching for changes (Ctrl-C to stop)")
            sys.stderr.flush()
            while snapshot(paths, config) == before:
                time.sleep(interval)
            print("", file=sys.stderr)
    except KeyboardInterrupt:
        return 0
