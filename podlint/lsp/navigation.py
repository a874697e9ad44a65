"""The outline (one symbol per object, `Kind/name`) and go-to-definition in LSP terms; what they find is
podlint/lsp/references.py's, imported on the first request (start-up does not pay for it)."""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace.position_codec import ServerTextPosition

from podlint.lsp.buffers import split_lines
from podlint.model.inventory import WORKLOAD_KINDS

if TYPE_CHECKING:
    from podlint.findings import Span
    from podlint.lsp.references import Place, Workspace
    from podlint.lsp.server import PodlintServer

log = logging.getLogger(__name__)

_SYMBOL_KINDS = {"Service": types.SymbolKind.Interface, "Ingress": types.SymbolKind.Interface,
                 "ConfigMap": types.SymbolKind.Object, "Secret": types.SymbolKind.Key,
                 "Namespace": types.SymbolKind.Namespace, "CustomResourceDefinition": types.SymbolKind.Struct}


def symbol_kind(kind: str) -> types.SymbolKind:
    if kind in WORKLOAD_KINDS:
        return types.SymbolKind.Class
    return _SYMBOL_KINDS.get(kind, types.SymbolKind.Module)


def _range(server: PodlintServer, lines: list[str], span: Span) -> types.Range:
    codec = server.workspace.position_codec
    return types.Range(codec.position_to_client_units(lines, ServerTextPosition(span.line - 1, span.column - 1)),
                       codec.position_to_client_units(lines, ServerTextPosition(span.end_line - 1,
                                                                                span.end_column - 1)))


def document_symbols(server: PodlintServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    from podlint.lsp.references import symbols

    document = server.document(params.text_document.uri)
    if document is None:
        return []
    text = document.source
    lines = split_lines(text)
    found = []
    for symbol in symbols(text, document.path or ""):
        extent, selection = _range(server, lines, symbol.extent), _range(server, lines, symbol.selection)
        if (selection.start.line, selection.start.character) < (extent.start.line, extent.start.character):
            selection = types.Range(extent.start, extent.start)  # the client wants it inside the extent
        found.append(types.DocumentSymbol(name=symbol.name, kind=symbol_kind(symbol.kind), range=extent,
                                          selection_range=selection, detail=symbol.namespace or None))
    return found


_WORKSPACES: weakref.WeakKeyDictionary[PodlintServer, Workspace] = weakref.WeakKeyDictionary()


def workspace_of(server: PodlintServer) -> Workspace:
    """The server's index of the workspace's targets (kept here, not on the server: one concern a module)."""
    from podlint.lsp.references import Workspace

    index = _WORKSPACES.get(server)
    if index is None:
        index = _WORKSPACES[server] = Workspace()
    return index


def roots(server: PodlintServer) -> list[str]:
    found = [to_fs_path(folder.uri) for folder in server.workspace.folders.values()]
    if not found and server.workspace.root_uri:
        found = [to_fs_path(server.workspace.root_uri)]
    return [root for root in found if root]


def location(server: PodlintServer, place: Place) -> types.Location:
    """A target's place: its span converted with the lines it stands on (the file need not be open)."""
    codec = server.workspace.position_codec
    span = place.span

    def position(line: int, column: int) -> types.Position:
        text = place.lines[line - span.line] if 0 <= line - span.line < len(place.lines) else ""
        return types.Position(line - 1, codec.client_num_units(text[:column - 1]))

    uri = from_fs_path(place.file) or place.file
    return types.Location(uri, types.Range(position(span.line, span.column), position(span.end_line, span.end_column)))


def definition(server: PodlintServer, params: types.DefinitionParams) -> list[types.Location]:
    from podlint.lsp.references import definitions

    document = server.document(params.text_document.uri)
    if document is None or not document.path:
        return []
    text = document.source
    lines = split_lines(text)
    here = server.workspace.position_codec.position_from_client_units(lines, params.position)
    buffers = {d.path: d.source for d in server.workspace.text_documents.values() if d.path}
    places = workspace_of(server).places(roots(server), buffers)
    return [location(server, place) for place in definitions(text, document.path, here.line, here.character, places)]


def register(server: PodlintServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: PodlintServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        try:
            return document_symbols(ls, params)
        except Exception:  # a bug must cost one outline, never the server
            log.exception("the symbols of %s failed", params.text_document.uri[:200])
            return []

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def go_to_definition(ls: PodlintServer, params: types.DefinitionParams) -> list[types.Location]:
        try:
            return definition(ls, params)
        except Exception:  # a bug must cost one jump, never the server
            log.exception("go-to-definition in %s failed", params.text_document.uri[:200])
            return []
