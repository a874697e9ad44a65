"""What `podlint lint` does once its arguments are read, whichever parser read them.

Both the typer command (`cli.py`) and the start-up fast path (`entry.py`) build a
`LintRequest` and call `run_lint`, so the behaviour of a run lives here once. No typer here:
importing this module must stay cheap.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

FAIL_ON = ("error", "warning", "info", "never")


class UsageError(Exception):
    """A bad argument: reported as `podlint: error: ...` with exit status 2."""


def report_usage_error(error: UsageError) -> int:
    print(f"podlint: error: {error}", file=sys.stderr)
    return 2


@dataclass(frozen=True, slots=True)
class LintRequest:
    """The arguments of `podlint lint`, with the command line's defaults."""

    paths: list[str] = field(default_factory=list)
    output_format: str = "text"
    output: Path | None = None
    fail_on: str = "warning"
    quiet: bool = False
    kubernetes_version: str | None = None
    debug: bool = False
    jobs: int = 0  # 0: as many workers as cores for a large input, one for a small one


def run_lint(request: LintRequest) -> int:
    """Lint, write the report, return the exit status; UsageError for a bad argument."""
    from podlint.engine import Linter, Options, lint_sources
    from podlint.findings import Severity
    from podlint.report import FORMATS, Report, formatter
    from podlint.sources import expand

    if request.output_format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {request.output_format!r}")
    if request.fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {request.fail_on!r}")
    if request.jobs < 0:
        raise UsageError(f"--jobs must be 0 (automatic) or a number of worker processes, not {request.jobs}")
    threshold = None if request.fail_on == "never" else Severity.parse(request.fail_on)
    options = Options(debug=request.debug)
    if request.kubernetes_version is not None:
        from podlint.versions import parse_version

        try:
            options.kubernetes_version = parse_version(request.kubernetes_version)
        except ValueError as exc:
            raise UsageError(f"--kubernetes-version: {exc}") from None
    linter = Linter(options)
    run = lint_sources(expand(request.paths), linter, jobs=request.jobs or None)
    exit_code = run.exit_code(threshold)
    report = Report(run.findings, run.summary, exit_code)
    output_format = request.output_format
    colour = (request.output is None and output_format == "text" and sys.stdout.isatty()
              and "NO_COLOR" not in os.environ)
    text = formatter(output_format)(report, colour)
    if request.quiet and output_format == "text":
        text = "".join(line + "\n" for line in text.splitlines()[:-1])
    if request.output is not None:
        try:
            request.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {request.output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(text)
    return exit_code
