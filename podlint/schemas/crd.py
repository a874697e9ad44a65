"""Schemas for custom resources: from CustomResourceDefinitions in the run, or from files.

A CRD's `openAPIV3Schema` is a structural OpenAPI v3 schema with Kubernetes extensions; it
becomes a JSON Schema that checks what the API server checks when it decodes a custom
resource strictly: `nullable`, `x-kubernetes-int-or-string`, and unknown fields (which the
API server prunes, and `kubectl apply` with strict field validation rejects) unless
`x-kubernetes-preserve-unknown-fields` keeps them. As the API server does before it validates,
a `null` field that is not nullable counts as absent (it is pruned) and a required field with a
`default` is never missing (it is defaulted). Formats are not checked; CEL rules
(`x-kubernetes-validations`) are evaluated by `cel_rules.py` from the same structural schema.

The bundled catalogue (`catalogue.py`) stores structural schemas in the form `compact()` gives.

Schema files follow the `{kind}_{version}.json` naming of CRD schema catalogues (kind in
lower case), directly in a `--schema-dir` folder or in a `{group}/` subfolder of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from podlint.model.objects import K8sObject
from podlint.patterns import lazy

CRD_KIND = "CustomResourceDefinition"
CRD_GROUP = "apiextensions.k8s.io"
# Keywords that keep their meaning in JSON Schema; everything else (formats, extensions,
# OpenAPI-only keywords) is left out.
_KEEP = frozenset({
    "type", "enum", "required", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    "multipleOf",
})
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def is_crd(obj: K8sObject) -> bool:
    return obj.kind == CRD_KIND and obj.group == CRD_GROUP


class Structural(NamedTuple):
    """One served version's `openAPIV3Schema`, and whether `status` is a subresource (ignored on create)."""

    schema: dict[str, Any]
    status_subresource: bool = False


def schemas_of_crd(obj: K8sObject) -> dict[tuple[str, str], Structural]:
    """(apiVersion, kind) -> structural schema, for each served version of a CRD that has a schema."""
    spec = obj.get(("spec",))
    return structural_schemas(spec) if isinstance(spec, dict) else {}


def structural_schemas(spec: dict[str, Any]) -> dict[tuple[str, str], Structural]:
    """The same from a CRD's `spec` (the catalogue build reads upstream CRD files with it)."""
    group = spec.get("group")
    names = spec.get("names")
    kind = names.get("kind") if isinstance(names, dict) else None
    if not isinstance(group, str) or not isinstance(kind, str):
        return {}
    found: dict[tuple[str, str], Structural] = {}
    shared = _openapi(spec.get("validation"))  # apiextensions.k8s.io/v1beta1: one schema for all versions
    shared_status = _has_status(spec.get("subresources"))
    versions = spec.get("versions")
    if isinstance(versions, list):
        for version in versions:
            if not isinstance(version, dict) or not isinstance(version.get("name"), str):
                continue
            if version.get("served") is False:
                continue
            schema = _openapi(version.get("schema")) or shared
            if schema is not None:
                status = _has_status(version.get("subresources")) or shared_status
                found[(f"{group}/{version['name']}", kind)] = Structural(schema, status)
    elif isinstance(spec.get("version"), str) and shared is not None:
        found[(f"{group}/{spec['version']}", kind)] = Structural(shared, shared_status)
    return found


def _has_status(subresources: Any) -> bool:
    return isinstance(subresources, dict) and isinstance(subresources.get("status"), dict)


def _openapi(holder: Any) -> dict[str, Any] | None:
    if isinstance(holder, dict) and isinstance(holder.get("openAPIV3Schema"), dict):
        schema: dict[str, Any] = holder["openAPIV3Schema"]
        return schema
    return None


