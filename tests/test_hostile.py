"""Hostile, huge and broken input: a precise finding or a documented skip, never a crash or a hang.

Small inputs live in tests/hostile/ with `# expect:` markers; byte-exact and big ones are
generated here. `test_all_hostile_inputs_together_within_budget` lints them all in one run.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket as socketlib
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from podlint.app.run import lint_sources
from podlint.checks import OBJECT_CHECKS, POD_CHECKS, Context, Problem
from podlint.engine import Linter, Options
from podlint.model import objects
from podlint.model.objects import K8sObject
from podlint.reading import parse
from podlint.reading.parse import MAX_DEPTH, MAX_FILE_BYTES, Document
from podlint.sources.files import expand
from tests.conftest import ROOT, TESTS, expectations
from tests.manifests import BAD

Expected = set[tuple[str, int, int]]

HOSTILE = TESTS / "hostile"
FIXTURES = sorted(p for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".yml", ".json"))

# A Pod with one known finding: image-latest-tag on its `image:` line (line 8, column 7).
POD = BAD
POD_FINDING_LINE = 8


def pod_finding(first_line: int) -> tuple[str, int, int]:
    """The Pod's finding when the Pod starts on `first_line`."""
    return ("image-latest-tag", first_line + POD_FINDING_LINE - 1, 7)


