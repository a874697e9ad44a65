"""Latency of `podlint lsp`: from a didChange sent to the diagnostics for that version received; and
completion and hover requests on a 1,000-line Deployment (budget 50 ms each), request sent to answer received.

    .venv/bin/python benchmarks/lsp_latency.py [MANIFEST] [--changes N] [--requests N]

The figure seen by the client is an upper bound of "change received -> diagnostics published":
it adds the pipe both ways. It includes the debounce pause (podlint.lsp.server.DEBOUNCE_SECONDS), which
every change waits for. The in-process lint time of the same text is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from podlint.engine import Linter
from podlint.lsp.server import DEBOUNCE_SECONDS

ROOT = Path(__file__).resolve().parent.parent
# A real 300-line manifest, vendored in tests/data/corpus-sample (so a clone has it too).
DEFAULT = ROOT / "tests" / "data" / "corpus-sample" / "kube-prometheus" / "manifests" / "grafana-deployment.yaml"


def listening_client() -> tuple[LanguageClient, asyncio.Queue[types.PublishDiagnosticsParams]]:
    """A client that queues every diagnostics notification it receives, in order."""
    client = LanguageClient("podlint-latency", "1")
    received: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        received.put_nowait(params)

    return client, received


async def initialize(client: LanguageClient) -> None:
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())


async def stop(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def first_diagnostics(text: str, command: list[str] | None = None, env: dict[str, str] | None = None) -> float:
    """Seconds from `initialize` sent to the first diagnostics of a file opened right after."""
    client, received = listening_client()
    program = command or [sys.executable, "-m", "podlint"]
    await client.start_io(program[0], *program[1:], "lsp", env=env)
    sent = time.perf_counter()
    await initialize(client)
    uri = (ROOT / "latency.yaml").as_uri()  # never written: the server lints the buffer
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text)))
    await received.get()
    elapsed = time.perf_counter() - sent
    await stop(client)
    return elapsed


async def measure(text: str, changes: int) -> list[float]:
    client, received = listening_client()
    await client.start_io(sys.executable, "-m", "podlint", "lsp")
    await initialize(client)
    uri = (ROOT / "latency.yaml").as_uri()  # never written: the server lints the buffer
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text)))
    await received.get()
    # Alternate between the text and a copy with the first image's tag removed: the diagnostics change each time.
    untagged = re.sub(r"^(\s*-?\s*image:\s*[^\s:]+(?::\d+/[^\s:]+)?):[\w.-]+", r"\1", text, count=1, flags=re.MULTILINE)
    timings = []
    for version in range(2, changes + 2):
        await asyncio.sleep(0.1)  # a pause in typing: every change is linted on its own
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri),
            [types.TextDocumentContentChangeWholeDocument(untagged if version % 2 else text)]))
        while (await received.get()).version != version:
            pass
        timings.append(time.perf_counter() - sent)
    await stop(client)
    return timings


def _server_rss_kb() -> int | None:
    """The resident memory of the `podlint lsp` child of this process (Linux /proc; None elsewhere)."""
    try:
        children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
        for child in children:
            if b"lsp" in Path(f"/proc/{child}/cmdline").read_bytes():
                status = Path(f"/proc/{child}/status").read_text()
                return int(status.split("VmRSS:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return None


async def open_files_memory(text: str, count: int) -> tuple[int | None, int | None]:
    """The server's resident memory with one open document, then with `count` (each distinct, all diagnosed)."""
    client = LanguageClient("podlint-latency", "1")
    received: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        received.put_nowait(params)

    await client.start_io(sys.executable, "-m", "podlint", "lsp")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    memory: list[int | None] = []
    for index in range(count):
        uri = (ROOT / f"open-{index:03d}.yaml").as_uri()  # never written: the server lints the buffer
        document = text.replace("name: ", f"name: n{index}-", 1)
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, document)))
        while (await received.get()).uri != uri:
            pass
        if index in (0, count - 1):
            memory.append(_server_rss_kb())
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return memory[0], memory[-1]


