"""Shared test helpers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podlint.engine import Linter

TESTS = Path(__file__).parent
ROOT = TESTS.parent
CORPUS = ROOT.parent / "shared" / "corpus"  # the whole corpus: beside the project, not in a clone
CORPUS_SAMPLE = TESTS / "data" / "corpus-sample"  # a few of its files, vendored with their licences
# `# expect: rule-id@column` (several separated by commas) on the line of each finding.
EXPECT = re.compile(r"#\s*expect:\s*(.+?)\s*$")
EXPECT_ITEM = re.compile(r"^([a-z0-9-]+)@(\d+)$")


def expectations(text: str) -> set[tuple[str, int, int]]:
    expected = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if not match:
            continue
        for item in match.group(1).split(","):
            parsed = EXPECT_ITEM.match(item.strip())
            if parsed is None:
                raise ValueError(f"line {number}: bad expectation {item!r}; write rule-id@column")
            expected.add((parsed.group(1), number, int(parsed.group(2))))
    return expected


@pytest.fixture(scope="session")
def linter() -> Linter:
    return Linter()
