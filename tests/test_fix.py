"""`podlint fix`: fixed files byte for byte, idempotence, untouched files, diffs, and files never broken.

Fixtures: tests/fix/<rule-id>/<case>.before.yaml (or .json) and the expected <case>.after.yaml,
compared byte for byte after fixing only that rule.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from podlint.app.cli import app
from podlint.edit import edits
from podlint.edit import fix as fix_module
from podlint.edit.edits import apply
from podlint.edit.fix import FixingLinter, FixRun, apply_fixes, fix_sources, unified_diff
from podlint.engine import Linter
from podlint.findings import Edit, FieldPath, Fix
from podlint.model.objects import objects_of
from podlint.model.podspec import PodSpecView
from podlint.reading.parse import parse_bytes
from podlint.rules.catalogue import load_catalogue
from podlint.sources.files import expand
from tests.conftest import CORPUS, TESTS
from tests.test_cli import podlint

FIXTURES = TESTS / "fix"
BEFORE = sorted(FIXTURES.glob("*/*.before.*"))
FIXED_RULES = ("init-container-probe", "shell-without-c", "host-network-dns-policy", "invalid-restart-policy")

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web  # keep me
spec:
  hostNetwork: true
  initContainers:
    - name: wait
      image: busybox:1.36
      readinessProbe:
        exec: {command: ["true"]}
      resources:
        limits: {cpu: 100m, memory: 32Mi}
  containers:
    - name: web
      image: nginx:1.27.3
      command: ["sh", "echo hi; exec nginx"]
      resources:
        limits: {cpu: 500m, memory: 256Mi}
"""
FIXED_POD = (POD.replace("  hostNetwork: true\n", "  hostNetwork: true\n  dnsPolicy: ClusterFirstWithHostNet\n")
             .replace('      readinessProbe:\n        exec: {command: ["true"]}\n', "")
             .replace('["sh", "echo', '["sh", "-c", "echo'))
CLEAN = POD.replace('      readinessProbe:\n        exec: {command: ["true"]}\n', "").replace(
    '"sh", "echo', '"sh", "-c", "echo').replace("  hostNetwork: true\n", "")
UNFIXABLE = CLEAN.replace("image: nginx:1.27.3", "image: nginx")  # image-latest-tag: never guessed


def _after(before: Path) -> Path:
    return before.with_name(before.name.replace(".before.", ".after."))


def _fix_bytes(raw: bytes, name: str, rules: frozenset[str] | None = None) -> tuple[str, FixingLinter]:
    linter = FixingLinter(rules=rules, write=False)
    result = linter.lint_bytes(raw, name)
    assert not result.read_failed
    text = linter.files[-1].after if linter.files else raw.decode("utf-8-sig")
    return text, linter


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("before", BEFORE, ids=_id)
def test_fixture_is_fixed_byte_for_byte(before: Path, linter: Linter) -> None:
    rule = before.parent.name
    expected = _after(before).read_bytes()
    fixed, fixing = _fix_bytes(before.read_bytes(), before.name, frozenset({rule}))
    assert fixing.files and fixing.files[0].fixed[rule] > 0 and fixing.files[0].error is None
    assert fixed.encode("utf-8") == expected
    # The fixed file has no finding of the rule left, and nothing new of any other rule.
    found_after = linter.lint_bytes(expected, before.name).findings
    assert [f for f in found_after if f.rule == rule] == []
    others_before = {(f.rule, f.message) for f in linter.lint_bytes(before.read_bytes(), before.name).findings}
    assert {(f.rule, f.message) for f in found_after} <= others_before
    if before.suffix == ".json":  # JSON files stay JSON
        json.loads(expected)


@pytest.mark.parametrize("before", BEFORE, ids=_id)
def test_fixing_a_fixed_file_changes_nothing(before: Path) -> None:
    _, fixing = _fix_bytes(_after(before).read_bytes(), before.name)
    assert fixing.files == []


