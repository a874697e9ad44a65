"""The Kubernetes CEL libraries with types of their own (URL, IP, CIDR, format, semver), on the
examples of the Kubernetes CEL documentation (reference/using-api/cel) and library tests."""

from __future__ import annotations

import pytest

from podlint.policies.cel import CelEnvironment

TRUE = [
    "url('https://example.com:80/path?query=val').getScheme() == 'https'",
    "url('https://example.com:80/path?query=val').getHost() == 'example.com:80'",
    "url('https://example.com:80/path?query=val').getHostname() == 'example.com'",
    "url('https://example.com:80/path?query=val').getPort() == '80'",
    "url('https://example.com/').getPort() == ''",
    "url('https://[::1]:80/path').getHostname() == '::1'",
    "url('https://[::1]:80/path').getHost() == '[::1]:80'",
    "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'",
    "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
    "url('/absolute-path').getScheme() == ''",
    "isURL('https://example.com')",
    "isURL('/absolute-path')",
    "!isURL('example.com')",
    "!isURL('')",
    "ip('10.0.0.1').family() == 4",
    "ip('::1').family() == 6",
    "ip('::1') == ip('0:0::1')",
    "ip('127.0.0.1').isLoopback()",
    "ip('0.0.0.0').isUnspecified()",
    "ip('8.8.8.8').isGlobalUnicast()",
    "ip('fe80::1').isLinkLocalUnicast()",
    "ip.isCanonical('127.0.0.1')",
    "!ip.isCanonical('2001:db8:0:0:0:0:0:1')",
    "isIP('1.2.3.4')",
    "!isIP('::ffff:1.2.3.4')",  # IPv4-mapped IPv6: refused
    "!isIP('fe80::1%eth0')",  # zones: refused
    "!isIP('1.2.3.04')",  # leading zeros: refused
    "!isIP('example.com')",
    "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))",
    "cidr('192.168.0.0/24').containsIP('192.168.0.1')",
    "!cidr('192.168.0.0/24').containsIP('192.168.1.1')",
    "!cidr('192.168.0.0/24').containsIP('::1')",
    "cidr('192.168.0.0/16').containsCIDR('192.168.10.0/24')",
    "!cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/16'))",
    "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')",
    "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
    "cidr('192.168.0.0/24').prefixLength() == 24",
    "isCIDR('10.0.0.0/8')",
    "!isCIDR('10.0.0.0/33')",
    "!isCIDR('10.0.0.0')",
    "!format.dns1123Label().validate('my-name').hasValue()",
    "format.dns1123Label().validate('My_Name').hasValue()",
    "size(format.dns1123Label().validate('My_Name').value()) == 1",
    "!format.dns1123Subdomain().validate('a.b.c').hasValue()",
    "format.dns1035Label().validate('1abc').hasValue()",
    "!format.dns1123LabelPrefix().validate('my-').hasValue()",
    "!format.qualifiedName().validate('example.com/name').hasValue()",
    "!format.labelValue().validate('').hasValue()",
    "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
    "format.date().validate('2024-13-01').hasValue()",
    "!format.datetime().validate('2024-01-01T10:00:00Z').hasValue()",
    "format.named('dns1123Label').hasValue()",
    "!format.named('no-such-format').hasValue()",
    "!format.named('labelValue').value().validate('ok').hasValue()",
    "semver('1.2.3').isGreaterThan(semver('1.2.3-alpha'))",
    "semver('1.10.0').compareTo(semver('1.9.0')) == 1",
    "semver('1.2.3-alpha.1').isLessThan(semver('1.2.3-alpha.beta'))",
    "semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3",
    "isSemver('1.0.0+build.1')",
    "!isSemver('1.2')",
    "!isSemver('01.2.3')",
    # Quantities keep their comparison functions beside semver's.
    "quantity('1Gi').isGreaterThan(quantity('1Mi'))",
    "quantity('1Gi').compareTo(quantity('1024Mi')) == 0",
]

ERRORS = ["url('example.com')", "ip('999.0.0.1')", "cidr('10.0.0.1')", "semver('v1.0.0')"]


@pytest.fixture(scope="module")
def env() -> CelEnvironment:
    environment = CelEnvironment()
    environment.bind({})
    return environment


@pytest.mark.parametrize("source", TRUE)
def test_library_function_agrees_with_kubernetes(env: CelEnvironment, source: str) -> None:
    outcome = env.evaluate(env.compile(source))
    assert outcome.error is None
    assert outcome.value is True


@pytest.mark.parametrize("source", ERRORS)
def test_conversion_of_a_malformed_string_is_an_evaluation_error(env: CelEnvironment, source: str) -> None:
    outcome = env.evaluate(env.compile(source))
    assert outcome.error is not None
