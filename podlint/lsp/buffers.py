"""What the language server knows about a buffer without pygls: whether it is a manifest, its lines, and
the configuration it is linted under. Shared by the server and by its start-up front (podlint/lsp/front.py),
which must not import pygls."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podlint.app.config import CONFIG_NAMES, find_config, settle
from podlint.engine import Linter
from podlint.findings import Finding
from podlint.patterns import lazy
from podlint.report.escape import visible
from podlint.sources.files import MANIFEST_SUFFIXES

SOURCE = "podlint"
MANIFEST_LANGUAGES = frozenset({"yaml", "json"})
CONFIG_FILES = frozenset({*CONFIG_NAMES, "pyproject.toml"})
# A document is a manifest when it has an `apiVersion` or `kind` key (block or flow style, YAML or JSON).
_MANIFEST_KEY = lazy(r"""(?:^|[\s{,])["']?(?:apiVersion|kind)["']?[ \t]*:""", re.MULTILINE)
_LINE_BREAK = lazy(r"\r\n|\r|\n")  # the line breaks LSP counts


@dataclass(slots=True)
class Setup:
    """What linting a file under one configuration needs; built once per configuration file."""

    linter: Linter
    exclude: tuple[str, ...] = ()
    root: Path | None = None  # the configuration's folder: file names are relative to it, as globs expect


def load_setup(config: Path | None) -> Setup:
    """The setup of a configuration file (the defaults without one); raises ConfigError."""
    if config is None:
        return Setup(Linter())
    settings = settle(config)
    return Setup(Linter(settings.options), settings.exclude, config.parent)


def setup_for(path: Path, config_of_folder: dict[Path, Path | None], setups: dict[Path | None, Setup],
              load: Callable[[Path | None], Setup] = load_setup) -> Setup:
    """The setup a file is linted under, its configuration found and loaded once (kept in the two caches)."""
    folder = path.parent
    if folder not in config_of_folder:
        config_of_folder[folder] = find_config(folder)
    config = config_of_folder[folder]
    setup = setups.get(config)
    if setup is None:
        setup = setups[config] = load(config)
    return setup


def is_manifest(language_id: str | None, path: str, text: str) -> bool:
    """YAML or JSON (by language id, or by extension when the client sends none) with a Kubernetes key."""
    if language_id:
        if language_id not in MANIFEST_LANGUAGES:
            return False
    elif not path.endswith(MANIFEST_SUFFIXES):
        return False
    return _MANIFEST_KEY.search(text) is not None


def split_lines(text: str) -> list[str]:
    return _LINE_BREAK.split(text)


def diagnostic_message(finding: Finding) -> str:
    """A finding's message as a diagnostic shows it: it may quote any value of the manifest, so escaped."""
    return visible(finding.message)


def units(text: str, encoding: str) -> int:
    """The length of `text` in the code units of an LSP position encoding (`utf-8`, `utf-32`, else UTF-16,
    as pygls' codec counts them, at C speed: a 1,000-line buffer has thousands of positions)."""
    if text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def client_position(lines: list[str], line: int, character: int, encoding: str) -> tuple[int, int]:
    """A 0-based position in code points as the client counts it (pygls' position_to_client_units)."""
    try:
        return line, units(lines[line][:character], encoding)
    except IndexError:
        return len(lines), 0


def file_name(path: Path, setup: Setup) -> str:
    """The name `podlint lint` prints when run from the configuration's folder (overrides and excludes match it)."""
    if setup.root is not None:
        resolved = path.resolve()  # as the configuration's path is
        if resolved.is_relative_to(setup.root):
            return resolved.relative_to(setup.root).as_posix()
    return str(path)
