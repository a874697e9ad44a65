"""`.podlint.yaml` / `[tool.podlint]` / `--config FILE` -> a validated Config.

The file is read with podlint's own reader, so every mistake in it is reported with its
file, line and key, and near-miss names get a suggestion.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from podlint.engine import Options
from podlint.findings import FieldPath, Severity
from podlint.policies import Located, Policies, PolicyError, add_custom_rules, add_policy_files
from podlint.reading.parse import Document, parse_text
from podlint.records import Record
from podlint.rules.catalogue import PROFILES, Rule
from podlint.rules.ruleset import Override, RuleSetting
from podlint.rules.select import NO_SELECTION, Selection, SelectorError, resolve_all, split
from podlint.schemas.versions import Version, parse_version

CONFIG_NAMES = (".podlint.yaml", ".podlint.yml")
FAIL_ON = ("error", "warning", "info", "never")
SEVERITIES = ("error", "warning", "info")
TOP_LEVEL_KEYS = ("kubernetes-version", "fail-on", "exclude", "profile", "select", "extend-select", "ignore",
                  "rules", "overrides", "custom-rules", "policies", "schema-dirs", "show-source", "sarif-category")
SELECTION_KEYS = ("select", "extend-select", "ignore")
# Read before the other keys: they add rule ids that `rules` and `overrides` may name.
EXTENSION_KEYS = ("policies", "custom-rules")


class ConfigError(Exception):
    """A usage error in a configuration file: `FILE:LINE:COLUMN: message`."""


class Config(Record):
    source: str | None
    kubernetes_version: Version | None
    fail_on: str | None
    exclude: tuple[str, ...]
    schema_dirs: tuple[Path, ...]  # custom resource schemas, relative to the configuration file
    profile: str
    rules: dict[str, RuleSetting]
    overrides: list[Override]
    raw: dict[str, Any]
    policies: Policies  # custom rules and admission policies
    selection: Selection  # select / extend-select / ignore, as rule ids
    show_source: bool
    sarif_category: str | None

    __slots__ = ("exclude", "fail_on", "kubernetes_version", "overrides", "policies", "profile", "raw", "rules",
                 "sarif_category", "schema_dirs", "selection", "show_source", "source")

    def __init__(self, source: str | None = None, kubernetes_version: Version | None = None, fail_on: str | None = None,
                 exclude: tuple[str, ...] = (), schema_dirs: tuple[Path, ...] = (), profile: str = "default",
                 rules: dict[str, RuleSetting] | None = None, overrides: list[Override] | None = None,
                 raw: dict[str, Any] | None = None, policies: Policies | None = None,
                 selection: Selection = NO_SELECTION, show_source: bool = False,
                 sarif_category: str | None = None) -> None:
        self.source = source
        self.kubernetes_version = kubernetes_version
        self.fail_on = fail_on
        self.exclude = exclude
        self.schema_dirs = schema_dirs
        self.profile = profile
        self.rules = {} if rules is None else rules
        self.overrides = [] if overrides is None else overrides
        self.raw = {} if raw is None else raw
        self.policies = Policies() if policies is None else policies
        self.selection = selection
        self.show_source = show_source
        self.sarif_category = sarif_category


def repository_root(folder: Path) -> Path:
    """The nearest folder at or above `folder` with a `.git`, else `folder` itself (resolved)."""
    start = Path(os.path.realpath(folder))
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def find_config(start: Path) -> Path | None:
    """The nearest `.podlint.yaml` or `pyproject.toml` with `[tool.podlint]`, up to the repository root."""
    folder = start.resolve()
    while True:
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and b"[tool.podlint" in pyproject.read_bytes():
            return pyproject
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


class _Reader:
    """Validates the parsed config, pointing every error at its position."""

    def __init__(self, name: str, document: Document | None, catalogue: dict[str, Rule],
                 policies: Policies | None = None, base_dir: Path | None = None) -> None:
        self.name = name
        self.document = document
        self.catalogue = catalogue
        self.policies = policies if policies is not None else Policies()
        self.base_dir = base_dir or Path.cwd()

    def fail(self, path: FieldPath, message: str, anchor: str = "key") -> ConfigError:
        if self.document is None:
            return ConfigError(f"{self.name}: {'.'.join(map(str, path))}: {message}")
        span = self.document.span(path, "value" if anchor == "value" else "key")
        return ConfigError(f"{self.name}:{span.line}:{span.column}: {message}")

    def unknown(self, path: FieldPath, key: str, choices: tuple[str, ...] | list[str], what: str) -> ConfigError:
        import difflib  # only for a mistake in the configuration

        close = difflib.get_close_matches(key, list(choices), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; expected one of: {', '.join(choices)}"
        return self.fail(path, f"unknown {what} {key!r}{hint}")

    def read(self, data: Any) -> Config:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.fail((), "the configuration must be a mapping of keys")
        config = Config(source=self.name, raw=data, policies=self.policies)
        for key in EXTENSION_KEYS:
            if key in data:
                self.extensions(key, data[key])
        for key, value in data.items():
            path = (key,)
            if key not in TOP_LEVEL_KEYS:
                raise self.unknown(path, key, TOP_LEVEL_KEYS, "key")
            if key in EXTENSION_KEYS:
                continue
            if key == "kubernetes-version":
                try:
                    config.kubernetes_version = parse_version(str(value))
                except ValueError as exc:
                    raise self.fail(path, str(exc), "value") from None
            elif key == "fail-on":
                config.fail_on = self.choice(path, value, FAIL_ON)
            elif key == "profile":
                config.profile = self.choice(path, value, PROFILES)
            elif key == "exclude":
                config.exclude = self.globs(path, value)
            elif key == "schema-dirs":
                config.schema_dirs = self.folders(path, value)
            elif key == "rules":
                config.rules = self.rules(path, value)
            elif key == "overrides":
                config.overrides = self.overrides(path, value)
            elif key == "show-source":
                if not isinstance(value, bool):
                    raise self.fail(path, "expected true or false", "value")
                config.show_source = value
            elif key == "sarif-category":
                if not isinstance(value, str) or not value.strip():
                    raise self.fail(path, "expected the code scanning category, a non-empty string", "value")
                config.sarif_category = value
        selected = {key: self.selectors((key,), data[key]) for key in SELECTION_KEYS if key in data}
        config.selection = Selection(selected.get("select"), selected.get("extend-select", frozenset()),
                                     selected.get("ignore", frozenset()))
        return config

    def selectors(self, path: FieldPath, value: Any) -> frozenset[str]:
        """Rule ids, categories, tags or prefixes (rules/select.py), each checked against the run's catalogue."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise self.fail(path, "expected a list of rule ids, categories, tags or prefixes", "value")
        ids: set[str] = set()
        for index, item in enumerate(items):
            try:
                ids |= resolve_all(split([item]), self.catalogue)
            except SelectorError as exc:
                raise self.fail((*path, index) if isinstance(value, list) else path, str(exc), "value") from None
        return frozenset(ids)

    def inside(self, path: FieldPath, relative: str) -> Path:
        """`relative` to the configuration's folder; a usage error when it leaves the repository.

        A configuration arrives with the pull request it lints: it may name rules, policies and
        schemas of its own repository, never `/etc` or `../../other-project`.
        """
        target = self.base_dir / relative
        root = repository_root(self.base_dir)
        resolved = Path(os.path.realpath(target))
        if not resolved.is_relative_to(root):
            raise self.fail(path, f"{relative!r} leaves the repository ({root}): configuration paths must stay "
                                  "inside it", "value")
        return target

    def extensions(self, key: str, value: Any) -> None:
        """`custom-rules` and `policies`: loaded now, so that a broken one fails before any file is linted."""
        where = Located(self.name, self.document, (key,))
        try:
            if key == "custom-rules":
                for index, item in enumerate(value) if isinstance(value, list) else ():
                    if isinstance(item, str):
                        self.inside((key, index), item)
                add_custom_rules(self.policies, value, where, self.base_dir)
            else:
                paths = [value] if isinstance(value, str) else value
                if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
                    raise self.fail((key,), "expected a list of files or folders of ValidatingAdmissionPolicies",
                                    "value")
                at = (key,) if isinstance(value, str) else None
                folders = [self.inside(at or (key, index), path) for index, path in enumerate(paths)]
                add_policy_files(self.policies, folders, f"{self.name}: policies")
        except PolicyError as exc:
            raise ConfigError(str(exc)) from None
        self.catalogue = {**self.catalogue, **{entry.rule.id: entry.rule for entry in self.policies.rules}}

    def choice(self, path: FieldPath, value: Any, choices: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in choices:
            import difflib  # only for a mistake in the configuration

            close = difflib.get_close_matches(str(value), list(choices), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(path, f"{value!r} is not one of {', '.join(choices)}{hint}", "value")
        return value

    def globs(self, path: FieldPath, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(path, "expected a list of glob patterns", "value")
        return tuple(value)

    def folders(self, path: FieldPath, value: Any) -> tuple[Path, ...]:
        single = isinstance(value, str)
        if single:
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(path, "expected a list of folders", "value")
        folders = tuple(self.inside(path if single else (*path, index), item) for index, item in enumerate(value))
        for index, folder in enumerate(folders):
            if not folder.is_dir():
                raise self.fail((*path, index), f"{folder} is not a folder", "value")
        return folders

    def rules(self, path: FieldPath, value: Any) -> dict[str, RuleSetting]:
        if not isinstance(value, dict):
            raise self.fail(path, "expected a mapping of rule ids to off, a severity, or settings", "value")
        settings: dict[str, RuleSetting] = {}
        for rule_id, setting in value.items():
            rule_path = (*path, rule_id)
            rule = self.catalogue.get(rule_id)
            if rule is None:
                raise self.unknown(rule_path, rule_id, sorted(self.catalogue), "rule")
            settings[rule_id] = self.setting(rule_path, rule, setting)
        return settings

    def setting(self, path: FieldPath, rule: Rule, value: Any) -> RuleSetting:
        if value is False or value == "off":
            return RuleSetting(enabled=False)
        if value is True or value == "on":
            return RuleSetting(enabled=True)
        if isinstance(value, str):
            return RuleSetting(severity=Severity.parse(self.choice(path, value, ("off", "on", *SEVERITIES))))
        if not isinstance(value, dict):
            raise self.fail(path, "expected off, on, a severity, or a mapping with severity and options", "value")
        enabled: bool | None = None
        severity: Severity | None = None
        options: dict[str, Any] = {}
        for key, item in value.items():
            if key == "severity":
                choice = self.choice((*path, key), item, ("off", *SEVERITIES))
                if choice == "off":
                    enabled = False
                else:
                    severity = Severity.parse(choice)
            elif key == "enabled":
                if not isinstance(item, bool):
                    raise self.fail((*path, key), "expected true or false", "value")
                enabled = item
            elif key in rule.options:
                options[key] = self.option((*path, key), rule.options[key], item)
            else:
                raise self.unknown((*path, key), key, ["severity", "enabled", *rule.options], f"setting of {rule.id}")
        return RuleSetting(enabled=enabled, severity=severity, options=options)

    def option(self, path: FieldPath, spec: Any, value: Any) -> Any:
        default = spec.get("default") if isinstance(spec, dict) else None
        if default is not None and type(value) is not type(default):
            raise self.fail(path, f"expected {type(default).__name__}, like {default!r}", "value")
        allowed = spec.get("choices") if isinstance(spec, dict) else None
        if allowed:
            for item in value if isinstance(value, list) else [value]:
                if item not in allowed:
                    raise self.fail(path, f"{item!r} is not one of {', '.join(map(str, allowed))}", "value")
        return value

    def overrides(self, path: FieldPath, value: Any) -> list[Override]:
        if not isinstance(value, list):
            raise self.fail(path, "expected a list of {files: [...], rules: {...}}", "value")
        result = []
        for index, item in enumerate(value):
            item_path = (*path, index)
            if not isinstance(item, dict):
                raise self.fail(item_path, "expected a mapping with files and rules", "value")
            for key in item:
                if key not in ("files", "rules"):
                    raise self.unknown((*item_path, key), key, ("files", "rules"), "override key")
            if "files" not in item:
                raise self.fail(item_path, "an override needs `files` (glob patterns)", "value")
            files = self.globs((*item_path, "files"), item["files"])
            rules = self.rules((*item_path, "rules"), item.get("rules") or {})
            result.append(Override(files, rules))
        return result


def load_config(path: Path, catalogue: dict[str, Rule], policies: Policies | None = None) -> Config:
    """Read a configuration file; its custom rules and policies join `policies` (paths relative to the file)."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if path.name == "pyproject.toml":
        import tomllib  # only here: a lint that finds no pyproject.toml should not pay its import

        try:
            data = tomllib.loads(raw.decode("utf-8")).get("tool", {}).get("podlint", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{name}: invalid TOML: {exc}") from None
        return _Reader(f"{name} [tool.podlint]", None, catalogue, policies, path.parent).read(data)
    parsed = parse_text(raw.decode("utf-8", errors="replace"), name)
    if parsed.findings:
        first = parsed.findings[0]
        raise ConfigError(f"{name}:{first.span.line}:{first.span.column}: {first.message}")
    document = parsed.documents[0] if parsed.documents else None
    return _Reader(name, document, catalogue, policies, path.parent).read(document.data if document else None)


def dump(config: Config) -> str:
    """The effective configuration, as YAML a user could paste into `.podlint.yaml`."""
    import yaml

    rules: dict[str, Any] = {}
    for rule_id, setting in sorted(config.rules.items()):
        entry: dict[str, Any] = {}
        if setting.enabled is False:
            entry["severity"] = "off"
        elif setting.severity is not None:
            entry["severity"] = setting.severity.label
        entry.update(setting.options)
        rules[rule_id] = entry
    from podlint.schemas.versions import DEFAULT, format_version

    data: dict[str, Any] = {
        "kubernetes-version": format_version(config.kubernetes_version or DEFAULT),
        "fail-on": config.fail_on or "warning",
        "profile": config.profile,
        "exclude": list(config.exclude),
        "schema-dirs": [str(folder) for folder in config.schema_dirs],
        "rules": rules,
        "overrides": [{"files": list(o.files), "rules": {k: (v.severity.label if v.severity else
                                                             ("off" if v.enabled is False else "on"))
                                                         for k, v in o.rules.items()}}
                      for o in config.overrides],
    }
    for key in ("custom-rules", "policies", *SELECTION_KEYS):  # as written (paths relative to the file)
        if key in config.raw:
            data[key] = config.raw[key]
    data["show-source"] = config.show_source
    if config.sarif_category is not None:
        data["sarif-category"] = config.sarif_category
    header = f"# from {config.source}\n" if config.source else "# no configuration file found: defaults\n"
    return header + yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


class Settings(Record):
    """Everything a run needs from the configuration and the command line (flags win)."""

    config: Config
    options: Options
    fail_on: Severity | None
    exclude: tuple[str, ...]
    show_source: bool
    sarif_category: str | None

    __slots__ = ("config", "exclude", "fail_on", "options", "sarif_category", "show_source")

    def __init__(self, config: Config, options: Options, fail_on: Severity | None, exclude: tuple[str, ...],
                 show_source: bool = False, sarif_category: str | None = None) -> None:
        self.config = config
        self.options = options
        self.fail_on = fail_on
        self.exclude = exclude
        self.show_source = show_source
        self.sarif_category = sarif_category


def settle(config_file: Path | None = None, *, fail_on: str | None = None, kubernetes_version: str | None = None,
           profile: str | None = None, debug: bool = False, start: Path | None = None,
           policies: list[Path] | None = None, schema_dirs: list[Path] | None = None,
           select: list[str] | None = None, extend_select: list[str] | None = None, ignore: list[str] | None = None,
           exclude: list[str] | None = None, show_source: bool | None = None,
           sarif_category: str | None = None) -> Settings:
    """Find and read the configuration, then apply the command-line flags over it.

    `policies` (`--policy`) are loaded first, then the configuration's own custom rules and
    policies: every one is checked here, before any file is linted. Selectors (`--select`,
    `--extend-select`, `--ignore`) are resolved against that catalogue.
    """
    extensions = Policies()
    if policies:
        try:
            add_policy_files(extensions, policies, "--policy")
        except PolicyError as exc:
            raise ConfigError(str(exc)) from None
    catalogue = extensions.catalogue()
    path = config_file if config_file is not None else find_config(start or Path.cwd())
    config = load_config(path, catalogue, extensions) if path is not None else Config(policies=extensions)
    if profile is not None:
        if profile not in PROFILES:
            raise ConfigError(f"--profile must be one of {', '.join(PROFILES)}, not {profile!r}"
                              f"{_near(profile, PROFILES)}")
        config.profile = profile
    if fail_on is not None:
        if fail_on not in FAIL_ON:
            raise ConfigError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}"
                              f"{_near(fail_on, FAIL_ON)}")
        config.fail_on = fail_on
    if kubernetes_version is not None:
        try:
            config.kubernetes_version = parse_version(kubernetes_version)
        except ValueError as exc:
            raise ConfigError(f"--kubernetes-version: {exc}") from None
    for folder in schema_dirs or []:
        if not folder.is_dir():
            raise ConfigError(f"--schema-dir: {folder} is not a folder")
    command_line = _command_line_selection(config.policies, select, extend_select, ignore)
    options = Options(profile=config.profile, rules=config.rules, overrides=config.overrides, debug=debug,
                      policies=config.policies if config.policies.rules or config.policies.notes else None,
                      schema_dirs=config.schema_dirs + tuple(schema_dirs or ()), configured=config.selection,
                      command_line=command_line)
    if config.kubernetes_version is not None:
        options.kubernetes_version = config.kubernetes_version
    threshold_name = config.fail_on or "warning"
    threshold = None if threshold_name == "never" else Severity.parse(threshold_name)
    if sarif_category is not None and not sarif_category.strip():
        raise ConfigError("--sarif-category must not be empty")
    return Settings(config, options, threshold, config.exclude + tuple(exclude or ()),
                    config.show_source if show_source is None else show_source,
                    sarif_category or config.sarif_category)


def _near(value: str, choices: tuple[str, ...]) -> str:
    import difflib  # only for a mistake

    close = difflib.get_close_matches(value.strip().lower(), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _command_line_selection(policies: Policies, select: list[str] | None, extend_select: list[str] | None,
                            ignore: list[str] | None) -> Selection:
    """The command line's selectors as rule ids; a mistake is a usage error naming the option."""
    resolved: dict[str, frozenset[str]] = {}
    catalogue: dict[str, Rule] | None = None
    for option, values in (("--select", select), ("--extend-select", extend_select), ("--ignore", ignore)):
        if values is None:
            continue
        catalogue = catalogue or policies.catalogue()
        try:
            resolved[option] = resolve_all(split(values), catalogue)
        except SelectorError as exc:
            raise ConfigError(f"{option}: {exc}") from None
    return Selection(resolved.get("--select"), resolved.get("--extend-select", frozenset()),
                     resolved.get("--ignore", frozenset()))
