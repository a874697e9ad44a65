"""JSON Schema for custom rules, made safe for untrusted manifests: RE2 patterns and no remote `$ref`.

`jsonschema` matches `pattern` and `patternProperties` with Python's backtracking `re`; here
those keywords (and `additionalProperties`, which consults `patternProperties`) use RE2
(`regex.py`), so a manifest's text is matched in linear time. A `$ref` may only point inside
the rule's own schema (`#...`): nothing is fetched from the network or read from a file, and
the validator is given a registry that cannot retrieve anything either.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from podlint.findings import FieldPath
from podlint.policies import regex

REFERENCE_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


class SchemaRefused(ValueError):
    """A schema podlint will not run: where in the schema, and why."""

    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def refuse_unsafe(schema: Any, path: FieldPath = ()) -> None:
    """SchemaRefused for a remote or file `$ref`, or for a pattern RE2 cannot take."""
    for where, node in _subschemas(schema, path):
        for keyword in REFERENCE_KEYWORDS:
            target = node.get(keyword)
            if isinstance(target, str) and not target.startswith("#"):
                raise SchemaRefused((*where, keyword), f"{keyword} {target!r} is refused: a rule's schema may refer "
                                    "only to its own parts ('#/...'); podlint fetches nothing from the network and "
                                    "reads no other file")
        if isinstance(node.get("pattern"), str):
            _check_pattern(node["pattern"], (*where, "pattern"))
        properties = node.get("patternProperties")
        if isinstance(properties, dict):
            for pattern in properties:
                _check_pattern(str(pattern), (*where, "patternProperties", pattern))


def _check_pattern(pattern: str, path: FieldPath) -> None:
    try:
        regex.check(pattern)
    except regex.RegexError as exc:
        raise SchemaRefused(path, str(exc)) from None


def _subschemas(node: Any, path: FieldPath) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    """Every mapping in the schema (keywords or not: a stricter walk cannot miss a subschema)."""
    stack: list[tuple[FieldPath, Any]] = [(path, node)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            yield where, item
            stack.extend(((*where, key), value) for key, value in item.items() if isinstance(value, dict | list))
        elif isinstance(item, list):
            stack.extend(((*where, index), value) for index, value in enumerate(item) if isinstance(value, dict | list))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema import ValidationError

    if validator.is_type(instance, "string") and regex.search(pattern, instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, properties: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in properties.items():
        for key, value in instance.items():
            if regex.search(pattern, key) is not None:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema import ValidationError

    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [key for key in instance
              if key not in properties and not any(regex.search(pattern, key) is not None for pattern in patterns)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: "
                                  f"{', '.join(map(repr, sorted(patterns)))}")
        else:
            was = "was" if len(extras) == 1 else "were"
            yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, extras))} {was} "
                                  "unexpected)")


_SAFE_CLASSES: dict[Any, Any] = {}


def validator(schema: dict[str, Any], base: Any) -> Any:
    """A validator of `base`'s draft whose regexes are RE2's and whose registry retrieves nothing."""
    from jsonschema import validators
    from referencing import Registry

    cls = _SAFE_CLASSES.get(base)
    if cls is None:
        cls = _SAFE_CLASSES[base] = validators.extend(  # type: ignore[no-untyped-call]
            base, {"pattern": _pattern, "patternProperties": _pattern_properties,
                   "additionalProperties": _additional_properties})
    return cls(schema, format_checker=base.FORMAT_CHECKER, registry=Registry())  # (a registry without retrieve)
