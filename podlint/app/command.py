"""What `podlint lint` (and `podlint fix`) do once their arguments are read, whichever parser read them.

Both the typer command (`cli.py`) and the start-up fast path (`entry.py`) build a
`LintRequest` and call `run_lint`, so the behaviour of a run lives here once. No typer here:
importing this module must stay cheap.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Iterable

    from podlint.edit.fix import FixRun
    from podlint.engine import Options
    from podlint.findings.baseline import Key
    from podlint.sources.files import Source, SourceError
    from podlint.sources.rendered import RenderOptions


class UsageError(Exception):
    """A bad argument: reported as `podlint: error: ...` with exit status 2."""


def report_usage_error(error: UsageError) -> int:
    print(f"podlint: error: {error}", file=sys.stderr)
    return 2


class LintRequest(NamedTuple):
    """The arguments of `podlint lint`, with the command line's defaults."""

    paths: list[str]
    output_formats: list[str] | None = None
    output: Path | None = None
    fail_on: str | None = None
    quiet: bool = False
    kubernetes_version: str | None = None
    profile: str | None = None
    config: Path | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    schema_dir: list[Path] | None = None
    policy: list[Path] | None = None
    max_file_size: str | None = None
    debug: bool = False
    fix: bool = False
    diff: bool = False
    select: str | None = None
    jobs: int = 0  # 0: as many workers as cores for a large input, one for a small one
    follow_links: bool = False  # follow symbolic links out of the scanned tree
    # Charts and overlays (sources/detect.py): rendered unless `render` is "never".
    values: list[Path] | None = None  # --values files for Helm, in order
    set: list[str] | None = None  # --set K=V for Helm, in order
    release_name: str | None = None
    namespace: str | None = None
    render: str | None = None  # "auto" (the default) or "never"


def run_lint(request: LintRequest) -> int:
    """Lint (or fix, then lint), write the reports, return the exit status; UsageError for a bad argument."""
    from podlint.app.config import ConfigError, settle
    from podlint.app.run import lint_sources
    from podlint.engine import Linter
    from podlint.report import Report, formatter, plan_outputs
    from podlint.sources.files import expand

    if request.jobs < 0:
        raise UsageError(f"--jobs must be 0 (automatic) or a number of worker processes, not {request.jobs}")
    try:
        outputs = plan_outputs(request.output_formats, request.output)
        settings = settle(request.config, fail_on=request.fail_on, kubernetes_version=request.kubernetes_version,
                          profile=request.profile, debug=request.debug, schema_dirs=request.schema_dir,
                          policies=request.policy)
    except (ValueError, ConfigError) as exc:
        raise UsageError(str(exc)) from None
    known = _load_baseline(request.baseline) if request.baseline is not None else None
    if request.max_file_size is not None:
        settings.options.max_file_bytes = _byte_count(request.max_file_size)
    render = _render_options(request, settings.options)
    sources: Iterable[Source | SourceError] = expand(request.paths, settings.exclude, request.follow_links)
    if render is not None:
        from podlint.sources.detect import plan_inputs

        sources = plan_inputs(sources, render, _named_files(request.paths))
    fixed = None
    if request.fix:
        from podlint.edit.fix import FixingLinter, fix_sources

        fixing = FixingLinter(settings.options, fixable_rules(request.select), write=not request.diff)
        planned = list(sources)
        if render is None or not any(getattr(item, "tool", None) for item in planned):
            fixed = fix_sources(planned, fixing)
        else:
            # Plain YAML only is fixed (bases and patches too, never a template), file by file; what remains
            # is reported from the renders, made again from the fixed files (with --diff: from the files as
            # they are).
            from podlint.sources.detect import plain_inputs, plan_inputs

            fixed = fix_sources(plain_inputs(expand(request.paths, settings.exclude)), fixing)
            if not request.diff:
                planned = list(plan_inputs(expand(request.paths, settings.exclude), render,
                                           _named_files(request.paths)))
            fixed.run = lint_sources(planned, Linter(settings.options), jobs=request.jobs or None)
        _print_fixes(fixed, request.diff, request.quiet)
        run = fixed.run
        catalogue = fixing.catalogue
    elif request.diff or request.select is not None:
        raise UsageError("--diff and --select go with --fix (or use `podlint fix`)")
    else:
        linter = Linter(settings.options)
        run = lint_sources(sources, linter, jobs=request.jobs or None)
        catalogue = linter.catalogue  # with the custom rules and policies, for SARIF's rule metadata
    if request.write_baseline is not None or known is not None:
        from podlint.findings import baseline as baselines  # (imported only for a baseline)

        if request.write_baseline is not None:
            baselines.write(run.findings, request.write_baseline)
        if known is not None:
            run.restrict(baselines.new_findings(run.findings, known))
    exit_code = fixed.exit_code(settings.fail_on) if fixed is not None else run.exit_code(settings.fail_on)
    report = Report(run.findings, run.summary, exit_code, catalogue=catalogue)  # exit code first: SARIF records it
    for target in outputs:
        if target.file is None and request.diff:  # with --diff, standard output is the diff
            continue
        colour = (target.file is None and target.format == "text" and sys.stdout.isatty()
                  and "NO_COLOR" not in os.environ)
        text = formatter(target.format)(report, colour)
        if request.quiet and target.format == "text":
            text = "".join(line + "\n" for line in text.splitlines()[:-1])
        if target.file is not None:
            try:
                target.file.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {target.file}: {exc.strerror or exc}") from exc
        else:
            _write_stdout(text, target.format)
    return exit_code


