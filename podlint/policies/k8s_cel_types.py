"""The Kubernetes CEL libraries whose values are types of their own: URL, IP, CIDR, format and semver.

As in `k8s_cel.py` (quantity), a value of such a type is carried as a one-key map
(`{"@url": "https://x/y"}`), since a Python function can only return CEL values; equal values
are equal maps. Semantics follow `k8s.io/apiserver/pkg/cel/library` (urls.go, ip.go, cidr.go,
format.go, semverlib.go): `url()` parses as Go's `url.ParseRequestURI` (an absolute URI or an
absolute path), `ip()` and `cidr()` refuse IPv4-mapped IPv6 addresses and zones, and a format's
`validate()` returns `optional.none()` for a valid value, else the list of its errors.
`compareTo`, `isGreaterThan` and `isLessThan` serve semver and quantity values alike.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from podlint.model import validation

URL_KEY, IP_KEY, CIDR_KEY, FORMAT_KEY, SEMVER_KEY = "@url", "@ip", "@cidr", "@format", "@semver"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.S)
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
                     r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")


def _of(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and set(value) == {key}:
        return value
    raise TypeError(f"no such overload: expected a {key[1:]}")


# --- URLs ---------------------------------------------------------------------------------------

def _parse_url(text: str) -> tuple[str, str, str, str] | None:
    """(scheme, host with port, escaped path, raw query) as url.ParseRequestURI splits it; None if it fails."""
    if not text or any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        return None
    rest, scheme = text, ""
    if not text.startswith("/"):
        match = _SCHEME.match(text)
        if match is None:
            return None  # neither an absolute URI nor an absolute path
        scheme, rest = match.group(1).lower(), match.group(2)
    rest, _, query = rest.partition("?")
    host = ""
    if scheme and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        host = authority.rpartition("@")[2]
        if " " in host or not _valid_port(host):
            return None
    elif scheme and not rest.startswith("/"):
        return scheme, "", rest, query  # an opaque URI (mailto:x)
    if " " in rest and scheme:
        rest = rest.replace(" ", "%20")
    return scheme, host, quote(unquote(rest), safe="/:@!$&'()*+,;=-._~%"), query


def _valid_port(host: str) -> bool:
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return False
        port = host[end + 1:]
        return port in ("", ":") or (port.startswith(":") and port[1:].isdigit())
    _name, colon, port = host.rpartition(":")
    return not colon or port == "" or port.isdigit()


def url(text: Any) -> dict[str, str]:
    if not isinstance(text, str) or _parse_url(text) is None:
        raise ValueError(f"URL parse error during conversion from string: {text!r}")
    return {URL_KEY: text}


def is_url(text: Any) -> bool:
    if not isinstance(text, str):
        raise TypeError("no such overload: isURL(string)")
    return _parse_url(text) is not None


def _url_part(index: int) -> Callable[[Any], str]:
    def part(value: Any) -> str:
        parsed = _parse_url(_of(URL_KEY, value)[URL_KEY])
        assert parsed is not None  # url() parsed it
        return parsed[index]

    return part


def _host_and_port(value: Any) -> tuple[str, str]:
    host = _url_part(1)(value)
    if host.startswith("["):
        end = host.find("]")
        return host[1:end], host[end + 2:] if host[end + 1:end + 2] == ":" else ""
    name, colon, port = host.rpartition(":")
    return (name, port) if colon else (host, "")


def get_query(value: Any) -> dict[str, list[str]]:
    return {key: values for key, values in parse_qs(_url_part(3)(value), keep_blank_values=True).items()}


# --- IP addresses and CIDRs ---------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_ip(text: str) -> IPAddress | None:
    if "%" in text:
        return None  # zones are refused
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return None
    return address


def ip(text: Any) -> dict[str, str]:
    address = _parse_ip(text) if isinstance(text, str) else None
    if address is None:
        raise ValueError(f"IP Address {text!r} parse error during conversion from string")
    return {IP_KEY: str(address)}


def is_ip(text: Any) -> bool:
    if not isinstance(text, str):
        raise TypeError("no such overload: isIP(string)")
    return _parse_ip(text) is not None


def _address(value: Any) -> IPAddress:
    if isinstance(value, str):
        return ip_address_of(ip(value))
    return ip_address_of(value)


def ip_address_of(value: Any) -> IPAddress:
    return ipaddress.ip_address(_of(IP_KEY, value)[IP_KEY])


def _parse_cidr(text: str) -> tuple[IPAddress, IPNetwork] | None:
    address_text, slash, length = text.partition("/")
    if not slash or not length.isdigit() or (len(length) > 1 and length.startswith("0")):
        return None
    address = _parse_ip(address_text)
    if address is None:
        return None
    try:
        return address, ipaddress.ip_network(f"{address}/{length}", strict=False)
    except ValueError:
        return None


def cidr(text: Any) -> dict[str, str]:
    if not isinstance(text, str) or _parse_cidr(text) is None:
        raise ValueError(f"network address parse error during conversion from string: {text!r}")
    return {CIDR_KEY: text}


def is_cidr(text: Any) -> bool:
    if not isinstance(text, str):
        raise TypeError("no such overload: isCIDR(string)")
    return _parse_cidr(text) is not None


def _network(value: Any) -> tuple[IPAddress, IPNetwork]:
    parsed = _parse_cidr(_of(CIDR_KEY, value)[CIDR_KEY])
    assert parsed is not None  # cidr() parsed it
    return parsed


def contains_ip(value: Any, other: Any) -> bool:
    address = _address(other)
    network = _network(value)[1]
    return address.version == network.version and address in network


def contains_cidr(value: Any, other: Any) -> bool:
    inner = _network(cidr(other) if isinstance(other, str) else other)[1]
    outer = _network(value)[1]
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def ip_family(value: Any) -> int:
    return ip_address_of(value).version


def cidr_ip(value: Any) -> dict[str, str]:
    return {IP_KEY: str(_network(value)[0])}


def masked(value: Any) -> dict[str, str]:
    return {CIDR_KEY: str(_network(value)[1])}


def prefix_length(value: Any) -> int:
    return _network(value)[1].prefixlen


def is_canonical(text: Any) -> bool:
    address = _parse_ip(text) if isinstance(text, str) else None
    if address is None:
        raise ValueError(f"IP Address {text!r} parse error during conversion from string")
    return bool(str(address) == text)


# --- formats (format.dns1123Label().validate(x)) ------------------------------------------------

def _maybe(check: Callable[[str], list[str]], prefix: bool = False) -> Callable[[str], list[str]]:
    def validate(text: str) -> list[str]:
        return check(text[:-1] + "a" if prefix and text.endswith("-") else text)  # maskTrailingDash

    return validate


def _uri(text: str) -> list[str]:
    return [] if _parse_url(text) is not None else ["invalid URI"]


def _uuid(text: str) -> list[str]:
    try:
        uuid.UUID(text)
    except ValueError:
        return ["does not match the UUID format"]
    return [] if re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", text) else [
        "does not match the UUID format"]


def _byte(text: str) -> list[str]:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return ["invalid base64"]
    return []


def _date(text: str) -> list[str]:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return ["invalid date"]
    return [] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else ["invalid date"]


def _datetime(text: str) -> list[str]:
    pattern = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
    if re.fullmatch(pattern, text) is None:
        return ["invalid datetime"]
    try:
        datetime.datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return ["invalid datetime"]
    return []


FORMATS: dict[str, Callable[[str], list[str]]] = {
    "dns1123Label": validation.dns_label,
    "dns1123Subdomain": validation.dns_subdomain,
    "dns1035Label": validation.dns1035_label,
    "qualifiedName": validation.qualified_name,
    "dns1123LabelPrefix": _maybe(validation.dns_label, prefix=True),
    "dns1123SubdomainPrefix": _maybe(validation.dns_subdomain, prefix=True),
    "dns1035LabelPrefix": _maybe(validation.dns1035_label, prefix=True),
    "labelValue": validation.label_value,
    "uri": _uri,
    "uuid": _uuid,
    "byte": _byte,
    "date": _date,
    "datetime": _datetime,
}


def format_named(name: Any) -> Any:
    from cel import OptionalValue

    if not isinstance(name, str):
        raise TypeError("no such overload: format.named(string)")
    return OptionalValue.of({FORMAT_KEY: name}) if name in FORMATS else OptionalValue.none()


def format_validate(value: Any, text: Any) -> Any:
    from cel import OptionalValue

    name = _of(FORMAT_KEY, value)[FORMAT_KEY]
    if not isinstance(text, str):
        raise TypeError("no such overload: validate(string)")
    errors = FORMATS[name](text)
    return OptionalValue.of(errors) if errors else OptionalValue.none()


# --- semver -------------------------------------------------------------------------------------

def _parse_semver(text: str) -> tuple[int, int, int, str] | None:
    match = _SEMVER.match(text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4) or ""


def semver(text: Any) -> dict[str, str]:
    if not isinstance(text, str) or _parse_semver(text) is None:
        raise ValueError(f"semver parse error during conversion from string: {text!r}")
    return {SEMVER_KEY: text}


def is_semver(text: Any) -> bool:
    if not isinstance(text, str):
        raise TypeError("no such overload: isSemver(string)")
    return _parse_semver(text) is not None


def _semver_parts(value: Any) -> tuple[int, int, int, str]:
    parsed = _parse_semver(_of(SEMVER_KEY, value)[SEMVER_KEY])
    assert parsed is not None
    return parsed


def _pre_key(pre: str) -> tuple[Any, ...]:
    """Semver precedence of a pre-release: none sorts after any; numeric parts before alphanumeric ones."""
    if not pre:
        return (1,)
    return (0, *[(0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")])


def semver_compare(left: Any, right: Any) -> int:
    a, b = _semver_parts(left), _semver_parts(right)
    key_a, key_b = (a[:3], _pre_key(a[3])), (b[:3], _pre_key(b[3]))
    return (key_a > key_b) - (key_a < key_b)


def _is_semver_value(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEMVER_KEY}


def _dispatch(for_semver: Callable[..., Any], other: Callable[..., Any]) -> Callable[..., Any]:
    """A member function that semver shares with quantity (compareTo, isGreaterThan, isLessThan)."""

    def call(target: Any, *args: Any) -> Any:
        return for_semver(target, *args) if _is_semver_value(target) else other(target, *args)

    return call


def functions(table: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """These libraries' functions, given the environment's table (for names shared with it)."""
    return {
        "url": url,
        "isURL": is_url,
        "getScheme": _url_part(0),
        "getHost": _url_part(1),
        "getHostname": lambda value: _host_and_port(value)[0],
        "getPort": lambda value: _host_and_port(value)[1],
        "getEscapedPath": _url_part(2),
        "getQuery": get_query,
        "isIP": is_ip,
        "ip.isCanonical": is_canonical,
        "family": ip_family,
        "isUnspecified": lambda value: ip_address_of(value).is_unspecified,
        "isLoopback": lambda value: ip_address_of(value).is_loopback,
        "isLinkLocalMulticast": lambda value: (ip_address_of(value) in ipaddress.ip_network("224.0.0.0/24")
                                               or ip_address_of(value) in ipaddress.ip_network("ff02::/16")),
        "isLinkLocalUnicast": lambda value: ip_address_of(value).is_link_local,
        "isGlobalUnicast": lambda value: _is_global_unicast(ip_address_of(value)),
        "cidr": cidr,
        "isCIDR": is_cidr,
        "containsIP": contains_ip,
        "containsCIDR": contains_cidr,
        "masked": masked,
        "prefixLength": prefix_length,
        "format.named": format_named,
        "validate": format_validate,
        "semver": semver,
        "isSemver": is_semver,
        "major": lambda value: _semver_parts(value)[0],
        "minor": lambda value: _semver_parts(value)[1],
        "patch": lambda value: _semver_parts(value)[2],
        **{f"format.{name}": (lambda name=name: {FORMAT_KEY: name}) for name in FORMATS},
        **{name: _dispatch(semver_compare_as(name), table[name])
           for name in ("compareTo", "isGreaterThan", "isLessThan") if name in table},
        "ip": _ip_or_cidr_ip,
    }


def _ip_or_cidr_ip(value: Any) -> dict[str, str]:
    """`ip('10.0.0.1')`, and `cidr('10.0.0.0/8').ip()`: one name for both."""
    if isinstance(value, dict) and set(value) == {CIDR_KEY}:
        return cidr_ip(value)
    return ip(value)


def semver_compare_as(name: str) -> Callable[[Any, Any], Any]:
    if name == "compareTo":
        return semver_compare
    if name == "isGreaterThan":
        return lambda a, b: semver_compare(a, b) > 0
    return lambda a, b: semver_compare(a, b) < 0


def _is_global_unicast(address: IPAddress) -> bool:
    """Go's IsGlobalUnicast: not unspecified, loopback, multicast, link-local or the IPv4 broadcast address."""
    if address.is_unspecified or address.is_loopback or address.is_multicast or address.is_link_local:
        return False
    return address != ipaddress.IPv4Address("255.255.255.255")
