"""The command line (typer): lint, fix, rules, explain, lsp. Only argument handling lives here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from podlint import __version__
from podlint.app.command import LintRequest, UsageError, choice_error, report_usage_error, run_lint

if TYPE_CHECKING:
    from podlint.rules.catalogue import Rule

__all__ = ["app"]

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


# Options shared by `lint` and `fix`, declared once.
FormatsOption = Annotated[list[str] | None, typer.Option(
    "--format", "-f", "--output-format", metavar="FORMAT[=FILE]",
    help="text, json, sarif, github or gitlab; repeat it for several reports, "
         "each but one written to its own FILE (default: text). --output-format is the same option (ruff's name).")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")]
FailOnOption = Annotated[str | None, typer.Option(help="Exit 1 when a finding reaches this severity: error, "
                                                  "warning (the default), info or never.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No summary line; silent when clean.")]
VersionOption = Annotated[str | None, typer.Option(
    "--kubernetes-version", help="The target cluster's version (1.29 to 1.37; default: the newest).")]
ProfileOption = Annotated[str | None, typer.Option(help="Rule profile: default, strict or all.")]
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", "-c", help="Configuration file (default: .podlint.yaml or [tool.podlint] in pyproject.toml, "
    "searched from the current folder up to the repository root).")]
BaselineOption = Annotated[Path | None, typer.Option(help="Report only findings not recorded in this baseline.")]
SchemaDirOption = Annotated[list[Path] | None, typer.Option(
    "--schema-dir", help="A folder of JSON schemas for custom resources, named {kind}_{version}.json "
    "(or {group}/{kind}_{version}.json); repeatable, added to the configuration's schema-dirs.")]
DebugOption = Annotated[bool, typer.Option(help="Show tracebacks of internal errors.")]
_SELECTORS = "rule ids, categories, tags (security, reliability, cwe-250) or prefixes (invalid-*); comma-separated"
SelectOption = Annotated[list[str] | None, typer.Option(
    "--select", help=f"Run only these rules: {_SELECTORS}, repeatable; replaces the profile's and the "
    "configuration's choice. With --fix: fix only these.")]
ExtendSelectOption = Annotated[list[str] | None, typer.Option(
    "--extend-select", help=f"Run these rules too: {_SELECTORS}, repeatable.")]
IgnoreOption = Annotated[list[str] | None, typer.Option(
    "--ignore", help=f"Do not run these rules: {_SELECTORS}, repeatable.")]
ExcludeOption = Annotated[list[str] | None, typer.Option(
    "--exclude", metavar="GLOB", help="Skip the files matching this glob (repeatable; added to the configuration's "
    "exclude).")]
PathsArgument = Annotated[list[str] | None, typer.Argument(
    help="Files, folders (recursive; .gitignore respected) or - for standard input; default: the current folder.")]
FollowLinksOption = Annotated[bool, typer.Option("--follow-links", help="Follow symbolic links that leave the "
                                                 "scanned folder (by default reported and not read).")]


@app.command()
def lint(
    paths: PathsArgument = None,
    output_formats: FormatsOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = None,
    quiet: QuietOption = False,
    kubernetes_version: VersionOption = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    baseline: BaselineOption = None,
    write_baseline: Annotated[Path | None, typer.Option(help="Record the findings of this run as a baseline.")] = None,
    schema_dir: SchemaDirOption = None,
    policy: Annotated[list[Path] | None, typer.Option(
        "--policy", help="ValidatingAdmissionPolicy files or folders (with their bindings) to check the "
        "manifests against, offline (repeatable).")] = None,
    max_file_size: Annotated[str | None, typer.Option(
        help="Skip (and report) files larger than this: bytes, or a quantity such as 512Ki (default 10Mi).")] = None,
    debug: DebugOption = False,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes first (as `podlint fix`), "
                                      "then report what remains.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="With --fix: print the fixes as a unified diff, "
                                       "change nothing.")] = False,
    select: SelectOption = None,
    extend_select: ExtendSelectOption = None,
    ignore: IgnoreOption = None,
    exclude: ExcludeOption = None,
    statistics: Annotated[bool, typer.Option("--statistics", help="Count the findings per rule (most frequent "
                                             "first, [*]: fixable) instead of listing them.")] = False,
    show_source: Annotated[bool | None, typer.Option(
        "--show-source/--no-show-source", help="Print the offending line under each finding, with a caret under "
        "the span (default: the configuration's show-source).")] = None,
    color: Annotated[str | None, typer.Option(
        "--color", help="Colour the text report: auto (the default: on a terminal, or with FORCE_COLOR; never "
        "with NO_COLOR), always or never.")] = None,
    sarif_category: Annotated[str | None, typer.Option(
        "--sarif-category", help="The code scanning category, written as the SARIF run's automationDetails.id "
        "(default: the configuration's sarif-category).")] = None,
    watch: Annotated[bool, typer.Option("--watch", help="Lint again whenever an input or the configuration "
                                        "changes (polls every second; Ctrl-C stops).")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes; 0: one per core for a large "
                                      "input, a single one for a small input.")] = 0,
    follow_links: FollowLinksOption = False,
    values: Annotated[list[Path] | None, typer.Option(
        "--values", help="A Helm values file for the charts (repeatable; later files win).")] = None,
    set_values: Annotated[list[str] | None, typer.Option(
        "--set", help="A Helm value as KEY=VALUE for the charts (repeatable).")] = None,
    release_name: Annotated[str | None, typer.Option(
        "--release-name", help="The Helm release name charts are rendered with (default release-name).")] = None,
    namespace: Annotated[str | None, typer.Option(
        "--namespace", help="The namespace charts are rendered for (.Release.Namespace; default default).")] = None,
    render: Annotated[str | None, typer.Option(
        "--render", help="auto (default): render Helm charts and kustomize overlays and report findings at "
        "their source lines; never: lint every file as plain YAML.")] = None,
) -> None:
    """Lint manifests and report findings at file:line:column."""
    # Usually started through entry.py's fast path, which reads these same options without
    # importing typer; tests/test_entry.py keeps the two in step.
    request = LintRequest(paths=paths or [], output_formats=output_formats, output=output, fail_on=fail_on,
                          quiet=quiet, kubernetes_version=kubernetes_version, profile=profile, config=config,
                          baseline=baseline, write_baseline=write_baseline, schema_dir=schema_dir, policy=policy,
                          max_file_size=max_file_size, debug=debug, fix=fix, diff=diff, select=select,
                          extend_select=extend_select, ignore=ignore, exclude=exclude, statistics=statistics,
                          show_source=show_source, color=color, sarif_category=sarif_category, watch=watch, jobs=jobs,
                          values=values, set=set_values, release_name=release_name, namespace=namespace,
                          follow_links=follow_links, render=render)
    try:
        exit_code = run_lint(request)
    except UsageError as error:
        raise typer.Exit(report_usage_error(error)) from None
    raise typer.Exit(exit_code)


config_app = typer.Typer(help="Show the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def config_show(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Configuration file to read.")] = None,
) -> None:
    """Print the effective configuration (the file found, with defaults filled in)."""
    from podlint.app.config import ConfigError, dump, settle

    try:
        settings = settle(config)
    except ConfigError as exc:
        raise _usage_error(str(exc)) from None
    from podlint.report.escape import safe_lines

    typer.echo(safe_lines(dump(settings.config)), nl=False)


@app.command("fix")
def fix_command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files or folders (recursive) to fix in place; default: the current folder.")] = None,
    diff: Annotated[bool, typer.Option("--diff", help="Print the fixes as a unified diff; change nothing.")] = False,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    exclude: ExcludeOption = None,
    output_formats: FormatsOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = None,
    quiet: QuietOption = False,
    kubernetes_version: VersionOption = None,
    profile: ProfileOption = None,
    config: ConfigOption = None,
    baseline: BaselineOption = None,
    schema_dir: SchemaDirOption = None,
    debug: DebugOption = False,
    follow_links: FollowLinksOption = False,
) -> None:
    """Apply the safe fixes (rules marked fixable), rewrite the files, then report what remains."""
    lint(paths, output_formats, output, fail_on, quiet, kubernetes_version, profile, config, baseline,
         write_baseline=None, schema_dir=schema_dir, debug=debug, fix=True, diff=diff, select=select,
         ignore=ignore, exclude=exclude, follow_links=follow_links)


_CONFIG_OPTION = typer.Option("--config", "-c", help="Configuration file whose custom rules to include.")
_POLICY_OPTION = typer.Option("--policy", help="ValidatingAdmissionPolicy files or folders to include.")


def _run_catalogue(config: Path | None, policy: list[Path] | None) -> dict[str, Rule]:
    """The built-in rules plus the custom rules and admission policies the configuration (and --policy) add."""
    from podlint.app.config import ConfigError, settle

    try:
        policies = settle(config, policies=policy).options.policies
    except ConfigError as exc:
        raise _usage_error(str(exc)) from None
    if policies is None:
        from podlint.rules.catalogue import load_catalogue

        return load_catalogue()
    return policies.catalogue()


@app.command("rules")
def rules_command(
    config: Annotated[Path | None, _CONFIG_OPTION] = None,
    policy: Annotated[list[Path] | None, _POLICY_OPTION] = None,
    output_format: Annotated[str, typer.Option(
        "--format", "-f", "--output-format", help="text (a table) or json (one object per rule).")] = "text",
) -> None:
    """List the rule catalogue (with the configuration's custom rules and admission policies)."""
    from podlint.app.rules_listing import rules_json, rules_table

    catalogue = _run_catalogue(config, policy)
    mode = output_format.strip().lower()
    if mode not in ("text", "json"):
        raise _usage_error(str(choice_error("--format", output_format, ("text", "json"))))
    typer.echo(rules_json(catalogue) if mode == "json" else rules_table(catalogue), nl=False)


@app.command()
def explain(
    rule_id: Annotated[str, typer.Argument(help="A rule id, as `podlint rules` lists them.")],
    config: Annotated[Path | None, _CONFIG_OPTION] = None,
    policy: Annotated[list[Path] | None, _POLICY_OPTION] = None,
) -> None:
    """Explain a rule: what it finds, why it matters, how to fix it, with examples."""
    import difflib

    from podlint.report.escape import safe_lines

    catalogue = _run_catalogue(config, policy)
    rule = catalogue.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, list(catalogue), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise _usage_error(f"no rule {rule_id!r}{hint}; `podlint rules` lists them")
    security = (f", security severity {rule.security_severity:.1f}" if rule.security_severity is not None else "")
    parts = [
        f"{rule.id} ({rule.severity.label}, profile {rule.profile}{', fixable' if rule.fixable else ''}{security})",
        *([f"Category {rule.category}; tags: {', '.join(rule.tags)}"] if rule.tags else [f"Category {rule.category}"]),
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
    if rule.options:
        parts += ["", f"Options (under `rules: {{{rule.id}: {{...}}}}` in .podlint.yaml):"]
        for name, spec in rule.options.items():
            spec = spec if isinstance(spec, dict) else {}
            parts.append(f"  {name}: {spec.get('description', '')} (default: {spec.get('default')!r})")
    if rule.references:
        parts += ["", "References:", *(f"  {ref}" for ref in rule.references)]
    typer.echo(safe_lines("\n".join(parts)))  # a custom rule's or a policy's texts come from a configuration


@app.command()
def lsp(
    stdio: Annotated[bool, typer.Option("--stdio", help="Talk over standard input and output (the only transport; "
                                        "accepted because some clients pass it).")] = False,
) -> None:
    """Run the language server (for editors): live diagnostics, quick fixes and rule docs on hover."""
    from podlint.lsp.server import serve

    raise typer.Exit(serve())


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())