def _too_large() -> tuple[bytes, Expected]:
    return b"# padding\n" * (MAX_FILE_BYTES // 10 + 1), {("parse-error", 1, 1)}


def _nul_in_middle() -> tuple[bytes, Expected]:
    # Past the first 8 KB, where a sniffing check would have stopped looking.
    return b"key: value\n" * 3000 + b"a: b\x00c\n", {("parse-error", 3001, 5)}


def _invalid_utf8() -> tuple[bytes, Expected]:
    # Windows-1252 curly quotes after a valid two-byte character: columns count characters.
    return "data:\n  é: ".encode() + b"\x93quoted\x94\n", {("parse-error", 2, 6)}


def _control_character() -> tuple[bytes, Expected]:
    return "a: ünï\x07code\n".encode(), {("parse-error", 1, 7)}


def _utf16(encoding: str, bom: bytes) -> Callable[[], tuple[bytes, Expected]]:
    # Read like UTF-8: the Pod's finding at its exact place.
    return lambda: (bom + POD.encode(encoding), {pod_finding(1)})


def _line_endings(ending: str) -> Callable[[], tuple[bytes, Expected]]:
    # The Pod's lines joined by `ending`, then an unclosed bracket two lines later.
    def generate() -> tuple[bytes, Expected]:
        lines = [*POD.splitlines(), "---", "broken: [1, 2"]
        return ending.join(lines).encode() + b"\n", {pod_finding(1), ("parse-error", 12, 9)}
    return generate


def _mixed_line_endings() -> tuple[bytes, Expected]:
    lines = POD.splitlines()
    endings = ["\r\n", "\r", "\n", "\x85", "\u2028"]
    text = "".join(line + endings[number % len(endings)] for number, line in enumerate(lines))
    return text.encode(), {pod_finding(1)}


def _json_beyond_yaml() -> tuple[bytes, Expected]:
    # Valid JSON that a YAML reader refuses: an escaped surrogate pair (json.dumps writes emoji so),
    # and a raw NEL, DEL and C1 control in strings. kubectl reads it as JSON, and so must podlint.
    pod = yaml.safe_load(POD)
    pod["metadata"]["annotations"] = {"note": "ship it \U0001f680", "raw": "a\x85b\x7fc\x90d"}
    text = json.dumps(pod, indent=2).replace("\\u0085", "\x85").replace("\\u007f", "\x7f").replace("\\u0090", "\x90")
    lines = text.split("\n")  # not splitlines(): NEL is no line break in JSON
    line = next(number for number, content in enumerate(lines, 1) if "\"image\"" in content)
    return text.encode(), {("image-latest-tag", line, lines[line - 1].index("\"image\"") + 1)}


def _deep_flow() -> tuple[bytes, Expected]:
    # 100,000 levels: libyaml's C composer would overflow its stack and kill the process.
    # The root mapping is level 1, so level MAX_DEPTH + 1 is the bracket at column 3 + MAX_DEPTH.
    return b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", {("parse-error", 1, 3 + MAX_DEPTH)}


def _deep_entries() -> tuple[bytes, Expected]:
    return b"- " * 100_000 + b"x\n---\n" + POD.encode(), {("parse-error", 1, 2 * MAX_DEPTH + 1), pod_finding(3)}


def _deep_indentation() -> tuple[bytes, Expected]:
    text = "".join(f"{' ' * level}k{level}:\n" for level in range(MAX_DEPTH + 10)) + "---\n" + POD
    return text.encode(), {("parse-error", MAX_DEPTH + 2, MAX_DEPTH + 2), pod_finding(MAX_DEPTH + 12)}


def _long_lines() -> tuple[bytes, Expected]:
    value = "x" * 1_000_000
    key = "k" * 2000
    text = f"a: {value}\nb: !Ref {value}\n---\n{key}: 1\n---\n{POD}"
    return text.encode(), {("yaml-tag", 2, 4), ("parse-error", 4, 2001), pod_finding(6)}


def _many_documents() -> tuple[bytes, Expected]:
    text = "---\n" * 15_000 + "---\nkind: Nothing\n" * 5_000 + "---\n" + POD
    return text.encode(), {pod_finding(25_002)}


def _many_broken_documents() -> tuple[bytes, Expected]:
    # Each broken document costs about what it weighs: no re-reading of the rest per error.
    count = 2_000
    expected = {("parse-error", 2 * number + 2, 4) for number in range(count)}
    return ("---\na: [\n" * count + "---\n" + POD).encode(), expected | {pod_finding(2 * count + 2)}


def _duplicate_keys() -> tuple[bytes, Expected]:
    return b"a: 1\n" * 3_000, {("duplicate-key", line, 1) for line in range(2, 3_001)}


GENERATED: dict[str, Callable[[], tuple[bytes, Expected]]] = {
    "binary.yaml": lambda: (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {("parse-error", 3, 1)}),
    "nul-in-middle.yaml": _nul_in_middle,
    "windows-1252.yaml": _invalid_utf8,
    "control-character.yaml": _control_character,
    "utf16-le-bom.yaml": _utf16("utf-16-le", b"\xff\xfe"),
    "utf16-be-bom.yaml": _utf16("utf-16-be", b"\xfe\xff"),
    "utf16-no-bom.yaml": lambda: (POD.encode("utf-16-le"), {("parse-error", 1, 1)}),
    "utf32-bom.yaml": lambda: (POD.encode("utf-32"), {("parse-error", 1, 1)}),
    "utf8-bom.yaml": lambda: (b"\xef\xbb\xbf" + POD.encode(), {pod_finding(1)}),
    "crlf.yaml": _line_endings("\r\n"),
    "cr-only.yaml": _line_endings("\r"),
    "mixed-line-endings.yaml": _mixed_line_endings,
    "json-beyond-yaml.json": _json_beyond_yaml,
    "too-large.yaml": _too_large,
    "deep-flow.yaml": _deep_flow,
    "deep-entries.yaml": _deep_entries,
    "deep-indentation.yaml": _deep_indentation,
    "long-lines.yaml": _long_lines,
    "many-documents.yaml": _many_documents,
    "many-broken-documents.yaml": _many_broken_documents,
    "duplicate-keys.yaml": _duplicate_keys,
}


def found(raw: bytes, name: str, linter: Linter) -> Expected:
    return {(f.rule, f.span.line, f.span.column) for f in linter.lint_bytes(raw, name).findings}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_hostile_fixture(path: Path, linter: Linter) -> None:
    assert found(path.read_bytes(), path.name, linter) == expectations(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_hostile_input(name: str, linter: Linter) -> None:
    raw, expected = GENERATED[name]()
    assert found(raw, name, linter) == expected


def test_per_file_limits_on_documents_and_nodes(monkeypatch: pytest.MonkeyPatch, linter: Linter) -> None:
    # The same checks as at the real limits (100,000 documents; 524,288 nodes for 10 MiB), which
    # take seconds to reach, lowered here.
    monkeypatch.setattr(parse, "MAX_DOCUMENTS", 1_000)
    many = b"---\n" * 1_000 + POD.encode() + b"---\n" * 10  # the Pod is the 1,000th document
    assert found(many, "many.yaml", linter) == {pod_finding(1001), ("parse-error", 1012, 1)}
    broken = b"---\na: [\n" * 1_005
    assert found(broken, "broken.yaml", linter) == {("parse-error", 2 * n + 2, 4) for n in range(1_000)} | {
        ("parse-error", 2_001, 1)}
    dense = POD + "---\na: [" + "x, " * 20_000 + "x]\n---\n" + POD
    refused = parse.parse_text(dense, "dense.yaml", max_nodes=10_000).findings
    # 26 nodes in the Pod, 3 before the first `x`: node 10,001 is the 9,972nd `x`, 3 columns apart from column 5.
    assert [(f.rule, f.span.line, f.span.column) for f in refused] == [("parse-error", 12, 5 + 3 * (10_001 - 29 - 1))]
    assert refused[0].message == "more than 10,000 YAML nodes in one file: the rest is not read"
    assert (parse.node_limit(10 * 1024 * 1024), parse.node_limit(1000)) == (524_288, 100_000)


def test_not_manifests_are_read_and_skipped(linter: Linter) -> None:
    result = linter.lint_bytes((HOSTILE / "not-manifests.yaml").read_bytes(), "not-manifests.yaml")
    assert (result.findings, result.documents, result.objects) == ([], 7, 0)


def test_tags_construct_nothing(tmp_path: Path, linter: Linter) -> None:
    marker = tmp_path / "pwned"
    text = (f'a: !!python/object/apply:os.system ["touch {marker}"]\n'
            f'b: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ["{marker}"]]\n'
            f'c: !!python/object/new:builtins.open ["{marker}", "w"]\n')
    assert found(text.encode(), "t.yaml", linter) == {("yaml-tag", 1, 4), ("yaml-tag", 2, 4), ("yaml-tag", 2, 46),
                                                      ("yaml-tag", 3, 4)}
    assert not marker.exists()


def test_size_limit_is_configurable() -> None:
    raw = POD.encode()
    assert found(raw, "p.yaml", Linter(Options(max_file_bytes=len(raw)))) == {pod_finding(1)}
    assert found(raw, "p.yaml", Linter(Options(max_file_bytes=len(raw) - 1))) == {("parse-error", 1, 1)}


def podlint(*args: str, cwd: Path = ROOT, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podlint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def test_size_limit_option(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    result = podlint("lint", "-f", "json", "--max-file-size", "100", str(tmp_path))
    assert [(f["rule"], f["message"]) for f in json.loads(result.stdout)["findings"]] == [
        ("parse-error", "file is over the 100-byte limit (--max-file-size): skipped")]
    assert podlint("lint", "--max-file-size", "1Ki", str(tmp_path)).returncode == 1  # read: its warning
    bad = podlint("lint", "--max-file-size", "ten", str(tmp_path))
    assert (bad.returncode, bad.stdout) == (2, "")
    assert "--max-file-size must be" in bad.stderr


def test_endless_input_is_cut_at_the_limit() -> None:
    with open("/dev/zero", "rb") as zeros:
        result = subprocess.run([sys.executable, "-m", "podlint", "lint", "--max-file-size", "1Mi", "-"], stdin=zeros,
                                capture_output=True, text=True, cwd=ROOT, timeout=20)
    assert result.returncode == 2
    assert "<stdin>:1:1: error parse-error file is over the 1,048,576-byte limit" in result.stdout


def test_devices_and_fifos_named_are_read_errors(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # no writer: opening it for reading would block forever
    (tmp_path / "pod.yaml").write_text(POD)
    result = podlint("lint", "-f", "json", "/dev/zero", str(fifo), str(tmp_path / "pod.yaml"), timeout=20)
    report = json.loads(result.stdout)
    assert [(f["rule"], f["file"], f["message"]) for f in report["findings"] if f["rule"] == "read-error"] == [
        ("read-error", "/dev/zero", "not a regular file (a character device): not read"),
        ("read-error", str(fifo), "not a regular file (a FIFO): not read")]
    assert pod_finding(1) in {(f["rule"], f["line"], f["column"]) for f in report["findings"]}
    assert (report["summary"]["files"], result.returncode) == (3, 2)


def test_a_shell_pipe_is_read() -> None:
    command = f"{sys.executable} -m podlint lint -f json <(printf '%s' {shlex.quote(POD)})"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["image-latest-tag"]


# --- the file system: links, special files, permissions, depth, names -------------------------------------------


DEEP_TREE = 1_100  # folders nested deeper than Python's recursion limit


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, set[tuple[str, str]]]]:
    """Folders that must not hang or crash a walk, and the (rule, file) pairs a walk reports.

    Built once, on tmpfs when there is one (a deep tree costs seconds on a disk), and
    removed with `rm`: pytest's recursive rmtree would overflow on it.
    """
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix="podlint-tree-", dir=shm if os.access(shm, os.W_OK) else None))
    (root / "loop").mkdir()
    (root / "loop" / "pod.yaml").write_text(POD)
    (root / "loop" / "back-up").symlink_to("..")  # a loop through an ancestor
    (root / "same-folder").symlink_to("loop")  # not a loop: the folder again, linted once
    (root / "self.yaml").symlink_to("self.yaml")
    (root / "dangling.yaml").symlink_to("nowhere.yaml")
    os.mkfifo(root / "fifo.yaml")  # reading it would block forever
    (root / "zero.yaml").symlink_to("/dev/zero")  # a device: never ends
    deep = root / "deep"
    deep.mkdir()
    for _ in range(DEEP_TREE):  # one level at a time: mkdir(parents=True) recurses too
        deep = deep / "d"
        deep.mkdir()
    (deep / "pod.yaml").write_text(POD)
    (root / os.fsdecode(b"caf\xe9-latin1-name.yaml")).write_text(POD)  # a name that is not UTF-8
    (root / "passwd.yaml").symlink_to("/etc/passwd")  # leaves the tree: reported, not read
    (root / "outside").symlink_to("/etc")  # a folder outside the tree: the same
    socket_path = root / "socket.yaml"
    server = socketlib.socket(socketlib.AF_UNIX)
    server.bind(str(socket_path))
    expected = {("read-error", "loop/back-up"), ("read-error", "self.yaml"), ("read-error", "dangling.yaml"),
                ("read-error", "fifo.yaml"), ("read-error", "zero.yaml"), ("read-error", "passwd.yaml"),
                ("read-error", "outside"), ("read-error", "socket.yaml"),
                ("image-latest-tag", "loop/pod.yaml"), ("image-latest-tag", "deep/" + "d/" * DEEP_TREE + "pod.yaml"),
                ("image-latest-tag", "caf\\xe9-latin1-name.yaml")}
    yield root, expected
    server.close()
    subprocess.run(["rm", "-rf", str(root)], check=True)


def test_walk_reports_loops_and_skips_special_files(hostile_tree: tuple[Path, set[tuple[str, str]]]) -> None:
    tree, expected = hostile_tree
    result = podlint("lint", "-f", "json", ".", cwd=tree, timeout=30)
    report = json.loads(result.stdout)
    assert {(f["rule"], f["file"]) for f in report["findings"]} == expected
    messages = {f["file"]: f["message"] for f in report["findings"] if f["rule"] == "read-error"}
    assert messages == {"loop/back-up": "symbolic link loop (back to .): not followed",
                        "self.yaml": "symbolic link loop: not followed", "dangling.yaml": "broken symbolic link",
                        "fifo.yaml": "not a regular file (a FIFO): not read",
                        "socket.yaml": "not a regular file (a socket): not read",
                        "zero.yaml": "symbolic link to /dev/zero, outside .: not followed (--follow-links follows it)",
                        "passwd.yaml": "symbolic link to /etc/passwd, outside .: not followed (--follow-links "
                                       "follows it)",
                        "outside": "symbolic link to /etc, outside .: not followed (--follow-links follows it)"}
    assert (result.returncode, result.stderr) == (2, "")
    # Every special file and refused link counts as a file of the summary (each file here has a finding).
    assert report["summary"]["files"] == len({f["file"] for f in report["findings"]})


def test_links_out_of_the_tree_are_followed_when_asked(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "pod.yaml").write_text(POD)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pod.yaml").symlink_to(outside / "pod.yaml")
    (tree / "zero.yaml").symlink_to("/dev/zero")
    refused = json.loads(podlint("lint", "-f", "json", ".", cwd=tree).stdout)["findings"]
    assert [(f["rule"], f["file"]) for f in refused] == [("read-error", "pod.yaml"), ("read-error", "zero.yaml")]
    followed = json.loads(podlint("lint", "-f", "json", "--follow-links", ".", cwd=tree).stdout)["findings"]
    assert [(f["rule"], f["file"], f["message"]) for f in followed] == [
        ("image-latest-tag", "pod.yaml", followed[0]["message"]),
        ("read-error", "zero.yaml", "not a regular file (a character device): not read")]  # only regular files
    named = json.loads(podlint("lint", "-f", "json", "pod.yaml", cwd=tree).stdout)["findings"]  # as pre-commit names it
    assert [(f["rule"], f["file"]) for f in named] == [("read-error", "pod.yaml")]


ROOT_USER = os.geteuid() == 0


def test_unreadable_file_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "a-pod.yaml").write_text(POD)
    unreadable = tmp_path / "b-unreadable.yaml"
    if ROOT_USER:  # root reads through chmod 000; reading this file fails for anyone (EIO at address 0)
        unreadable.symlink_to("/proc/self/mem")
    else:
        unreadable.write_text(POD)
        unreadable.chmod(0)
    (tmp_path / "c-pod.yaml").write_text(POD)
    result = podlint("lint", "-f", "json", ".", cwd=tmp_path)
    findings = {(f["rule"], f["file"]) for f in json.loads(result.stdout)["findings"]}
    assert findings == {("image-latest-tag", "a-pod.yaml"), ("read-error", "b-unreadable.yaml"),
                        ("image-latest-tag", "c-pod.yaml")}
    assert (result.returncode, result.stderr) == (2, "")


