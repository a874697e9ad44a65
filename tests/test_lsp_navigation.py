"""The outline and go-to-definition of `podlint lsp`, driven over stdio as an editor drives them."""

# pytest-lsp's fixture decorator and pygls' client `feature` and `stop` carry no annotations.
# mypy: allow-untyped-decorators, allow-untyped-calls

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types

from tests.test_lsp import Client, lsp, open_document, server

APP = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
          env:
            - name: MODE
              valueFrom:
                configMapKeyRef: {name: settings, key: mode}
            - name: TOKEN
              valueFrom:
                secretKeyRef:
                  name: token
                  key: value
                  optional: true
      volumes:
        - name: config
          configMap:
            name: settings
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - port: 80
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: robot}
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: data}
"""


def workload(kind: str, name: str, namespace: str, app: str, spec: str = "") -> str:
    """A one-container workload whose selector and pod labels are `app: <app>` (`spec`: lines before them)."""
    return f"""apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{spec}  selector: {{matchLabels: {{app: {app}}}}}
  template:
    metadata: {{labels: {{app: {app}}}}}
    spec: {{containers: [{{name: c, image: "redis:7"}}]}}
"""


# Files of the workspace that are never opened: the targets are found on disk.
ON_DISK = {
    "settings.yaml": """apiVersion: v1
kind: ConfigMap
metadata: {annotations: {note: "é😋"}, name: settings, namespace: shop}
data: {mode: fast}
""",
    "token.yaml": """apiVersion: v1
kind: Secret
metadata:
  name: token
stringData: {value: x}
""",
    "workers.yaml": "---\n".join([
        workload("StatefulSet", "cache", "shop", "web", spec="  serviceName: cache\n"),
        workload("Deployment", "other-namespace", "elsewhere", "web"),
        workload("Deployment", "other-labels", "shop", "api")]),
    # the same name in another folder: not the target while the buffer's folder has one
    "other/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    "other/only-here.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: only-here}\n",
}


@pytest_lsp.fixture(scope="module", config=server("podlint", "lsp"))
async def client(lsp_client: Client, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    root = tmp_path_factory.mktemp("navigation")
    for name, text in ON_DISK.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    await lsp_client.start(root, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


@contextlib.asynccontextmanager
async def opened(client: Client, name: str, text: str) -> AsyncIterator[str]:
    """A buffer open (and on disk) for one test: closed and deleted after, so no other test finds its objects."""
    uri, _ = await open_document(client, name, text)
    try:
        yield uri
    finally:
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        (client.root / name).unlink()


def position_of(text: str, needle: str, occurrence: int = 0, offset: int = 0) -> types.Position:
    """Where `needle` (its `occurrence`-th) starts in a text, plus `offset` characters (ASCII lines)."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    return types.Position(line, at - (text.rfind("\n", 0, at) + 1) + offset)


async def definitions(client: Client, uri: str, position: types.Position) -> list[tuple[str, int, int]]:
    """(file name relative to the workspace, line, character) of each target."""
    found = await client.text_document_definition_async(types.DefinitionParams(
        types.TextDocumentIdentifier(uri), position))
    assert isinstance(found, list)
    locations = [location for location in found if isinstance(location, types.Location)]
    assert len(locations) == len(found)
    return sorted((Path(location.uri.removeprefix("file://")).relative_to(client.root).as_posix(),
                   location.range.start.line, location.range.start.character) for location in locations)


@lsp
async def test_the_outline_has_one_symbol_per_object(client: Client) -> None:
    async with opened(client, "outline.yaml", APP) as uri:
        found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
            types.TextDocumentIdentifier(uri)))
        assert isinstance(found, list)
        symbols = [symbol for symbol in found if isinstance(symbol, types.DocumentSymbol)]
        assert [(s.name, s.kind, s.detail) for s in symbols] == [
            ("Deployment/web", types.SymbolKind.Class, "shop"), ("Service/web", types.SymbolKind.Interface, "shop"),
            ("ServiceAccount/robot", types.SymbolKind.Module, None),
            ("PersistentVolumeClaim/data", types.SymbolKind.Module, None)]
        deployment, service = symbols[0], symbols[1]
        assert (deployment.range.start.line, deployment.selection_range.start) == (0, types.Position(3, 8))
        separator = APP[:APP.index("---")].count("\n")  # the object's lines end where the next document starts
        assert deployment.range.end == types.Position(separator, 0)
        assert service.range.start == types.Position(separator + 1, 0)
        robot = symbols[2]
        assert robot.selection_range.start == position_of(APP, "robot")


@lsp
async def test_a_half_typed_buffer_still_has_the_outline_of_what_reads(client: Client) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [\n"
    async with opened(client, "half.yaml", text) as uri:
        found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
            types.TextDocumentIdentifier(uri)))
        assert [symbol.name for symbol in found or []] == ["ConfigMap/a"]


@lsp
async def test_a_service_selector_leads_to_the_workloads_it_selects(client: Client) -> None:
    async with opened(client, "app.yaml", APP) as uri:
        selector = position_of(APP, "app: web", occurrence=2)  # in the Service
        expected = [("app.yaml", 3, 8), ("workers.yaml", 2, 17)]  # open and on disk; not other namespaces or labels
        assert await definitions(client, uri, selector) == expected
        assert await definitions(client, uri, position_of(APP, "selector:", occurrence=1, offset=2)) == expected


@lsp
async def test_config_map_and_secret_references_lead_to_their_objects(client: Client) -> None:
    async with opened(client, "refs.yaml", APP) as uri:
        # the ConfigMap's name stands after "é😋": 2 UTF-16 units for the emoji
        settings = ("settings.yaml", 2, len('metadata: {annotations: {note: "é😋"}, name: ') + 1)
        assert await definitions(client, uri, position_of(APP, "settings")) == [settings]  # configMapKeyRef's name
        assert await definitions(client, uri, position_of(APP, "key: mode")) == [settings]  # anywhere in the reference
        assert await definitions(client, uri, position_of(APP, "key: value")) == [("token.yaml", 3, 8)]  # optional too
        assert await definitions(client, uri, position_of(APP, "name: settings", occurrence=1, offset=7)) == [settings]
        assert await definitions(client, uri, position_of(APP, "nginx")) == []  # not a reference


@lsp
async def test_a_target_in_another_folder_counts_when_the_folder_has_none(client: Client) -> None:
    text = APP.replace("configMapKeyRef: {name: settings", "configMapKeyRef: {name: only-here")
    async with opened(client, "elsewhere.yaml", text) as uri:
        assert await definitions(client, uri, position_of(text, "only-here")) == [("other/only-here.yaml", 2, 17)]


@lsp
async def test_an_open_buffer_is_read_as_it_is_not_as_on_disk(client: Client) -> None:
    async with opened(client, "changing.yaml", APP) as uri:
        config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n"
        (client.root / "settings.yaml").write_text(config, encoding="utf-8")  # on disk and soon open, then changed
        settings_uri = (client.root / "settings.yaml").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(settings_uri, "yaml", 1, "# moved\n" + config)))
        assert await definitions(client, uri, position_of(APP, "settings")) == [("settings.yaml", 4, 8)]
        (client.root / "settings.yaml").write_text(ON_DISK["settings.yaml"], encoding="utf-8")
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(settings_uri)))
