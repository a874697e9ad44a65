"""Build hook: the wheel carries the rule catalogue compiled into one JSON file.

`rules/*.yaml` stay the source (one file per rule); `podlint.rules.catalogue` reads the
compiled file when it is there, which saves reading 88 YAML files at every start.
tests/test_catalogue_build.py checks that a built wheel's file matches the YAML files.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":  # an editable install reads the YAML files
            return
        sys.path.insert(0, str(ROOT))
        try:
            from podlint.rules.catalogue import COMPILED, compile_catalogue
        finally:
            sys.path.pop(0)
        out = Path(tempfile.mkdtemp(prefix="podlint-build-")) / COMPILED
        out.write_text(json.dumps(compile_catalogue(ROOT / "rules"), separators=(",", ":")), encoding="utf-8")
        build_data["force_include"][str(out)] = f"podlint/_data/{COMPILED}"
