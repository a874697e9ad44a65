"""benchmarks/: the generator makes realistic, reproducible manifests; bench.py runs end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.workload import CUSTOM_KINDS, DOCS_PER_FILE, generate, generate_custom
from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.sources.files import expand
from tests.conftest import ROOT


def test_generator_is_seeded_and_realistic(tmp_path: Path) -> None:
    files = generate(tmp_path / "a", 200)
    again = generate(tmp_path / "b", 200)
    other = generate(tmp_path / "c", 200, seed=11)
    assert len(files) == 200 // DOCS_PER_FILE
    assert [path.read_bytes() for path in files] == [path.read_bytes() for path in again]
    assert [path.read_bytes() for path in files] != [path.read_bytes() for path in other]
    size = sum(path.stat().st_size for path in files) / 200
    assert 1400 < size < 2000, size  # issue 10: ~1.7 KB a document

    run = lint_sources(expand([str(tmp_path / "a")]), Linter())
    assert run.summary.documents == 200 and not run.read_failed and not run.internal_error
    kinds = {finding.kind for finding in run.findings}
    assert {finding.rule for finding in run.findings} == {"image-latest-tag", "missing-resource-limits"}
    assert kinds <= {"Deployment", "StatefulSet", "Job"} and len(kinds) >= 2
    assert 0.02 < len(run.findings) / 200 < 0.5  # some findings, as real repositories have


def test_custom_resource_generator_is_checked_by_the_bundled_catalogue(tmp_path: Path) -> None:
    files = generate_custom(tmp_path / "a", 200)
    assert [path.read_bytes() for path in files] == [path.read_bytes() for path in generate_custom(tmp_path / "b", 200)]
    run = lint_sources(expand([str(tmp_path / "a")]), Linter())
    assert run.summary.documents == 200 and not run.read_failed and not run.internal_error
    assert run.summary.custom_skipped == 0  # no CRD in the run: every one has a bundled schema
    kinds = {finding.kind for finding in run.findings}
    assert {finding.rule for finding in run.findings} == {"schema", "crd-validation-rule"}
    assert {finding.kind for finding in run.findings if finding.rule == "crd-validation-rule"} == {"HTTPRoute"}
    assert kinds <= set(CUSTOM_KINDS) and len(kinds) >= 6
    assert 0.05 < len(run.findings) / 200 < 0.3


def test_bench_runs_and_prints_every_figure() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--sizes", "20", "--repeat", "1",
                             "--single-repeat", "1", "--custom", "20", "--no-corpus", "--no-check", "--no-lsp"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    number = r" +([\d.]+)"
    rows = re.findall(r"^20 docs +20 +4 +[\d.]+ +(1|auto)" + number * 8 + "$", out, re.M)
    assert [row[0] for row in rows] == ["1", "auto"], out
    for _, wall, per_second, rss, floor, ratio, cpu, floor_cpu, cpu_ratio in rows:
        assert float(wall) > 0 and int(per_second) > 0 and float(rss) > 5 and float(floor) > 0
        # ratio = wall / floor, up to the rounding of the printed floor (3 decimals)
        assert abs(float(ratio) * float(floor) - float(wall)) <= 0.0005 * float(ratio) + 0.001
        assert float(cpu) > 0 and float(cpu_ratio) > 0 and float(floor_cpu) >= 0
    single = (r"^single file \(.*installed wheel\), median start to exit: text \d+ ms, SARIF \d+ ms .*"
              r"`python -c pass` \d+ ms, `python -c \"import yaml\"` \d+ ms: [\d.]+x import yaml$")
    assert re.search(single, out, re.M), out
    rows = re.findall(r"^custom res\. +20 +4 +[\d.]+ +(1|auto)" + number * 8 + "$", out, re.M)
    assert [row[0] for row in rows] == ["1", "auto"], out
    assert re.search(r"^one custom resource \(an HTTPRoute, bundled catalogue\), median start to exit: \d+ ms "
                     r"\(\d+ ms CPU\); one Deployment in the same loop \d+ ms \(\d+ ms CPU\): [+-]\d+ ms",
                     out, re.M), out
    assert re.search(r"^custom resources, one worker: -?\d+ us CPU per document after start-up \(20 of 8 kinds, "
                     r".*; built-in documents -?\d+ us$", out, re.M), out
    assert re.search(r"^PASS  no custom resource, no catalogue read: no file of crds/ opened, lzma not imported "
                     r"\(the HTTPRoute run opened index.json, schemas.pack\)$", out, re.M), out
    assert re.search(r"^its imports \(-X importtime\): \d+ ms; heaviest: podlint", out, re.M), out
    assert re.search(r"^(PASS|MISS)  single-file run", out, re.M), out
    # Charts and overlays: render time apart from lint time (or why they were not timed).
    assert (re.search(r"^tests/render/web +\S.* +[\d.]+ +[\d.]+ +\d+$", out, re.M)
            or "charts and overlays: no renderer installed" in out), out
