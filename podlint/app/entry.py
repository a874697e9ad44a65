"""The console entry point: `podlint lint ...` starts without typer; typer serves the rest.

Importing typer (with the click and pydantic it loads) takes ~0.1 s, more than linting a
file does, and `podlint lint` runs on every commit and every save in an editor. So the
command lines of `podlint lint` are read here with argparse (in the standard library,
cheap to import), and everything else goes to the typer app in `cli.py`: other commands,
`--help`, and any option this parser does not know or cannot read, so typer prints the help
and the errors. Both parsers build the same `LintRequest` for the same `run_lint`;
tests/test_entry.py checks that they read every command line alike.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path
from typing import NoReturn

from podlint.app.command import LintRequest, UsageError, report_usage_error, run_lint


class _NotFast(Exception):
    """A command line for typer to read."""


class _LintParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotFast(message)


class _Formatter(argparse.HelpFormatter):
    """Never prints (help is typer's); a fixed width spares importing shutil for the terminal's."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=80)


def _lint_parser() -> argparse.ArgumentParser:
    # Options left out take LintRequest's defaults (SUPPRESS: absent from the namespace).
    parser = _LintParser(prog="podlint lint", add_help=False, allow_abbrev=False, exit_on_error=False,
                         argument_default=argparse.SUPPRESS, formatter_class=_Formatter)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("-f", "--format", "--output-format", dest="output_formats", action="append")
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--fail-on", dest="fail_on")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--kubernetes-version", dest="kubernetes_version")
    parser.add_argument("--profile")
    parser.add_argument("-c", "--config", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--write-baseline", dest="write_baseline", type=Path)
    parser.add_argument("--schema-dir", dest="schema_dir", action="append", type=Path)
    parser.add_argument("--policy", action="append", type=Path)
    parser.add_argument("--max-file-size", dest="max_file_size")
    parser.add_argument("--debug", action=argparse.BooleanOptionalAction)
    parser.add_argument("--fix", action="store_true")
    parser.add_argument("--diff", action="store_true")
    parser.add_argument("--select", action="append")
    parser.add_argument("--extend-select", dest="extend_select", action="append")
    parser.add_argument("--ignore", action="append")
    parser.add_argument("--exclude", action="append")
    parser.add_argument("--statistics", action="store_true")
    parser.add_argument("--show-source", dest="show_source", action=argparse.BooleanOptionalAction)
    parser.add_argument("--color")
    parser.add_argument("--sarif-category", dest="sarif_category")
    parser.add_argument("--watch", action="store_true")
    parser.add_argument("-j", "--jobs", type=int)
    parser.add_argument("--follow-links", dest="follow_links", action="store_true")
    parser.add_argument("--values", action="append", type=Path)
    parser.add_argument("--set", action="append")
    parser.add_argument("--release-name", dest="release_name")
    parser.add_argument("--namespace")
    parser.add_argument("--render")
    return parser


def fast_lint_request(args: list[str]) -> LintRequest | None:
    """The request of `podlint ARGS` when it is a `lint` this parser reads; None otherwise."""
    if not args or args[0] != "lint":
        return None
    if "--" in args:  # argparse's intermixed parsing misreads what follows `--`: rare, left to typer
        return None
    try:
        namespace = _lint_parser().parse_intermixed_args(args[1:])
    except (_NotFast, argparse.ArgumentError):
        return None
    return LintRequest(**{"paths": [], **vars(namespace)})


def exit_now(code: int) -> NoReturn:
    """End the process without tearing the interpreter down object by object.

    After a run of 1,000 documents, a normal exit spends 60-90 ms freeing the objects the run
    kept (the inventory of the cross-object checks) and collecting them: more than linting 100
    documents takes. The kernel frees the memory at once. Everything podlint writes is flushed
    first; files are already closed, and parallel workers already joined.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        request = fast_lint_request(sys.argv[1:])
        if request is None:
            from podlint.app.cli import app

            app()
            return
        # No cyclic garbage collection in a lint process: importing and loading the catalogue
        # would trigger a few full collections for nothing (~3 ms), and the run itself makes no
        # reference cycles (tests/test_fast_paths.py); the process ends right after (unless it watches).
        if not request.watch:
            gc.disable()
        try:
            exit_code = run_lint(request)
        except UsageError as error:
            exit_code = report_usage_error(error)
        exit_now(exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`| head`): quietly, as click does for typer's commands
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        sys.exit(1)
    except Exception as exc:  # last resort: a bug, reported without a traceback
        if "--debug" in sys.argv:
            raise
        from podlint.app.command import warn

        warn(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(2)
