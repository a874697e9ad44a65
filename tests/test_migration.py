"""The README's migration table: complete for every check of the four peers, and current.

Regenerate it with `python -m podlint.rules.migration README.md`.
"""

from __future__ import annotations

import pytest

from podlint.rules.catalogue import load_catalogue
from podlint.rules.migration import END, START, PeerChecks, load_peer_checks, markdown, problems, with_table
from tests.conftest import ROOT

# The number of Kubernetes checks of each peer (../shared/docs/peers.md; Checkov: 113 resource
# checks and 6 graph checks). A peer that adds checks needs them listed here and in peer-checks.yaml.
PEER_COUNTS = {"kube-linter": 63, "polaris": 44, "kube-score": 39, "checkov": 119}


def test_readme_migration_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_table(readme, markdown()) == readme, (
        "README.md's migration table is stale: run `python -m podlint.rules.migration README.md`")


def test_every_peer_check_is_covered_or_explained() -> None:
    assert problems(load_catalogue(), load_peer_checks()) == []


def test_every_check_of_every_peer_is_listed() -> None:
    assert {peer: len(listed.checks) for peer, listed in load_peer_checks().items()} == PEER_COUNTS


def test_each_check_is_one_row_naming_its_rules() -> None:
    table = markdown()
    for listed in load_peer_checks().values():
        for check in listed.checks:
            assert table.count(f"| `{check}` |") == 1, check
    assert "| `CKV_K8S_26` | `host-port` (strict) |" in table
    assert "| `hostPortSet` | `host-port` (strict) |" in table


def _peers(**checks: dict[str, str | None]) -> dict[str, PeerChecks]:
    peers = {peer: PeerChecks("", {}) for peer in ("kube-linter", "polaris", "kube-score", "checkov")}
    peers.update({peer.replace("_", "-"): PeerChecks("", listed) for peer, listed in checks.items()})
    return peers


def test_disagreements_are_each_reported() -> None:
    rule = load_catalogue()["host-port"]._replace(see_also=("polaris: hostPortSet", "checkov: CKV_K8S_26"))
    rules = {"host-port": rule}
    assert problems(rules, _peers(polaris={"hostPortSet": None}, checkov={"CKV_K8S_26": None})) == []
    # A see-also naming a check the list lacks (a typo, or a check the peer dropped).
    assert problems(rules, _peers(polaris={"hostPortSet": None})) == [
        "host-port: see-also names checkov: CKV_K8S_26, which peer-checks.yaml does not list"]
    # A check marked covered that no rule names, one explained that a rule covers, a reason of no known kind.
    found = problems(rules, _peers(polaris={"hostPortSet": "not covered: x", "other": None},
                                   checkov={"CKV_K8S_26": None, "CKV_K8S_1": "because"}))
    assert found == ["polaris: hostPortSet has a reason, but host-port name it in see-also",
                     "polaris: other is marked covered (~), but no rule's see-also names it",
                     "checkov: CKV_K8S_1: a reason starts with 'not applicable: ' or 'not covered: '"]
    missing = dict(_peers(polaris={"hostPortSet": None}, checkov={"CKV_K8S_26": None}))
    del missing["kube-score"]
    assert problems(rules, missing)[0].startswith("peer-checks.yaml lists checkov, kube-linter, polaris")


def test_replacing_needs_both_markers() -> None:
    assert with_table(f"a\n{START}\nold\n{END}\nb", "new\n") == f"a\n{START}\nnew\n{END}\nb"
    with pytest.raises(ValueError):
        with_table("no markers", "new\n")


ENTRY = {"id": "x", "severity": "warning", "summary": "s", "why": "w", "fix": "f"}


def test_see_also_entries_name_a_known_peer_and_a_check() -> None:
    from podlint.rules.catalogue import CatalogueError, _rule_from

    assert _rule_from({**ENTRY, "see-also": ["polaris: hostPortSet"]}, "x.yaml").see_also == ("polaris: hostPortSet",)
    assert _rule_from(ENTRY, "x.yaml").see_also == ()
    for bad in ("polaris hostPortSet", "kubesec: x", "polaris: ", "polaris:x"):
        with pytest.raises(CatalogueError, match=r"x\.yaml: see-also entry"):
            _rule_from({**ENTRY, "see-also": [bad]}, "x.yaml")
