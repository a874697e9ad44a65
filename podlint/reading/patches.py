"""Kustomize patches: partial objects that are merged into a base, not applied on their own.

A strategic-merge patch names its target (apiVersion, kind, metadata.name) and only the
fields it changes, so "missing required field" does not apply to it; its `$patch`,
`$retainKeys`, `$setElementOrder/...` and `$deleteFromPrimitiveList/...` keys are merge
directives, not fields. Types and field names are still checked: a typo in a patch is as
silent a bug as one in a manifest.

A file is a patch when a kustomization beside it lists it under `patches`,
`patchesStrategicMerge` or `patchesJson6902`, or, by kustomize's naming conventions, when
its name contains `patch` or it lies under an `overlays/` folder.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from podlint.patterns import lazy

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
DIRECTIVE_PREFIXES = ("$patch", "$retainKeys", "$setElementOrder/", "$deleteFromPrimitiveList/")


def is_directive(key: str) -> bool:
    return key.startswith(DIRECTIVE_PREFIXES)


# `patch.yaml`, `job-patch.yaml`, `patches_prod.yml`, `replicaPatch.yaml`; not `dispatcher.yaml`.
_PATCH_NAME = lazy(r"(?:^|[-_.])[Pp]atch(?:es)?(?:[-_.]|$)|[a-z0-9]Patch")


@functools.lru_cache(maxsize=1024)
def is_patch_file(name: str) -> bool:
    path = Path(name)
    if path.name.startswith("<"):  # a rendered overlay or chart (`overlays/prod/<kustomize build>`): whole objects
        return False
    if _PATCH_NAME.search(path.stem) or "overlays" in path.parent.parts:
        return True
    return path.name in _listed_patches(str(path.parent))


@functools.lru_cache(maxsize=256)
def _listed_patches(folder: str) -> frozenset[str]:
    """Names of the files in `folder` that its kustomization uses as patches."""
    for name in KUSTOMIZATION_NAMES:
        path = Path(folder) / name
        if path.is_file():
            try:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return frozenset()
            return frozenset(_patch_paths(data))
    return frozenset()


def _patch_paths(data: Any) -> set[str]:
    found: set[str] = set()
    if not isinstance(data, dict):
        return found
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            path = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(path, str) and "/" not in path.removeprefix("./") and "\n" not in path:
                found.add(path.removeprefix("./"))
    return found
