"""The reader's shortcuts give exactly the answers of the slow paths they replace."""

from __future__ import annotations

import gc
import re
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from podlint.engine import Linter
from podlint.parse import (
    _DASH_RUN,
    _DEEP_INDENT,
    _DOC_START,
    GoYamlResolver,
    _Composer,
    _LineIndex,
    _may_nest_deeply,
    collector_paused,
    parse_text,
)

_STR = "tag:yaml.org,2002:str"
# Characters that decide how YAML 1.1 types a plain scalar.
scalars = st.text(alphabet="0123456789abcdefnoxyENOTY.+-_:~<", max_size=12)


@given(scalars)
def test_cached_resolution_matches_the_resolver(value: str) -> None:
    expected = GoYamlResolver().resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    composer = _Composer("")
    try:
        first = composer.resolve(ScalarNode, value, (True, False))
        cached = composer.resolve(ScalarNode, value, (True, False))
    finally:
        composer.dispose()
    assert first == cached == expected


def test_quoted_scalars_and_collections_keep_their_default_tags() -> None:
    composer = _Composer("")
    try:
        assert composer.resolve(ScalarNode, "true", (False, True)) == _STR
        assert composer.resolve(SequenceNode, None, True) == "tag:yaml.org,2002:seq"
        assert composer.resolve(MappingNode, None, True) == "tag:yaml.org,2002:map"
    finally:
        composer.dispose()


def test_values_read_the_same_with_a_warm_cache() -> None:
    text = "a: yes\nb: '8080'\nc: 8080\nd: 0755\ne: ~\nf: name\n"
    assert parse_text(text, "t.yaml").documents[0].data == parse_text(text, "t.yaml").documents[0].data == {
        "a": True, "b": "8080", "c": 8080, "d": 493, "e": None, "f": "name"}


def _regex_gate(text: str) -> bool:
    return (text.count("[") + text.count("{") >= 2500 or _DEEP_INDENT.search(text) is not None
            or _DASH_RUN.search(text) is not None)


@given(st.sampled_from([" " * 2500 + "x", " " * 2499 + "x", "a:\n" + " " * 2600 + "b: 1\n", " " * 3000,
                        "- " * 2500 + "x", "-\t" * 2500, "? " * 2499 + "-  x", "- " * 2499, "[" * 2500,
                        "{" * 1250 + "[" * 1250, "kind: Pod\n" * 300]),
       st.text(alphabet=" -?\t\nab[{", max_size=50))
def test_cheap_depth_gate_agrees_with_the_regexes(suspect: str, noise: str) -> None:
    for text in (suspect, noise + suspect, suspect + noise, noise):
        assert _may_nest_deeply(text) == _regex_gate(text), repr(text[:40])


@given(st.lists(st.sampled_from(["---", "--- # x", "...", "a: 1", "  b: ---", "", "----", "- x"]), max_size=40))
def test_separator_lines_match_a_direct_count(lines: list[str]) -> None:
    text = "\n".join(lines)
    expected = [text.count("\n", 0, match.start()) for match in re.finditer(_DOC_START, text)]
    assert _LineIndex(text).separators == expected


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generations the cyclic garbage collector scans while the test runs."""
    seen: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


def test_reading_a_large_file_scans_for_garbage_at_most_once(collections: list[int]) -> None:
    document = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: x, labels: {a: b}}\ndata:\n" + "".join(
        f"  key{index}: [{index}, '{index}', {{k: v}}]\n" for index in range(40))
    text = "---\n".join([document] * 500)
    gc.collect()  # start from an empty young generation
    collections.clear()
    result = parse_text(text, "big.yaml")
    assert len(result.documents) == 500
    assert len(collections) <= 1  # once the file is read, not hundreds of times while it is
    assert gc.isenabled()


def test_collector_state_is_restored() -> None:
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n  containers:\n    - name: app\n"
       "      image: nginx\n      resources: {limits: {cpu: 100m, memory: 64Mi}}\n")


def test_a_sink_gets_each_document_in_order_and_nothing_is_kept() -> None:
    seen: list[tuple[int, str]] = []
    result = parse_text("---\n".join(POD % index for index in range(5)), "t.yaml",
                        sink=lambda document: seen.append((document.index, document.data["metadata"]["name"])))
    assert seen == [(index, f"p{index}") for index in range(5)]
    assert (result.documents, result.document_count) == ([], 5)


def test_streamed_file_needs_the_memory_of_one_document() -> None:
    text = "---\n".join(POD % index for index in range(300))
    peaks = []
    for sink in (None, lambda document: None):
        tracemalloc.start()
        result = parse_text(text, "t.yaml", sink=sink)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert result.document_count == 300
    assert peaks[1] * 5 < peaks[0], peaks


def test_linting_as_documents_are_read_still_drops_a_template(linter: Linter) -> None:
    text = POD % 1 + "---\n" + POD % 2 + "---\nspec: {{ .Values.spec }}: [\n"
    result = linter.lint_text(text, "chart.yaml")
    assert [finding.rule for finding in result.findings] == ["unrendered-template"]
    assert result.documents == 0
    clean = linter.lint_text(POD % 1 + "---\n" + POD % 2, "pods.yaml")
    assert [(finding.rule, finding.span.line) for finding in clean.findings] == [
        ("image-latest-tag", 7), ("image-latest-tag", 16)]
    assert (clean.documents, clean.objects) == (2, 2)


def test_linting_leaves_no_cyclic_garbage() -> None:
    """The collector is paused while a file is linted (parse.collector_paused), and node trees
    are freed as soon as a document is linted: both rely on linting making no reference cycles
    (one between PodSpecView and its ContainerViews once kept every tree alive: 2x the time)."""
    from podlint.engine import lint_sources
    from podlint.sources import expand
    from tests.conftest import CORPUS, TESTS

    paths = [str(TESTS / "rules")] + ([str(CORPUS / "k8s-examples")] if CORPUS.is_dir() else [])
    linter = Linter()
    gc.collect()
    gc.disable()
    try:
        run = lint_sources(expand(paths), linter)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert run.summary.documents > 300
    assert garbage < 2000, f"{garbage} objects in reference cycles"
