"""The README's rule table, generated from the catalogue so the two cannot drift.

`python -m podlint.rules.table README.md` rewrites the table between the markers;
`tests/test_readme.py` fails when the README's copy is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from podlint.rules.catalogue import Rule, load_catalogue

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"
# Reading problems first, then what the API server rejects, what it warns about, what fails
# at run time, and what only shows across objects.
CATEGORY_ORDER = ("reading", "api-server", "deprecation", "runtime", "cross-object")


def _order(rule: Rule) -> tuple[int, str]:
    category = CATEGORY_ORDER.index(rule.category) if rule.category in CATEGORY_ORDER else len(CATEGORY_ORDER)
    return category, rule.id


def markdown_table(rules: dict[str, Rule] | None = None) -> str:
    rules = load_catalogue() if rules is None else rules
    lines = ["| id | severity | category | what it finds |", "|---|---|---|---|"]
    for rule in sorted(rules.values(), key=_order):
        lines.append(f"| `{rule.id}` | {rule.severity.label} | {rule.category} | {cell(rule.summary)} |")
    return "\n".join(lines) + "\n"


def cell(text: str) -> str:
    """Text as one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def with_table(readme: str, table: str, start_marker: str = START, end_marker: str = END) -> str:
    """`readme` with the text between the markers replaced by `table`."""
    head, start, rest = readme.partition(start_marker)
    _, end, tail = rest.partition(end_marker)
    if not start or not end:
        raise ValueError(f"the README has no {start_marker} ... {end_marker} block")
    return f"{head}{start_marker}\n{table}{end_marker}{tail}"


def write_table(path: Path, table: str, start_marker: str = START, end_marker: str = END) -> None:
    """Rewrite the README at `path` with `table` between the markers (untouched when already current)."""
    text = path.read_text(encoding="utf-8")
    updated = with_table(text, table, start_marker, end_marker)
    if updated != text:
        path.write_text(updated, encoding="utf-8")


def main(argv: list[str]) -> int:
    write_table(Path(argv[0] if argv else "README.md"), markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
