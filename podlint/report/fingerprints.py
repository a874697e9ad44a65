"""Fingerprints that identify a finding across runs without its line numbers.

Code scanning and GitLab match alerts between runs by fingerprint: if it changed whenever a line
was inserted above a finding, every such edit would close the alert and open a new one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from podlint.findings import Finding

# The key under SARIF `partialFingerprints`; bump the version if the recipe changes.
SARIF_KEY = "podlint/v1"


class _Digest(Protocol):
    def hexdigest(self) -> str: ...


def _sha256() -> Callable[[bytes], _Digest]:
    """SHA-256 from CPython's own module where there is one: hashlib loads OpenSSL first (~5 ms
    of a one-file run writing SARIF), for the same digests."""
    for name in ("_sha2", "_sha256"):  # CPython 3.12+, 3.11
        try:
            return cast("Callable[[bytes], _Digest]", __import__(name).sha256)
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256


def fingerprints(findings: Sequence[Finding], files: Sequence[str]) -> list[str]:
    """One fingerprint per finding: a hash of what the finding is about, never of where it sits.

    `files` are the findings' repository-relative paths. Identical findings (the same object
    twice in a file) are told apart by their order, as `HASH:N`, like GitHub's own line hashes.
    """
    sha256 = _sha256()
    seen: Counter[str] = Counter()
    out: list[str] = []
    for finding, file in zip(findings, files, strict=True):
        identity = "\0".join((finding.rule, file, finding.kind, finding.namespace, finding.name,
                              finding.path, finding.message))
        digest = sha256(identity.encode("utf-8")).hexdigest()[:32]
        seen[digest] += 1
        out.append(f"{digest}:{seen[digest]}")
    return out
