"""Baselines: record today's findings, then report only new ones.

Entries match by rule, file, object and field path, never by line, so edits elsewhere in a
file do not bring old findings back; identical entries are counted, so a second copy of the
same mistake is still new.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from podlint.findings import Finding

FORMAT_VERSION = 1
Key = tuple[str, str, str, str, str, str]


def key_of(finding: Finding) -> Key:
    return (finding.rule, finding.file, finding.kind, finding.namespace, finding.name, finding.path)


class BaselineError(Exception):
    pass


def write(findings: list[Finding], path: Path) -> None:
    entries = [
        {"rule": f.rule, "file": f.file, "kind": f.kind, "namespace": f.namespace, "name": f.name,
         "path": f.path, "message": f.message}
        for f in findings
    ]
    path.write_text(json.dumps({"version": FORMAT_VERSION, "findings": entries}, indent=1) + "\n",
                    encoding="utf-8")


def load(path: Path) -> Counter[Key]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["findings"]
        return Counter(
            (e["rule"], e["file"], e.get("kind", ""), e.get("namespace", ""), e.get("name", ""), e.get("path", ""))
            for e in entries
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{path}: not a podlint baseline ({exc})") from None


def new_findings(findings: list[Finding], baseline: Counter[Key]) -> list[Finding]:
    remaining = Counter(baseline)
    fresh = []
    for finding in findings:
        key = key_of(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            fresh.append(finding)
    return fresh
