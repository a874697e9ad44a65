"""Completion and field hover in the server: LSP requests in, `completion` and `fieldhover` answers out,
positions converted between the client's units and code points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition

from podlint.schemas.versions import DEFAULT, Version

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from podlint.lsp.completion import Suggestion
    from podlint.lsp.schemasource import SchemaSource
    from podlint.lsp.server import PodlintServer

TRIGGERS = [":"]  # after `imagePullPolicy:` the values come without asking
_KINDS = {"field": types.CompletionItemKind.Field, "value": types.CompletionItemKind.EnumMember,
          "snippet": types.CompletionItemKind.Snippet, "kind": types.CompletionItemKind.Class}


class Assist:
    """What completion and hover know beyond the buffer: the schemas, and the CRDs of the open buffers."""

    def __init__(self) -> None:
        self._schemas: SchemaSource | None = None
        self.learned: dict[str, int | None] = {}  # URI -> the version whose CRDs are known

    @property
    def schemas(self) -> SchemaSource:
        if self._schemas is None:  # (on the first request: start-up does not pay for completion)
            from podlint.lsp.schemasource import SchemaSource

            self._schemas = SchemaSource()
        return self._schemas

    def refresh(self, server: PodlintServer) -> None:
        documents: dict[str, TextDocument] = server.workspace.text_documents
        for uri in [uri for uri in self.learned if uri not in documents]:
            del self.learned[uri]
            self.schemas.forget(uri)
        for uri, document in documents.items():
            if self.learned.get(uri, -1) != document.version:
                self.learned[uri] = document.version
                try:
                    self.schemas.learn(uri, document.source)
                except Exception:  # a CRD we cannot read costs its completion, never the request
                    self.schemas.forget(uri)

    @staticmethod
    def version(server: PodlintServer, document: TextDocument) -> Version:
        if not document.path:
            return DEFAULT
        from pathlib import Path

        try:
            return server.setup_for(Path(document.path)).linter.options.kubernetes_version
        except Exception:  # a broken configuration is reported by linting; complete for the default
            return DEFAULT

    def completion(self, server: PodlintServer, document: TextDocument, lines: list[str],
                   position: types.Position) -> types.CompletionList | None:
        """`lines`: the buffer's lines as LSP counts them (without their line breaks)."""
        from podlint.lsp.completion import complete
        self.refresh(server)
        codec = server.workspace.position_codec
        here = codec.position_from_client_units(lines, position)
        answer = complete(lines, here.line, here.character, self.schemas, self.version(server, document))
        if answer is None:
            return None
        snippets = _snippets(server)
        span = _row_range(server, lines, answer.row, answer.start, answer.end)
        items = [_item(suggestion, span, snippets) for suggestion in answer.suggestions]
        return types.CompletionList(is_incomplete=False, items=items)

    def hover(self, server: PodlintServer, document: TextDocument, lines: list[str],
              position: types.Position) -> types.Hover | None:
        from podlint.lsp.fieldhover import field_hover

        self.refresh(server)
        codec = server.workspace.position_codec
        here = codec.position_from_client_units(lines, position)
        found = field_hover(lines, here.line, here.character, self.schemas, self.version(server, document))
        if found is None:
            return None
        span = _row_range(server, lines, found.row, found.start, found.end)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, found.text), span)


def _row_range(server: PodlintServer, lines: list[str], row: int, start: int, end: int) -> types.Range:
    """Characters `start` to `end` (code points) of line `row`, in the client's units."""
    codec = server.workspace.position_codec
    return types.Range(codec.position_to_client_units(lines, ServerTextPosition(row, start)),
                       codec.position_to_client_units(lines, ServerTextPosition(row, end)))


def _snippets(server: PodlintServer) -> bool:
    text = server.client_capabilities.text_document
    completion = text.completion if text is not None else None
    item = completion.completion_item if completion is not None else None
    return bool(item is not None and item.snippet_support)


def _item(suggestion: Suggestion, span: types.Range, snippets: bool) -> types.CompletionItem:
    from podlint.lsp.completion import plain

    snippet = suggestion.snippet and snippets
    text = suggestion.text if snippet else plain(suggestion.text)
    documentation = (types.MarkupContent(types.MarkupKind.Markdown, suggestion.documentation)
                     if suggestion.documentation else None)
    return types.CompletionItem(
        label=suggestion.label, kind=_KINDS[suggestion.kind], detail=suggestion.detail or None,
        documentation=documentation, sort_text=suggestion.sort or None, filter_text=suggestion.label
        if suggestion.kind != "value" else suggestion.text.strip(),
        text_edit=types.TextEdit(span, text),
        insert_text_format=types.InsertTextFormat.Snippet if snippet else types.InsertTextFormat.PlainText,
        insert_text_mode=types.InsertTextMode.AsIs)