# Reports that are JSON: always written as UTF-8.
_JSON_FORMATS = frozenset({"json", "sarif", "gitlab"})


def _write_stdout(text: str, output_format: str) -> None:
    """JSON reports are UTF-8 whatever the locale (RFC 8259); text never fails on a character the
    terminal lacks. (A reader that goes away, as `| head` does, is handled by entry.main: exit 1, quietly.)
    """
    if output_format in _JSON_FORMATS:
        data = text.encode("utf-8")
    else:
        data = text.encode(sys.stdout.encoding or "utf-8", "backslashreplace")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _named_files(paths: list[str]) -> list[str]:
    return [path for path in paths if path != "-"]


def _render_options(request: LintRequest, options: Options) -> RenderOptions | None:
    """How charts and overlays are rendered; None with `--render never` (today's plain-YAML reading)."""
    mode = (request.render or "auto").strip().lower()
    if mode not in ("auto", "never"):
        raise UsageError(f"--render must be auto or never, not {request.render!r}")
    helm_options = [name for name, value in (("--values", request.values), ("--set", request.set),
                                             ("--release-name", request.release_name),
                                             ("--namespace", request.namespace)) if value]
    if mode == "never":
        if helm_options:
            raise UsageError(f"{', '.join(helm_options)} render charts: they do not go with --render never")
        return None
    from podlint.schemas.versions import format_version
    from podlint.sources.rendered import RenderOptions

    for path in request.values or []:
        if not path.is_file():
            raise UsageError(f"--values {path}: no such file")
    for expression in request.set or []:
        if "=" not in expression:
            raise UsageError(f"--set {expression!r}: write KEY=VALUE (several separated by commas)")
    import re  # (only a run that renders: `re` is not otherwise imported by a one-file run)

    if request.release_name is not None and not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?",
                                                             request.release_name):
        raise UsageError(f"--release-name {request.release_name!r}: a Helm release name is at most 53 lower-case "
                         "letters, digits and dashes")
    return RenderOptions(values=tuple(str(path) for path in request.values or []), sets=tuple(request.set or []),
                         release_name=request.release_name or "release-name",
                         namespace=request.namespace or "default",
                         kube_version=format_version(options.kubernetes_version),
                         max_bytes=options.max_file_bytes)


def _byte_count(text: str) -> int:
    from podlint.model.quantity import parse_quantity

    amount = parse_quantity(text)
    if amount is None or amount < 1 or amount.denominator != 1:
        raise UsageError(f"--max-file-size must be a whole number of bytes such as 10485760 or 10Mi, not {text!r}")
    return int(amount)


def _load_baseline(path: Path) -> Counter[Key]:
    from podlint.findings import baseline as baselines

    try:
        return baselines.load(path)
    except baselines.BaselineError as exc:
        raise UsageError(str(exc)) from None


def fixable_rules(select: str | None) -> frozenset[str] | None:
    from podlint.rules.catalogue import load_catalogue

    if select is None:
        return None
    catalogue = load_catalogue()
    rules = frozenset(part.strip() for part in select.split(",") if part.strip())
    for rule_id in sorted(rules):
        if rule_id not in catalogue:
            raise UsageError(f"--select: no rule {rule_id!r}; `podlint rules` lists them")
        if not catalogue[rule_id].fixable:
            raise UsageError(f"--select: {rule_id} has no safe fix")
    return rules


def _print_fixes(fixed: FixRun, diff: bool, quiet: bool) -> None:
    """The diffs (standard output) or what was fixed (standard error); problems always."""
    from podlint.edit.fix import unified_diff

    for change in fixed.files:
        if change.error is not None:
            print(f"podlint: {change.name}: not fixed: {change.error}", file=sys.stderr)
        elif diff:
            sys.stdout.write(unified_diff(change))
        elif not quiet:
            rules = ", ".join(f"{rule} ×{count}" if count > 1 else rule for rule, count in sorted(change.fixed.items()))
            print(f"fixed {change.name}: {rules}", file=sys.stderr)
    if not quiet:
        verb = "would fix" if diff else "fixed"
        files, remaining = len(fixed.changed), len(fixed.run.findings)
        print(f"{verb} {_plural(fixed.fixed, 'finding')} in {_plural(files, 'file')}; "
              f"{_plural(remaining, 'finding')} {'remains' if remaining == 1 else 'remain'}", file=sys.stderr)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
