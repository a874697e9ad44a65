"""Quick fixes computed when the editor asks (podlint.edit.repairs): they change what runs, so they are
offered, never preferred, and `podlint fix` does not apply them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from podlint.lsp.server import Entry, Linted, PodlintServer

log = logging.getLogger(__name__)


def repair_actions(server: PodlintServer, document: TextDocument, linted: Linted,
                   entry: Entry) -> list[types.CodeAction]:
    from podlint.edit.repairs import REPAIRS, repairs  # (on a code action: start-up does not pay for it)

    finding = entry.finding
    if finding.rule not in REPAIRS or not document.path or server.render_roots(document.path):
        return []  # (a template's findings are on the rendered objects, not on this text)
    try:
        options = rule_options(server, Path(document.path), finding.rule)
        fixes = repairs(linted.text, finding.file, finding, options)
    except Exception:  # a bug must cost one quick fix, never the server
        log.exception("computing the repairs of %s failed", finding.rule)
        return []
    return [types.CodeAction(
        title=fix.description, kind=types.CodeActionKind.QuickFix, diagnostics=[entry.diagnostic],
        edit=types.WorkspaceEdit(changes={document.uri: server.text_edits(linted.lines, fix.edits)}))
        for fix in fixes]


def rule_options(server: PodlintServer, path: Path, rule: str) -> dict[str, Any]:
    setup = server.setup_for(path)
    rules = setup.linter.ruleset.for_file(server.file_name(path, setup))
    return dict(rules.options.get(rule, {}))
