"""The start-up front of `podlint lsp` (podlint/lsp/front.py): the same conversation as pygls alone.

Driven over stdio with raw JSON-RPC (so the test sees every byte: nothing lost, nothing twice), once with
the front and once with PODLINT_LSP_FRONT=0, and the two transcripts compared; and the front on its own,
in-process, on a pipe."""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types

from podlint.lsp import buffers, front
from podlint.lsp.server import create_server
from tests.conftest import ROOT
from tests.manifests import BAD, GOOD

# A finding after characters of two UTF-16 units and two UTF-8 bytes: the column in each encoding differs.
WIDE = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - {name: "é😋", image: nginx, resources: {limits: {cpu: 100m, memory: 64Mi}}}
"""
# A message that quotes a bidi control: diagnostics show it escaped.
QUOTING = BAD.replace("name: web\nspec", 'name: web\n  labels: {app: "we\\u202eb"}\nspec', 1)
CLIENTS = Path(pytest_lsp.__file__ or "").parent / "clients"  # the capabilities of real editors
TIMEOUT = 15.0
Message = dict[str, Any]


def frame(message: Message) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(number: int, method: str, params: Any = None) -> Message:
    return {"jsonrpc": "2.0", "id": number, "method": method, "params": params}


def notification(method: str, params: Any = None) -> Message:
    return {"jsonrpc": "2.0", "method": method, "params": params}


def did_open(uri: str, text: str, version: int = 1) -> Message:
    return notification("textDocument/didOpen",
                        {"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}})


def initialize(capabilities: Message, root: Path) -> Message:
    return request(1, "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities})


class Wire:
    """`podlint lsp` in a subprocess, spoken to in raw JSON-RPC; every message it writes, in order."""

    def __init__(self, with_front: bool, cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PODLINT_LSP_FRONT": "1" if with_front else "0"}
        self.process = subprocess.Popen([sys.executable, "-m", "podlint", "lsp"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
        self.buffer = b""
        self.received: list[Message] = []

    def send(self, *messages: Message) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"".join(frame(m) for m in messages))
        self.process.stdin.flush()

    def read_one(self, deadline: float) -> bool:
        assert self.process.stdout is not None
        while True:
            head, separator, rest = self.buffer.partition(b"\r\n\r\n")
            if separator:
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                if len(rest) >= length:
                    self.received.append(json.loads(rest[:length]))
                    self.buffer = rest[length:]
                    return True
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"no answer in time; received {self.received}")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                return False
            self.buffer += chunk

    def wait_for(self, done: Callable[[list[Message]], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not done(self.received):
            assert self.read_one(deadline), f"the server ended early; received {self.received}"

    def finish(self) -> tuple[int, str]:
        """Shut down and exit; the exit code and standard error."""
        self.send(request(999, "shutdown"), notification("exit"))
        assert self.process.stdin is not None
        self.process.stdin.close()
        deadline = time.monotonic() + TIMEOUT
        while self.read_one(deadline):
            pass
        assert self.process.stderr is not None
        return self.process.wait(TIMEOUT), self.process.stderr.read().decode()


def published(uri: str, count: int = 1) -> Callable[[list[Message]], bool]:
    return lambda received: sum(1 for m in received if m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri) >= count


def answered(number: int) -> Callable[[list[Message]], bool]:
    return lambda received: any("method" not in m and m.get("id") == number for m in received)


def transcript(received: list[Message]) -> dict[str, Any]:
    """What a client acts on, in an order that does not depend on timing: answers by request, diagnostics
    in order per document, and the server's requests and notifications in order per method."""
    answers: dict[Any, Message] = {}
    notifications: defaultdict[str, list[Any]] = defaultdict(list)
    for message in received:
        if "method" not in message:
            assert message["id"] not in answers, f"two answers to request {message['id']}"
            answers[message["id"]] = message
        elif message["method"] == "textDocument/publishDiagnostics":
            notifications[message["params"]["uri"]].append(message["params"])
        else:  # a request of the server carries an id of its own making
            notifications[message["method"]].append(message.get("params"))
    return {"answers": answers, "notifications": dict(notifications)}


