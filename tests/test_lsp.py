"""`podlint lsp` driven over stdio by a real LSP client (pytest-lsp), as an editor drives it."""

# pytest-lsp's fixture decorator and pygls' client `feature` and `stop` carry no annotations.
# mypy: allow-untyped-decorators, allow-untyped-calls

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from podlint.app.run import lint_sources
from podlint.engine import Linter
from podlint.findings import Edit
from podlint.lsp.server import apply_edits, disable_edit, is_manifest, same_data, split_lines
from podlint.rules.catalogue import load_catalogue
from podlint.sources.files import expand
from tests.conftest import ROOT
from tests.manifests import BAD, GOOD

lsp = pytest.mark.asyncio(loop_scope="module")  # the tests share one server per fixture

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
TIMEOUT = 10.0



class Client(LanguageClient):
    """pytest-lsp's client, keeping every diagnostics notification in order (none lost between two awaits)."""

    def __init__(self) -> None:
        super().__init__(converter_factory=default_converter)
        self.published: defaultdict[str, asyncio.Queue[types.PublishDiagnosticsParams]] = defaultdict(asyncio.Queue)
        self.registrations: list[types.Registration] = []
        self.registered = asyncio.Event()
        self.root = Path()
        self.initialize_result: types.InitializeResult | None = None

    @classmethod
    def create(cls) -> Client:
        client = cls()
        register_lsp_features(client, {method: handler for method, handler in DEFAULT_CLIENT_FEATURES.items()
                                       if method != PUBLISH})

        @client.feature(PUBLISH)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            client.published[params.uri].put_nowait(params)

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            client.registrations.extend(params.registrations)
            client.registered.set()

        return client

    async def start(self, root: Path, capabilities: str) -> None:
        (root / ".git").mkdir(exist_ok=True)  # configuration lookups stop here
        self.root = root
        self.initialize_result = await self.initialize_session(types.InitializeParams(
            capabilities=client_capabilities(capabilities), root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)]))

    async def diagnostics_for(self, uri: str) -> types.PublishDiagnosticsParams:
        """The next diagnostics published for `uri`."""
        return await asyncio.wait_for(self.published[uri].get(), TIMEOUT)


def server(*command: str) -> ClientServerConfig:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return ClientServerConfig(server_command=[sys.executable, "-m", *command], server_env=env,
                              client_factory=Client.create)


@pytest_lsp.fixture(scope="module", config=server("podlint", "lsp"))
async def client(lsp_client: Client, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    await lsp_client.start(tmp_path_factory.mktemp("workspace"), "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(scope="module", config=server("tests.lsp_fixing_server"))
async def fixing_client(lsp_client: Client, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    await lsp_client.start(tmp_path_factory.mktemp("fixing"), "neovim@v0.11.0")
    yield
    await lsp_client.shutdown_session()


async def open_document(client: Client, name: str, text: str,
                        language: str = "yaml") -> tuple[str, types.PublishDiagnosticsParams]:
    path = client.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text)))
    return uri, await client.diagnostics_for(uri)


