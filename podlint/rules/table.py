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
        summary = rule.summary.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{rule.id}` | {rule.severity.label} | {rule.category} | {summary} |")
    return "\n".join(lines) + "\n"


def with_table(readme: str, table: str) -> str:
    """`readme` with the text between the markers replaced by `table`."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the README has no {START} ... {END} block")
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "README.md")
    text = path.read_text(encoding="utf-8")
    updated = with_table(text, markdown_table())
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
