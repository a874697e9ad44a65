"""The README's rule table is the catalogue's: regenerate it with `python -m podlint.rules.table README.md`."""

from __future__ import annotations

import pytest

from podlint.rules.catalogue import load_catalogue
from podlint.rules.table import END, START, markdown_table, with_table
from tests.conftest import ROOT


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_table(readme, markdown_table()) == readme, (
        "README.md's rule table is stale: run `python -m podlint.rules.table README.md`")


def test_table_lists_every_rule_once() -> None:
    table = markdown_table()
    for rule_id in load_catalogue():
        assert table.count(f"| `{rule_id}` |") == 1


def test_replacing_needs_both_markers() -> None:
    assert with_table(f"a\n{START}\nold\n{END}\nb", "new\n") == f"a\n{START}\nnew\n{END}\nb"
    with pytest.raises(ValueError):
        with_table("no markers", "new\n")