def test_every_fixable_rule_has_fixtures_and_every_before_an_after() -> None:
    fixable = sorted(rule.id for rule in load_catalogue().values() if rule.fixable)
    assert fixable == sorted(FIXED_RULES)
    for rule in fixable:
        assert list((FIXTURES / rule).glob("*.before.*")), f"tests/fix/{rule}: no before/after fixtures"
    for before in BEFORE:
        assert _after(before).is_file(), f"{before} has no {_after(before).name}"
    assert b"\r\n" in (FIXTURES / "shell-without-c" / "crlf.before.yaml").read_bytes()


def test_fix_writes_the_file_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD)
    first = podlint("fix", str(path))
    assert first.returncode == 0, first.stdout + first.stderr
    assert path.read_text() == FIXED_POD
    assert "fixed 3 findings in 1 file; 0 findings remain" in first.stderr
    assert "0 errors, 0 warnings" in first.stdout
    mtime = path.stat().st_mtime_ns
    second = podlint("fix", str(path))
    assert second.returncode == 0
    assert path.read_text() == FIXED_POD and path.stat().st_mtime_ns == mtime
    assert "fixed 0 findings in 0 files" in second.stderr


def test_files_with_nothing_to_fix_are_not_rewritten(tmp_path: Path) -> None:
    for name, text in (("clean.yaml", CLEAN), ("unfixable.yaml", UNFIXABLE), ("broken.yaml", "a: [\n")):
        (tmp_path / name).write_text(text)
        os.utime(tmp_path / name, ns=(1_000_000_000, 1_000_000_000))
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    result = podlint("fix", str(tmp_path))
    assert result.returncode == 2  # the broken file
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()} == before
    assert "image-latest-tag" in result.stdout  # reported, never re-tagged


def test_lint_fix_is_fix_and_exit_code_follows_what_remains(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD.replace("nginx:1.27.3", "nginx"))
    result = podlint("lint", "--fix", "-f", "json", str(path))
    assert result.returncode == 1
    remaining = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in remaining] == ["image-latest-tag"]
    assert path.read_text() == FIXED_POD.replace("nginx:1.27.3", "nginx")
    path.write_text(POD.replace("nginx:1.27.3", "nginx"))
    assert podlint("lint", "--fix", "--fail-on", "error", str(path)).returncode == 0


def test_diff_prints_a_patch_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD)
    result = podlint("fix", "--diff", "pod.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_text() == POD
    assert result.stdout.startswith("--- a/pod.yaml\n+++ b/pod.yaml\n@@ ")
    assert "-      readinessProbe:\n" in result.stdout and "+  dnsPolicy: ClusterFirstWithHostNet\n" in result.stdout
    assert "would fix 3 findings in 1 file" in result.stderr
    # The diff is a real patch: applying it gives what `fix` writes.
    git = shutil.which("git")
    if git is not None:
        subprocess.run([git, "apply", "-"], input=result.stdout, text=True, cwd=tmp_path, check=True)
        assert path.read_text() == FIXED_POD


def test_select_fixes_only_the_selected_rules(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD)
    result = podlint("fix", "--select", "shell-without-c", str(path))
    # --select means what it means for lint: only that rule runs, so nothing of it remains (the probe and
    # the DNS policy are not looked at).
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.read_text() == POD.replace('["sh", "echo', '["sh", "-c", "echo')
    assert "0 findings remain" in result.stderr
    path.write_text(POD)
    result = podlint("fix", "--ignore", "init-container-probe,host-network-dns-policy", str(path))
    assert result.returncode == 0 and path.read_text() == POD.replace('["sh", "echo', '["sh", "-c", "echo')
    runner = CliRunner()
    for args, message in ((["fix", "--select", "image-latest-tag"], "image-latest-tag has no safe fix"),
                          (["fix", "--select", "no-such-rule"], "no rule 'no-such-rule'"),
                          (["lint", "--diff"], "goes with --fix")):
        usage = runner.invoke(app, [*args, str(path)])
        assert usage.exit_code == 2 and message in usage.output, usage.output


def test_a_file_that_does_not_parse_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    text = POD + "---\nkind: [unclosed\n"
    path.write_text(text)
    result = podlint("fix", str(path))
    assert result.returncode == 2
    assert path.read_text() == text
    assert "parse-error" in result.stdout


def test_fixes_that_would_break_the_file_are_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD)
    monkeypatch.setattr(fix_module, "apply_fixes", lambda text, fixes: (text + "a: [\n", [0]))
    run = fix_sources(expand([str(path)]), FixingLinter())
    assert path.read_text() == POD
    assert run.exit_code(None) == 2
    assert run.files[0].error is not None and "not changed" in run.files[0].error
    assert {f.rule for f in run.run.findings} >= {"init-container-probe", "shell-without-c"}


