"""The first moments of `podlint lsp`, served before pygls is imported.

Importing pygls costs ~250 ms (lsprotocol.types builds ~600 attrs classes), four times what podlint
needs for its first diagnostics (start, imports, configuration and one lint: ~60 ms). So the server
starts on this small JSON-RPC reader of the standard library: it answers `initialize` with the
capabilities pygls would send, and lints the documents opened right after, publishing their
diagnostics, while pygls is imported in a thread. When the import is done, at the first message the
front does not handle itself, or on anything it does not expect, it hands the stream over: pygls
reads everything again from the first byte (the bytes the front read, then standard input), so its
state is the one it would have had alone; and of what pygls writes while it catches up, the answers
the front already sent are dropped: the `initialize` result, and the first diagnostics of each
document the front published (dropped only when equal; different ones pass, and replace them in
the editor). Nothing the client sent is lost, nothing is answered twice. tests/test_lsp_front.py
drives both ways over stdio and compares.

Windows (no `select` on a pipe) and PODLINT_LSP_FRONT=0 start pygls at once.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import re
import select
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from urllib.parse import unquote

from pygls.uris import to_fs_path  # pygls' own function (no lsprotocol): the same path as the server's

from podlint import __version__, watchdog
from podlint.app.config import ConfigError
from podlint.findings import Finding, Severity
from podlint.lsp.buffers import (
    CONFIG_FILES,
    SOURCE,
    Setup,
    client_position,
    diagnostic_message,
    file_name,
    is_manifest,
    setup_for,
    split_lines,
)
from podlint.lsp.renders import Renders
from podlint.reading.parse import MAX_FILE_BYTES
from podlint.rules.catalogue import Rule
from podlint.rules.ruleset import matches_glob

if TYPE_CHECKING:
    import threading  # imported when needed: ~1 ms

log = logging.getLogger(__name__)

# pygls is imported in a thread once the front has published its first diagnostics, or after this long
# without a message once `initialize` is answered (an editor sends `initialized` and the visible
# documents' `didOpen` at once after the answer): while the front waits for the client, the import
# runs; while it lints, the import waits its turn for the interpreter (one runs at a time).
IDLE_SECONDS = 0.05
POLL_SECONDS = 0.01  # how often the front looks whether the import is done
MAX_BODY = 2 * MAX_FILE_BYTES  # a longer message is pygls' to refuse
CONTENT_TYPE = "application/vscode-jsonrpc; charset=utf-8"  # pygls' header, sent the same
_CONTENT_LENGTH = re.compile(rb"Content-Length: ([0-9]+)")
_SEVERITIES = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3}
_ENCODINGS = ("utf-8", "utf-16", "utf-32")


def capabilities(client: dict[str, Any]) -> dict[str, Any]:
    """The `initialize` result pygls builds for the server's features (tests/test_lsp_front.py compares)."""
    sync: dict[str, Any] = {"openClose": True, "change": 2, "save": True}
    synchronization = (client.get("textDocument") or {}).get("synchronization") or {}
    for name in ("willSave", "willSaveWaitUntil"):  # pygls: false when the client names it, none of ours
        if synchronization.get(name) is not None:
            sync[name] = False
    return {
        "capabilities": {
            "positionEncoding": position_encoding(client),
            "textDocumentSync": sync,
            "completionProvider": {"triggerCharacters": [":"]},
            "hoverProvider": True,
            "definitionProvider": True,
            "documentSymbolProvider": True,
            "codeActionProvider": {"codeActionKinds": ["quickfix"]},
            "executeCommandProvider": {"commands": []},
            "workspace": {"workspaceFolders": {"supported": True, "changeNotifications": True},
                          "fileOperations": {}},
        },
        "serverInfo": {"name": "podlint", "version": __version__},
    }


def position_encoding(client: dict[str, Any]) -> str:
    """The client's first encoding that pygls supports, else UTF-16 (as pygls chooses)."""
    for encoding in (client.get("general") or {}).get("positionEncodings") or ():
        if encoding in _ENCODINGS:
            return str(encoding)
    return "utf-16"


def plausible_initialize(params: Any) -> bool:
    """Parameters pygls reads without complaint, in the parts the answer depends on; else pygls answers."""
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return False
    client = params["capabilities"]
    general, document = client.get("general", {}), client.get("textDocument", {})
    if not isinstance(general, dict) or not isinstance(document, dict):
        return False
    encodings = general.get("positionEncodings", [])
    synchronization = document.get("synchronization", {})
    return (isinstance(encodings, list) and all(isinstance(e, str) for e in encodings)
            and isinstance(synchronization, dict)
            and all(isinstance(synchronization.get(name, False), bool) for name in ("willSave", "willSaveWaitUntil"))
            and "processId" in params and "rootUri" in params)


class HandOver(Exception):
    """The front stops here: pygls takes the stream, from the first byte."""