@pytest.mark.skipif(ROOT_USER, reason="root reads through chmod 000 and no folder refuses root; "
                                      "test_unlistable_folder_is_reported_not_fatal covers the walk's handling")
def test_unreadable_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "pod.yaml").write_text(POD)
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "locked").chmod(0)
    try:
        result = podlint("lint", "-f", "json", ".", cwd=tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    findings = {(f["rule"], f["file"], f["message"]) for f in json.loads(result.stdout)["findings"]}
    assert ("read-error", "locked", "cannot read folder: Permission denied") in findings
    assert result.returncode == 2


def test_unlistable_folder_is_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a-locked").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "pod.yaml").write_text(POD)
    real_scandir = os.scandir

    def scandir(path: Path) -> Iterator[os.DirEntry[str]]:
        if Path(path).name == "a-locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = [(type(item).__name__, item.name) for item in expand([str(tmp_path)])]
    assert items == [("SourceError", str(tmp_path / "a-locked")), ("Source", str(tmp_path / "b" / "pod.yaml"))]


# --- isolation: a bug in one rule costs one finding, not the run --------------------------------------------------


@pytest.fixture
def crashing_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two real rules (only enabled rules run) replaced by functions with a bug."""
    def crash_on_second_name(obj: K8sObject, context: Context) -> list[Problem]:
        if obj.name == "second":
            raise ZeroDivisionError("boom")
        return []

    def crash_on_pods(pod: object, context: Context) -> list[Problem]:
        raise KeyError("containers")

    monkeypatch.setitem(OBJECT_CHECKS, "invalid-label", crash_on_second_name)
    monkeypatch.setitem(POD_CHECKS, "duplicate-container-name", crash_on_pods)


TWO_DOCUMENTS = POD + "---\n" + POD.replace("name: web\nspec", "name: second\nspec")


def test_a_crashing_rule_becomes_a_finding_naming_rule_and_document(crashing_rules: None, tmp_path: Path) -> None:
    result = Linter().lint_text(TWO_DOCUMENTS, "two.yaml")
    crashes = sorted((f.span.line, f.message) for f in result.findings if f.rule == "internal-error")
    assert crashes == [
        (1, "rule duplicate-container-name failed on document 1, Pod/web (KeyError: 'containers'); please report "
            "it with the manifest; run with --debug for the traceback"),
        (12, "rule duplicate-container-name failed on document 2, Pod/second (KeyError: 'containers'); please "
             "report it with the manifest; run with --debug for the traceback"),
        (12, "rule invalid-label failed on document 2, Pod/second (ZeroDivisionError: boom); please report it "
             "with the manifest; run with --debug for the traceback"),
    ]
    assert {pod_finding(1), pod_finding(12)} <= {(f.rule, f.span.line, f.span.column) for f in result.findings}
    (tmp_path / "two.yaml").write_text(TWO_DOCUMENTS)
    run = lint_sources(expand([str(tmp_path)]), Linter())
    assert (run.internal_error, run.read_failed, run.exit_code(None)) == (True, False, 2)


def test_a_bug_outside_the_rules_loses_one_document_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real = objects.objects_of

    def objects_of(document: Document) -> list[K8sObject]:  # eager, as a plain function would be
        if document.index == 1:
            raise RecursionError("deep")
        return list(real(document))

    monkeypatch.setattr("podlint.engine.objects_of", objects_of)
    result = Linter().lint_text(TWO_DOCUMENTS, "two.yaml")
    assert [(f.rule, f.span.line, f.span.column) for f in result.findings] == [
        pod_finding(1), ("internal-error", 12, 1)]
    assert result.findings[1].message == ("podlint failed on document 2 (RecursionError: deep); please report it "
                                          "with the manifest; run with --debug for the traceback")
    assert result.internal_error


CRASHING_CLI = """
import sys
from podlint.checks import OBJECT_CHECKS
def crash(obj, context):
    raise ZeroDivisionError("boom")
OBJECT_CHECKS["invalid-label"] = crash
from podlint.app.entry import main
sys.argv = ["podlint", *sys.argv[1:]]
main()
"""


def test_crashing_rule_in_the_cli_exit_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    run = [sys.executable, "-c", CRASHING_CLI, "lint", str(tmp_path)]
    quiet = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert quiet.returncode == 2
    assert "internal-error rule invalid-label failed on document 1, Pod/web (ZeroDivisionError: boom)" in quiet.stdout
    assert "image-latest-tag" in quiet.stdout  # the other rules still ran
    assert "Traceback" not in quiet.stdout + quiet.stderr
    debug = subprocess.run([*run, "--debug"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert debug.returncode == 2
    assert "Traceback (most recent call last)" in debug.stdout


BROKEN_CLI = """
import sys
import podlint.app.run
def broken(*args, **kwargs):
    raise RuntimeError("the engine broke")
podlint.app.run.lint_sources = broken
from podlint.app.entry import main
sys.argv = ["podlint", *sys.argv[1:]]
main()
"""


def test_unexpected_exception_in_the_cli_is_one_line(tmp_path: Path) -> None:
    run = [sys.executable, "-c", BROKEN_CLI, "lint", str(tmp_path)]
    quiet = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (quiet.returncode, quiet.stdout) == (2, "")
    assert quiet.stderr == ("podlint: internal error: RuntimeError: the engine broke "
                            "(run with --debug for details)\n")
    debug = subprocess.run([*run, "--debug"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "Traceback (most recent call last)" in debug.stderr


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    (tmp_path / "keys.yaml").write_bytes(b"a: 1\n" * 5_000)  # 600 KB of findings: more than a pipe holds
    command = f"{sys.executable} -m podlint lint {tmp_path} | head -n 1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_output_survives_a_terminal_without_unicode(tmp_path: Path) -> None:
    (tmp_path / "café.yaml").write_text(POD)
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    text = subprocess.run([sys.executable, "-m", "podlint", "lint", str(tmp_path)], capture_output=True, env=env,
                          cwd=ROOT, timeout=60)
    assert text.returncode == 1, text.stderr
    assert f"{tmp_path}/caf\\xe9.yaml:8:7: warning image-latest-tag".encode() in text.stdout
    machine = subprocess.run([sys.executable, "-m", "podlint", "lint", "-f", "json", str(tmp_path)],
                             capture_output=True, env=env, cwd=ROOT, timeout=60)
    assert json.loads(machine.stdout.decode("utf-8"))["findings"][0]["file"] == f"{tmp_path}/café.yaml"


# --- everything together: time and memory ----------------------------------------------------------------------

# Runs its arguments as its only child, so RUSAGE_CHILDREN is that child's own peak.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:])
elapsed = time.perf_counter() - start
print(done.returncode, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_all_hostile_inputs_together_within_budget(tmp_path: Path,
                                                   hostile_tree: tuple[Path, set[tuple[str, str]]]) -> None:
    """Every hostile file and folder above in one run: at most 5 s and 256 MB, valid JSON, nothing lost."""
    expected: set[tuple[str, str, int, int]] = set()
    for path in FIXTURES:
        shutil.copy(path, tmp_path / path.name)
        expected |= {(rule, path.name, line, column) for rule, line, column in expectations(path.read_text())}
    for name, generate in GENERATED.items():
        raw, findings = generate()
        (tmp_path / name).write_bytes(raw)
        expected |= {(rule, name, line, column) for rule, line, column in findings}
    tree, expected_in_tree = hostile_tree
    report_path = tmp_path.parent / f"{tmp_path.name}-report.json"
    command = [sys.executable, "-m", "podlint", "lint", "-f", "json", "-o", str(report_path), ".", str(tree)]
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    code, seconds, peak_kib = done.stdout.split()
    report = json.loads(report_path.read_text(encoding="utf-8"))
    prefix = f"{tree}/"
    assert {(f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"]
            if not f["file"].startswith(prefix)} == expected
    assert {(f["rule"], f["file"][len(prefix):]) for f in report["findings"]
            if f["file"].startswith(prefix)} == expected_in_tree
    assert (int(code), done.stderr) == (2, "")
    assert float(seconds) < 5, f"{float(seconds):.2f} s"
    assert int(peak_kib) < 256 * 1024, f"{int(peak_kib) / 1024:.0f} MB"
    print(f"all hostile inputs: {float(seconds):.2f} s, {int(peak_kib) / 1024:.0f} MB peak")
