"""Output safety (issue 21): whatever a manifest, a file name or a configuration holds, no report,
listing or error message prints a raw control character or a line a CI runner would run as a
workflow command; JSON keeps the data exact; text cuts long values, JSON never does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from podlint.app.command import warn
from podlint.findings import Finding, Severity, Span
from podlint.report import FORMATS, Report, Summary, formatter
from podlint.report.escape import ELLIPSIS, guard_line, json_safe, safe_lines, shorten, visible
from podlint.report.github import step_summary
from tests.conftest import ROOT

# The Pod name: a forged annotation after a line break, OSC 52 (writes the clipboard), a colour.
EVIL_NAME = "evil\n::error file=x.yaml,line=1::pwned\x1b]52;c;Zm9v\x07\x1b[31mRED"
LONG = "x" * 5000
HOSTILE = f"""apiVersion: v1
kind: Pod
metadata:
  name: {json.dumps(EVIL_NAME)}
  labels:
    "a\\u202eb": {LONG}
    forged: "##[add-mask]secret\\u2028::stop-commands::token\\x9b2J"
spec:
  containers:
    - name: "c\\u200fd"
      image: nginx
"""
# File names are input too: a line break and an escape sequence in them.
EVIL_FILES = ("x\n::warning::forged.yaml", "a\x1b[2Jb.yaml")
# A raw escape sequence in a comment: a parse-error, whose line --show-source prints.
RAW_ESCAPE = "apiVersion: v1\nkind: ConfigMap  # \x1b]52;c;Zm9v\x07\nmetadata: {name: a}\n"
# Podlint's own annotations, the only lines that may start with `::` (properties escape `:` and `,`).
OWN_ANNOTATION = re.compile(r"^::(error|warning|notice) [^:\n]*::[^\n]*$")


def podlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "podlint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def hostile_tree(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pod.yaml").write_text(HOSTILE, encoding="utf-8")
    (folder / "raw.yaml").write_text(RAW_ESCAPE, encoding="utf-8")
    for name in EVIL_FILES:
        (folder / name).write_text(HOSTILE, encoding="utf-8")
    return folder


def assert_safe(output: str, annotations: bool = False) -> None:
    """No raw control or invisible character, no legacy workflow command, no line starting with `::`
    other than podlint's own annotations."""
    bad = sorted({f"U+{ord(char):04X}" for char in output if not char.isprintable() and char != "\n"})
    assert bad == [], f"raw characters {bad} in:\n{output[:2000]}"
    assert "##[" not in output and "##vso[" not in output
    for line in output.split("\n"):
        if line.lstrip().startswith("::"):
            assert annotations and OWN_ANNOTATION.match(line), line


@pytest.mark.parametrize("output_format", FORMATS)
def test_hostile_input_in_every_format(output_format: str, tmp_path: Path) -> None:
    folder = hostile_tree(tmp_path / "k8s")
    result = podlint("lint", "-f", output_format, "--fail-on", "never", "k8s", cwd=tmp_path)
    assert result.returncode == 2, result.stderr  # raw.yaml does not parse; the rest is still reported
    assert result.stdout
    assert_safe(result.stdout, annotations=output_format == "github")
    assert_safe(result.stderr)
    if output_format == "github":
        # One annotation per finding: nothing in the messages or file names starts another line.
        json_report = json.loads(podlint("lint", "-f", "json", "k8s", cwd=tmp_path).stdout)
        assert len(result.stdout.splitlines()) == len(json_report["findings"])
    if output_format in ("json", "sarif", "gitlab"):
        json.loads(result.stdout)
    assert folder.is_dir()


def test_text_with_the_source_lines_and_colour_is_safe(tmp_path: Path) -> None:
    hostile_tree(tmp_path / "k8s")
    result = podlint("lint", "--show-source", "--color", "always", "k8s", cwd=tmp_path)
    coloured = result.stdout
    assert "\x1b[31m" in coloured  # podlint's own colours: the only escape sequences
    assert_safe(re.sub(r"\x1b\[[0-9;]*m", "", coloured))
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured).count("\x1b") == 0
    plain = podlint("lint", "--show-source", "k8s", cwd=tmp_path).stdout
    assert "kind: ConfigMap  # \\x1b]52;c;Zm9v\\x07" in plain  # the parse error's line, escaped
    assert_safe(plain)


def test_json_keeps_the_exact_values_and_escapes_messages(tmp_path: Path) -> None:
    hostile_tree(tmp_path / "k8s")
    report = json.loads(podlint("lint", "-f", "json", "k8s/pod.yaml", cwd=tmp_path).stdout)
    names = {finding["name"] for finding in report["findings"] if finding["kind"]}
    assert names == {EVIL_NAME}  # data: exactly as in the manifest (JSON escaping suffices)
    messages = [finding["message"] for finding in report["findings"]]
    assert all(message.isprintable() for message in messages)  # text for people: visible escapes
    # A huge value is shortened once, where the message is made (model/validation.py), and JSON cuts no further.
    assert any(LONG[:128] in message and "(5,000 characters)" in message for message in messages)
    raw = podlint("lint", "-f", "json", "k8s/pod.yaml", cwd=tmp_path).stdout
    assert "\u202e" not in raw and "\\u202e" in raw  # bidi controls as JSON escapes, not raw


def test_text_cuts_long_values_with_an_ellipsis(tmp_path: Path) -> None:
    hostile_tree(tmp_path / "k8s")
    text = podlint("lint", "k8s/pod.yaml", cwd=tmp_path).stdout
    label = next(line for line in text.splitlines() if "must be no more than 63 characters" in line)
    assert ELLIPSIS in label and LONG not in label and len(label) < 600
    assert "\\u202e" in text and "\\u200f" in text  # bidi controls shown, never applied
    assert "##\\x5badd-mask]secret" in text  # the runner's older command syntax cannot start


