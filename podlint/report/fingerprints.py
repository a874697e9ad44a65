"""Fingerprints that identify a finding across runs without its line numbers.

Code scanning and GitLab match alerts between runs by fingerprint: if it changed whenever a line
was inserted above a finding, every such edit would close the alert and open a new one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from podlint.findings import Finding

# The key under SARIF `partialFingerprints`; bump the version if the recipe changes.
SARIF_KEY = "podlint/v1"


def fingerprints(findings: Sequence[Finding], files: Sequence[str]) -> list[str]:
    """One fingerprint per finding: a hash of what the finding is about, never of where it sits.

    `files` are the findings' repository-relative paths. Identical findings (the same object
    twice in a file) are told apart by their order, as `HASH:N`, like GitHub's own line hashes.
    """
    seen: Counter[str] = Counter()
    out: list[str] = []
    for finding, file in zip(findings, files, strict=True):
        identity = "\0".join((finding.rule, file, finding.kind, finding.namespace, finding.name,
                              finding.path, finding.message))
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
        seen[digest] += 1
        out.append(f"{digest}:{seen[digest]}")
    return out