def capabilities_of(client: str) -> Message:
    data: Message = json.loads((CLIENTS / f"{client}.json").read_text(encoding="utf-8"))
    return dict(data["capabilities"])


Script = Callable[[Wire, Path], None]


def editor(capabilities: Message) -> Script:
    """As an editor starts: initialize, wait, then `initialized` and the open documents at once; a hover,
    an edit, a closed document."""

    def run(wire: Wire, root: Path) -> None:
        bad, good, notes, config, wide, quoting = ((root / name).as_uri() for name in (
            "bad.yaml", "good.yaml", "notes.yaml", ".podlint.yaml", "wide.yaml", "quoting.yaml"))
        wire.send(initialize(capabilities, root))
        wire.wait_for(answered(1))
        wire.send(notification("initialized", {}), did_open(bad, BAD), did_open(good, GOOD),
                  did_open(notes, "just: notes\n"), did_open(config, "rules: {}\n"), did_open(wide, WIDE),
                  did_open(quoting, QUOTING))
        wire.wait_for(lambda received: all(published(uri)(received) for uri in (bad, good, notes, wide, quoting)))
        wire.send(request(2, "textDocument/hover", {"textDocument": {"uri": bad},
                                                    "position": {"line": 7, "character": 14}}))
        wire.wait_for(answered(2))
        wire.send(notification("textDocument/didChange", {
            "textDocument": {"uri": bad, "version": 2}, "contentChanges": [{"text": GOOD}]}))
        wire.wait_for(published(bad, 2))
        wire.send(notification("textDocument/didClose", {"textDocument": {"uri": good}}))
        wire.wait_for(published(good, 2))

    return run


def pipelined(wire: Wire, root: Path) -> None:
    """Everything in one write, before any answer: the front reads past what it serves."""
    uris = [(root / f"p{index}.yaml").as_uri() for index in range(3)]
    wire.send(initialize({}, root), notification("initialized", {}), did_open(uris[0], BAD),
              request(2, "textDocument/hover", {"textDocument": {"uri": uris[0]},
                                                "position": {"line": 7, "character": 14}}),
              did_open(uris[1], GOOD), did_open(uris[2], BAD))
    wire.wait_for(lambda received: answered(2)(received) and all(published(uri)(received) for uri in uris))


def broken_configuration(wire: Wire, root: Path) -> None:
    """A configuration error is pygls' to report: the front hands the document over."""
    (root / ".podlint.yaml").write_text("rules: [not, a, mapping\n", encoding="utf-8")
    uri = (root / "pod.yaml").as_uri()
    wire.send(initialize(capabilities_of("neovim_v0.11.0"), root))
    wire.wait_for(answered(1))
    wire.send(notification("initialized", {}), did_open(uri, BAD))
    wire.wait_for(lambda received: published(uri)(received) and published((root / ".podlint.yaml").as_uri())(received))


def first_message_not_initialize(wire: Wire, root: Path) -> None:
    wire.send(request(5, "textDocument/hover", {"textDocument": {"uri": (root / "x.yaml").as_uri()},
                                                "position": {"line": 0, "character": 0}}))
    wire.wait_for(answered(5))
    wire.send(initialize({}, root))
    wire.wait_for(answered(1))


SCRIPTS: dict[str, Script] = {
    "vscode": editor(capabilities_of("visual_studio_code_v1.65.2")),
    "neovim (utf-8)": editor(capabilities_of("neovim_v0.11.0")),
    "emacs (utf-32)": editor(capabilities_of("emacs_v29.1")),
    "pipelined": pipelined,
    "broken configuration": broken_configuration,
    "no initialize first": first_message_not_initialize,
}


