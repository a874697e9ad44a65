// A headless check of the extension (no VS Code needed): its manifest, and that activate() starts
// `podlint lsp` over stdio for YAML and JSON with the configured executable, and deactivate() stops it.
// `vscode` and `vscode-languageclient/node` are replaced by recording fakes. Run: `node --test test/`.
"use strict";
const assert = require("node:assert/strict");
const Module = require("node:module");
const path = require("node:path");
const test = require("node:test");

const root = path.join(__dirname, "..");
const manifest = require(path.join(root, "package.json"));

function load(settings, folders) {
  const started = [];
  const fakes = {
    vscode: {
      workspace: {
        workspaceFolders: folders,
        getConfiguration: (section) => ({ get: (key, fallback) => settings[`${section}.${key}`] ?? fallback }),
      },
    },
    "vscode-languageclient/node": {
      LanguageClient: class {
        constructor(id, name, serverOptions, clientOptions) {
          Object.assign(this, { id, name, serverOptions, clientOptions, running: false });
          started.push(this);
        }
        async start() { this.running = true; }
        async stop() { this.running = false; }
      },
    },
  };
  const original = Module._load;
  Module._load = function (request, ...rest) {
    return request in fakes ? fakes[request] : original.call(this, request, ...rest);
  };
  try {
    const file = require.resolve(path.join(root, manifest.main));
    delete require.cache[file];
    return { extension: require(file), started };
  } finally {
    Module._load = original;
  }
}

test("the manifest activates on YAML and JSON and names a main file that exists", () => {
  assert.deepEqual(manifest.activationEvents.sort(), ["onLanguage:json", "onLanguage:yaml"]);
  assert.ok(require("node:fs").existsSync(path.join(root, manifest.main)));
  assert.equal(manifest.contributes.configuration.properties["podlint.path"].default, "podlint");
  assert.ok(manifest.dependencies["vscode-languageclient"]);
  assert.ok(manifest.engines.vscode);
});

test("activate starts `podlint lsp` for YAML and JSON documents, deactivate stops it", async () => {
  const { extension, started } = load({}, undefined);
  await extension.activate();
  assert.equal(started.length, 1);
  const client = started[0];
  assert.ok(client.running);
  assert.deepEqual(client.serverOptions.run, { command: "podlint", args: ["lsp"] });
  assert.deepEqual(client.serverOptions.debug, client.serverOptions.run);
  const languages = client.clientOptions.documentSelector.map((s) => `${s.scheme}:${s.language}`).sort();
  assert.deepEqual(languages, ["file:json", "file:yaml", "untitled:yaml"]);
  await extension.deactivate();
  assert.ok(!client.running);
});

test("the configured path is used, with ${workspaceFolder} replaced", async () => {
  const folders = [{ uri: { fsPath: "/home/me/project" } }];
  const { extension, started } = load({ "podlint.path": "${workspaceFolder}/.venv/bin/podlint" }, folders);
  await extension.activate();
  assert.equal(started[0].serverOptions.run.command, "/home/me/project/.venv/bin/podlint");
});
