"""The editor setups of editors/ (and the README's copies): each starts the server with its own command
line, and the VS Code extension activates (headless, with node, when it is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

EDITORS = ROOT / "editors"
TIMEOUT = 30


def frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def lua_command(path: Path) -> list[str]:
    match = re.search(r"cmd\s*=\s*\{([^}]*)\}", path.read_text(encoding="utf-8"))
    assert match, f"no cmd in {path}"
    return re.findall(r'"([^"]*)"', match[1])


def helix_command(path: Path) -> list[str]:
    server = tomllib.loads(path.read_text(encoding="utf-8"))["language-server"]["podlint"]
    return [server["command"], *server["args"]]


def eglot_command(path: Path) -> list[str]:
    match = re.search(r"\)\s*\.\s*\(((?:\s*\"[^\"]*\")+)\s*\)\)", path.read_text(encoding="utf-8"))
    assert match, f"no server program in {path}"
    return re.findall(r'"([^"]*)"', match[1])


def vscode_command(folder: Path) -> list[str]:
    manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    program = manifest["contributes"]["configuration"]["properties"]["podlint.path"]["default"]
    match = re.search(r"args:\s*\[([^\]]*)\]", (folder / manifest["main"]).read_text(encoding="utf-8"))
    assert match, "no args in the extension"
    return [program, *re.findall(r'"([^"]*)"', match[1])]


COMMANDS = {
    "neovim": lambda: lua_command(EDITORS / "neovim" / "podlint.lua"),
    "neovim 0.11 (vim.lsp.config)": lambda: lua_command(EDITORS / "neovim" / "podlint-0.11.lua"),
    "helix": lambda: helix_command(EDITORS / "helix" / "languages.toml"),
    "emacs (eglot)": lambda: eglot_command(EDITORS / "emacs" / "podlint.el"),
    "vscode": lambda: vscode_command(EDITORS / "vscode"),
}


@pytest.mark.parametrize("editor", COMMANDS)
def test_each_setup_starts_the_server_with_its_command_line(editor: str, tmp_path: Path) -> None:
    command = COMMANDS[editor]()
    assert command[0] == "podlint" and command[1:2] == ["lsp"], command
    installed = Path(sys.executable).parent / "podlint"  # the console script, as the editor finds it on PATH
    if not installed.exists():
        pytest.skip("podlint is not installed as a console script beside this Python")
    messages: list[dict[str, object]] = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}},
                {"jsonrpc": "2.0", "method": "initialized", "params": {}},
                {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
    result = subprocess.run([str(installed), *command[1:]], input=b"".join(frame(m) for m in messages),
                            capture_output=True, timeout=TIMEOUT, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr.decode()
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    answer = json.loads(body[:length])
    assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "podlint"
    assert answer["result"]["capabilities"]["completionProvider"]


def test_the_readme_shows_the_setups_of_editors() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in (EDITORS / "neovim" / "podlint-0.11.lua", EDITORS / "helix" / "languages.toml"):
        body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.startswith(("--", "#")))
        assert body.strip() in readme, f"README lacks {path.name} as it is"
    assert "(add-to-list 'eglot-server-programs" in readme and '. ("podlint" "lsp")' in readme
    assert "make vsix" in readme


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_vscode_extension_activates_headless() -> None:
    result = subprocess.run(["node", "--test", "test/"], cwd=EDITORS / "vscode", capture_output=True, text=True,
                            timeout=TIMEOUT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout and "# pass 3" in result.stdout
