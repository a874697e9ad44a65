"""The API server's name and format validators, with its own error details.

Each function returns the list of details the API server would print for a value
(empty: valid), as `k8s.io/apimachinery/pkg/util/validation` words them, so that checks can
write `<path>: Invalid value: "<value>": <detail>` exactly as `kubectl apply` shows it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import ParamSpec

from podlint.patterns import lazy

P = ParamSpec("P")


def _remembered(validator: Callable[P, list[str]]) -> Callable[P, list[str]]:
    """A validator that answers each value once: names, label keys and env names recur in every
    manifest (the caller gets its own copy of the details)."""
    answers = functools.lru_cache(maxsize=8192)(validator)

    @functools.wraps(validator)
    def remembered(*args: P.args, **kwargs: P.kwargs) -> list[str]:
        found = answers(*args, **kwargs)  # type: ignore[arg-type]  # (strings and bools: hashable)
        return list(found) if found else []  # (most values are valid: `[]` is the cheapest copy)

    return remembered

_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = rf"{_DNS_LABEL}(\.{_DNS_LABEL})*"
_DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = f"({_QUALIFIED_NAME})?"

_DNS_LABEL_RE = lazy(f"^{_DNS_LABEL}$")
_DNS_SUBDOMAIN_RE = lazy(f"^{_DNS_SUBDOMAIN}$")
_DNS1035_LABEL_RE = lazy(f"^{_DNS1035_LABEL}$")
_QUALIFIED_NAME_RE = lazy(f"^{_QUALIFIED_NAME}$")
_LABEL_VALUE_RE = lazy(f"^{_LABEL_VALUE}$")
_PORT_NAME_CHARS = lazy("^[-a-z0-9]+$")
_HAS_LETTER = lazy("[a-z]")
# Environment variable names before RelaxedEnvironmentVariableValidation (Kubernetes <= 1.31).
_STRICT_ENV_NAME = lazy("^[-._a-zA-Z][-._a-zA-Z0-9]*$")

DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
LABEL_VALUE_MAX = 63

DNS_LABEL_DETAIL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    f"validation is '{_DNS_LABEL}')"
)
DNS_SUBDOMAIN_DETAIL = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    f"'{_DNS_SUBDOMAIN}')"
)
DNS1035_LABEL_DETAIL = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    f"validation is '{_DNS1035_LABEL}')"
)
QUALIFIED_NAME_DETAIL = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    f"'{_QUALIFIED_NAME}')"
)
LABEL_VALUE_DETAIL = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
    f"regex used for validation is '{_LABEL_VALUE}')"
)
RELAXED_ENV_NAME_DETAIL = (
    "a valid environment variable name must consist only of printable ASCII characters other than '='"
)
STRICT_ENV_NAME_DETAIL = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
    "and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex "
    "used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
)


def _too_long(limit: int) -> str:
    return f"must be no more than {limit} characters"


@_remembered
def dns_label(value: str) -> list[str]:
    """IsDNS1123Label: container, volume and port-less names; Namespace and StatefulSet names."""
    errors = [_too_long(DNS_LABEL_MAX)] if len(value) > DNS_LABEL_MAX else []
    if not _DNS_LABEL_RE.match(value):
        errors.append(DNS_LABEL_DETAIL)
    return errors


@_remembered
def dns_subdomain(value: str) -> list[str]:
    """IsDNS1123Subdomain: most object names (Pod, Deployment, ConfigMap, Secret, ...)."""
    errors = [_too_long(DNS_SUBDOMAIN_MAX)] if len(value) > DNS_SUBDOMAIN_MAX else []
    if not _DNS_SUBDOMAIN_RE.match(value):
        errors.append(DNS_SUBDOMAIN_DETAIL)
    return errors


@_remembered
def dns1035_label(value: str) -> list[str]:
    """IsDNS1035Label: Service names (they become DNS names and environment variable names)."""
    errors = [_too_long(DNS_LABEL_MAX)] if len(value) > DNS_LABEL_MAX else []
    if not _DNS1035_LABEL_RE.match(value):
        errors.append(DNS1035_LABEL_DETAIL)
    return errors


@_remembered
def qualified_name(value: str) -> list[str]:
    """IsQualifiedName: label and annotation keys, `[prefix/]name`."""
    parts = value.split("/")
    if len(parts) == 1:
        prefix, name = "", parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return ["prefix part must be non-empty"]
    else:
        return [f"a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
                f"and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                f"used for validation is '{_QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    errors = [f"prefix part {detail}" for detail in (dns_subdomain(prefix) if len(parts) == 2 else [])]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > DNS_LABEL_MAX:
        errors.append(f"name part {_too_long(DNS_LABEL_MAX)}")
    if name and not _QUALIFIED_NAME_RE.match(name):
        errors.append(QUALIFIED_NAME_DETAIL)
    return errors


@_remembered
def label_value(value: str) -> list[str]:
    """IsValidLabelValue."""
    errors = [_too_long(LABEL_VALUE_MAX)] if len(value) > LABEL_VALUE_MAX else []
    if not _LABEL_VALUE_RE.match(value):
        errors.append(LABEL_VALUE_DETAIL)
    return errors


@_remembered
def port_name(value: str) -> list[str]:
    """IsValidPortName (IANA_SVC_NAME): container port names, which Services and probes refer to."""
    errors = []
    if len(value) > 15:
        errors.append(_too_long(15))
    if not _PORT_NAME_CHARS.match(value):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        errors.append("must not contain consecutive hyphens")
    if value and not _HAS_LETTER.search(value):
        errors.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


@_remembered
def env_var_name(value: str, relaxed: bool) -> list[str]:
    """An environment variable name: printable ASCII but `=` (relaxed, 1.32+), or the old C-like rule."""
    if relaxed:
        if all(" " <= char <= "~" and char != "=" for char in value):
            return []
        return [RELAXED_ENV_NAME_DETAIL]
    errors = [] if _STRICT_ENV_NAME.match(value) else [STRICT_ENV_NAME_DETAIL]
    if value in (".", ".."):
        errors.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


_LONGEST_SHOWN = 256


def go_value(value: object) -> str:
    """A value as the API server prints it in `Invalid value: ...` (Go's %q for strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > _LONGEST_SHOWN:  # one huge value must not flood the report
            return f"{json.dumps(value[:_LONGEST_SHOWN // 2], ensure_ascii=False)}… ({len(value):,} characters)"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)