class Reader:
    """LSP messages from a file descriptor, keeping every byte read (pygls reads them again)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.consumed = bytearray()
        self.position = 0  # where the next message starts in `consumed`

    def fill(self, timeout: float | None) -> bool:
        """Read what is there (waiting up to `timeout`); False on a timeout."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            raise HandOver("end of input")
        self.consumed += chunk
        return True

    def message(self, timeout: float | None) -> dict[str, Any] | None:
        """The next message; None when none came within `timeout`. Only messages pygls would read the same."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            parsed = self.parse()
            if parsed is not None:
                return parsed
            left = None if deadline is None else deadline - time.monotonic()
            if (left is not None and left <= 0) or not self.fill(left):
                return None

    def parse(self) -> dict[str, Any] | None:
        end = self.consumed.find(b"\r\n\r\n", self.position)
        if end < 0:
            if len(self.consumed) - self.position > 4096:
                raise HandOver("a header over 4 KiB")
            return None
        lines = bytes(self.consumed[self.position:end]).split(b"\r\n")
        lengths = [_CONTENT_LENGTH.fullmatch(line) for line in lines]
        found = [int(match[1]) for match in lengths if match]
        # pygls reads lines up to b"\n": a header with a bare CR or LF, or none of Content-Length, is its to read
        if len(found) != 1 or not 0 < found[0] <= MAX_BODY or any(b"\r" in line or b"\n" in line for line in lines):
            raise HandOver("an unusual header")
        body_start = end + 4
        if len(self.consumed) < body_start + found[0]:
            return None
        body = bytes(self.consumed[body_start:body_start + found[0]])
        self.position = body_start + found[0]
        try:
            message = json.loads(body)
        except ValueError as exc:
            raise HandOver("a body that is not JSON") from exc
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            raise HandOver("not a JSON-RPC 2.0 message")
        return message


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message)  # ASCII: its length in characters is its length in bytes, as pygls counts
    return f"Content-Length: {len(body)}\r\nContent-Type: {CONTENT_TYPE}\r\n\r\n{body}".encode()


class Front:
    """The server until pygls is ready: `initialize`, `initialized` and `didOpen` only."""

    def __init__(self, fd: int, out: BinaryIO) -> None:
        self.reader = Reader(fd)
        self.out = out
        self.importer: threading.Thread | None = None
        self.initialize_id: int | str | None = None
        self.initialize_result: dict[str, Any] | None = None
        self.encoding = "utf-16"
        self.published: dict[str, dict[str, Any]] = {}  # uri -> the params of the diagnostics sent
        self.opened: set[str] = set()
        self.config_of_folder: dict[Path, Path | None] = {}
        self.setups: dict[Path | None, Setup] = {}
        self.renders = Renders()

    def run(self) -> str:
        """Serve until the hand-over; the reason, for the log."""
        try:
            while True:
                self.serve_one()
        except HandOver as reason:
            return str(reason)
        except Exception as exc:  # a bug in the front costs its head start, never the session
            log.exception("the language server's front failed; pygls takes over")
            return f"{type(exc).__name__}"

    def serve_one(self) -> None:
        if self.initialize_id is None:
            message = self.reader.message(None)
            if message is None or message.get("method") != "initialize" \
                    or not isinstance(message.get("id"), int | str) or not plausible_initialize(message.get("params")):
                raise HandOver("the first message is not an initialize request")
            self.initialize(message["id"], message["params"])
            return
        if self.importer is not None and not self.importer.is_alive():
            raise HandOver("pygls is ready")
        message = self.reader.message(IDLE_SECONDS if self.importer is None else POLL_SECONDS)
        method = message.get("method") if message is not None else None
        if message is None:
            self.start_import()
        elif method == "initialized" and "id" not in message:
            pass  # pygls acts on it when it reads it again (it registers the file watchers)
        elif method == "textDocument/didOpen" and "id" not in message:
            self.did_open(message.get("params"))
            self.start_import()
        else:
            raise HandOver(f"a message for pygls ({str(method)[:40]})")

    def start_import(self) -> None:
        if self.importer is None:
            import threading

            self.importer = threading.Thread(target=_import_server, name="podlint-import", daemon=True)
            self.importer.start()

    def wait_for_pygls(self) -> None:
        self.start_import()
        assert self.importer is not None
        self.importer.join()

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(encode(message))
        self.out.flush()

    def initialize(self, request_id: int | str, params: dict[str, Any]) -> None:
        client = params["capabilities"]
        self.encoding = position_encoding(client)
        self.initialize_id, self.initialize_result = request_id, capabilities(client)
        self.send({"id": request_id, "jsonrpc": "2.0", "result": self.initialize_result})

    def did_open(self, params: Any) -> None:
        item = params.get("textDocument") if isinstance(params, dict) else None
        if not isinstance(item, dict):
            raise HandOver("an unusual didOpen")
        uri, language, version, text = (item.get(key) for key in ("uri", "languageId", "version", "text"))
        if not (isinstance(uri, str) and uri.startswith("file:") and isinstance(language, str)
                and isinstance(version, int) and not isinstance(version, bool) and isinstance(text, str)):
            raise HandOver("an unusual didOpen")
        path = to_fs_path(uri)
        if not path or unquote(uri) in self.opened or len(text) > MAX_FILE_BYTES // 4:
            raise HandOver("a document for pygls")
        self.opened.add(unquote(uri))  # as pygls keys its documents
        if Path(path).name in CONFIG_FILES:
            return  # the server publishes nothing for a configuration file
        if self.renders.roots(path):
            raise HandOver("part of a chart or overlay")  # its render's findings: pygls' work
        diagnostics: list[dict[str, Any]] = []
        if is_manifest(language, path, text):
            lines = split_lines(text)
            setup = self.setup_for(Path(path))
            catalogue = setup.linter.catalogue
            name = file_name(Path(path), setup)
            findings = [] if setup.exclude and matches_glob(name, setup.exclude) \
                else setup.linter.lint_text(text, name).findings
            diagnostics = [self.diagnostic(f, lines, catalogue.get(f.rule)) for f in findings]
        params = {"uri": uri, "diagnostics": diagnostics, "version": version}
        self.published[uri] = params
        self.send({"params": params, "method": "textDocument/publishDiagnostics", "jsonrpc": "2.0"})

    def setup_for(self, path: Path) -> Setup:
        """As PodlintServer.setup_for; a configuration error is the server's to report."""
        try:
            return setup_for(path, self.config_of_folder, self.setups)
        except ConfigError as exc:
            del self.config_of_folder[path.parent]
            raise HandOver("a configuration error") from exc

    def position(self, lines: list[str], line: int, character: int) -> dict[str, int]:
        line, character = client_position(lines, line, character, self.encoding)
        return {"line": line, "character": character}

    def diagnostic(self, finding: Finding, lines: list[str], rule: Rule | None) -> dict[str, Any]:
        """As PodlintServer.entry, in JSON."""
        span = finding.span
        diagnostic: dict[str, Any] = {
            "range": {"start": self.position(lines, span.line - 1, span.column - 1),
                      "end": self.position(lines, span.end_line - 1, span.end_column - 1)},
            "message": diagnostic_message(finding),
            "severity": _SEVERITIES[finding.severity],
            "code": finding.rule,
            "source": SOURCE,
        }
        if rule is not None:
            diagnostic["codeDescription"] = {"href": rule.help_uri}
        return diagnostic


