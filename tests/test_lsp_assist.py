"""Completion and field hover of `podlint lsp`, driven over stdio as an editor drives them."""

# pytest-lsp's fixture decorator and pygls' client `feature` and `stop` carry no annotations.
# mypy: allow-untyped-decorators, allow-untyped-calls

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types

from podlint.lsp.completion import plain
from podlint.lsp.yamlpath import cursor_at, field_at
from tests.manifests import crd
from tests.test_lsp import Client, apply_text_edits, lsp, open_document, replace_all, server

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
""" + "          imagePullPolicy: \n" + " " * 10 + "\n"  # (a value and a key about to be typed)


@pytest_lsp.fixture(scope="module", config=server("podlint", "lsp"))
async def client(lsp_client: Client, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    await lsp_client.start(tmp_path_factory.mktemp("assist"), "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


async def complete(client: Client, uri: str, line: int, character: int) -> list[types.CompletionItem]:
    answer = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(uri), types.Position(line, character)))
    assert isinstance(answer, types.CompletionList)
    return list(answer.items)


def edit_of(item: types.CompletionItem) -> types.TextEdit:
    assert isinstance(item.text_edit, types.TextEdit)  # (not an insert-or-replace edit)
    return item.text_edit


async def hover(client: Client, uri: str, line: int, character: int) -> str | None:
    found = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(line, character)))
    if found is None:
        return None
    assert isinstance(found.contents, types.MarkupContent)
    return found.contents.value


@lsp
async def test_initialize_announces_completion(client: Client) -> None:
    assert client.initialize_result is not None
    options = client.initialize_result.capabilities.completion_provider
    assert options is not None and list(options.trigger_characters or ()) == [":"]


@lsp
async def test_keys_of_a_container_leave_out_those_present(client: Client) -> None:
    uri, _ = await open_document(client, "keys.yaml", DEPLOYMENT)
    items = await complete(client, uri, 15, 10)
    labels = {item.label for item in items}
    assert {"readinessProbe", "resources", "livenessProbe", "env", "ports"} <= labels
    assert not labels & {"name", "image", "imagePullPolicy"}  # already there
    assert "replicas" not in labels  # a DeploymentSpec key, not a container's
    resources = next(item for item in items if item.label == "resources")
    assert resources.insert_text_format == types.InsertTextFormat.Snippet
    inserted = apply_text_edits(DEPLOYMENT, [edit_of(resources)])
    assert "\n          resources:\n            requests:\n              cpu: ${1:100m}" in inserted
    assert "\n            limits:\n" in inserted
    assert resources.detail == "ResourceRequirements"


@lsp
async def test_required_keys_come_first(client: Client) -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  \n"
    uri, _ = await open_document(client, "required.yaml", text)
    items = sorted(await complete(client, uri, 4, 2), key=lambda item: item.sort_text or "")
    assert items[0].label == "containers"  # the only required key of a PodSpec
    assert {"restartPolicy", "volumes", "initContainers"} <= {item.label for item in items}


@lsp
async def test_values_after_image_pull_policy(client: Client) -> None:
    uri, _ = await open_document(client, "values.yaml", DEPLOYMENT)
    line = DEPLOYMENT.splitlines()[14]
    items = await complete(client, uri, 14, len(line))
    assert [item.label for item in items] == ["Always", "IfNotPresent", "Never"]
    # Right after the colon (the trigger character): the value comes with its space.
    replace_all(client, uri, 2, DEPLOYMENT.replace("imagePullPolicy: ", "imagePullPolicy:"))
    await client.diagnostics_for(uri)
    items = await complete(client, uri, 14, len(line) - 1)
    assert edit_of(items[0]).new_text == " Always"
    for key, values in [("restartPolicy", {"Always", "OnFailure", "Never"}),
                        ("dnsPolicy", {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"})]:
        text = DEPLOYMENT.replace("      containers:", f"      {key}: \n      containers:")
        replace_all(client, uri, 3 if key == "restartPolicy" else 4, text)
        await client.diagnostics_for(uri)
        assert {item.label for item in await complete(client, uri, 11, len(f"      {key}: "))} == values


@lsp
async def test_completion_works_in_a_half_typed_document(client: Client) -> None:
    # A key half typed, and a flow mapping left open above it: no parser reads this buffer.
    text = DEPLOYMENT.replace("matchLabels: {app: web}", "matchLabels: {app: web").replace(
        "          imagePullPolicy: \n          \n", "          readi\n")
    uri, published = await open_document(client, "half.yaml", text)
    assert [d.code for d in published.diagnostics] == ["parse-error"]
    items = await complete(client, uri, 14, len("          readi"))
    probe = next(item for item in items if item.label == "readinessProbe")
    assert edit_of(probe).range == types.Range(types.Position(14, 10), types.Position(14, 15))
    assert "httpGet:" in edit_of(probe).new_text


@lsp
async def test_api_versions_and_kinds_of_the_target_version(client: Client) -> None:
    uri, _ = await open_document(client, "kinds.yaml", "apiVersion: apps/v1\nkind: \n")
    kinds = {item.label for item in await complete(client, uri, 1, 6)}
    assert {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"} <= kinds
    assert "Pod" not in kinds
    replace_all(client, uri, 2, "apiVersion: \nkind: CronJob\n")
    await client.diagnostics_for(uri)
    assert {item.label for item in await complete(client, uri, 0, 12)} == {"batch/v1"}
    replace_all(client, uri, 3, "Depl\n")
    await client.diagnostics_for(uri)
    pair = next(item for item in await complete(client, uri, 0, 4) if item.label == "Deployment (apps/v1)")
    assert edit_of(pair).new_text == "apiVersion: apps/v1\nkind: Deployment\n"


@lsp
async def test_a_new_container_gets_a_snippet(client: Client) -> None:
    text = DEPLOYMENT.replace("          imagePullPolicy: \n          \n", "        - \n")
    uri, _ = await open_document(client, "snippet.yaml", text)
    items = await complete(client, uri, 14, 10)
    snippet = next(item for item in items if item.label == "container")
    inserted = apply_text_edits(text, [edit_of(snippet)])
    assert "        - name: ${1:app}\n          image: " in inserted
    assert "          resources:\n            requests:\n" in inserted


@lsp
async def test_custom_resources_complete_from_the_crd_of_an_open_buffer(client: Client) -> None:
    await open_document(client, "crd.yaml", crd("Widget", "{size: {type: string, enum: [small, large], "
                                                "description: How big the widget is.}, count: {type: integer}}"))
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: \n  \n"
    uri, _ = await open_document(client, "widget.yaml", text)
    assert {item.label for item in await complete(client, uri, 5, 2)} == {"count"}
    assert [item.label for item in await complete(client, uri, 4, 8)] == ["small", "large"]
    shown = await hover(client, uri, 4, 3)
    assert shown is not None and "How big the widget is." in shown and "`small`" in shown


@lsp
async def test_hover_on_a_field_shows_its_schema_docs(client: Client) -> None:
    uri, _ = await open_document(client, "fields.yaml", DEPLOYMENT)
    shown = await hover(client, uri, 6, 6)  # spec.selector.matchLabels
    assert shown is not None
    assert shown.startswith("**matchLabels** `map[string]string`")
    assert "spec.selector.matchLabels" in shown
    assert "A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions" in shown
    shown = await hover(client, uri, 14, 12)
    assert shown is not None and "Image pull policy." in shown and "`IfNotPresent`" in shown
    assert "containers[].imagePullPolicy" in shown
    assert await hover(client, uri, 16, 0) is None  # nothing there


@lsp
async def test_hover_says_when_a_field_came(client: Client) -> None:
    # Pod-level resources came in Kubernetes 1.32 (after the oldest version podlint knows, 1.29).
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  resources: {}\n  containers: []\n"
    uri, _ = await open_document(client, "since.yaml", text)
    shown = await hover(client, uri, 4, 4)
    assert shown is not None and "Added in Kubernetes 1.3" in shown


async def actions_for(client: Client, uri: str, diagnostic: types.Diagnostic) -> dict[str, types.CodeAction]:
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic])))
    return {action.title: action for action in actions or () if isinstance(action, types.CodeAction)}


@lsp
async def test_missing_limits_get_a_quick_fix_from_the_configured_default(client: Client) -> None:
    project = client.root / "limits"
    (project / ".git").mkdir(parents=True)
    (project / ".podlint.yaml").write_text(
        "rules:\n  missing-resource-limits:\n    fix-default: {limits: {cpu: '1', memory: 512Mi}}\n")
    text = DEPLOYMENT.replace("          imagePullPolicy: \n          \n", "")
    uri, published = await open_document(client, "limits/deploy.yaml", text)
    [diagnostic] = [d for d in published.diagnostics if d.code == "missing-resource-limits"]
    actions = await actions_for(client, uri, diagnostic)
    action = actions["Add resources: requests and limits (limits cpu 1, memory 512Mi, from the configured default)"]
    assert action.kind == types.CodeActionKind.QuickFix and not action.is_preferred
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_text_edits(text, action.edit.changes[uri])
    assert fixed == text.replace("image: nginx:1.27.3\n", "image: nginx:1.27.3\n          resources:\n"
                                 "            limits:\n              cpu: \"1\"\n              memory: 512Mi\n")
    replace_all(client, uri, 2, fixed)
    published = await client.diagnostics_for(uri)
    assert "missing-resource-limits" not in {d.code for d in published.diagnostics}


@lsp
async def test_a_latest_image_gets_quick_fixes_that_edit_the_document(client: Client) -> None:
    text = (DEPLOYMENT.replace("          imagePullPolicy: \n          \n", "          resources: {limits: {cpu: 1, "
                               "memory: 1Gi}}\n").replace("image: nginx:1.27.3", "image: nginx:latest")
            + "        - {name: side, image: 'nginx:1.27.3', resources: {limits: {cpu: 1, memory: 1Gi}}}\n")
    uri, published = await open_document(client, "latest.yaml", text)
    [diagnostic] = [d for d in published.diagnostics if d.code == "image-latest-tag"]
    actions = await actions_for(client, uri, diagnostic)
    pin = actions["Pin nginx:1.27.3 (the tag this file uses elsewhere)"]
    assert pin.edit is not None and pin.edit.changes is not None
    pinned = apply_text_edits(text, pin.edit.changes[uri])
    assert pinned == text.replace("image: nginx:latest", 'image: "nginx:1.27.3"')
    policy = actions["Set imagePullPolicy: IfNotPresent (not pulled on every start)"]
    assert policy.edit is not None and policy.edit.changes is not None
    assert apply_text_edits(text, policy.edit.changes[uri]) == text.replace(
        "image: nginx:latest\n", "image: nginx:latest\n          imagePullPolicy: IfNotPresent\n")
    replace_all(client, uri, 2, pinned)
    published = await client.diagnostics_for(uri)
    assert [d.code for d in published.diagnostics] == []


CONTAINERS = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
    - name: web
      image: envoyproxy/envoy:v1.31.2
      readinessProbe:
        tcpSocket: {port: 15001}
      resources: {limits: {cpu: 100m, memory: 64Mi}}
  containers:
    - name: web
      image: busybox:1.36
      command: [sh, "echo starting; exec httpd -f"]
      resources: {limits: {cpu: 100m, memory: 64Mi}}
"""


