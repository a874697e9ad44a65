"""The Kubernetes minor versions podlint knows (schemas and version-dependent rules)."""

from __future__ import annotations

SUPPORTED = tuple((1, minor) for minor in range(29, 38))  # 1.29 ... 1.37
DEFAULT = SUPPORTED[-1]

Version = tuple[int, int]


def parse_version(text: str) -> Version:
    """`1.33` or `v1.33.2` -> (1, 33); ValueError naming the supported range otherwise."""
    parts = text.strip().removeprefix("v").split(".")
    try:
        version = (int(parts[0]), int(parts[1]))
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not a Kubernetes version like 1.33") from None
    if version not in SUPPORTED:
        raise ValueError(f"Kubernetes {version[0]}.{version[1]} is not supported: choose "
                         f"{format_version(SUPPORTED[0])} to {format_version(SUPPORTED[-1])}")
    return version


def format_version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"
