"""`podlint lsp` under a hostile or broken client, spoken to over raw stdio: it stays up and bounded.

A flood of 2,000 didChange notifications in well under a second, a 30 MB didOpen, changes to
documents that are not open, stale (older) versions, malformed JSON-RPC bodies and headers:
after all of them the server still answers, publishes the diagnostics of the newest version
only, and exits cleanly on shutdown.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from tests.manifests import BAD


def _frame(body: bytes) -> bytes:
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def _message(method: str, params: Any, ident: int | None = None) -> bytes:
    payload: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
    if ident is not None:
        payload["id"] = ident
    return _frame(json.dumps(payload).encode())


def _reader(stream: IO[bytes], out: queue.Queue[dict[str, Any]]) -> None:
    while True:
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = stream.read(1)
            if not byte:
                return
            header += byte
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        out.put(json.loads(stream.read(length)))


class RawClient:
    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "podlint", "lsp"], cwd=root, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = self.process.stdin
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=_reader, args=(self.process.stdout, self.messages), daemon=True).start()

    def send(self, data: bytes) -> None:
        self.stdin.write(data)
        self.stdin.flush()

    def wait_for(self, test: Any, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            if test(message):
                return message

    def peak_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024


def test_the_language_server_survives_a_hostile_client(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    client = RawClient(tmp_path)
    client.send(_message("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}, 1))
    client.wait_for(lambda m: m.get("id") == 1)
    client.send(_message("initialized", {}))
    started = time.monotonic()

    # Malformed JSON-RPC: a body that is not JSON, a message that is not a request, unknown methods.
    client.send(_frame(b"{this is not json"))
    client.send(_frame(b'{"jsonrpc": "2.0", "result": 1}'))
    client.send(_message("textDocument/unknownThing", {"x": 1}, 2))
    client.send(_message("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.yaml"},
                                                "position": {"line": 0, "character": 0}}, 3))
    client.wait_for(lambda m: m.get("id") == 3)
    # A change to a document that was never opened.
    client.send(_message("textDocument/didChange", {"textDocument": {"uri": "file:///never-opened.yaml", "version": 2},
                                                    "contentChanges": [{"text": "x"}]}))

    # 30 MB in one didOpen: over the size limit, one diagnostic, no linting.
    huge_uri = (tmp_path / "huge.yaml").as_uri()
    huge = "apiVersion: v1\nkind: ConfigMap\n" + "# " + "x" * (30 * 1024 * 1024) + "\n"
    client.send(_message("textDocument/didOpen", {"textDocument": {"uri": huge_uri, "languageId": "yaml", "version": 1,
                                                                   "text": huge}}))
    del huge
    published = client.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == huge_uri)
    assert [d["message"] for d in published["params"]["diagnostics"]] == [
        "the buffer is over the 10,485,760-byte limit (--max-file-size): not linted"]

    # 2,000 didChange notifications as fast as the pipe takes them, then a stale one (older version).
    uri = (tmp_path / "pod.yaml").as_uri()
    client.send(_message("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                   "text": BAD}}))
    flood = b"".join(_message("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"text": BAD.replace("name: web", f"name: web-{version}")}]}) for version in range(2, 2002))
    sent = time.monotonic()
    client.send(flood)
    flood_seconds = time.monotonic() - sent
    client.send(_message("textDocument/didChange", {"textDocument": {"uri": uri, "version": 5},
                                                    "contentChanges": [{"text": "kind: [broken"}]}))
    newest = client.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                             and m["params"]["uri"] == uri and m["params"].get("version") == 2001)
    assert [d["code"] for d in newest["params"]["diagnostics"]] == ["image-latest-tag"]  # the stale change dropped

    client.send(_message("shutdown", None, 9))
    client.wait_for(lambda m: m.get("id") == 9)
    peak = client.peak_mb()
    client.send(_message("exit", None))
    assert client.process.wait(timeout=10) == 0
    total = time.monotonic() - started
    assert total < 20, f"{total:.1f} s"
    assert peak < 400, f"{peak:.0f} MB"
    print(f"hostile LSP client: {total:.2f} s in all (2,000 changes sent in {flood_seconds:.2f} s), "
          f"peak {peak:.0f} MB")

