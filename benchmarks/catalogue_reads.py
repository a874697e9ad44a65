"""What a `podlint lint` process reads of the bundled CRD catalogue (`crds/`), seen by an audit hook.

A run with no custom resource must read nothing of it and not import `lzma` (issue 19: the
start-up budget holds). The hook is installed before podlint is imported, in a child process
that runs the console entry point as the `podlint` script does, and reports each file opened
under a `crds` folder and the import of `lzma` on stderr at once (the entry point ends the
process with `os._exit`, so nothing after it would run).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_MARK = "podlint-catalogue-read:"
_CHILD = f"""
import os, sys
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        path = os.fsdecode(args[0])
        if os.sep + "crds" + os.sep in path:
            sys.stderr.write("{_MARK}" + path + "\\n")
    elif event == "import" and args[0] == "lzma":
        sys.stderr.write("{_MARK}import lzma\\n")
sys.addaudithook(hook)
sys.argv = ["podlint", *sys.argv[1:]]
from podlint.app.entry import main
main()
"""


@dataclass(frozen=True, slots=True)
class Reads:
    files: tuple[str, ...]  # paths opened under crds/
    lzma: bool  # lzma was imported
    exit_code: int

    @property
    def nothing(self) -> bool:
        return not self.files and not self.lzma


def catalogue_reads(paths: list[Path], env: dict[str, str] | None = None, python: str = sys.executable) -> Reads:
    """Lint `paths` (`podlint lint PATHS --fail-on never`) in a child process; what it read of `crds/`."""
    result = subprocess.run([python, "-c", _CHILD, "lint", *map(str, paths), "--fail-on", "never", "--quiet"],
                            capture_output=True, text=True, env=env, check=False, timeout=120)
    marks = [line.removeprefix(_MARK) for line in result.stderr.splitlines() if line.startswith(_MARK)]
    return Reads(tuple(sorted({mark for mark in marks if mark != "import lzma"})), "import lzma" in marks,
                 result.returncode)
