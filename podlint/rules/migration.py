"""The README's migration table: for each check of kube-linter, Polaris, kube-score and Checkov,
the podlint rules that cover it or why there is none.

Which rule covers a check is the rule's own `see-also` field (rules/<id>.yaml); the peers'
complete check lists, and the reasons for the checks no rule covers, are in peer-checks.yaml
beside this file. `python -m podlint.rules.migration README.md` rewrites the table between the
markers and fails on any disagreement between the two; tests/test_migration.py runs the same
checks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NamedTuple

from podlint.rules.catalogue import SEE_ALSO_PEERS, Rule, load_catalogue
from podlint.rules.table import cell, write_table
from podlint.rules.table import with_table as table_block

START = "<!-- migration:start -->"
END = "<!-- migration:end -->"
DATA = Path(__file__).resolve().parent / "peer-checks.yaml"
REASONS = ("not applicable: ", "not covered: ")
TITLES = {"kube-linter": "kube-linter", "polaris": "Polaris", "kube-score": "kube-score", "checkov": "Checkov"}


class PeerChecks(NamedTuple):
    source: str
    checks: dict[str, str | None]  # check id -> why no rule covers it; None: rules name it in see-also


def load_peer_checks(path: Path = DATA) -> dict[str, PeerChecks]:
    import yaml

    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of peers")
    peers: dict[str, PeerChecks] = {}
    for peer, entry in data.items():
        checks = entry.get("checks") if isinstance(entry, dict) else None
        if not isinstance(checks, dict) or not all(v is None or isinstance(v, str) for v in checks.values()):
            raise ValueError(f"{path}: {peer}: expected `source` and `checks` (check id: reason or ~)")
        peers[str(peer)] = PeerChecks(str(entry.get("source", "")), {str(k): v for k, v in checks.items()})
    return peers


def covering(rules: dict[str, Rule]) -> dict[tuple[str, str], list[str]]:
    """(peer, check) -> the ids of the rules whose see-also names it, in rule id order."""
    found: dict[tuple[str, str], list[str]] = {}
    for rule in sorted(rules.values(), key=lambda r: r.id):
        for entry in rule.see_also:
            peer, _, check = entry.partition(": ")
            found.setdefault((peer, check.strip()), []).append(rule.id)
    return found


def problems(rules: dict[str, Rule], peers: dict[str, PeerChecks]) -> list[str]:
    """Every way the catalogue and the peers' lists disagree (an empty list: the table is complete)."""
    found: list[str] = []
    if sorted(peers) != sorted(SEE_ALSO_PEERS):
        found.append(f"peer-checks.yaml lists {', '.join(sorted(peers))}, see-also allows {', '.join(SEE_ALSO_PEERS)}")
    covered = covering(rules)
    for (peer, check), ids in sorted(covered.items()):
        if peer in peers and check not in peers[peer].checks:
            found.append(f"{', '.join(ids)}: see-also names {peer}: {check}, which peer-checks.yaml does not list")
    for peer, listed in peers.items():
        for check, reason in listed.checks.items():
            ids = covered.get((peer, check), [])
            if reason is None and not ids:
                found.append(f"{peer}: {check} is marked covered (~), but no rule's see-also names it")
            elif reason is not None and ids:
                found.append(f"{peer}: {check} has a reason, but {', '.join(ids)} name it in see-also")
            elif reason is not None and not reason.startswith(REASONS):
                found.append(f"{peer}: {check}: a reason starts with 'not applicable: ' or 'not covered: '")
    return found


def markdown(rules: dict[str, Rule] | None = None, peers: dict[str, PeerChecks] | None = None) -> str:
    rules = load_catalogue() if rules is None else rules
    peers = load_peer_checks() if peers is None else peers
    covered = covering(rules)
    parts: list[str] = []
    for peer, listed in peers.items():
        title = TITLES.get(peer, peer)
        count = sum(1 for check in listed.checks if covered.get((peer, check)))
        parts.append(f"#### {title}\n\n{len(listed.checks)} checks ({cell(listed.source)}), {count} with a podlint "
                     f"rule.\n\n| {title} check | podlint |\n|---|---|")
        for check, reason in listed.checks.items():
            ids = covered.get((peer, check), [])
            shown = ", ".join(f"`{i}` ({rules[i].profile})" for i in ids) if ids else cell(reason or "")
            parts.append(f"| `{check}` | {shown} |")
        parts.append("")
    return "\n".join(parts)


def with_table(readme: str, table: str) -> str:
    """`readme` with the text between the migration markers replaced by `table`."""
    return table_block(readme, table, START, END)


def main(argv: list[str]) -> int:
    rules, peers = load_catalogue(), load_peer_checks()
    found = problems(rules, peers)
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        return 1
    write_table(Path(argv[0] if argv else "README.md"), markdown(rules, peers), START, END)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
