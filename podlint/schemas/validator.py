"""Schema validation: every object against its kind's JSON schema, findings at exact spans.

Built-in kinds use the schemas shipped in `schemas/` (one set per Kubernetes minor version,
`$ref`s already inlined by `scripts/build_schemas.py`); custom resources use the schemas of
CustomResourceDefinitions seen in the same run or found in `--schema-dir` folders (`crd.py`).
Validators are compiled by jsonschema-rs once per (version, apiVersion, kind), lazily: the
hot path is one `is_valid` call per object, and only invalid objects pay for error details.

Errors become `Problem`s of two rules: `unknown-field` (a key the schema does not allow,
with a "did you mean" suggestion) and `schema` (type, required, enum, format, range), worded
for a person who does not know JSON Schema. A custom resource's CRD validation rules (CEL,
`cel_rules.py`) are `crd-validation-rule` problems.

Where a custom resource's schema comes from, first found: a CRD of the run, a `--schema-dir`
file, the bundled catalogue (`catalogue.py`). A run keeps its custom resources until every CRD
of the run is known (`final`), so that a CRD anywhere in the run wins over the catalogue.
Configuration files of tools (`toolconfigs.py`) are not custom resources.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import jsonschema_rs

from podlint.checks import Problem
from podlint.findings import FieldPath, format_path
from podlint.model.objects import K8sObject, lookup
from podlint.model.podspec import is_placeholder
from podlint.model.validation import go_value
from podlint.reading.parse import Anchor
from podlint.reading.patches import is_directive, is_patch_file
from podlint.records import Record
from podlint.rules.catalogue import data_dir
from podlint.schemas.apiversions import DEPRECATED, REMOVALS, REMOVED, Served, Verdict, stability, verdict
from podlint.schemas.catalogue import Catalogue, bundled
from podlint.schemas.crd import (
    Structural,
    find_schema_file,
    is_crd,
    read_schema_file,
    schemas_of_crd,
    to_json_schema,
    with_object_fields,
)
from podlint.schemas.toolconfigs import tool_of
from podlint.schemas.versions import Version, format_version

UNKNOWN_FIELD = "unknown-field"
SCHEMA = "schema"
CRD_RULE = "crd-validation-rule"
UNKNOWN_VERSION = "unknown-custom-resource-version"
# The rules this stage reports; when all are disabled it does not run.
SCHEMA_RULES = frozenset({UNKNOWN_FIELD, SCHEMA, REMOVED, DEPRECATED, CRD_RULE, UNKNOWN_VERSION})
# Schema errors after which the API server does not evaluate CEL rules (hasBlockingErr: a wrong
# type or an unsupported value); as jsonschema-rs names them.
_BLOCKING = frozenset({"Type", "Enum", "AnyOf", "OneOfNotValid", "OneOfMultipleValid"})
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# Syntaxes scripts/build_schemas.py writes into the shipped schemas (the API server's, as regexes):
# a quantity as resource.ParseQuantity reads it (a signed decimal and one suffix: binary Ki..Ei,
# decimal n u m k M G T P E, or an exponent); a percentage (IsValidPercent); a port name
# (IsValidPortName: IANA service name, at most 15 characters, at least one letter).
QUANTITY = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]+)?$"
PERCENT = r"^[0-9]+%$"
PORT_NAME = r"^(?=.{1,15}$)(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*$"

RuleProblem = tuple[str, Problem]


class Unchecked(list[RuleProblem]):
    """A custom resource that was not checked, with the notes that say why (may be empty)."""


def _is_base64(value: object) -> bool:
    """`format: byte` as Go's encoding/json decodes []byte: standard base64, newlines ignored."""
    if not isinstance(value, str):
        return True  # formats apply to strings only
    try:
        base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


FORMATS: dict[str, Callable[[object], bool]] = {"byte": _is_base64}