def deployment_of_lines(count: int) -> str:
    """A Deployment of about `count` lines: containers of 16 lines each (the last one the cursor's), each on a port
    of its own (on one port, 61 containers make 1,830 duplicate-port warnings, one per pair as the API server
    gives them: a figure of that rule's output, not of a change on a big file)."""
    head = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n"
            "    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
            "    spec:\n      containers:\n")
    container = ("        - name: c{index}\n          image: nginx:1.27.3\n          imagePullPolicy: IfNotPresent\n"
                 "          ports:\n            - containerPort: {port}\n          readinessProbe:\n"
                 "            httpGet: {{path: /, port: {port}}}\n          resources:\n            requests:\n"
                 "              cpu: 100m\n              memory: 64Mi\n            limits:\n"
                 "              cpu: 500m\n              memory: 128Mi\n          env:\n"
                 "            - {{name: A, value: b}}\n")
    body = [head]
    index = 0
    while len("".join(body).splitlines()) + 16 <= count:
        body.append(container.format(index=index, port=8080 + index))
        index += 1
    text = "".join(body)
    return text + "# padding\n" * (count - len(text.splitlines()))


async def assist_latency(text: str, requests: int) -> tuple[list[float], list[float]]:
    """Seconds per completion (a new key in the last container) and per hover (spec.selector.matchLabels)."""
    client, received = listening_client()
    await client.start_io(sys.executable, "-m", "podlint", "lsp")
    await initialize(client)
    uri = (ROOT / "assist.yaml").as_uri()
    text += "          \n"  # the line where a key is being typed (after the padding comments)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text)))
    await received.get()
    document = types.TextDocumentIdentifier(uri)
    last = len(text.splitlines()) - 1
    completions, hovers = [], []
    for _ in range(requests):
        sent = time.perf_counter()
        answer = await client.text_document_completion_async(
            types.CompletionParams(document, types.Position(last, 10)))
        completions.append(time.perf_counter() - sent)
        assert isinstance(answer, types.CompletionList) and answer.items
        sent = time.perf_counter()
        hover = await client.text_document_hover_async(types.HoverParams(document, types.Position(6, 6)))
        hovers.append(time.perf_counter() - sent)
        assert hover is not None
    await stop(client)
    return completions, hovers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--requests", type=int, default=30, help="completion and hover requests on 1,000 lines")
    args = parser.parse_args()
    text = args.manifest.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    if lines < 300:  # pad the real manifest to 300 lines with comments, as the target is stated for 300
        text += "# padding\n" * (300 - lines)
    linter = Linter()
    lint = []
    for _ in range(20):
        start = time.perf_counter()
        linter.lint_text(text, "latency.yaml")
        lint.append(time.perf_counter() - start)
    timings = asyncio.run(measure(text, args.changes))
    ms = sorted(t * 1000 for t in timings)
    print(f"{args.manifest.name}: {len(text.splitlines())} lines, {len(ms)} changes, "
          f"debounce {DEBOUNCE_SECONDS * 1000:.0f} ms")
    print(f"didChange sent -> publishDiagnostics received: median {statistics.median(ms):.1f} ms, "
          f"p90 {ms[int(len(ms) * 0.9) - 1]:.1f} ms, max {ms[-1]:.1f} ms")
    print(f"in-process lint of the same text: median {statistics.median(lint) * 1000:.1f} ms")
    big = deployment_of_lines(1000)
    ms = sorted(t * 1000 for t in asyncio.run(measure(big, 20)))
    print(f"didChange -> publishDiagnostics on {len(big.splitlines())} lines: median {statistics.median(ms):.1f} ms, "
          f"max {ms[-1]:.1f} ms")
    completions, hovers = asyncio.run(assist_latency(big, args.requests))
    for name, times in (("completion", completions), ("hover", hovers)):
        ms = sorted(t * 1000 for t in times)
        print(f"{name} on {len(big.splitlines())} lines, request sent -> answer received: median "
              f"{statistics.median(ms):.1f} ms, p90 {ms[int(len(ms) * 0.9) - 1]:.1f} ms, max {ms[-1]:.1f} ms "
              f"(first {times[0] * 1000:.1f} ms)")
    one, hundred = asyncio.run(open_files_memory(text, 100))
    if one is not None and hundred is not None:
        print(f"server resident memory: {one / 1024:.0f} MB with one open file, {hundred / 1024:.0f} MB with 100 "
              f"({len(text.splitlines())} lines each)")
    first = [asyncio.run(first_diagnostics(text)) for _ in range(5)]
    alone = [asyncio.run(first_diagnostics(text, env={**os.environ, "PODLINT_LSP_FRONT": "0"})) for _ in range(5)]
    print(f"initialize sent -> first diagnostics of an opened file: median {statistics.median(first) * 1000:.0f} ms "
          f"(pygls alone, PODLINT_LSP_FRONT=0: {statistics.median(alone) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
