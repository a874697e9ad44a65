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
    from collections.abc import Iterable, Mapping

    from podlint.edit.fix import FixingLinter, FixRun
    from podlint.engine import Options
    from podlint.findings.baseline import Key
    from podlint.report import Report
    from podlint.sources.files import Source, SourceError
    from podlint.sources.rendered import RenderOptions


class UsageError(Exception):
    """A bad argument: reported as `podlint: error: ...` with exit status 2."""


def report_usage_error(error: UsageError) -> int:
    warn(f"error: {error}")
    return 2


def warn(message: str) -> None:
    """`podlint: MESSAGE` on standard error; the message may quote file names, configuration or policy
    text, so it is escaped (line breaks kept, each line guarded: report/escape.py)."""
    from podlint.report.escape import safe_lines

    print(f"podlint: {safe_lines(message)}", file=sys.stderr)


def choice_error(option: str, value: str, choices: Iterable[str]) -> UsageError:
    """`--OPTION must be one of ..., not 'VALUE' (did you mean 'X'?)`."""
    import difflib  # only for a mistake

    options = list(choices)
    close = difflib.get_close_matches(value.strip().lower(), options, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return UsageError(f"{option} must be one of {', '.join(options)}, not {value!r}{hint}")


class LintRequest(NamedTuple):
    """The arguments of `podlint lint`, with the command line's defaults."""

    paths: list[str]  # empty: the current folder, `.`
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
    # Which rules run (rules/select.py): rule ids, categories, tags or prefixes, comma-separated or repeated.
    select: list[str] | None = None
    extend_select: list[str] | None = None
    ignore: list[str] | None = None
    exclude: list[str] | None = None  # globs, added to the configuration's `exclude`
    statistics: bool = False  # a count per rule instead of the findings
    show_source: bool | None = None  # None: the configuration's `show-source`
    color: str | None = None  # "auto" (the default), "always" or "never"
    sarif_category: str | None = None  # SARIF automationDetails.id (default: the configuration's)
    watch: bool = False  # lint again whenever an input changes
    jobs: int = 0  # 0: as many workers as cores for a large input, one for a small one
    follow_links: bool = False  # follow symbolic links out of the scanned tree
    # Charts and overlays (sources/detect.py): rendered unless `render` is "never".
    values: list[Path] | None = None  # --values files for Helm, in order
    set: list[str] | None = None  # --set K=V for Helm, in order
    release_name: str | None = None
    namespace: str | None = None
    render: str | None = None  # "auto" (the default) or "never"


COLOR_CHOICES = ("auto", "always", "never")


def use_colour(choice: str | None, stream_is_terminal: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the text report on standard output is coloured.

    `--color always|never` decides; `auto` (the default) follows, in this order, NO_COLOR (set and not
    empty: no colour, no-color.org), FORCE_COLOR (set and not empty: colour, force-color.org, as CI
    services set it), TERM=dumb (no colour), and whether standard output is a terminal.
    """
    mode = (choice or "auto").strip().lower()
    if mode not in COLOR_CHOICES:
        raise choice_error("--color", choice or "", COLOR_CHOICES)
    if mode != "auto":
        return mode == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return stream_is_terminal


def run_lint(request: LintRequest) -> int:
    """Lint (or fix, then lint), write the reports, return the exit status; UsageError for a bad argument."""
    if request.watch:
        from podlint.app.watch import watch

        return watch(request, run_lint)
    from podlint.app.config import ConfigError, settle
    from podlint.app.run import lint_sources
    from podlint.engine import Linter
    from podlint.report import Report, formatter, plan_outputs
    from podlint.sources.files import expand

    if request.jobs < 0:
        raise UsageError(f"--jobs must be 0 (automatic) or a number of worker processes, not {request.jobs}")
    if request.diff and not request.fix:
        raise UsageError("--diff goes with --fix (or use `podlint fix --diff`)")
    colour = use_colour(request.color, sys.stdout.isatty())
    paths = input_paths(request)
    try:
        outputs = plan_outputs(request.output_formats, request.output)
        settings = settle(request.config, fail_on=request.fail_on, kubernetes_version=request.kubernetes_version,
                          profile=request.profile, debug=request.debug, schema_dirs=request.schema_dir,
                          policies=request.policy, select=request.select, extend_select=request.extend_select,
                          ignore=request.ignore, exclude=request.exclude, show_source=request.show_source,
                          sarif_category=request.sarif_category)
    except (ValueError, ConfigError) as exc:
        raise UsageError(str(exc)) from None
    known = _load_baseline(request.baseline) if request.baseline is not None else None
    if request.max_file_size is not None:
        settings.options.max_file_bytes = _byte_count(request.max_file_size)
    render = _render_options(request, settings.options)
    sources: Iterable[Source | SourceError] = expand(paths, settings.exclude, request.follow_links)
    if render is not None:
        from podlint.sources.detect import plan_inputs

        sources = plan_inputs(sources, render, _named_files(paths))
    fixed = None
    if request.fix:
        from podlint.edit.fix import FixingLinter, fix_sources

        fixing = FixingLinter(settings.options, None, write=not request.diff)  # the selected rules only lint
        _check_fixable(fixing, request)
        planned = list(sources)
        if render is None or not any(getattr(item, "tool", None) for item in planned):
            fixed = fix_sources(planned, fixing)
        else:
            # Plain YAML only is fixed (bases and patches too, never a template), file by file; what remains
            # is reported from the renders, made again from the fixed files (with --diff: from the files as
            # they are).
            from podlint.sources.detect import plain_inputs, plan_inputs

            fixed = fix_sources(plain_inputs(expand(paths, settings.exclude)), fixing)
            if not request.diff:
                planned = list(plan_inputs(expand(paths, settings.exclude), render, _named_files(paths)))
            fixed.run = lint_sources(planned, Linter(settings.options), jobs=request.jobs or None)
        _print_fixes(fixed, request.diff, request.quiet)
        run = fixed.run
        catalogue = fixing.catalogue
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
    # The exit code first: SARIF records it.
    report = Report(run.findings, run.summary, exit_code, catalogue=catalogue, show_source=settings.show_source,
                    statistics=request.statistics, sarif_category=settings.sarif_category)
    for target in outputs:
        if target.file is None and request.diff:  # with --diff, standard output is the diff
            continue
        text = formatter(target.format)(report, colour and target.file is None and target.format == "text")
        if request.quiet and target.format == "text":
            text = "".join(line + "\n" for line in text.split("\n")[:-2])
        if target.file is not None:
            try:
                target.file.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {target.file}: {exc.strerror or exc}") from exc
        else:
            _write_stdout(text, target.format)
        if target.format == "github":
            _write_step_summary(report)
    return exit_code


def input_paths(request: LintRequest) -> list[str]:
    """The paths to lint: as given, or the current folder (`podlint lint` alone lints `.`, as ruff does)."""
    return request.paths or ["."]


def _write_step_summary(report: Report) -> None:
    """GitHub shows 10 annotations of each level per step: the whole picture goes to the job's summary page."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from podlint.report.github import step_summary

    try:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(step_summary(report))
    except OSError as exc:
        warn(f"cannot write the step summary to {target}: {exc.strerror or exc}")


def _check_fixable(fixing: FixingLinter, request: LintRequest) -> None:
    """`fix --select RULES` with nothing among RULES that podlint can fix is a mistake worth saying."""
    selected = fixing.options.command_line.select
    if selected is None:
        return
    if not any(fixing.catalogue[rule_id].fixable for rule_id in selected):
        names = sorted(selected)
        what = f"{names[0]} has no safe fix" if len(names) == 1 else "none of the selected rules has a safe fix"
        fixable = ", ".join(sorted(rule.id for rule in fixing.catalogue.values() if rule.fixable))
        raise UsageError(f"--select: {what} (fixable rules: {fixable})")


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
        raise choice_error("--render", request.render or "", ("auto", "never"))
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


def _print_fixes(fixed: FixRun, diff: bool, quiet: bool) -> None:
    """The diffs (standard output) or what was fixed (standard error); problems always."""
    from podlint.edit.fix import unified_diff
    from podlint.report.escape import guard_line, visible

    for change in fixed.files:
        if change.error is not None:
            warn(f"{change.name}: not fixed: {change.error}")
        elif diff:
            sys.stdout.write(unified_diff(change))  # the files' own bytes: a patch must apply
        elif not quiet:
            rules = ", ".join(f"{rule} ×{count}" if count > 1 else rule for rule, count in sorted(change.fixed.items()))
            print(guard_line(visible(f"fixed {change.name}: {rules}")), file=sys.stderr)
    if not quiet:
        verb = "would fix" if diff else "fixed"
        files, remaining = len(fixed.changed), len(fixed.run.findings)
        print(f"{verb} {_plural(fixed.fixed, 'finding')} in {_plural(files, 'file')}; "
              f"{_plural(remaining, 'finding')} {'remains' if remaining == 1 else 'remain'}", file=sys.stderr)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
