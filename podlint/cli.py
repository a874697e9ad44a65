"""The command line (typer): lint, rules, explain. Only argument handling lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from podlint import __version__
from podlint.command import LintRequest, UsageError, report_usage_error, run_lint
from podlint.entry import main

__all__ = ["app", "main"]

app = typer.Typer(
    name="podlint",
    help="Lint Kubernetes manifests: what the API server rejects, and what it accepts but runs badly.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"podlint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """podlint: a Kubernetes manifest linter."""


def _usage_error(message: str) -> typer.Exit:
    return typer.Exit(report_usage_error(UsageError(message)))


# `podlint lint` usually starts through entry.py's fast path, which reads these same options
# without importing typer; tests/test_entry.py keeps the two in step.
@app.command()
def lint(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or - for standard input.")],
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")] = None,
    fail_on: Annotated[str, typer.Option(help="Exit 1 when a finding reaches this severity: "
                                         "error, warning, info or never.")] = "warning",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line; silent when clean.")] = False,
    kubernetes_version: Annotated[str | None, typer.Option(
        "--kubernetes-version", help="The target cluster's version (1.29 to 1.37; default: the newest).")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks of internal errors.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes; 0: one per core for a large "
                                      "input, a single one for a small input.")] = 0,
) -> None:
    """Lint manifests and report findings at file:line:column."""
    request = LintRequest(paths=paths, output_format=output_format, output=output, fail_on=fail_on, quiet=quiet,
                          kubernetes_version=kubernetes_version, debug=debug, jobs=jobs)
    try:
        exit_code = run_lint(request)
    except UsageError as error:
        raise typer.Exit(report_usage_error(error)) from None
    raise typer.Exit(exit_code)


@app.command("rules")
def rules_command() -> None:
    """List the rule catalogue."""
    from podlint.catalogue import load_catalogue

    catalogue = load_catalogue()
    width = max(len(rule_id) for rule_id in catalogue)
    for rule in catalogue.values():
        fix = " (fixable)" if rule.fixable else ""
        typer.echo(f"{rule.id:<{width}}  {rule.severity.label:<7}  {rule.profile:<7}  {rule.summary}{fix}")


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(help="A rule id, as `podlint rules` lists them.")]) -> None:
    """Explain a rule: what it finds, why it matters, how to fix it, with examples."""
    import difflib

    from podlint.catalogue import load_catalogue

    catalogue = load_catalogue()
    rule = catalogue.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, list(catalogue), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise _usage_error(f"no rule {rule_id!r}{hint}; `podlint rules` lists them")
    parts = [
        f"{rule.id} ({rule.severity.label}, profile {rule.profile}{', fixable' if rule.fixable else ''})",
        "",
        rule.summary,
        "",
        "Why it matters:",
        _indent(rule.why),
        "",
        "How to fix it:",
        _indent(rule.fix),
    ]
    if rule.bad:
        parts += ["", "Bad:", _indent(rule.bad)]
    if rule.good:
        parts += ["", "Good:", _indent(rule.good)]
    if rule.references:
        parts += ["", "References:", *(f"  {ref}" for ref in rule.references)]
    typer.echo("\n".join(parts))


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())
