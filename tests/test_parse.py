"""Reading: YAML 1.1 values as Kubernetes sees them, positions, recovery, and hostile input."""

from __future__ import annotations

import time

import pytest

from podlint.findings import Span
from podlint.reading.parse import parse_bytes, parse_text


def data(text: str) -> object:
    result = parse_text(text, "t.yaml")
    assert not result.findings, result.findings
    return result.documents[0].data


@pytest.mark.parametrize(
    ("scalar", "value"),
    [("yes", True), ("on", True), ("y", True), ("No", False), ("off", False), ("0755", 493), ("0x1F", 31),
     ("1_000", 1000), ("1e3", 1000.0), ("~", None), ("1:30", "1:30"), ("2024-01-02", "2024-01-02"),
     ("'yes'", "yes"), ("08", 8.0), (".inf", float("inf"))],
)
def test_yaml_11_scalars_as_go_yaml_reads_them(scalar: str, value: object) -> None:
    assert data(f"v: {scalar}\n") == {"v": value}


def test_non_string_keys_become_json_keys() -> None:
    assert data("1: a\ntrue: b\n") == {"1": "a", "true": "b"}


def test_spans_for_keys_and_values() -> None:
    document = parse_text("a:\n  b:\n    - x: 1\n      y: hello\n", "t.yaml").documents[0]
    assert document.span(("a", "b", 0, "y")) == Span(4, 7, 4, 8)
    assert document.span(("a", "b", 0, "y"), "value") == Span(4, 10, 4, 15)
    assert document.span(("a", "b", 0)).line == 3
    # A path that does not exist resolves to its deepest existing part.
    assert document.span(("a", "b", 0, "missing")).line == 3


def test_multi_document_recovery_after_syntax_error() -> None:
    text = "a: 1\n---\nb: [unclosed\n---\nc: 3\n"
    result = parse_text(text, "t.yaml")
    assert [d.data for d in result.documents] == [{"a": 1}, {"c": 3}]
    assert [(f.rule, f.span.line, f.span.column) for f in result.findings] == [("parse-error", 3, 4)]
    assert result.documents[1].span(("c",)).line == 5


def test_alias_bomb_fails_fast() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    start = time.perf_counter()
    result = parse_text("\n".join(lines) + "\n", "bomb.yaml")
    assert time.perf_counter() - start < 2
    assert any("alias" in f.message for f in result.findings if f.rule == "parse-error")


def test_deep_nesting_fails_fast_without_crashing() -> None:
    result = parse_text("a: " + "[" * 200_000 + "]" * 200_000 + "\n", "deep.yaml")
    assert [f.rule for f in result.findings] == ["parse-error"]
    assert "nesting deeper" in result.findings[0].message
    block = "".join(f"{' ' * (2 * i)}k{i}:\n" for i in range(300)) + " " * 600 + "v: 1\n"
    assert any("nesting deeper" in f.message for f in parse_text(block, "deep.yaml").findings)


def test_unsafe_tags_construct_nothing() -> None:
    result = parse_text("a: !!python/object/apply:os.system ['echo pwned']\n", "t.yaml")
    assert [f.rule for f in result.findings] == ["yaml-tag"]
    assert result.documents[0].data == {"a": ["echo pwned"]}


@pytest.mark.parametrize(
    ("raw", "needle"),
    [(b"\x00\x01\x02binary", "binary"), (b"a: \xff\xfe\n", "invalid UTF-8"), (b"a: 'open\n", "invalid YAML")],
)
def test_bad_bytes_are_findings(raw: bytes, needle: str) -> None:
    result = parse_bytes(raw, "t.yaml")
    assert [f.rule for f in result.findings] == ["parse-error"]
    assert needle in result.findings[0].message


def test_utf16_with_bom_is_read() -> None:
    raw = "kind: Pod\napiVersion: v1\n".encode("utf-16")
    assert parse_bytes(raw, "t.yaml").documents[0].data == {"kind": "Pod", "apiVersion": "v1"}


def test_size_limit() -> None:
    result = parse_bytes(b"a: 1\n" * 100, "t.yaml", max_bytes=100)
    assert "over the 100-byte limit" in result.findings[0].message


def test_json_is_read_with_positions() -> None:
    document = parse_text('{\n  "kind": "Pod",\n  "spec": {"x": 1}\n}\n', "t.json").documents[0]
    assert document.data == {"kind": "Pod", "spec": {"x": 1}}
    assert document.span(("spec", "x")) == Span(3, 12, 3, 15)


def test_cached_scalars_are_checked_and_valued_every_time() -> None:
    text = "a: !!int abc\nb: !!int abc\nc: 8080\nd: 8080\ne: [!!float nan]\nf: [!!float nan]\n"
    for _ in range(2):  # the second reading hits the caches of the first
        result = parse_text(text, "t.yaml")
        assert [(f.rule, f.span.line) for f in result.findings] == [("parse-error", 1), ("parse-error", 2)]
        data = result.documents[0].data
        assert data["a"] == data["b"] == "abc" and data["c"] == data["d"] == 8080
        assert data["e"] != data["f"]  # not one cached NaN object: lists of it would compare equal


def test_files_with_and_without_anchors_read_alike() -> None:
    body = "a:\n  b: [x, {c: 1, c: 2}]\n  d: [[y]]\n<<: {e: 3}\n"
    plain, anchored = parse_text(body, "t.yaml"), parse_text("# &\n" + body, "t.yaml")
    assert plain.documents[0].data == anchored.documents[0].data
    assert [(f.rule, f.span.line + 1) for f in plain.findings] == [(f.rule, f.span.line) for f in anchored.findings]
    assert [f.rule for f in plain.findings] == ["duplicate-key"]


def test_invalid_utf8_after_a_bom_is_placed_and_named_after_the_bom() -> None:
    [finding] = parse_bytes(b"\xef\xbb\xbfa: b\nc: \xff\n", "t.yaml").findings
    assert (finding.span.line, finding.span.column) == (2, 4)
    assert "byte 0xff" in finding.message