def to_json_schema(node: dict[str, Any], field: bool = False) -> dict[str, Any]:
    """A structural OpenAPI v3 schema (as in a CRD) -> an equivalent strict JSON Schema.

    `field`: the node is the value of an object's field, where a `null` is pruned (absent)
    unless the field is nullable, and replaced by its default if it has one.
    """
    out: dict[str, Any] = {key: value for key, value in node.items() if key in _KEEP}
    if node.get("x-kubernetes-int-or-string") is True:
        out["type"] = ["integer", "string"]
        node = {key: value for key, value in node.items() if key not in _SUBSCHEMA_LISTS}
    if node.get("nullable") is True or field:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif isinstance(out.get("type"), list) and "null" not in out["type"]:
            out["type"] = [*out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    properties = node.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {name: to_json_schema(sub, True) for name, sub in properties.items()
                             if isinstance(sub, dict)}
        if isinstance(out.get("required"), list):  # a field with a default is filled in before validation
            out["required"] = [name for name in out["required"] if not defaulted(properties.get(name))]
    items = node.get("items")
    if isinstance(items, dict):
        out["items"] = to_json_schema(items)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out["additionalProperties"] = to_json_schema(extra, True)
    elif isinstance(extra, bool):
        out["additionalProperties"] = extra
    elif isinstance(properties, dict) and node.get("x-kubernetes-preserve-unknown-fields") is not True:
        out["additionalProperties"] = False  # pruned by the API server, rejected by strict kubectl
    out.update(_combinators(node))
    if node.get("x-kubernetes-embedded-resource") is True and isinstance(out.get("properties"), dict):
        for name in ("apiVersion", "kind", "metadata"):
            out["properties"].setdefault(name, {})
    return out


# What a value check may carry that changes nothing it accepts.
_ANNOTATIONS = frozenset({"description", "title", "example", "default"})


def _combinators(node: dict[str, Any]) -> dict[str, Any]:
    """A node's allOf/anyOf/oneOf/not as JSON Schema that accepts at least what the API server accepts.

    Their branches keep only the checks JSON Schema means the same way (formats, for one, are
    left out), so a branch may accept more than it does in the CRD. That is harmless under allOf
    and anyOf, but not under `oneOf` (two loosened branches can both match: a oneOf of `format:
    ipv4` and `format: ipv6` would refuse every address) nor under `not` (a loosened subschema
    refuses more): a oneOf with a loosened branch is checked as anyOf, a loosened `not` not at all.
    """
    out: dict[str, Any] = {}
    for key in _SUBSCHEMA_LISTS:
        options = node.get(key)
        if isinstance(options, list):
            # Structural schemas allow only value checks here, never new fields or types.
            checks = [_value_checks(option) for option in options if isinstance(option, dict)]
            exact = all(exact for _, exact in checks)
            target = "anyOf" if key == "oneOf" and not exact else key
            out[target] = [*out.get(target, []), *(check for check, _ in checks)]
    negated = node.get("not")
    if isinstance(negated, dict):
        check, exact = _value_checks(negated)
        if exact:
            out["not"] = check
    return out


def _value_checks(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A subschema under allOf/anyOf/oneOf/not: its checks, without the strictness of a full schema;
    and whether it accepts exactly what the CRD's subschema accepts (nothing was left out)."""
    out: dict[str, Any] = {key: value for key, value in node.items() if key in _KEEP}
    exact = all(key in _KEEP or key in _ANNOTATIONS or key in ("properties", "items", "not", *_SUBSCHEMA_LISTS)
                for key in node)
    if isinstance(node.get("properties"), dict):
        out["properties"] = {}
        for name, sub in node["properties"].items():
            if isinstance(sub, dict):
                out["properties"][name], sub_exact = _value_checks(sub)
                exact = exact and sub_exact
    if isinstance(node.get("items"), dict):
        out["items"], items_exact = _value_checks(node["items"])
        exact = exact and items_exact
    combined = _combinators(node)
    out.update(combined)
    # A oneOf made anyOf or a `not` dropped: this subschema accepts more than the CRD's.
    exact = exact and ("oneOf" in combined) == ("oneOf" in node) and ("not" in combined) == ("not" in node)
    return out, exact


def with_object_fields(schema: dict[str, Any], object_meta: dict[str, Any],
                       status_free: bool = False) -> dict[str, Any]:
    """A custom resource's root: apiVersion, kind and metadata are always there, checked as for any object.

    `status_free`: `status` is a subresource, which the API server ignores on create.
    """
    root = dict(schema)
    properties = dict(root.get("properties") or {})
    properties["apiVersion"] = {"type": "string"}
    properties["kind"] = {"type": "string"}
    properties["metadata"] = object_meta
    if status_free and "status" in properties:
        properties["status"] = {}
    root["properties"] = properties
    root["type"] = "object"
    return root


# What the bundled catalogue keeps of a structural schema: what validation and CEL rules read
# (formats type CEL values; defaults apply before validation), not descriptions or examples.
_STORED = _KEEP | {
    "properties", "items", "additionalProperties", "allOf", "anyOf", "oneOf", "not", "nullable", "format",
    "default", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource", "x-kubernetes-validations", "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
}
_SCHEMA_VALUED = ("items", "additionalProperties", "not")


# A required field its description says is defaulted ("The name is defaulted to
# 'failurePolicyRuleN'", JobSet): a mutating webhook fills it in before the API server validates
# the object, so a manifest may leave it out. 0.5% of the catalogue's required fields say so.
_DOCUMENTED_DEFAULT = lazy(r"\b(?:is|are|will be|gets?|be) defaulted\b|\bdefault(?:s|ed)? to\b", re.IGNORECASE)


def defaulted(node: Any) -> bool:
    """Whether a property is filled in when missing: a `default`, or (webhooks) a description saying so."""
    if not isinstance(node, dict):
        return False
    description = node.get("description")
    return "default" in node or (isinstance(description, str) and _DOCUMENTED_DEFAULT.search(description) is not None)


def compact(node: Any) -> Any:
    """A structural schema without what neither validation nor CEL rules read (descriptions, examples)."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    properties: dict[str, Any] = node["properties"] if isinstance(node.get("properties"), dict) else {}
    for key, value in node.items():
        if key not in _STORED:
            continue
        if key == "required" and isinstance(value, list):  # descriptions go: what they say of defaults stays
            out[key] = [name for name in value if "default" in (properties.get(name) or {})
                        or not defaulted(properties.get(name))]
            if not out[key]:
                del out[key]
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: compact(sub) for name, sub in value.items()}
        elif key in _SCHEMA_VALUED and isinstance(value, dict):
            out[key] = compact(value)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [compact(option) for option in value]
        else:
            out[key] = value
    return out


def find_schema_file(folders: tuple[Path, ...], api_version: str, kind: str) -> Path | None:
    """`{group}/{kind}_{version}.json` or `{kind}_{version}.json` (kind lower-cased) in the folders."""
    group, _, version = api_version.rpartition("/")
    name = f"{kind.lower()}_{version}.json"
    for folder in folders:
        for candidate in (folder / group / name, folder / name) if group else (folder / name,):
            if candidate.is_file():
                return candidate
    return None


def read_schema_file(path: Path) -> dict[str, Any]:
    """ValueError with a reason when the file is not a JSON Schema object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read schema {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"schema {path} is not a JSON object")
    return data


Tree = TypeVar("Tree")


def subtrees(schema: dict[str, Any], build: Callable[[Any], Tree | None]
             ) -> tuple[dict[str, Tree], Tree | None, Tree | None]:
    """`build` over a structural schema's children: (properties that gave a tree, items, additionalProperties);
    the walk that CEL rule trees and list-type trees share."""
    properties = schema.get("properties")
    built = {}
    if isinstance(properties, dict):
        for name, sub in properties.items():
            child = build(sub)
            if child is not None:
                built[name] = child
    return built, build(schema.get("items")), build(schema.get("additionalProperties"))