def replace_all(client: Client, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version, uri),
        [types.TextDocumentContentChangeWholeDocument(text)]))


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def offset(lines: Sequence[str], position: types.Position, encoding: str) -> int:
    """Where an LSP position falls in the text (its column counted in the negotiated encoding)."""
    before = sum(len(line) for line in lines[:position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    column = 0
    while column < len(line) and units(line[:column], encoding) < position.character:
        column += 1
    return before + column


def apply_text_edits(text: str, edits: Sequence[types.TextEdit], encoding: str = "utf-16") -> str:
    """What an editor does with a WorkspaceEdit's edits: all against the original text, from the end."""
    lines = text.splitlines(keepends=True)
    spans = [(offset(lines, e.range.start, encoding), offset(lines, e.range.end, encoding), e.new_text)
             for e in edits]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def cli_findings(tmp_path: Path, text: str) -> list[tuple[str, int, int, int, int, str]]:
    """What `podlint lint` reports on the same text: the same pipeline, run on a file."""
    (tmp_path / "cli.yaml").write_text(text, encoding="utf-8")
    run = lint_sources(expand([str(tmp_path / "cli.yaml")]), Linter())
    return sorted((f.rule, f.span.line, f.span.column, f.span.end_line, f.span.end_column, f.message)
                  for f in run.findings)


def as_findings(diagnostics: Sequence[types.Diagnostic]) -> list[tuple[str, int, int, int, int, str]]:
    """Diagnostics back in podlint's terms (1-based): valid for ASCII text, where units are characters."""
    return sorted((str(d.code), d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1,
                   d.range.end.character + 1, d.message) for d in diagnostics)


# The server, end to end ---------------------------------------------------------------------------


@lsp
async def test_initialize_announces_features(client: Client) -> None:
    result = client.initialize_result
    assert result is not None
    capabilities = result.capabilities
    assert result.server_info is not None and result.server_info.name == "podlint"
    assert capabilities.hover_provider
    assert capabilities.code_action_provider is not None
    assert isinstance(capabilities.text_document_sync, types.TextDocumentSyncOptions)
    assert capabilities.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert capabilities.text_document_sync.save
    assert capabilities.position_encoding == types.PositionEncodingKind.Utf16  # VS Code offers nothing else
    await asyncio.wait_for(client.registered.wait(), TIMEOUT)
    watched = [r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(watched) == 1
    options = watched[0].register_options  # as the client received it: JSON
    assert isinstance(options, dict)
    globs = {watcher["globPattern"] for watcher in options["watchers"]}
    assert globs == {"**/.podlint.yaml", "**/.podlint.yml", "**/pyproject.toml"}


@lsp
async def test_open_publishes_the_findings_of_podlint_lint(client: Client, tmp_path: Path) -> None:
    text = BAD.replace("limits: {cpu: 100m, memory: 64Mi}", "limits: {cpu: 100m}")
    _, published = await open_document(client, "open.yaml", text)
    assert published.version == 1
    assert as_findings(published.diagnostics) == cli_findings(tmp_path, text)
    by_rule = {d.code: d for d in published.diagnostics}
    assert set(by_rule) == {"image-latest-tag", "missing-resource-limits"}
    image = by_rule["image-latest-tag"]
    # `image` on line 8 (1-based), column 7 to 12 exclusive: 0-based line 7, characters 6 to 11.
    assert image.range == types.Range(types.Position(7, 6), types.Position(7, 11))
    assert image.severity == types.DiagnosticSeverity.Warning
    assert image.source == "podlint"
    assert image.code_description is not None
    assert image.code_description.href == load_catalogue()["image-latest-tag"].help_uri


@lsp
async def test_change_updates_diagnostics(client: Client) -> None:
    uri, published = await open_document(client, "change.yaml", BAD)
    assert [d.code for d in published.diagnostics] == ["image-latest-tag"]
    # An incremental edit, as editors send them: type the tag after `nginx`.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(2, uri),
        [types.TextDocumentContentChangePartial(types.Range(types.Position(7, 18), types.Position(7, 18)),
                                                ":1.27.3")]))
    published = await client.diagnostics_for(uri)
    assert (published.version, list(published.diagnostics)) == (2, [])
    replace_all(client, uri, 3, GOOD.replace("        limits: {cpu: 100m, memory: 64Mi}\n", "        limits: {}\n"))
    published = await client.diagnostics_for(uri)
    assert published.version == 3
    assert [d.code for d in published.diagnostics] == ["missing-resource-limits"]


@lsp
async def test_a_burst_of_changes_is_linted_once(client: Client) -> None:
    uri, _ = await open_document(client, "burst.yaml", GOOD)
    for version in range(2, 7):
        replace_all(client, uri, version, GOOD if version < 6 else BAD)
    published = await client.diagnostics_for(uri)
    assert published.version == 6  # the first diagnostics after the burst are for its last change
    assert [d.code for d in published.diagnostics] == ["image-latest-tag"]


@lsp
async def test_save_lints_again(client: Client) -> None:
    uri, _ = await open_document(client, "save.yaml", BAD)
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    published = await client.diagnostics_for(uri)
    assert [d.code for d in published.diagnostics] == ["image-latest-tag"]


@lsp
async def test_half_typed_buffer_is_a_parse_error_and_the_server_stays_up(client: Client) -> None:
    uri, _ = await open_document(client, "typing.yaml", BAD)
    half = BAD[:BAD.index("      resources:")] + '      resources: {limits: {cpu: "1'
    replace_all(client, uri, 2, half)
    published = await client.diagnostics_for(uri)
    assert [d.code for d in published.diagnostics] == ["parse-error"]
    error = published.diagnostics[0]
    assert error.severity == types.DiagnosticSeverity.Error
    # At the quote that opens the string still open at the end of the buffer.
    assert error.range.start == types.Position(8, half.splitlines()[-1].index('"'))
    # Still answering: finishing the line brings the real findings back.
    replace_all(client, uri, 3, BAD)
    published = await client.diagnostics_for(uri)
    assert [d.code for d in published.diagnostics] == ["image-latest-tag"]


@lsp
async def test_ranges_count_utf16_code_units(client: Client) -> None:
    text = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - {name: w, env: [{name: E, value: "😀😀"}], image: nginx, resources: {limits: {cpu: 1, memory: 1Gi}}}
"""
    _, published = await open_document(client, "emoji.yaml", text)
    [diagnostic] = published.diagnostics
    line = text.splitlines()[6]
    column = line.index("image")  # in code points; each emoji is two UTF-16 code units
    assert diagnostic.range.start == types.Position(6, column + 2)
    assert diagnostic.range.end == types.Position(6, column + 2 + len("image"))


@lsp
async def test_hover_shows_the_rule_docs(client: Client) -> None:
    uri, _ = await open_document(client, "hover.yaml", BAD)
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(7, 8)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    rule = load_catalogue()["image-latest-tag"]
    text = hover.contents.value
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert text.startswith("**image-latest-tag** (warning): image 'nginx' has no tag")
    assert rule.why in text and rule.fix in text and rule.help_uri in text
    assert hover.range == types.Range(types.Position(7, 6), types.Position(7, 11))
    nothing = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(1, 2)))
    assert nothing is None


@lsp
async def test_hostile_values_reach_the_editor_escaped(client: Client) -> None:
    text = BAD.replace("name: web\n", 'name: "evil\\n::error::x\\e]52;c;Zm9v\\a\\u202e"\n', 1)
    uri, published = await open_document(client, "hostile.yaml", text)
    named = [d for d in published.diagnostics if d.code == "invalid-object-name"]
    assert named and all(d.message.isprintable() for d in published.diagnostics)
    assert "\\x1b]52" in named[0].message or "\\u001b]52" in named[0].message
    # The escaped message still names the finding: a quick fix for it is offered.
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(0, 0)),
        types.CodeActionContext([named[0]])))
    assert actions is not None and any("invalid-object-name" in a.title for a in actions)
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), named[0].range.start))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert all(char.isprintable() or char == "\n" for char in hover.contents.value)


@lsp
async def test_disable_on_this_line_action(client: Client) -> None:
    uri, published = await open_document(client, "disable.yaml", BAD)
    [diagnostic] = published.diagnostics
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic])))
    assert actions is not None
    by_title = {a.title: a for a in actions if isinstance(a, types.CodeAction)}
    assert set(by_title) == {"Disable image-latest-tag on this line"}  # the rule has no fix
    action = by_title["Disable image-latest-tag on this line"]
    assert action.kind == types.CodeActionKind.QuickFix
    assert list(action.diagnostics or ()) == [diagnostic]
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_text_edits(BAD, action.edit.changes[uri])
    assert fixed == BAD.replace("image: nginx\n", "image: nginx  # podlint: disable=image-latest-tag\n")
    replace_all(client, uri, 2, fixed)
    published = await client.diagnostics_for(uri)
    assert list(published.diagnostics) == []  # silenced, and the suppression is used


@lsp
async def test_no_actions_for_a_parse_error_or_another_kind(client: Client) -> None:
    broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n"
    uri, published = await open_document(client, "noaction.yaml", broken)
    [error] = published.diagnostics
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), error.range, types.CodeActionContext([error])))
    assert not actions
    uri, published = await open_document(client, "refactor.yaml", BAD)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), published.diagnostics[0].range,
        types.CodeActionContext(published.diagnostics, only=[types.CodeActionKind.Refactor])))
    assert not actions


@lsp
async def test_documents_that_are_not_manifests_are_left_alone(client: Client) -> None:
    workflow = "name: ci\non: [push\njobs: {}\n"  # broken YAML, but no Kubernetes object in it
    _, published = await open_document(client, ".github/workflows/ci.yaml", workflow)
    assert list(published.diagnostics) == []
    _, published = await open_document(client, "chart/templates/pod.yaml", BAD, language="helm")
    assert list(published.diagnostics) == []
    _, published = await open_document(client, "pod.json", '{"apiVersion": "v1", "kind": "Pod", "metadata": '
                                       '{"name": "web"}, "spec": {"containers": [{"name": "web", "image": "nginx", '
                                       '"resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}]}}', language="json")
    assert [d.code for d in published.diagnostics] == ["image-latest-tag"]


@lsp
async def test_json_gets_no_comment_suppression(client: Client) -> None:
    text = ('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": '
            '[{"name": "web", "image": "nginx", "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}]}}')
    uri, published = await open_document(client, "nocomment.json", text, language="json")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), published.diagnostics[0].range,
        types.CodeActionContext(published.diagnostics)))
    assert not actions


@lsp
async def test_configuration_is_respected_and_reloaded(client: Client) -> None:
    project = client.root / "configured"
    (project / ".git").mkdir(parents=True)
    config = project / ".podlint.yaml"
    config.write_text("rules:\n  image-latest-tag: error\n")
    uri, published = await open_document(client, "configured/deploy/pod.yaml", BAD)
    assert [(d.code, d.severity) for d in published.diagnostics] == [
        ("image-latest-tag", types.DiagnosticSeverity.Error)]

    async def change_config(text: str) -> types.PublishDiagnosticsParams:
        config.write_text(text)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            [types.FileEvent(config.as_uri(), types.FileChangeType.Changed)]))
        return await client.diagnostics_for(uri)

    # Overrides match the path as `podlint lint` prints it from the configuration's folder.
    published = await change_config("overrides:\n  - files: ['deploy/*']\n    rules: {image-latest-tag: off}\n")
    assert list(published.diagnostics) == []
    published = await change_config("rules:\n  image-latest-tag: info\n")
    assert [d.severity for d in published.diagnostics] == [types.DiagnosticSeverity.Information]
    # A broken configuration: an error on the configuration file, and linting goes on with the defaults.
    config.write_text("rules:\n  image-latest-tga: off\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(config.as_uri(), types.FileChangeType.Changed)]))
    on_config = await client.diagnostics_for(config.as_uri())
    [problem] = on_config.diagnostics
    assert problem.range.start == types.Position(1, 2)
    assert "image-latest-tga" in problem.message and "image-latest-tag" in problem.message
    published = await client.diagnostics_for(uri)
    assert [(d.code, d.severity) for d in published.diagnostics] == [
        ("image-latest-tag", types.DiagnosticSeverity.Warning)]
    # Saving the repaired file in the editor reloads it too, and clears the error.
    config.write_text("exclude: ['deploy/*']\n")
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(config.as_uri())))
    cleared = await client.diagnostics_for(config.as_uri())
    assert list(cleared.diagnostics) == []
    published = await client.diagnostics_for(uri)
    assert list(published.diagnostics) == []  # excluded


def _helm_renders() -> bool:
    from podlint.sources import helm

    helm._renderer.cache_clear()
    return helm._renderer() is not None


@lsp
@pytest.mark.skipif(not _helm_renders(), reason="no Helm renderer (pip install 'podlint[helm]' or helm on PATH)")
async def test_a_template_shows_its_charts_findings_at_mapped_lines(client: Client) -> None:
    """Opening a template renders its chart (after a pause, off the event loop): the template gets the
    findings that land on it, and the values file (not open) gets its own."""
    import shutil

    chart = client.root / "web-chart"
    shutil.copytree(ROOT / "tests" / "render" / "web", chart)
    template = chart / "templates" / "deployment.yaml"
    uri = template.as_uri()
    text = template.read_text(encoding="utf-8")
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "helm", 1, text)))
    first = await client.diagnostics_for(uri)
    assert not first.diagnostics  # not linted as plain YAML (no unrendered-template), the render is on its way
    rendered = await client.diagnostics_for(uri)
    assert sorted((str(d.code), d.range.start.line + 1, d.range.start.character + 1)
                  for d in rendered.diagnostics) == [("invalid-image-pull-policy", 40, 28),
                                                     ("missing-resource-limits", 22, 11),
                                                     ("missing-resource-limits", 38, 11)]
    values = await client.diagnostics_for((chart / "values.yaml").as_uri())
    assert sorted((str(d.code), d.range.start.line + 1) for d in values.diagnostics) == [
        ("image-latest-tag", 2), ("invalid-quantity", 7)]
    # Saving without a change renders nothing again (cached by content); a real change renders again.
    (chart / "values.yaml").write_text((chart / "values.yaml").read_text().replace("1GB", "1Gi"))
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    again = await client.diagnostics_for((chart / "values.yaml").as_uri())
    assert [str(d.code) for d in again.diagnostics] == ["image-latest-tag"]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await client.diagnostics_for(uri)


@lsp
async def test_close_clears_diagnostics(client: Client) -> None:
    uri, published = await open_document(client, "close.yaml", BAD)
    assert published.diagnostics
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    published = await client.diagnostics_for(uri)
    assert list(published.diagnostics) == []


@lsp
async def test_diagnostics_for_300_lines_follow_a_change_quickly(client: Client) -> None:
    text = manifest_of_lines(300)
    uri, published = await open_document(client, "big.yaml", text)
    assert len(text.splitlines()) == 300
    assert {d.code for d in published.diagnostics} == {"image-latest-tag"}
    timings = []
    for version in range(2, 7):
        changed = text.replace("image: nginx:1.27.3", "image: nginx", 1) if version % 2 else text
        sent = time.perf_counter()
        replace_all(client, uri, version, changed)
        await client.diagnostics_for(uri)
        timings.append(time.perf_counter() - sent)
    # The budget is 100 ms (measured: benchmarks/lsp_latency.py); the bound leaves room for a loaded machine.
    assert sorted(timings)[len(timings) // 2] < 0.5, timings


def manifest_of_lines(count: int) -> str:
    """A Deployment of `count` lines: containers of 15 lines each, one image without a tag."""
    head = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n"
            "    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
            "    spec:\n      containers:\n")
    container = ("        - name: c{index}\n          image: nginx:1.27.3\n          ports:\n"
                 "            - containerPort: 8{index:03}\n          readinessProbe:\n"
                 "            httpGet: {{path: /, port: 8{index:03}}}\n"
                 "          resources:\n            requests:\n              cpu: 100m\n              memory: 64Mi\n"
                 "            limits:\n              cpu: 500m\n              memory: 128Mi\n"
                 "          env:\n            - {{name: A, value: b}}\n")
    lines = head.count("\n")
    body = [head, container.format(index=0).replace("nginx:1.27.3", "nginx", 1)]
    index = 1
    while lines + 15 * (index + 1) <= count:
        body.append(container.format(index=index))
        index += 1
    text = "".join(body)
    return text + "# padding\n" * (count - len(text.splitlines()))


@lsp
async def test_quick_fix_applies_the_findings_fix(fixing_client: Client) -> None:
    client = fixing_client
    result = client.initialize_result
    assert result is not None
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8  # Neovim's first choice
    text = GOOD.replace("name: web\nspec", "name: Wéb-Ünit  # é\nspec")
    uri, published = await open_document(client, "fix.yaml", text)
    # (the API server's name rule reports the name too: invalid-object-name)
    [diagnostic] = [d for d in published.diagnostics if d.code == "test-lowercase-name"]
    name_line = text.splitlines()[3]
    assert diagnostic.range.start == types.Position(3, len("  name: "))
    assert diagnostic.range.end == types.Position(3, len("  name: ") + len("Wéb-Ünit".encode()))  # UTF-8 bytes
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic])))
    assert actions is not None
    [fix] = [a for a in actions if isinstance(a, types.CodeAction) and a.title == "Lowercase the name"]
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply_text_edits(text, fix.edit.changes[uri], "utf-8")
    assert fixed.splitlines()[3] == name_line.replace("Wéb-Ünit", "wéb-ünit")
    replace_all(client, uri, 2, fixed)
    published = await client.diagnostics_for(uri)
    assert [d.code for d in published.diagnostics] == ["invalid-object-name"]  # é is still not a DNS name


@lsp
@pytest.mark.parametrize(("shutdown_first", "code"), [(True, 0), (False, 1)])
async def test_shutdown_and_exit(shutdown_first: bool, code: int) -> None:
    """Exit code 0 after shutdown then exit; 1 for an exit without shutdown (as the protocol says)."""
    client = await server("podlint", "lsp").start()
    assert isinstance(client, Client)
    try:
        await client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
        if shutdown_first:
            await client.shutdown_async(None)
        client.exit(None)
        process = client._server
        assert process is not None
        assert await asyncio.wait_for(process.wait(), TIMEOUT) == code
    finally:
        await client.stop()


# The pieces, without a server ---------------------------------------------------------------------


def test_disable_edit_appends_or_extends_the_directive() -> None:
    assert disable_edit("  image: nginx   ", 4, "image-latest-tag") == Edit(
        (4, 14), (4, 17), "  # podlint: disable=image-latest-tag")
    line = "  image: nginx  # podlint: disable=exiting-command -- one-shot on purpose"
    edit = disable_edit(line, 0, "image-latest-tag")
    assert apply_edits([line], [edit]) == line.replace("exiting-command", "exiting-command,image-latest-tag")
    # A `disable-next-line` directive on this line is about the next one: a new directive is needed.
    line = "  # podlint: disable-next-line=exiting-command"
    assert disable_edit(line, 0, "x").text == "  # podlint: disable=x"


def test_same_data_guards_against_edits_inside_strings() -> None:
    text = 'command: ["sh", "-c", "echo one\n  two"]\n'
    lines = split_lines(text)
    assert not same_data(text, apply_edits(lines, [disable_edit(lines[0], 0, "exiting-command")]))
    plain = "command: [sleep, '1']\n"
    lines = split_lines(plain)
    assert same_data(plain, apply_edits(lines, [disable_edit(lines[0], 0, "exiting-command")]))


def test_is_manifest() -> None:
    assert is_manifest("yaml", "/x/a.txt", "apiVersion: v1\nkind: Pod\n")
    assert is_manifest(None, "/x/a.yml", "- kind: Pod\n")
    assert is_manifest("json", "/x/a", '{"kind":"Pod"}')
    assert not is_manifest(None, "/x/a.txt", "kind: Pod\n")
    assert not is_manifest("yaml", "/x/ci.yaml", "on: push\njobs: {}\n")
    assert not is_manifest("helm", "/x/templates/pod.yaml", "kind: Pod\n")
