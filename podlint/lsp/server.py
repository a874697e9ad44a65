"""`podlint lsp`: a language server over stdio (pygls) for live diagnostics in editors.

It lints the unsaved buffer of every open YAML/JSON document that looks like a Kubernetes
manifest, with the same engine and configuration as `podlint lint`, and offers:
- diagnostics on open, change (debounced) and save, with the rule id as code and a link to its docs;
- quick fixes from the findings' own `Fix` edits, and "disable this rule on this line";
- hover text from the rule catalogue (why it matters, how to fix it), and on any other field its schema
  documentation, and completion of keys, values and snippets (podlint/lsp/assist.py).

Positions: findings carry 1-based line/column in code points; LSP wants 0-based positions in
the negotiated encoding (UTF-16 unless the client offers another), converted with pygls' codec.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition

from podlint import __version__, watchdog
from podlint.app.config import ConfigError
from podlint.engine import Linter
from podlint.findings import Edit, Finding, Severity, Span, suppress
from podlint.lsp import navigation
from podlint.lsp.actions import repair_actions
from podlint.lsp.assist import TRIGGERS, Assist
from podlint.lsp.buffers import (
    CONFIG_FILES,
    SOURCE,
    Setup,
    client_position,
    diagnostic_message,
    file_name,
    is_manifest,
    load_setup,
    setup_for,
    split_lines,
)
from podlint.lsp.renders import Renders, Root
from podlint.patterns import lazy
from podlint.reading.parse import MAX_FILE_BYTES, parse_text
from podlint.report.escape import visible
from podlint.rules.catalogue import Rule, load_catalogue
from podlint.rules.ruleset import matches_glob

log = logging.getLogger(__name__)

# Long enough to coalesce a burst of edits (paste, multi-cursor, auto-indent), short enough that
# diagnostics follow typing: with ~10 ms of linting for 300 lines, well inside 100 ms.
DEBOUNCE_SECONDS = 0.04
# Renders read the files on disk and take longer (a chart ~10-100 ms): on open and save, after a pause.
RENDER_DEBOUNCE_SECONDS = 0.3
# A `disable=` directive already on the line (not -next-line or -file): the new rule joins its list.
_DISABLE_DIRECTIVE = lazy(r"(?:^|\s)#\s*podlint:\s*disable\s*=\s*(?P<rules>[A-Za-z0-9_,\s-]*?)\s*(?:--.*|#.*)?$")
# Findings that no comment should silence: the reading failed, or the directive itself is the finding.
_NOT_DISABLEABLE = frozenset({"parse-error", "read-error", "internal-error", suppress.UNUSED_RULE})
_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


@dataclass(slots=True)
class Entry:
    """A finding with its range in code points (0-based) and the diagnostic sent for it."""

    finding: Finding
    start: ServerTextPosition
    end: ServerTextPosition
    diagnostic: types.Diagnostic


@dataclass(slots=True)
class Linted:
    """The result of linting one version of a buffer."""

    version: int | None
    text: str
    lines: list[str]
    entries: list[Entry]


def disable_edit(line_text: str, line: int, rule: str) -> Edit:
    """Append `# podlint: disable=<rule>` to a line (0-based), or add the rule to the directive already there."""
    match = _DISABLE_DIRECTIVE.search(line_text)
    if match is not None:
        at = match.end("rules")
        return Edit((line, at), (line, at), f",{rule}" if match.group("rules").strip() else rule)
    end = len(line_text.rstrip())
    return Edit((line, end), (line, len(line_text)), f"  # podlint: disable={rule}")


def apply_edits(lines: list[str], edits: Iterable[Edit]) -> str:
    """The text after non-overlapping edits (0-based code-point positions)."""
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    text = "\n".join(lines)

    def offset(position: tuple[int, int]) -> int:
        line, column = position
        if line >= len(lines):
            return len(text)
        return offsets[line] + min(column, len(lines[line]))

    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:offset(edit.start)] + edit.text + text[offset(edit.end):]
    return text


def same_data(before: str, after: str) -> bool:
    """Whether an edit changed only comments: the documents read the same, and still read cleanly."""
    old, new = parse_text(before, ""), parse_text(after, "")
    if any(f.rule == "parse-error" for f in new.findings) or len(old.documents) != len(new.documents):
        return False
    return all(a.data == b.data for a, b in zip(old.documents, new.documents, strict=True))


def hover_text(finding: Finding, rule: Rule | None) -> str:
    # The message quotes the manifest, and a custom rule's texts come from a configuration: escaped.
    parts = [f"**{visible(finding.rule)}** ({finding.severity.label}): {visible(finding.message)}"]
    if rule is not None:
        parts += [visible(rule.summary), f"**Why it matters.** {visible(rule.why, newlines=True)}",
                  f"**How to fix it.** {visible(rule.fix, newlines=True)}",
                  f"[{visible(rule.id)} documentation]({rule.help_uri})"]
    return "\n\n".join(parts)


def _ordered(position: ServerTextPosition) -> tuple[int, int]:
    """A position as a comparable pair: ServerTextPosition is ordered only from pygls 2.1.1 on."""
    return position.line, position.character


class PodlintProtocol(LanguageServerProtocol):
    """pygls' protocol, hardened: a change to a document that is not open, or older than the version
    already held (a stale or replayed change), is dropped instead of raising or rewinding the buffer."""

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        documents: dict[str, TextDocument] = self.workspace.text_documents
        document = documents.get(unquote(params.text_document.uri))
        if document is None:
            log.warning("a change to %s, which is not open: dropped", params.text_document.uri[:200])
            return
        held, sent = document.version, params.text_document.version
        if held is not None and sent is not None and sent <= held:
            return  # stale
        yield from super().lsp_text_document__did_change(params)


class PodlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("podlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=PodlintProtocol)
        self.linted: dict[str, Linted] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.config_of_folder: dict[Path, Path | None] = {}
        self.setups: dict[Path | None, Setup] = {}
        self.config_errors: set[str] = set()  # URIs of configuration files that carry a diagnostic
        self.shut_down = False
        # Charts and overlays: their renders' findings, shown on their templates, values files and patches.
        self.renders = Renders()
        self.render_pending: dict[Root, asyncio.TimerHandle] = {}
        self.render_linters: dict[int, Linter] = {}
        self._render_executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.assist = Assist()  # completion and field hover from the schemas

    # Configuration ---------------------------------------------------------------------------

    def setup_for(self, path: Path) -> Setup:
        return setup_for(path, self.config_of_folder, self.setups, self.load_setup)

    def load_setup(self, config: Path | None) -> Setup:
        try:
            return load_setup(config)
        except ConfigError as exc:
            assert config is not None  # no configuration: the defaults, which raise nothing
            self.report_config_error(config, str(exc))
            return Setup(Linter(), root=config.parent)

    def report_config_error(self, config: Path, message: str) -> None:
        """A broken configuration: a diagnostic on the file and a log line; linting goes on with defaults."""
        message = visible(message, newlines=True)  # it quotes the configuration
        self.window_log_message(types.LogMessageParams(types.MessageType.Error,
                                                       f"podlint: {message} (using the defaults)"))
        position = re.match(r"^.*?:(\d+):(\d+): (.*)$", message, re.DOTALL)
        line, column, text = (int(position[1]) - 1, int(position[2]) - 1, position[3]) if position else (0, 0, message)
        uri = from_fs_path(str(config)) or config.as_uri()
        self.config_errors.add(uri)
        point = types.Position(line, column)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, [types.Diagnostic(
            types.Range(point, types.Position(line, column + 1)), text, types.DiagnosticSeverity.Error,
            source=SOURCE)]))

    def reload(self) -> None:
        """Forget every configuration read, then relint the open manifests with the new ones."""
        self.config_of_folder.clear()
        self.setups.clear()
        for uri in sorted(self.config_errors):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
        self.config_errors.clear()
        self.linted.clear()
        for uri in list(self.workspace.text_documents):
            self.publish(uri)

    # Linting ---------------------------------------------------------------------------------

    def document(self, uri: str) -> TextDocument | None:
        """The open document (pygls keeps them by unquoted URI), or None once closed."""
        documents: dict[str, TextDocument] = self.workspace.text_documents
        return documents.get(unquote(uri))

    def current(self, document: TextDocument) -> Linted:
        """The lint result of the buffer as it is now (linting it again if it changed)."""
        key = unquote(document.uri)
        known = self.linted.get(key)
        text = document.source
        if known is not None and known.version == document.version and known.text == text:
            return known
        if len(text) > MAX_FILE_BYTES // 4 and len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
            # as `podlint lint` skips a file over the size limit: one diagnostic, no linting
            linted = self.linted[key] = Linted(document.version, text, [""], [])
            message = f"the buffer is over the {MAX_FILE_BYTES:,}-byte limit (--max-file-size): not linted"
            linted.entries = [self.entry(Finding("parse-error", Severity.ERROR, message, document.path or "",
                                                 Span.point(1, 1)), linted.lines, load_catalogue().get("parse-error"))]
            return linted
        linted = self.linted[key] = Linted(document.version, text, split_lines(text), [])
        roots = self.render_roots(document.path)
        if roots:  # part of a chart or overlay: its render's findings, not a lint of the file on its own
            catalogue = self.catalogue_for(Path(document.path))
            linted.entries = [self.entry(finding, linted.lines, catalogue.get(finding.rule))
                              for finding in self.renders.known(document.path) or []]
        elif document.path and is_manifest(document.language_id, document.path, text):
            catalogue = self.catalogue_for(Path(document.path))
            linted.entries = [self.entry(finding, linted.lines, catalogue.get(finding.rule))
                              for finding in self.lint(Path(document.path), text)]
        return linted

    def catalogue_for(self, path: Path) -> dict[str, Rule]:
        """The catalogue of the file's configuration: the built-in rules plus its custom rules and policies."""
        try:
            return self.setup_for(path).linter.catalogue
        except Exception:  # as in lint(): a bug must cost one hover's text, never the server
            log.exception("reading the configuration of %s failed", path)
            return load_catalogue()

    def lint(self, path: Path, text: str) -> list[Finding]:
        try:
            setup = self.setup_for(path)
            name = self.file_name(path, setup)
            if setup.exclude and matches_glob(name, setup.exclude):
                return []
            return setup.linter.lint_text(text, name).findings
        except Exception as exc:  # a bug must cost one buffer's diagnostics, never the server
            log.exception("linting %s failed", path)
            return [Finding("internal-error", Severity.ERROR, f"podlint failed on this buffer "
                            f"({type(exc).__name__}: {exc}); please report it with the manifest", str(path),
                            Span.point(1, 1))]

    file_name = staticmethod(file_name)

    def entry(self, finding: Finding, lines: list[str], rule: Rule | None) -> Entry:
        # front.Front.diagnostic writes the same in JSON before pygls is loaded: change both (test_lsp_front)
        span = finding.span
        start = ServerTextPosition(span.line - 1, span.column - 1)
        end = ServerTextPosition(span.end_line - 1, span.end_column - 1)
        encoding = self.workspace.position_codec.encoding or "utf-16"  # (a str enum; pygls' codec counts in Python)
        diagnostic = types.Diagnostic(
            range=types.Range(types.Position(*client_position(lines, start.line, start.character, encoding)),
                              types.Position(*client_position(lines, end.line, end.character, encoding))),
            message=diagnostic_message(finding),
            severity=_SEVERITIES[finding.severity],
            code=finding.rule,
            code_description=types.CodeDescription(rule.help_uri) if rule is not None else None,
            source=SOURCE,
        )
        return Entry(finding, start, end, diagnostic)

    # Charts and overlays ------------------------------------------------------------------------

    def render_roots(self, path: str | None) -> list[Root]:
        if not path:
            return []
        try:
            return self.renders.roots(path)
        except Exception:  # a bug must cost the render diagnostics, never the server
            log.exception("finding the chart or overlay of %s failed", path)
            return []

    def schedule_render(self, path: str | None) -> None:
        """Render the file's charts and overlays after a pause (a burst of saves renders once)."""
        loop = asyncio.get_running_loop()
        for root in self.render_roots(path):
            pending = self.render_pending.pop(root, None)
            if pending is not None:
                pending.cancel()
            self.render_pending[root] = loop.call_later(RENDER_DEBOUNCE_SECONDS, self.start_render, root)

    def start_render(self, root: Root) -> None:
        self.render_pending.pop(root, None)
        if self._render_executor is None:  # one render at a time, off the event loop
            self._render_executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="podlint-render")
        setup = self.setup_for(Path(root[1]) / "Chart.yaml")
        linter = self.render_linters.get(id(setup.linter))
        if linter is None:
            linter = self.render_linters[id(setup.linter)] = Linter(setup.linter.options)
        future = asyncio.get_running_loop().run_in_executor(self._render_executor, self.renders.render, root, linter)
        future.add_done_callback(self.rendered)

    def rendered(self, future: asyncio.Future[tuple[set[str], bool]]) -> None:
        """A render is done: publish the diagnostics of every file whose findings may have changed."""
        try:
            files, _ = future.result()
        except Exception:
            log.exception("rendering failed")
            return
        if self.shut_down:
            return
        open_documents = {Path(d.path).resolve(): uri for uri, d in self.workspace.text_documents.items() if d.path}
        for file in sorted(files):
            uri = open_documents.get(Path(file).resolve())
            if uri is not None:
                self.linted.pop(unquote(uri), None)
                self.publish(uri)
                continue
            try:  # not open: its lines from disk, for the positions
                lines = split_lines(Path(file).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            catalogue = self.catalogue_for(Path(file))
            findings = self.renders.known(file) or []
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                from_fs_path(file) or Path(file).as_uri(),
                [self.entry(f, lines, catalogue.get(f.rule)).diagnostic for f in findings]))

    def cancel_pending(self, uri: str) -> None:
        pending = self.pending.pop(unquote(uri), None)
        if pending is not None:
            pending.cancel()

    def publish(self, uri: str) -> None:
        self.cancel_pending(uri)
        document = self.document(uri)
        if document is None:  # closed meanwhile
            return
        if Path(document.path).name in CONFIG_FILES:  # its diagnostics are the configuration's errors
            return
        linted = self.current(document)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            document.uri, [entry.diagnostic for entry in linted.entries], version=document.version))

    def schedule(self, uri: str) -> None:
        """Lint after a pause in the changes (debounce): a burst of keystrokes is linted once."""
        self.cancel_pending(uri)
        self.pending[unquote(uri)] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self.publish, uri)

    def forget(self, uri: str) -> None:
        """A closed document: no more linting, and its diagnostics go away."""
        self.cancel_pending(uri)
        self.linted.pop(unquote(uri), None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    # Code actions and hover ------------------------------------------------------------------

    def entries_at(self, linted: Linted, requested: types.Range,
                   diagnostics: Iterable[types.Diagnostic] = ()) -> list[Entry]:
        """The findings that overlap a range (in client units), and those the client names in `diagnostics`."""
        codec = self.workspace.position_codec
        first = codec.position_from_client_units(linted.lines, requested.start)
        last = codec.position_from_client_units(linted.lines, requested.end)
        named = {(d.code, d.range.start.line, d.range.start.character, d.message) for d in diagnostics}
        return [entry for entry in linted.entries
                if (_ordered(entry.start) <= _ordered(last) and _ordered(first) <= _ordered(entry.end))
                or (entry.finding.rule, entry.diagnostic.range.start.line,
                    entry.diagnostic.range.start.character, entry.diagnostic.message) in named]

    def text_edits(self, lines: list[str], edits: Iterable[Edit]) -> list[types.TextEdit]:
        codec = self.workspace.position_codec

        def position(point: tuple[int, int]) -> types.Position:
            return codec.position_to_client_units(lines, ServerTextPosition(*point))

        return [types.TextEdit(types.Range(position(e.start), position(e.end)), e.text) for e in edits]

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        only = params.context.only
        if only is not None and not any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
            return []
        document = self.document(params.text_document.uri)
        if document is None:
            return []
        linted = self.current(document)
        uri = params.text_document.uri
        actions: list[types.CodeAction] = []
        json_document = document.language_id == "json" or document.path.endswith(".json")
        for entry in self.entries_at(linted, params.range, params.context.diagnostics):
            finding = entry.finding
            if finding.fixable and finding.fix is not None:  # what `podlint fix` applies
                actions.append(types.CodeAction(
                    title=finding.fix.description, kind=types.CodeActionKind.QuickFix,
                    diagnostics=[entry.diagnostic], is_preferred=True,
                    edit=types.WorkspaceEdit(changes={uri: self.text_edits(linted.lines, finding.fix.edits)})))
            actions.extend(repair_actions(self, document, linted, entry))  # fixes that change what runs
            # JSON has no comments; a comment inside a multi-line string would change the value.
            if json_document or finding.rule in _NOT_DISABLEABLE or entry.start.line >= len(linted.lines):
                continue
            edit = disable_edit(linted.lines[entry.start.line], entry.start.line, finding.rule)
            if not same_data(linted.text, apply_edits(linted.lines, [edit])):
                continue
            actions.append(types.CodeAction(
                title=f"Disable {finding.rule} on this line", kind=types.CodeActionKind.QuickFix,
                diagnostics=[entry.diagnostic],
                edit=types.WorkspaceEdit(changes={uri: self.text_edits(linted.lines, [edit])})))
        return actions

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        document = self.document(params.text_document.uri)
        if document is None:
            return None
        linted = self.current(document)
        here = types.Range(params.position, params.position)
        entries = self.entries_at(linted, here)
        if not entries:  # no finding here: the field's documentation
            try:
                return self.assist.hover(self, document, linted.lines, params.position)
            except Exception:  # a bug must cost one hover, never the server
                log.exception("hover on %s failed", params.text_document.uri[:200])
                return None
        catalogue = self.catalogue_for(Path(document.path)) if document.path else load_catalogue()
        text = "\n\n---\n\n".join(hover_text(e.finding, catalogue.get(e.finding.rule)) for e in entries)
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text), entries[0].diagnostic.range)


