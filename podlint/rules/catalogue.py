"""The rule catalogue: `rules/<id>.yaml`, one entry per rule, read once per process.

Every surface (the engine's severities, `podlint rules`/`explain`, SARIF rule metadata,
editor hovers) reads rules from here, so the documentation cannot drift from behaviour.

The YAML files stay the source. A built wheel also carries them compiled into one JSON file
(`hatch_build.py` writes it with `compile_catalogue`): reading 88 YAML files cost ~10 ms of
every start, one JSON file well under 1 ms. A checkout reads the YAML files themselves.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from podlint.findings import Severity
from podlint.records import EMPTY

DOCS_URL = "https://github.com/podlint/podlint/blob/main/rules/{id}.yaml"
PROFILES = ("default", "strict", "all")
_REQUIRED = ("id", "severity", "summary", "why", "fix")
# The tags a rule gets from its category (SARIF `properties.tags`, `--select TAG`); a rule with a
# `security-severity` is tagged `security` instead, and each of its `cwe` ids as `external/cwe/cwe-N`
# (GitHub code scanning's convention). `tags:` in a rule's file adds more.
CATEGORY_TAGS = {"reading": ("correctness",), "api-server": ("reliability",), "schema": ("reliability",),
                 "deprecation": ("reliability",), "runtime": ("reliability",), "cross-object": ("reliability",),
                 "hygiene": ("reliability",)}


class CatalogueError(Exception):
    pass


class Rule(NamedTuple):
    id: str
    severity: Severity
    summary: str
    why: str
    fix: str
    category: str = "workload"
    profile: str = "default"
    bad: str = ""
    good: str = ""
    references: tuple[str, ...] = ()
    fixable: bool = False
    skip_on_patches: bool = False  # the rule judges absent fields, which a kustomize patch leaves out
    options: Mapping[str, Any] = EMPTY
    url: str = ""  # where a custom rule or admission policy is documented (built-in rules: DOCS_URL)
    # The equivalent checks of other linters, `peer: id` (`kube-linter: host-network`): the migration table.
    see_also: tuple[str, ...] = ()
    # Code scanning ranks security alerts by this score (0.1-10.0: low < 4, medium < 7, high < 9, critical
    # above); None: not a security rule.
    security_severity: float | None = None
    cwe: tuple[int, ...] = ()  # the CWE weaknesses the rule finds
    tags: tuple[str, ...] = ()  # security / reliability / correctness, CWE tags, and the file's own `tags`

    @property
    def help_uri(self) -> str:
        return self.url or DOCS_URL.format(id=self.id)


def data_dir(name: str) -> Path:
    """A shipped data folder: inside the installed wheel, or at the top of a checkout.

    A plain path beside this file, not importlib.resources: that import alone costs more
    than a one-file lint (zipfile, tempfile, shutil), and podlint is never run from a zip.
    """
    package = Path(__file__).resolve().parent.parent  # podlint/, where the wheel puts _data
    packaged = package / "_data" / name
    return packaged if packaged.is_dir() else package.parent / name


def _rule_from(data: Any, origin: str) -> Rule:
    if not isinstance(data, dict):
        raise CatalogueError(f"{origin}: a catalogue entry must be a mapping")
    missing = [key for key in _REQUIRED if not data.get(key)]
    if missing:
        raise CatalogueError(f"{origin}: missing {', '.join(missing)}")
    profile = data.get("profile", "default")
    if profile not in PROFILES:
        raise CatalogueError(f"{origin}: profile must be one of {', '.join(PROFILES)}")
    score = data.get("security-severity")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float) or not 0 < score <= 10):
        raise CatalogueError(f"{origin}: security-severity must be a number above 0.0, at most 10.0")
    cwe = data.get("cwe") or []
    if not isinstance(cwe, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in cwe):
        raise CatalogueError(f"{origin}: cwe must be a list of CWE numbers")
    category = data.get("category", "workload")
    own_tags = data.get("tags") or []
    if not isinstance(own_tags, list) or not all(isinstance(tag, str) for tag in own_tags):
        raise CatalogueError(f"{origin}: tags must be a list of words")
    tags: tuple[str, ...] = ("security",) if score is not None else CATEGORY_TAGS.get(category, ())
    tags += tuple(f"external/cwe/cwe-{number}" for number in cwe)
    tags += tuple(tag for tag in own_tags if tag not in tags)
    return Rule(
        id=data["id"],
        severity=Severity.parse(data["severity"]),
        summary=data["summary"].strip(),
        why=data["why"].strip(),
        fix=data["fix"].strip(),
        category=category,
        profile=profile,
        bad=(data.get("bad") or "").rstrip(),
        good=(data.get("good") or "").rstrip(),
        references=tuple(data.get("references") or ()),
        fixable=bool(data.get("fixable", False)),
        skip_on_patches=bool(data.get("skip-on-patches", False)),
        options=dict(data.get("options") or {}),
        see_also=_see_also(data.get("see-also"), origin),
        security_severity=float(score) if score is not None else None,
        cwe=tuple(cwe),
        tags=tags,
    )


SEE_ALSO_PEERS = ("kube-linter", "polaris", "kube-score", "checkov")


def _see_also(value: Any, origin: str) -> tuple[str, ...]:
    """`see-also` entries as `peer: id`, each naming one of SEE_ALSO_PEERS."""
    entries = tuple(value or ())
    for entry in entries:
        peer, colon, check = str(entry).partition(": ")
        if not colon or peer not in SEE_ALSO_PEERS or not check.strip():
            raise CatalogueError(f"{origin}: see-also entry {entry!r} is not `PEER: CHECK` "
                                 f"(PEER one of {', '.join(SEE_ALSO_PEERS)})")
    return entries


COMPILED = "catalogue.json"  # in the wheel's _data folder, beside rules/


def compile_catalogue(rules_dir: Path) -> list[tuple[str, Any]]:
    """The entries of `rules_dir/*.yaml` as plain data, by file name, in file-name order."""
    import yaml

    return [(path.name, yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
            for path in sorted(rules_dir.glob("*.yaml"))]


def _entries() -> list[tuple[str, Any]]:
    compiled = Path(__file__).resolve().parent.parent / "_data" / COMPILED
    try:
        return [(name, data) for name, data in json.loads(compiled.read_bytes())]
    except FileNotFoundError:  # a checkout: the YAML files themselves
        return compile_catalogue(data_dir("rules"))


@functools.cache
def load_catalogue() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for name, data in _entries():
        rule = _rule_from(data, name)
        if rule.id != name.removesuffix(".yaml"):
            raise CatalogueError(f"{name}: id {rule.id!r} does not match the file name")
        rules[rule.id] = rule
    return rules


def with_rules(extra: Iterable[Rule]) -> dict[str, Rule]:
    """The catalogue of a run: the built-in rules plus its own (custom rules, admission policies).

    `load_catalogue()` stays the built-in catalogue; a run's extended one is what its `Linter`,
    `podlint rules`/`explain` and the reports' rule metadata read. Ids never shadow each other.
    """
    rules = dict(load_catalogue())
    for rule in extra:
        if rule.id in rules:
            raise CatalogueError(f"rule id {rule.id!r} is defined twice")
        rules[rule.id] = rule
    return rules