def _import_server() -> None:
    try:
        importlib.import_module("podlint.lsp.server")
    except BaseException:  # the main thread imports it again, and reports what fails
        return


class Replay(io.RawIOBase):
    """The bytes the front read, then the rest of the file descriptor: what pygls reads."""

    def __init__(self, prefix: bytes, fd: int) -> None:
        super().__init__()
        self.prefix = memoryview(prefix)
        self.fd = fd

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.prefix:
            count = min(len(buffer), len(self.prefix))
            buffer[:count] = self.prefix[:count]
            self.prefix = self.prefix[count:]
            return count
        chunk = os.read(self.fd, len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


class Catchup:
    """pygls' output: the answers the front already sent are dropped once; everything else passes."""

    def __init__(self, out: BinaryIO, front: Front) -> None:
        self.out = out
        self.initialize_id = front.initialize_id
        self.initialize_result = front.initialize_result
        self.published = dict(front.published)

    def write(self, data: bytes) -> int:
        if (self.initialize_id is not None or self.published) and self.already_sent(data):
            return len(data)
        return self.out.write(data)

    def already_sent(self, data: bytes) -> bool:
        _, _, body = data.partition(b"\r\n\r\n")  # pygls writes one whole message per call
        try:
            message = json.loads(body)
        except ValueError:
            return False
        if not isinstance(message, dict):
            return False
        if "method" not in message and message.get("id") == self.initialize_id and self.initialize_id is not None:
            if message.get("result") != self.initialize_result:
                log.warning("pygls answers initialize differently from the front: %s", body[:2000])
            self.initialize_id = None
            return True  # a second answer to one request would be an error
        if message.get("method") == "textDocument/publishDiagnostics" and isinstance(message.get("params"), dict):
            sent = self.published.pop(message["params"].get("uri"), None)
            return sent is not None and sent == message["params"]
        return False

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> None:
        self.out.close()


def serve() -> int:
    """`podlint lsp`: the front, then pygls. 0 after a shutdown request, else 1."""
    out = sys.stdout.buffer
    with watchdog.running():  # a rule stuck on a buffer becomes a diagnostic, not a hung editor
        if os.name != "posix" or os.environ.get("PODLINT_LSP_FRONT") == "0":
            from podlint.lsp import server

            return server.serve()
        front = Front(sys.stdin.fileno(), out)
        reason = front.run()
        log.debug("the front hands over: %s", reason)
        front.wait_for_pygls()
        from podlint.lsp import server  # imported by now (or failing here, as it would have alone)

        return server.serve(io.BufferedReader(Replay(bytes(front.reader.consumed), front.reader.fd)),
                            cast(BinaryIO, Catchup(out, front)), front.config_of_folder, front.setups)
