// A thin client: VS Code starts `podlint lsp` and talks LSP to it over stdio.
// The server decides which YAML/JSON documents are Kubernetes manifests and lints them.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

async function activate() {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  const command = vscode.workspace.getConfiguration("podlint").get("path", "podlint")
    .replace("${workspaceFolder}", folder);
  const server = { command, args: ["lsp"] };
  client = new LanguageClient("podlint", "podlint", { run: server, debug: server }, {
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "file", language: "json" },
      { scheme: "untitled", language: "yaml" },
    ],
  });
  await client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
