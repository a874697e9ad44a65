"""Every fixture under tests/rules/<rule-id>/: its findings are exactly its `# expect:` markers.

fail*.yaml must carry at least one marker for its folder's rule; pass*.yaml must carry none.
Adding a rule means adding a folder of fixtures; this one test runs them all. Each folder is
linted with the default profile plus its own rule, so `strict` rules are tested the same way.
Each fixture is a run of its own (cross-object rules see its objects together); a line
`# podlint-test: kubernetes-version 1.31` lints it for that target version.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from podlint.engine import Linter, Options
from podlint.rules.ruleset import RuleSetting
from podlint.schemas.versions import DEFAULT, Version, parse_version
from tests.conftest import TESTS, expectations

FIXTURES = sorted(p for p in (TESTS / "rules").glob("*/*.yaml") if not p.name.endswith(".fixed.yaml"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


VERSION = re.compile(r"^# podlint-test: kubernetes-version (\S+)$", re.MULTILINE)


@functools.cache
def linter_for(rule_id: str, version: Version = DEFAULT) -> Linter:
    return Linter(Options(rules={rule_id: RuleSetting(enabled=True)}, kubernetes_version=version))


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_fixture_findings_match_markers(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = expectations(text)
    version = VERSION.search(text)
    target = parse_version(version.group(1)) if version else DEFAULT
    result = linter_for(path.parent.name, target).lint_text(text, path.name)
    found = {(f.rule, f.span.line, f.span.column) for f in result.findings}
    assert found == expected, "\n".join(f"{f.span.line}:{f.span.column} {f.rule} {f.message}"
                                        for f in result.findings)
    rule = path.parent.name
    if path.name.startswith("fail"):
        assert any(r == rule for r, _, _ in expected), f"{path} has no `# expect: {rule}@COL` marker"
    else:
        assert path.name.startswith("pass"), f"{path}: fixture names start with fail or pass"
        assert not expected, f"{path} is a passing fixture but has markers"


def test_every_rule_folder_has_failing_and_passing_fixtures() -> None:
    for folder in sorted((TESTS / "rules").iterdir()):
        names = [p.name for p in folder.glob("*.yaml")]
        assert any(n.startswith("fail") for n in names), f"{folder.name}: no fail*.yaml"
        assert any(n.startswith("pass") for n in names), f"{folder.name}: no pass*.yaml"