@lsp
async def test_container_findings_get_quick_fixes_that_edit_the_document(client: Client) -> None:
    uri, published = await open_document(client, "containers.yaml", CONTAINERS)
    by_rule = {d.code: d for d in published.diagnostics}
    assert set(by_rule) == {"duplicate-container-name", "init-container-probe", "shell-without-c"}
    fixes = {}
    for rule, title in (("duplicate-container-name", "Rename this container to web-init"),
                        ("init-container-probe", "Make web a native sidecar (restartPolicy: Always; Kubernetes 1.29+)"),
                        ("shell-without-c", "insert -c after sh")):
        action = (await actions_for(client, uri, by_rule[rule]))[title]
        assert action.edit is not None and action.edit.changes is not None
        fixes[rule] = apply_text_edits(CONTAINERS, action.edit.changes[uri])
    assert fixes["duplicate-container-name"] == CONTAINERS.replace("- name: web\n      image: envoy",
                                                                   "- name: web-init\n      image: envoy")
    assert fixes["init-container-probe"] == CONTAINERS.replace(
        "v1.31.2\n", "v1.31.2\n      restartPolicy: Always\n")
    assert fixes["shell-without-c"] == CONTAINERS.replace("[sh, ", "[sh, -c, ")
    version = 1
    for rule, fixed in fixes.items():  # each fix removes its finding and adds none
        version += 1
        replace_all(client, uri, version, fixed)
        published = await client.diagnostics_for(uri)
        assert {d.code for d in published.diagnostics} == set(by_rule) - {rule}