class Compiled(Record):
    """A compiled validator, and how to get its schema back to explain errors.

    Shipped schemas are large as Python objects, and only invalid objects need them: those
    are re-read from disk on demand instead of being held for every kind of the run.
    """

    validator: Any  # jsonschema_rs validator
    source: dict[str, Any] | Callable[[], dict[str, Any]]
    # A custom resource's CRD validation rules, and the structural schema that types their values.
    rules: Any  # cel_rules.Node, or None
    structural: dict[str, Any] | None
    defaults: bool  # whether the structural schema defaults fields (then objects are defaulted first)
    lists: Any  # listtypes.ListNode of its set and map lists, or None

    __slots__ = ("defaults", "lists", "rules", "source", "structural", "validator")

    def __init__(self, validator: Any, source: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        self.validator = validator
        self.source = source
        self.rules = None
        self.structural = None
        self.defaults = False
        self.lists = None

    @property
    def schema(self) -> dict[str, Any]:
        return self.source if isinstance(self.source, dict) else self.source()


def compile_schema(schema: dict[str, Any], formats: bool = True,
                   reload: Callable[[], dict[str, Any]] | None = None) -> Compiled:
    """Compile once (podlint's own schemas); ValueError (from jsonschema-rs) when the schema itself is invalid."""
    validator = jsonschema_rs.validator_for(schema, validate_formats=formats, formats=FORMATS)
    return Compiled(validator, reload or schema)


def compile_untrusted(schema: dict[str, Any], origin: Path | None = None,
                      folders: tuple[Path, ...] = ()) -> Compiled:
    """A schema from the input (a CRD in the run, a `--schema-dir` file): its `pattern`s run on the
    linear-time `regex` engine (as the API server's RE2 would; fancy-regex backtracks), and a `$ref`
    is never fetched from the network nor read from a file outside `folders`.

    ValueError, first line only, when the schema is invalid or refers where it may not.
    """
    options: dict[str, Any] = {"pattern_options": jsonschema_rs.RegexOptions()}
    if origin is None:
        options["offline"] = True
    else:
        options["retriever"] = functools.partial(_retrieve, tuple(folder.resolve() for folder in folders))
        options["base_uri"] = origin.resolve().as_uri()
    try:
        validator = jsonschema_rs.validator_for(schema, validate_formats=False, **options)
    except (ValueError, cast("type[Exception]", jsonschema_rs.ReferencingError)) as exc:  # (stubs < 0.60 lack its base)
        raise ValueError(str(exc).strip().splitlines()[0]) from None
    return Compiled(validator, schema)


def _retrieve(folders: tuple[Path, ...], uri: str) -> Any:
    """A `$ref` of a schema file: only another JSON file inside the `--schema-dir` folders."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise ValueError(f"$ref {uri} refused: podlint fetches nothing from the network")
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(folder) for folder in folders):
        raise ValueError(f"$ref {uri} refused: it is outside the --schema-dir folders")
    return read_schema_file(path)


class ShippedSchemas:
    """The schemas in `schemas/`: an index read once, kind schemas loaded on first use."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or data_dir("schemas")
        index = json.loads((self.folder / "index.json").read_text(encoding="utf-8"))
        self.source: str = index["source"]
        self.versions: dict[str, dict[str, dict[str, str]]] = index["versions"]
        self._object_meta: dict[str, str] = index["object_meta"]
        self._compiled: dict[str, Compiled] = {}
        self.groups = frozenset(_group(api) for kinds in self.versions.values() for api in kinds)

    def _load(self, digest: str) -> dict[str, Any]:
        with gzip.open(self.folder / "kinds" / f"{digest}.json.gz", "rb") as stream:
            data: dict[str, Any] = json.loads(stream.read())
        return data

    @functools.lru_cache(maxsize=8)  # noqa: B019 - one store per process (shipped()), a few kinds at a time
    def _explaining(self, digest: str) -> dict[str, Any]:
        return self._load(digest)

    def kinds(self, version: Version) -> dict[str, dict[str, str]]:
        return self.versions.get(format_version(version), {})

    def serves(self, version: Version, api_version: str, kind: str) -> bool:
        return kind in self.kinds(version).get(api_version, {})

    def serving_versions(self, api_version: str, kind: str) -> list[Version]:
        return [_version(name) for name, kinds in self.versions.items() if kind in kinds.get(api_version, {})]

    def compiled(self, version: Version, api_version: str, kind: str) -> Compiled | None:
        digest = self.kinds(version).get(api_version, {}).get(kind)
        if digest is None:
            return None
        found = self._compiled.get(digest)
        if found is None:
            found = self._compiled[digest] = compile_schema(
                self._load(digest), reload=functools.partial(self._explaining, digest))
        return found

    def object_meta(self, version: Version) -> dict[str, Any]:
        return self._load(self._object_meta[format_version(version)])


def _listed(versions: list[str]) -> str:
    return versions[0] if len(versions) == 1 else ", ".join(versions[:-1]) + " and " + versions[-1]


def _version(text: str) -> Version:
    major, minor = text.split(".")
    return int(major), int(minor)


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


@functools.cache
def shipped() -> ShippedSchemas:
    return ShippedSchemas()


# --- errors -> problems ---------------------------------------------------------------------

def problems(obj: K8sObject, compiled: Compiled, data: Any = None) -> list[RuleProblem]:
    """Every way `obj` (or `data`, its defaulted form) breaks its schema, as (rule id, Problem), in document order."""
    data = obj.data if data is None else data
    if compiled.validator.is_valid(data):
        return []
    errors = list(compiled.validator.iter_errors(data))
    patch = is_patch_file(obj.file) or any(
        type(error.kind).__name__ == "AdditionalProperties" and any(map(is_directive, error.kind.unexpected))
        for error in errors)
    out: list[RuleProblem] = []
    seen: set[tuple[str, FieldPath, str]] = set()
    for error in errors:
        for rule, problem in _explain(obj, compiled.schema, error, patch):
            key = (rule, problem.path, problem.message)
            if key not in seen:
                seen.add(key)
                out.append((rule, problem))
    out.sort(key=lambda item: _order(obj, item[1]))
    return out


def _order(obj: K8sObject, problem: Problem) -> tuple[int, int, str]:
    span = obj.span(problem.path, problem.anchor)
    return span.line, span.column, problem.message


def _explain(obj: K8sObject, root: dict[str, Any], error: Any, patch: bool) -> Iterator[RuleProblem]:
    """One jsonschema-rs error in words; a patch (kustomize) may leave required fields out."""
    path: FieldPath = tuple(error.instance_path)
    kind = type(error.kind).__name__
    details: dict[str, Any] = error.kind.as_dict()
    where = format_path(path)
    if kind == "AdditionalProperties":
        allowed = list(_subschema(root, error.schema_path[:-1]).get("properties", {}))
        for name in details["unexpected"]:
            if patch and is_directive(name):
                continue
            owner = f" in {where}" if where else ""
            yield UNKNOWN_FIELD, Problem((*path, name), f"unknown field `{name}`{owner}{_suggest(name, allowed)}")
        return
    if kind == "Required":
        if patch:
            return
        name = details["property"]
        owner = f"{where}: " if where else ""
        yield SCHEMA, Problem(path, f"{owner}missing required field `{name}`")
        return
    instance = error.instance
    if is_placeholder(instance):
        return  # a value a template engine fills in later: its real type is unknown
    schema = _subschema(root, error.schema_path[:-1])
    prefix = f"{where}: " if where else ""
    if kind == "Type":
        message = f"expected {_expected(schema.get('type'))}, got {_describe(instance)}"
        message += _quote_hint(obj, path, instance, schema.get("type"))
    elif kind == "Enum":
        message = _enum_message(instance, details["options"])
    elif kind == "Pattern":
        message = _pattern_message(instance, details["pattern"], schema)
    elif kind in ("Minimum", "Maximum"):
        message = _range_message(instance, schema)
    elif kind == "Format":
        message = _format_message(instance, details["format"], obj.kind == "Secret" and path[:1] == ("data",))
    else:
        message = error.message
    # A wrong scalar is shown where it stands; a wrong list or mapping by its field name.
    anchor: Anchor = "key" if isinstance(instance, list | dict) else "value"
    yield SCHEMA, Problem(path, prefix + message, anchor=anchor)


def _subschema(root: dict[str, Any], schema_path: Iterable[Any]) -> dict[str, Any]:
    node: Any = root
    for part in schema_path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return {}
    return node if isinstance(node, dict) else {}


def _suggest(name: str, allowed: list[str]) -> str:
    if not allowed:
        return ""
    lowered = {candidate.lower(): candidate for candidate in allowed}
    if name.lower() in lowered:
        return f"; did you mean `{lowered[name.lower()]}`?"
    import difflib  # (for a misspelt name only)

    close = difflib.get_close_matches(name, allowed, n=1)
    return f"; did you mean `{close[0]}`?" if close else ""


_TYPE_WORDS = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "a boolean",
               "object": "a mapping", "array": "a list"}


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else [t for t in (types or []) if t != "null"]
    words = [_TYPE_WORDS.get(t, t) for t in names]
    if not words:
        return "another type"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {go_value(value)}"  # (cut when long: one value must not flood the report)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


