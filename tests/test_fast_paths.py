"""The reader's shortcuts give exactly the answers of the slow paths they replace."""

from __future__ import annotations

import gc
import io

from hypothesis import given
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.reading.parse import GoYamlResolver, _Composer, parse_text
from podlint.sources.files import expand
from tests.conftest import CORPUS_SAMPLE, TESTS

_STR = "tag:yaml.org,2002:str"
# Characters that decide how YAML 1.1 types a plain scalar.
scalars = st.text(alphabet="0123456789abcdefnoxyENOTY.+-_:~<", max_size=12)


def _composer() -> _Composer:
    return _Composer(io.BytesIO(b""))


@given(scalars)
def test_cached_resolution_matches_the_resolver(value: str) -> None:
    expected = GoYamlResolver().resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    composer = _composer()
    try:
        first = composer.resolve(ScalarNode, value, (True, False))
        cached = composer.resolve(ScalarNode, value, (True, False))
    finally:
        composer.dispose()
    assert first == cached == expected


def test_quoted_scalars_and_collections_keep_their_default_tags() -> None:
    composer = _composer()
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


def test_keys_and_short_strings_are_shared() -> None:
    text = "---\n".join(f"kind: Pod\nmetadata: {{name: p{index}, namespace: team}}\n" for index in range(3))
    first, second, _ = (document.data for document in parse_text(text, "t.yaml").documents)
    assert next(iter(first)) is next(iter(second))  # the key `kind`
    assert first["metadata"]["namespace"] is second["metadata"]["namespace"]


def test_linting_leaves_no_cyclic_garbage() -> None:
    """The reader pauses the cyclic collector while it reads a file, and a run frees each file's
    node trees by reference counting: both rely on linting making no reference cycles (one between
    PodSpecView and its ContainerViews once kept every tree alive: twice the run time)."""
    paths = [str(TESTS / "rules"), str(CORPUS_SAMPLE)]
    linter = Linter()
    gc.collect()
    gc.disable()
    try:
        run = lint_sources(expand(paths), linter)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert run.summary.documents > 280
    assert garbage < 2000, f"{garbage} objects in reference cycles"