@lsp
async def test_a_selector_mismatch_gets_a_quick_fix_on_the_template(client: Client) -> None:
    text = DEPLOYMENT.replace("          imagePullPolicy: \n          \n", "          resources: {limits: {cpu: 1, "
                              "memory: 1Gi}}\n").replace("labels: {app: web}", "labels: {app: frontend}")
    uri, published = await open_document(client, "mismatch.yaml", text)
    [diagnostic] = [d for d in published.diagnostics if d.code == "selector-mismatch"]
    title = "Set the template's label app to web (the selector's; Services that select the old value lose these pods)"
    action = (await actions_for(client, uri, diagnostic))[title]
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_text_edits(text, action.edit.changes[uri])
    assert fixed == text.replace("labels: {app: frontend}", "labels: {app: web}")


# The pieces, without a server ---------------------------------------------------------------------


def test_paths_from_indentation() -> None:
    lines = ["spec:", "  containers:", "  - name: a", "    ports:", "      - containerPort: 1", "        ", ""]
    cursor = cursor_at(lines, 5, 8)
    assert cursor is not None and cursor.path == ("spec", "containers", 0, "ports", 0)
    assert cursor.present == {"containerPort"}
    assert field_at(lines, 4, 10) is not None
    assert field_at(lines, 4, 10)[1] == ("spec", "containers", 0, "ports", 0, "containerPort")  # type: ignore[index]
    assert cursor_at(lines, 3, 6) is not None and cursor_at(lines, 3, 6).word == "po"  # type: ignore[union-attr]
    assert cursor_at(lines, 3, 10) is not None and cursor_at(lines, 3, 10).key == "ports"  # type: ignore[union-attr]


def test_plain_text_for_clients_without_snippets() -> None:
    assert plain("cpu: ${1:100m}\nmemory: ${2:1Gi}\n$0") == "cpu: 100m\nmemory: 1Gi\n"
