"""`select`, `extend-select` and `ignore` (command line and configuration), as ruff names them.

A selector is, in this order of precedence:
- `ALL`: every rule;
- a rule id (`image-latest-tag`);
- a category (`hardening`, `api-server`, ...) or a tag (`security`, `reliability`, `external/cwe/cwe-250`,
  or just `cwe-250`) as the catalogue defines them; `category:NAME` and `tag:NAME` say which when a word is
  both a rule id and a category (`schema`);
- a glob over rule ids (`invalid-*`), or a prefix of ids that ends at a dash (`invalid` = `invalid-*`).

`resolve` turns selectors into rule ids once, when the configuration is read; the Ruleset then
applies each layer (`Selection`) to every rule. Unknown selectors are errors with a suggestion.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from podlint.rules.catalogue import Rule

ALL = "ALL"


class SelectorError(ValueError):
    """A selector that names nothing: the message says what it is not, and what it may have meant."""


class Selection(NamedTuple):
    """One layer of selectors (the configuration's, or the command line's), as rule ids."""

    select: frozenset[str] | None = None  # None: keep what the layer below enabled
    extend: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()

    def apply(self, rule_id: str, enabled: bool) -> bool:
        if self.select is not None:
            enabled = rule_id in self.select
        if rule_id in self.extend:
            enabled = True
        if rule_id in self.ignore:
            enabled = False
        return enabled

    @property
    def empty(self) -> bool:
        return self.select is None and not self.extend and not self.ignore


NO_SELECTION = Selection()  # the layer that changes nothing


def split(values: Iterable[str]) -> list[str]:
    """Selectors as given: repeated options and comma-separated lists (`--select a,b --select c`)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _tags(rule: Rule) -> set[str]:
    tags = set(rule.tags)
    tags |= {tag.rsplit("/", 1)[-1] for tag in rule.tags if tag.startswith("external/cwe/")}
    return tags


def resolve(selector: str, catalogue: Mapping[str, Rule]) -> frozenset[str]:
    """The rule ids a selector names; SelectorError if none."""
    if selector.upper() == ALL:
        return frozenset(catalogue)
    kind, colon, name = selector.partition(":")
    if colon and kind in ("category", "tag", "rule"):
        found = _named(kind, name, catalogue)
        if found:
            return found
        raise SelectorError(f"no {kind} {name!r}{_hint(name, catalogue)}")
    if selector in catalogue:
        return frozenset({selector})
    found = _named("category", selector, catalogue) or _named("tag", selector, catalogue)
    if found:
        return found
    pattern = selector if any(char in selector for char in "*?[") else selector.rstrip("-") + "-*"
    found = frozenset(rule_id for rule_id in catalogue if fnmatch.fnmatchcase(rule_id, pattern))
    if found:
        return found
    raise SelectorError(f"no rule {selector!r} (nor a category, tag or prefix of rule ids){_hint(selector, catalogue)}")


def _named(kind: str, name: str, catalogue: Mapping[str, Rule]) -> frozenset[str]:
    if kind == "rule":
        return frozenset({name}) if name in catalogue else frozenset()
    if kind == "category":
        return frozenset(rule.id for rule in catalogue.values() if rule.category == name)
    return frozenset(rule.id for rule in catalogue.values() if name in _tags(rule))


def vocabulary(catalogue: Mapping[str, Rule]) -> list[str]:
    """Every word a selector may be: rule ids, categories and tags."""
    words = dict.fromkeys(catalogue)
    for rule in catalogue.values():
        words[rule.category] = None
        words.update(dict.fromkeys(_tags(rule)))
    return list(words)


def _hint(word: str, catalogue: Mapping[str, Rule]) -> str:
    import difflib  # only for a mistake

    close = difflib.get_close_matches(word, vocabulary(catalogue), n=1)
    return f" (did you mean {close[0]!r}?)" if close else "; `podlint rules` lists them"


def resolve_all(selectors: Iterable[str], catalogue: Mapping[str, Rule]) -> frozenset[str]:
    ids: set[str] = set()
    for selector in selectors:
        ids |= resolve(selector, catalogue)
    return frozenset(ids)