def test_standard_input_can_be_diffed_not_rewritten() -> None:
    diff = podlint("fix", "--diff", "-", stdin=POD)
    assert diff.returncode == 0 and "+      command: [\"sh\", \"-c\"" in diff.stdout
    rewrite = podlint("fix", "-", stdin=POD)
    assert rewrite.returncode == 2 and "standard input cannot be rewritten" in rewrite.stderr


def test_encoding_bom_and_permissions_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + POD.replace("\n", "\r\n").encode())
    path.chmod(0o640)
    run = fix_sources(expand([str(path)]), FixingLinter())
    assert run.exit_code(None) == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + FIXED_POD.replace("\n", "\r\n").encode()
    assert path.stat().st_mode & 0o777 == 0o640
    path.write_bytes(b"\xff\xfe" + POD.encode("utf-16-le"))
    fix_sources(expand([str(path)]), FixingLinter())
    assert path.read_bytes() == b"\xff\xfe" + FIXED_POD.encode("utf-16-le")


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    text = "a: 1\nb: 2\n"
    first = Fix("first", (Edit((0, 3), (0, 4), "10"),))
    overlapping = Fix("overlaps first", (Edit((0, 0), (1, 0), ""),))
    same_point = Fix("inserts where first starts", (Edit((0, 3), (0, 3), "x"),))
    elsewhere = Fix("second line", (Edit((1, 3), (1, 4), "20"),))
    fixed, applied = apply_fixes(text, [overlapping, first, same_point, elsewhere])
    assert applied == [0, 3]  # in file order: the deletion wins the first line
    assert fixed == "b: 20\n"
    fixed, applied = apply_fixes(text, [first, same_point, elsewhere])
    assert (fixed, applied) == ("a: 10\nb: 20\n", [0, 2])


def test_fixes_are_offered_only_when_exact() -> None:
    # A probe from a merge key or an alias shared with another container: removing text
    # there would change more than the finding, so no fix is offered (the finding stays).
    shared = """apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  initContainers:
    - &wait
      name: wait
      image: busybox:1.36
      readinessProbe: {exec: {command: ["true"]}}
      resources: {limits: {cpu: 100m, memory: 32Mi}}
    - <<: *wait
      name: wait-again
  containers:
    - *wait
"""
    findings = Linter().lint_text(shared, "shared.yaml").findings
    probes = [f for f in findings if f.rule == "init-container-probe"]
    assert len(probes) == 2
    assert all(f.fix is None and not f.fixable for f in probes)


def test_edits_are_file_positions_for_the_editor() -> None:
    # After a broken document, documents are read from a later line: the edits still point
    # at the right place of the whole file (the editor applies them to the buffer it has).
    text = "kind: [unclosed\n---\n" + POD
    findings = Linter().lint_text(text, "pod.yaml").findings
    fixes = [f.fix for f in findings if f.fix is not None]
    assert len(fixes) == 3
    assert apply(text, [edit for fix in fixes for edit in fix.edits]) == "kind: [unclosed\n---\n" + FIXED_POD


def test_unified_diff_marks_a_missing_final_newline() -> None:
    change = fix_module.FileFix("x.yaml", "a: 1", "a: 2")
    assert unified_diff(change).endswith("-a: 1\n\\ No newline at end of file\n+a: 2\n\\ No newline at end of file\n")


