"""`--jobs`: worker processes give the output of one process, byte for byte, in the same order."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import podlint.app.parallel
from podlint.app.run import RunResult, lint_sources
from podlint.engine import Linter
from podlint.report import Report, formatter
from podlint.sources.files import Source, SourceError, expand
from tests.conftest import CORPUS, ROOT, TESTS

POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: app
      image: {image}
      resources:
        limits: {{cpu: 100m, memory: 64Mi}}
"""


def rendered(run: RunResult) -> tuple[str, str]:
    report = Report(run.findings, run.summary, 0)
    return formatter("json")(report, False), formatter("text")(report, False)


def pods(folder: Path, count: int, names: Iterable[str] | None = None) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = list(names or (f"pod-{index}" for index in range(count)))
    for index, name in enumerate(names):
        image = "nginx" if index % 3 == 0 else "nginx:1.27.3"  # every third file has a finding
        (folder / f"{index:03d}.yaml").write_text(POD.format(name=name, image=image))
    return [str(folder)]


def test_parallel_run_matches_serial_run_exactly(tmp_path: Path) -> None:
    """Real manifests, rule fixtures (broken YAML included), a missing path: the same report."""
    paths = [str(TESTS / "rules"), str(tmp_path / "missing.yaml"), *pods(tmp_path / "pods", 30)]
    if CORPUS.is_dir():  # kube-prometheus: custom resources before the CRDs that describe them
        paths += [str(CORPUS / "k8s-examples"), str(CORPUS / "kube-prometheus")]
    serial = lint_sources(expand(paths), Linter(), jobs=1)
    parallel = lint_sources(expand(paths), Linter(), jobs=2)
    assert serial.summary.files > 50 and serial.read_failed
    assert rendered(parallel) == rendered(serial)
    assert (parallel.read_failed, parallel.internal_error) == (serial.read_failed, serial.internal_error)


def test_standard_input_is_read_by_the_main_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = POD.format(name="from-stdin", image="redis")
    paths = [*pods(tmp_path / "a", 10), "-", *pods(tmp_path / "b", 10)]
    runs = []
    for jobs in (1, 2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        runs.append(lint_sources(expand(paths), Linter(), jobs=jobs))
    assert any(finding.file == "<stdin>" for finding in runs[0].findings)
    assert rendered(runs[1]) == rendered(runs[0])


def test_cli_output_is_byte_identical(tmp_path: Path) -> None:
    folder = pods(tmp_path, 40)[0]
    outputs = [subprocess.run([sys.executable, "-m", "podlint", "lint", "-f", output_format, "--jobs", jobs, folder],
                              capture_output=True, cwd=ROOT, timeout=120)
               for output_format in ("json", "text") for jobs in ("1", "2")]
    assert [output.returncode for output in outputs] == [1, 1, 1, 1]
    assert outputs[0].stdout == outputs[1].stdout and outputs[2].stdout == outputs[3].stdout
    assert b"image-latest-tag" in outputs[2].stdout


def test_default_jobs_follow_input_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(podlint.app.parallel, "available_cores", lambda: 4)
    small = list(expand(pods(tmp_path / "small", 5)))
    assert podlint.app.parallel.choose_jobs(small) == 1
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# a large input\n" * (podlint.app.parallel.PARALLEL_MIN_BYTES // 16 + 1))
    assert big.stat().st_size >= podlint.app.parallel.PARALLEL_MIN_BYTES
    assert podlint.app.parallel.choose_jobs([*small, Source(str(big), big)]) == 4
    monkeypatch.setattr(podlint.app.parallel, "available_cores", lambda: 1)
    assert podlint.app.parallel.choose_jobs([*small, Source(str(big), big)]) == 1


def test_chunks_are_contiguous_and_keep_main_process_items_apart(tmp_path: Path) -> None:
    items: list[Source | SourceError] = list(expand(pods(tmp_path, 12)))
    items.insert(5, SourceError("gone.yaml", "no such file or directory"))
    items.insert(9, Source("<stdin>", None))
    plan = podlint.app.parallel._plan(items, 4)
    assert [index for run in plan for index in run] == list(range(len(items)))
    assert [5] in plan and [9] in plan
    assert len(plan) > 4


linters_built = multiprocessing.get_context("fork").Value("i", 0)


def test_workers_build_one_linter_each_not_one_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Linter.__init__

    def counting(self: Linter, *args: Any, **kwargs: Any) -> None:
        with linters_built.get_lock():
            linters_built.value += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(Linter, "__init__", counting)
    linters_built.value = 0
    run = lint_sources(expand(pods(tmp_path, 60)), Linter(), jobs=2)
    assert run.summary.files == 60
    assert 1 < linters_built.value <= 3  # this process's, and one per worker


def _die(sources: list[Source], with_inventory: bool) -> None:
    os._exit(3)


def test_a_dead_worker_costs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = pods(tmp_path, 20)
    serial = lint_sources(expand(paths), Linter(), jobs=1)
    monkeypatch.setattr(podlint.app.parallel, "_lint_chunk", _die)
    assert rendered(lint_sources(expand(paths), Linter(), jobs=2)) == rendered(serial)


def test_a_worker_dead_before_every_chunk_is_handed_out_costs_nothing(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool breaks while chunks are still being submitted (a worker died early): the rest run here."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    paths = pods(tmp_path, 20)
    serial = lint_sources(expand(paths), Linter(), jobs=1)
    submit = ProcessPoolExecutor.submit
    calls = []

    def breaks_on_the_second(self: ProcessPoolExecutor, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) > 1:
            raise BrokenProcessPool("a child process terminated abruptly")
        return submit(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", breaks_on_the_second)
    assert rendered(lint_sources(expand(paths), Linter(), jobs=2)) == rendered(serial)
    assert len(calls) == 2


SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {app}}}
  ports: [{{port: 80}}]
"""


def test_cross_object_checks_see_the_objects_of_every_worker(tmp_path: Path) -> None:
    """The inventory is built from every worker's files, in order: the same cross-object findings."""
    paths = pods(tmp_path, 30)
    for index in range(30):  # a Pod per file; each labelled with its own app
        path = tmp_path / f"{index:03d}.yaml"
        path.write_text(path.read_text().replace("  name: pod-", f"  labels: {{app: a{index}}}\n  name: pod-"))
    (tmp_path / "000.yaml").write_text((tmp_path / "000.yaml").read_text() + "---\n"
                                       + SERVICE.format(name="last", app="a29") + "---\n"
                                       + SERVICE.format(name="typo", app="a30"))
    serial = lint_sources(expand(paths), Linter(), jobs=1)
    parallel = lint_sources(expand(paths), Linter(), jobs=2)
    selecting = [(f.name, f.span.line) for f in serial.findings if f.rule == "service-selects-nothing"]
    assert selecting == [("typo", 26)]  # `last` selects the pod of the last file, linted by another worker
    assert rendered(parallel) == rendered(serial)


def test_comment_suppressions_apply_to_files_linted_by_workers(tmp_path: Path) -> None:
    paths = pods(tmp_path, 20)
    (tmp_path / "003.yaml").write_text((tmp_path / "003.yaml").read_text().replace(
        "image: nginx\n", "image: nginx  # podlint: disable=image-latest-tag\n"))
    serial = lint_sources(expand(paths), Linter(), jobs=1)
    parallel = lint_sources(expand(paths), Linter(), jobs=2)
    assert not any(f.file.endswith("003.yaml") for f in serial.findings)
    assert rendered(parallel) == rendered(serial)