def test_a_hostile_file_name_in_a_usage_error(tmp_path: Path) -> None:
    result = podlint("lint", "--values", "v\n::error::forged\x1b[2J.yaml", "chart/", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file" in result.stderr
    assert_safe(result.stderr)


def test_custom_rule_texts_in_rules_and_explain_are_escaped(tmp_path: Path) -> None:
    (tmp_path / ".podlint.yaml").write_text(
        'custom-rules:\n  - id: team-rule\n    message: "m\\e[31m"\n'
        '    summary: "a summary\\n::warning::forged \\e]52;c;Zm9v\\a"\n'
        '    why: "why\\n  ::add-mask::x"\n    fix: "##[stop-commands]t"\n    expression: "true"\n')
    for args in (["rules"], ["rules", "-f", "json"], ["explain", "team-rule"], ["config", "show"]):
        result = podlint(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert_safe(result.stdout)
    assert "a summary\\n::warning::forged" in podlint("rules", cwd=tmp_path).stdout


def test_step_summary_is_markdown_that_links_nothing(tmp_path: Path) -> None:
    hostile_tree(tmp_path / "k8s")
    summary = tmp_path / "summary.md"
    result = podlint("lint", "-f", "github", "k8s/pod.yaml", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## podlint\n")
    assert "| rule | findings | severity | fixable |" in text and "invalid\\-label" in text
    assert_safe(text)
    for markup in ("](", "<", "`"):  # no link, HTML or code span can come from the input
        assert markup not in text.split("| severity | rule | where | message |")[1]


def test_step_summary_lists_at_most_100_findings() -> None:
    findings = [Finding("image-latest-tag", Severity.WARNING, f"f{index}", "a.yaml", Span.point(index + 1, 1))
                for index in range(150)]
    text = step_summary(Report(findings, Summary(files=1, documents=150, warnings=150), root=Path.cwd()))
    assert text.count("| warning | image\\-latest\\-tag |") == 100
    assert "… and 50 more findings" in text


# The escaping functions ---------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "shown"), [
    ("plain text, ünïcödé, 日本", "plain text, ünïcödé, 日本"),
    ("a\nb\rc\td", "a\\nb\\rc\\td"),
    ("\x1b[31mred\x07", "\\x1b[31mred\\x07"),
    ("\x7f\x85\x9b", "\\x7f\\x85\\x9b"),
    ("left\u202eright\u2066\u200b\ufeff", "left\\u202eright\\u2066\\u200b\\ufeff"),
    ("line\u2028sep\u00a0nbsp", "line\\u2028sep\\xa0nbsp"),
    ("\udcff lone surrogate, \U000e0001 tag", "\\udcff lone surrogate, \\U000e0001 tag"),
    ("##[add-mask]x ##vso[task]y", "##\\x5badd-mask]x ##vso\\x5btask]y"),
])
def test_visible(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(shown) == shown  # escaping twice changes nothing more


def test_visible_keeps_line_breaks_only_when_asked_and_guards_each_line() -> None:
    assert visible("a\nb", newlines=True) == "a\nb"
    assert safe_lines("error\n::error::x\n  ::add-mask::y\n\x1b") == "error\n\\x3a:error::x\n  \\x3a:add-mask::y\n\\x1b"
    assert guard_line("file.yaml:1:2: ::x") == "file.yaml:1:2: ::x"  # only a line's start counts
    assert guard_line("\u3000::x") == "\u3000\\x3a:x"  # as the runner trims: any Unicode space


def test_warn_escapes_what_it_quotes(capsys: pytest.CaptureFixture[str]) -> None:
    warn("cannot read x\n::error::y\x1b[2J")
    assert capsys.readouterr().err == "podlint: cannot read x\n\\x3a:error::y\\x1b[2J\n"


@pytest.mark.parametrize("value", [EVIL_NAME, "\u202e\u2028\x85\x7f\udcff", "\U0001f600 \U000e0001", "##[x]",
                                   "plain", "ünï\u00a0"])
def test_json_safe_is_the_same_json_value(value: str) -> None:
    for indent in (None, 2):
        encoded = json_safe(json.dumps({"k": [value, {"n": value}]}, ensure_ascii=False, indent=indent))
        assert json.loads(encoded) == {"k": [value, {"n": value}]}
        assert all(char.isprintable() or char == "\n" for char in encoded) and "##[" not in encoded


def test_shorten_cuts_long_words_and_long_texts() -> None:
    assert shorten("short") == "short"
    cut = shorten(f'Invalid value: "{LONG}": must be no more than 63 characters')
    assert cut.startswith('Invalid value: "xxx') and cut.endswith('xxx": must be no more than 63 characters')
    assert ELLIPSIS in cut and len(cut) < 200
    words = shorten(" ".join(["word"] * 2000))
    assert len(words) <= 1000 and ELLIPSIS in words


def test_findings_stay_raw_for_fixes_and_baselines() -> None:
    finding = Finding("invalid-object-name", Severity.ERROR, f"bad {EVIL_NAME}", "a.yaml", Span.point(1, 1),
                      kind="Pod", name=EVIL_NAME)
    report = Report([finding], Summary(), root=Path.cwd())
    formatter("text")(report, False)
    formatter("sarif")(report, False)
    assert finding.name == EVIL_NAME and finding.message == f"bad {EVIL_NAME}"


def test_the_check_itself_catches_what_it_looks_for() -> None:
    for unsafe in ("a\n::error::x", "ok \x1b[2J", "x ##[add-mask]y", "\u202e", "  ::warning::x"):
        with pytest.raises(AssertionError):
            assert_safe(unsafe)
    assert_safe("::error file=a.yaml,line=1::message", annotations=True)