def test_fix_run_counts(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(POD)
    (tmp_path / "b.yaml").write_text(CLEAN)
    run: FixRun = fix_sources(expand([str(tmp_path)]), FixingLinter(write=False))
    assert (run.fixed, [c.name for c in run.changed]) == (3, [str(tmp_path / "a.yaml")])
    assert run.run.findings == [] and (tmp_path / "a.yaml").read_text() == POD


CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not CORPUS_FILES, reason="../shared/corpus is not beside the project")


@needs_corpus
def test_corpus_fixes_hold_and_are_idempotent() -> None:
    run = fix_sources(expand([str(CORPUS)]), FixingLinter(write=False))
    assert run.fixed > 0 and all(change.error is None for change in run.files)
    assert [f for f in run.run.findings if f.rule in FIXED_RULES and f.fixable] == []
    again = FixingLinter(write=False)
    for change in run.changed:
        again.lint_bytes(change.after.encode(), change.name)
    assert again.files == []


def _at(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


@needs_corpus
def test_edit_helpers_on_real_layouts_change_exactly_what_they_say() -> None:
    # Each helper on every container of a sample of the corpus: whenever it offers a fix,
    # the whole file, edited, reads as the original data with just that change.
    offered = 0
    for path in CORPUS_FILES[::12]:
        if path.stat().st_size > 16_000:  # each attempt reads the whole file again: keep it quick
            continue
        parsed = parse_bytes(path.read_bytes(), path.name)
        if any(f.rule == "parse-error" for f in parsed.findings):
            continue
        for document in parsed.documents:
            for obj in objects_of(document):
                pod = PodSpecView.of(obj)
                for container in pod.containers() if pod is not None else ():
                    attempts: list[tuple[Fix | None, FieldPath, Any]] = [
                        (edits.add_key(obj, container.path, "zz", "v", "t"), container.child("zz"), "v")]
                    for key, value in container.data.items():
                        attempts.append((edits.remove_key(obj, container.child(key), "t"), container.child(key), None))
                        if isinstance(value, str):
                            attempts.append((edits.set_value(obj, container.child(key), "v2", "t"),
                                             container.child(key), "v2"))
                    for index in range(len(container.command or ())):
                        attempts.append((edits.insert_item_after(obj, container.child("command", index), "-c", "t"),
                                         container.child("command", index + 1), "-c"))
                    for target, where, value in attempts:
                        if target is None:
                            continue
                        offered += 1
                        expected = [d.data for d in parsed.documents]
                        expected[document.index] = copy.deepcopy(document.data)
                        parent = _at(expected[document.index], obj.base + where[:-1])
                        if value is None:
                            del parent[where[-1]]
                        elif isinstance(parent, list) and isinstance(where[-1], int):
                            parent.insert(where[-1], value)
                        else:
                            parent[where[-1]] = value
                        edited = parse_bytes(apply(document.text, target.edits).encode(), path.name)
                        assert [d.data for d in edited.documents] == expected, f"{path}: {target}"
    assert offered > 250, offered


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    text = POD.replace("      readinessProbe:\n",
                       "      readinessProbe:  # podlint: disable=init-container-probe -- on purpose\n")
    annotated = POD.replace("  name: web  # keep me\n", "  name: web  # keep me\n  annotations:\n"
                            "    podlint/ignore: host-network-dns-policy\n")
    (tmp_path / "comment.yaml").write_text(text)
    (tmp_path / "annotation.yaml").write_text(annotated)
    run = fix_sources(expand([str(tmp_path)]), FixingLinter())
    assert run.exit_code(None) == 0 and run.run.findings == []
    assert (tmp_path / "comment.yaml").read_text() == FIXED_POD.replace(
        "      resources:\n        limits: {cpu: 100m", "      readinessProbe:  # podlint: disable=init-container-probe"
        ' -- on purpose\n        exec: {command: ["true"]}\n      resources:\n        limits: {cpu: 100m', 1)
    assert "hostNetwork: true\n  initContainers" in (tmp_path / "annotation.yaml").read_text()
    assert "dnsPolicy" not in (tmp_path / "annotation.yaml").read_text()