def _quote_hint(obj: K8sObject, path: FieldPath, value: Any, types: Any) -> str:
    """YAML 1.1 reads `yes`, `on`, `1.10` as booleans and numbers: say how it was written."""
    wanted = {types} if isinstance(types, str) else set(types or []) - {"null"}
    if wanted != {"string"} or not isinstance(value, bool | int | float):
        return ""  # int-or-string and the like: quoting would not make the value right
    written = obj.document.scalar_text(obj.base + path)
    if written is None:
        return ""
    if isinstance(value, bool):
        return f" (YAML reads an unquoted {written} as a boolean): quote it: \"{written}\""
    return f": quote it: \"{written}\""


def _enum_message(value: Any, options: list[Any]) -> str:
    supported = [option for option in options if option not in ("", None)]
    listed = ", ".join(json.dumps(option) for option in supported)
    text = json.dumps(value) if isinstance(value, str) else _describe(value)
    hint = ""
    if isinstance(value, str):
        matches = [option for option in supported if isinstance(option, str) and option.lower() == value.lower()]
        if matches:
            hint = f" (values are case-sensitive: {json.dumps(matches[0])})"
    return f"unsupported value {text}: supported values: {listed}{hint}"


# The patterns scripts/build_schemas.py adds, in words.
_PATTERN_WORDS = {
    QUANTITY: "is not a valid quantity: write a number with an optional suffix "
              "(m, k, M, G, T, Ki, Mi, Gi, Ti, or an exponent like 1e3), e.g. \"500m\" or \"1Gi\"",
    PERCENT: "is not a valid value: write an integer or a percentage like \"25%\"",
    PORT_NAME: "is not a port number or a valid port name (at most 15 lower-case letters, digits "
               "and single hyphens, with at least one letter)",
}