def converse(script: Script, with_front: bool, root: Path) -> tuple[dict[str, Any], int]:
    root.mkdir()
    (root / ".git").mkdir()  # configuration lookups stop here
    wire = Wire(with_front, root)
    try:
        script(wire, root)
        code, errors = wire.finish()
    finally:
        if wire.process.poll() is None:
            wire.process.kill()
    assert "differently from the front" not in errors
    # the file URIs name the run's own folder: the same names for both runs
    text = json.dumps(transcript(wire.received)).replace(root.as_uri(), "ROOT").replace(str(root), "ROOT")
    return json.loads(text), code


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_front_says_what_pygls_says(name: str, tmp_path: Path) -> None:
    alone, alone_code = converse(SCRIPTS[name], False, tmp_path / "alone")
    fronted, fronted_code = converse(SCRIPTS[name], True, tmp_path / "fronted")
    assert fronted == alone
    assert fronted_code == alone_code == 0
    assert alone["answers"]["1"]["result"]["capabilities"]["textDocumentSync"]  # a real conversation was compared


@pytest.mark.parametrize("client", [path.stem for path in sorted(CLIENTS.glob("*.json"))] + ["none", "odd"])
def test_initialize_result_is_pygls_own(client: str) -> None:
    capabilities: Message = {}
    if client == "odd":
        capabilities = {"general": {"positionEncodings": ["utf-7", "utf-32"]},
                        "textDocument": {"synchronization": {"willSave": False}}}
    elif client != "none":
        capabilities = capabilities_of(client)
    server = create_server()
    protocol = server.protocol
    params = protocol._converter.structure({"processId": None, "rootUri": None, "capabilities": capabilities},
                                           types.InitializeParams)
    steps = protocol.lsp_initialize(params)
    with pytest.raises(StopIteration) as done:
        while True:
            next(steps)
    assert protocol._converter.unstructure(done.value.value) == front.capabilities(capabilities)


# The front alone, on a pipe ------------------------------------------------------------------------


class Output:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def flush(self) -> None:
        pass

    def messages(self) -> list[Message]:
        found, rest = [], bytes(self.data)
        while rest:
            head, _, rest = rest.partition(b"\r\n\r\n")
            length = int(head.split(b"\r\n")[0].split(b":")[1])
            found.append(json.loads(rest[:length]))
            rest = rest[length:]
        return found


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read, write = os.pipe()
    yield read, write
    for fd in (read, write):
        with contextlib.suppress(OSError):  # closed by the test
            os.close(fd)


def run_front(pipe: tuple[int, int], data: bytes, close: bool = False) -> tuple[front.Front, str, Output]:
    read, write = pipe
    os.write(write, data)
    if close:
        os.close(write)
    out = Output()
    served = front.Front(read, out)  # type: ignore[arg-type]  # a BinaryIO in all that the front uses
    reason = served.run()
    return served, reason, out


def test_the_front_serves_initialize_and_opened_documents_then_hands_over(pipe: tuple[int, int],
                                                                           tmp_path: Path) -> None:
    uri = (tmp_path / "pod.yaml").as_uri()
    (tmp_path / ".git").mkdir()
    data = b"".join(frame(m) for m in (initialize({}, tmp_path), notification("initialized", {}), did_open(uri, BAD)))
    served, reason, out = run_front(pipe, data)
    answer, diagnostics = out.messages()
    assert answer["id"] == 1 and answer["result"]["capabilities"]["positionEncoding"] == "utf-16"
    assert diagnostics["method"] == "textDocument/publishDiagnostics"
    found = [(d["code"], d["range"]["start"]["line"]) for d in diagnostics["params"]["diagnostics"]]
    assert found == [("image-latest-tag", 7)]
    assert reason == "pygls is ready"
    assert bytes(served.reader.consumed) == data  # pygls reads all of it again


def test_the_front_hands_a_request_to_pygls(pipe: tuple[int, int], tmp_path: Path) -> None:
    data = frame(initialize({}, tmp_path)) + frame(request(2, "textDocument/hover"))
    served, reason, out = run_front(pipe, data)
    assert [m["id"] for m in out.messages()] == [1]
    assert "textDocument/hover" in reason
    assert bytes(served.reader.consumed) == data


