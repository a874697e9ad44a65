"""The real-world corpus (../shared/corpus): read without a crash or a false parse error."""

from __future__ import annotations

from pathlib import Path

import pytest

from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.sources.files import expand
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")

# Files in the corpus that are not valid YAML on purpose (templates are reported as such).
KNOWN_UNPARSABLE: set[str] = set()


def test_corpus_reads_without_crash_or_parse_error() -> None:
    run = lint_sources(expand([str(CORPUS)]), Linter())
    assert run.summary.files > 900
    assert not run.internal_error
    parse_errors = [f"{f.file}:{f.span.line}: {f.message}" for f in run.findings
                    if f.rule in ("parse-error", "read-error") and Path(f.file).name not in KNOWN_UNPARSABLE]
    assert parse_errors == []