def _pattern_message(value: Any, pattern: str, schema: dict[str, Any]) -> str:
    words = _PATTERN_WORDS.get(pattern)
    if words is not None:
        return f"{json.dumps(value)} {words}"
    return f"{json.dumps(value)} does not match the pattern {pattern!r}"


def _range_message(value: Any, schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low, high) == INT32:
        return f"{value} does not fit a 32-bit integer ({INT32[0]} to {INT32[1]})"
    if (low, high) == INT64:
        return f"{value} does not fit a 64-bit integer"
    if low is not None and value < low:
        return f"{value} is less than the minimum {low}"
    return f"{value} is greater than the maximum {high}"


def _format_message(value: Any, name: str, secret_data: bool) -> str:
    if name == "byte":
        if secret_data:
            return ("not valid base64: Secret `data` values must be base64-encoded "
                    "(put plain text under `stringData` instead)")
        return f"{json.dumps(value)} is not valid base64: this field holds bytes, base64-encoded"
    if name == "date-time":
        return f"{json.dumps(value)} is not an RFC 3339 date-time like \"2024-01-31T12:00:00Z\""
    return f"{json.dumps(value)} is not a valid {name}"


# --- the stage the engine runs ---------------------------------------------------------------

class SchemaValidator:
    """Validation of objects for one target version: built-in kinds, API versions, custom resources.

    Holds what a run learns: the schemas of CustomResourceDefinitions seen so far, and the
    compiled validators of custom resources.
    """

    def __init__(self, version: Version, schema_dirs: tuple[Path, ...] = (),
                 store: ShippedSchemas | None = None, catalogue: Catalogue | None = None) -> None:
        self.version = version
        self.schema_dirs = schema_dirs
        self.store = store or shipped()
        self.catalogue = catalogue or bundled()
        self.builtin_groups = self.store.groups | {_group(api) for api, _ in REMOVALS}
        self._crd_schemas: dict[tuple[str, str], Structural] = {}
        self._custom: dict[tuple[str, str], Compiled | str] = {}  # a validator, or why there is none
        self._files_seen: set[tuple[str, str]] = set()
        self._versions_reported: set[tuple[str, str]] = set()
        self._verdicts: dict[tuple[str, str], Verdict | None] = {}
        self._object_meta: dict[str, Any] | None = None
        self.rules_skipped = 0  # CRD validation rules not evaluated offline (transition rules, unsupported CEL)

    def start_run(self) -> None:
        """A new run (or editor buffer): its notes on unknown custom resource versions are its own."""
        self._versions_reported.clear()

    def learn(self, obj: K8sObject) -> None:
        """Remember the schemas of a CustomResourceDefinition, for the custom resources of the run."""
        if not is_crd(obj):
            return
        for key, schema in schemas_of_crd(obj).items():
            self._crd_schemas[key] = schema
            self._custom.pop(key, None)

    def check(self, obj: K8sObject, final: bool = True) -> list[RuleProblem] | None:
        """The object's problems; None for a custom resource whose schema is not known (yet).

        `final`: every CRD of the run is known, so the bundled catalogue may answer.
        """
        api_version, kind = obj.api_version, obj.kind
        group = _group(api_version)
        if kind.endswith("List") and group in self.builtin_groups:
            return []
        if tool_of(group, kind) is not None:
            return self._tool_config(obj)
        if group not in self.builtin_groups:
            custom = self._custom_schema(api_version, kind, final)
            if custom is None or isinstance(custom, Unchecked):
                return custom
            if isinstance(custom, str):
                return [(SCHEMA, Problem(("kind",), custom, anchor="value"))]
            return self._custom_problems(obj, custom)
        out: list[RuleProblem] = []
        key = (api_version, kind)
        if key not in self._verdicts:
            self._verdicts[key] = verdict(api_version, kind, self._served(api_version, kind))
        found = self._verdicts[key]
        if found is not None:
            out.append((found.rule, Problem(("apiVersion",), found.message, anchor="value")))
        compiled = self.store.compiled(self.version, api_version, kind)
        if compiled is not None:
            out.extend(problems(obj, compiled))
        elif found is None:
            out.append((SCHEMA, Problem(("kind",), self._unknown_kind(api_version, kind), anchor="value")))
        return out

    def _tool_config(self, obj: K8sObject) -> list[RuleProblem]:
        """A tool's configuration file: checked against the tool's own schema if the catalogue has one."""
        key = (obj.api_version, obj.kind)
        compiled = self._custom.get(key)
        if compiled is None:
            group, _, version = obj.api_version.rpartition("/")
            schema = self.catalogue.schema(group, obj.kind, version) if group else None
            compiled = self._custom[key] = (compile_schema(schema, formats=False) if schema is not None
                                            else "no schema")
        return problems(obj, compiled) if isinstance(compiled, Compiled) else []

    def _custom_problems(self, obj: K8sObject, custom: Compiled) -> list[RuleProblem]:
        from podlint.schemas import cel_rules

        # As the API server does: defaults applied (and nulls pruned) before validation.
        data = cel_rules.prepare(obj.data, custom.structural) if custom.defaults else obj.data
        found = problems(obj, custom, data)
        if is_patch_file(obj.file):
            return found  # a patch is a part of an object: its lists and rules are judged on the merged result
        if custom.lists is not None:
            from podlint.schemas.listtypes import duplicates

            for path, message in duplicates(custom.lists, data):
                where: Anchor = "key" if isinstance(lookup(obj.data, path), dict | list) else "value"
                found.append((SCHEMA, Problem(path, message, anchor=where)))
        if custom.rules is None or custom.structural is None:
            return found
        if found and any(type(error.kind).__name__ in _BLOCKING for error in custom.validator.iter_errors(data)):
            return found  # the API server evaluates no rule on an object of the wrong shape

        outcome = cel_rules.evaluate(custom.rules, custom.structural, obj.data)
        self.rules_skipped += outcome.skipped
        for failure in outcome.failures:
            value = lookup(obj.data, failure.path) if failure.path else obj.data
            anchor: Anchor = "key" if isinstance(value, dict | list) and failure.path else "value"
            found.append((CRD_RULE, Problem(failure.path, failure.message, anchor=anchor)))
        return found

    def _served(self, api_version: str, kind: str) -> Served:
        group = _group(api_version)
        kinds = self.store.kinds(self.version)
        siblings = sorted((api for api, names in kinds.items() if _group(api) == group and kind in names),
                          key=stability)
        return Served(self.version, max(map(_version, self.store.versions)),
                      self.store.serving_versions(api_version, kind), siblings)

    def _unknown_kind(self, api_version: str, kind: str) -> str:
        kinds = self.store.kinds(self.version)
        target = format_version(self.version)
        elsewhere = sorted((api for api, names in kinds.items() if kind in names), key=stability)
        if elsewhere:
            return f"{api_version} does not serve {kind} in Kubernetes {target}: use {elsewhere[0]}"
        names = sorted({name for api, group_kinds in kinds.items() if _group(api) == _group(api_version)
                        for name in group_kinds})
        return f"{api_version} has no kind `{kind}` in Kubernetes {target}{_suggest(kind, names)}"

    def _custom_schema(self, api_version: str, kind: str, final: bool) -> Compiled | str | Unchecked | None:
        key = (api_version, kind)
        if key in self._custom:
            return self._custom[key]
        structural = self._crd_schemas.get(key)
        if structural is not None:
            origin = f"the CustomResourceDefinition of {kind}"
            return self._compile_custom(key, structural.schema, True, structural.status_subresource, origin)
        if self.schema_dirs and key not in self._files_seen:
            self._files_seen.add(key)
            path = find_schema_file(self.schema_dirs, api_version, kind)
            if path is not None:
                try:
                    schema = read_schema_file(path)
                except ValueError as exc:
                    self._custom[key] = f"{kind} {api_version} not checked: {exc}"
                    return self._custom[key]
                return self._compile_custom(key, schema, False, False, f"schema file {path}", path)
        if not final:
            return None  # a CRD later in the run may still define it
        group, _, version = api_version.rpartition("/")
        bundled_schema = self.catalogue.schema(group, kind, version)
        if bundled_schema is not None:
            structural_form = "$schema" not in bundled_schema
            return self._compile_custom(key, bundled_schema, structural_form, True,
                                        f"the bundled schema of {kind} {api_version}")
        versions = self.catalogue.versions(group, kind)
        if versions and key not in self._versions_reported:
            self._versions_reported.add(key)
            message = (f"{kind} {api_version} not checked: podlint's bundled CRD catalogue has {kind} "
                       f"({group}) in {_listed(versions)} only; give the CRD of this version in the run or "
                       "with --schema-dir to check it")
            return Unchecked([(UNKNOWN_VERSION, Problem(("apiVersion",), message, anchor="value"))])
        return None

    def _compile_custom(self, key: tuple[str, str], schema: dict[str, Any], structural: bool, status_free: bool,
                        origin: str, path: Path | None = None) -> Compiled | str:
        """A custom resource's validator: a structural schema made strict JSON Schema, or a JSON Schema as is."""
        from podlint.schemas import cel_rules

        api_version, kind = key
        json_schema = (with_object_fields(to_json_schema(schema), self.object_meta(), status_free) if structural
                       else schema)
        try:
            compiled = compile_untrusted(json_schema, path, self.schema_dirs) if path is not None else (
                compile_untrusted(json_schema))
        except ValueError as exc:
            self._custom[key] = f"{kind} {api_version} not checked: {origin} is not a valid JSON Schema ({exc})"
            return self._custom[key]
        tree = cel_rules.rule_tree(schema)
        if tree is not None and status_free:
            tree.properties.pop("status", None)
        if tree is not None and (tree.rules or tree.properties or tree.items or tree.additional):
            compiled.rules = tree
        compiled.structural, compiled.defaults = schema, cel_rules.has_defaults(schema)
        if structural:
            from podlint.schemas.listtypes import list_tree

            compiled.lists = list_tree(schema)
        self._custom[key] = compiled
        return compiled

    def object_meta(self) -> dict[str, Any]:
        if self._object_meta is None:
            self._object_meta = self.store.object_meta(self.version)
        return self._object_meta
