"""benchmarks/: the generator makes realistic, reproducible manifests; bench.py runs end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.workload import DOCS_PER_FILE, generate
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


def test_bench_runs_and_prints_every_figure() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--sizes", "20", "--repeat", "1",
                             "--single-repeat", "1", "--no-corpus", "--no-check", "--no-lsp"],
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
    assert re.search(r"^its imports \(-X importtime\): \d+ ms; heaviest: podlint", out, re.M), out
    assert re.search(r"^(PASS|MISS)  single-file run", out, re.M), out
    # Charts and overlays: render time apart from lint time (or why they were not timed).
    assert (re.search(r"^tests/render/web +\S.* +[\d.]+ +[\d.]+ +\d+$", out, re.M)
            or "charts and overlays: no renderer installed" in out), out