def test_the_front_waits_for_a_message_split_across_writes(pipe: tuple[int, int], tmp_path: Path) -> None:
    data = frame(initialize({}, tmp_path))
    os.write(pipe[1], data[:10])
    _, reason, out = run_front(pipe, data[10:])
    assert [m["id"] for m in out.messages()] == [1]
    assert reason == "pygls is ready"  # after a pause, imported


@pytest.mark.parametrize("data", [
    b"content-length: 2\r\n\r\n{}",  # pygls matches the header's case exactly
    b"Content-Length: 7\r\n\r\nnotjson",
    b"Content-Length: 2\n\r\n{}",
    b"X" * 5000,
])
def test_the_front_leaves_what_it_does_not_expect_to_pygls(pipe: tuple[int, int], data: bytes) -> None:
    served, _, out = run_front(pipe, data, close=True)
    assert out.messages() == []
    assert bytes(served.reader.consumed) == data


def test_the_front_hands_over_at_the_end_of_input(pipe: tuple[int, int], tmp_path: Path) -> None:
    _, reason, out = run_front(pipe, frame(initialize({}, tmp_path)), close=True)
    assert reason == "end of input" and len(out.messages()) == 1


def test_the_front_answers_before_pygls_is_imported(tmp_path: Path) -> None:
    """The whole point: the front's answers need no lsprotocol (its ~250 ms are spent in a thread after them)."""
    messages = [initialize({}, tmp_path), did_open((tmp_path / "pod.yaml").as_uri(), BAD)]
    program = ("import os, sys\n"
               "from podlint.lsp import front\n"
               "class Out:\n"
               "    def write(self, data):\n"
               "        print('lsprotocol.types' in sys.modules, data.count(b'\"jsonrpc\"'))\n"
               "    def flush(self): pass\n"
               "read, write = os.pipe()\n"
               f"os.write(write, {b''.join(frame(m) for m in messages)!r})\n"
               "os.close(write)\n"
               "served = front.Front(read, Out())\n"
               "served.run()\n"
               "served.wait_for_pygls()\n"
               "print('lsprotocol.types' in sys.modules)\n")
    (tmp_path / ".git").mkdir()
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, env={**os.environ,
                            "PYTHONPATH": str(ROOT)}, timeout=TIMEOUT, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().split("\n") == ["False 1", "False 1", "True", ""]  # two answers, then pygls


def test_catchup_drops_only_what_the_front_sent(tmp_path: Path) -> None:
    uri = (tmp_path / "pod.yaml").as_uri()
    sent = front.Front(0, Output())  # type: ignore[arg-type]
    sent.initialize_id, sent.initialize_result = 1, {"capabilities": {}}
    params = {"uri": uri, "diagnostics": [], "version": 1}
    sent.published = {uri: params, "file:///other.yaml": {"uri": "file:///other.yaml", "diagnostics": [], "version": 1}}
    out = Output()
    catchup = front.Catchup(out, sent)  # type: ignore[arg-type]
    publish = {"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params}
    other = {"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
             "params": {"uri": "file:///other.yaml", "diagnostics": [{"message": "new"}], "version": 1}}
    for message in ({"jsonrpc": "2.0", "id": 1, "result": {"capabilities": {}}}, publish, publish, other,
                    {"jsonrpc": "2.0", "id": 1, "result": None}):
        catchup.write(frame(message))
    # the front's answer and diagnostics once each; a different publish passes; anything later passes
    assert out.messages() == [publish, other, {"jsonrpc": "2.0", "id": 1, "result": None}]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32", "utf-7"])
@pytest.mark.parametrize("text", ["", "image: nginx", "é😋x", "\ud800 lone", "日本語\U0010ffff", "\t\x00"])
def test_positions_count_as_pygls_counts(encoding: str, text: str) -> None:
    from pygls.workspace.position_codec import PositionCodec

    codec = PositionCodec(encoding)
    lines = [text, "next"]
    for column in range(len(text) + 2):
        expected = codec.position_to_client_units(lines, types.Position(0, column))
        assert buffers.client_position(lines, 0, column, encoding) == (expected.line, expected.character)
    assert buffers.client_position(lines, 5, 0, encoding) == (2, 0)  # past the end, as pygls says