def create_server() -> PodlintServer:
    server = PodlintServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: PodlintServer, params: types.InitializedParams) -> None:
        """Ask the client to tell us when a configuration file changes on disk."""
        watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in sorted(CONFIG_FILES)]
            ls.client_register_capability(types.RegistrationParams([types.Registration(
                "podlint-config", types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                types.DidChangeWatchedFilesRegistrationOptions(watchers))]))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: PodlintServer, params: None) -> None:
        ls.shut_down = True
        for uri in list(ls.pending):
            ls.cancel_pending(uri)
        for pending in ls.render_pending.values():
            pending.cancel()
        ls.render_pending.clear()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PodlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)
        ls.schedule_render(to_fs_path(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PodlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PodlintServer, params: types.DidSaveTextDocumentParams) -> None:
        path = to_fs_path(params.text_document.uri)
        if path is not None and Path(path).name in CONFIG_FILES:
            ls.reload()
        else:
            ls.publish(params.text_document.uri)
            ls.schedule_render(path)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PodlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: PodlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(Path(to_fs_path(change.uri) or change.uri).name in CONFIG_FILES for change in params.changes):
            ls.reload()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: PodlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: PodlintServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
    def completion(ls: PodlintServer, params: types.CompletionParams) -> types.CompletionList | None:
        document = ls.document(params.text_document.uri)
        if document is None:
            return None
        try:
            return ls.assist.completion(ls, document, split_lines(document.source), params.position)
        except Exception:  # a bug must cost one completion, never the server
            log.exception("completion in %s failed", params.text_document.uri[:200])
            return None

    navigation.register(server)  # outline and go-to-definition
    return server


def serve(stdin: BinaryIO | None = None, stdout: BinaryIO | None = None,
          config_of_folder: dict[Path, Path | None] | None = None,
          setups: dict[Path | None, Setup] | None = None) -> int:
    """Serve on standard input and output until the client says exit: 0 after a shutdown request, else 1.
    podlint/lsp/front.py passes the streams it replays and the configurations it has read."""
    server = create_server()
    server.config_of_folder.update(config_of_folder or {})
    server.setups.update(setups or {})
    with watchdog.running():  # a rule stuck on a buffer becomes a diagnostic, not a hung editor
        server.start_io(stdin, stdout)
    return 0 if server.shut_down else 1
