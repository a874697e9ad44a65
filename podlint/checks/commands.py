"""What a container runs: shell invocations and commands that exit under restartPolicy Always."""

from __future__ import annotations

import re
from collections.abc import Iterator

from podlint.checks import Context, Problem, pod_check
from podlint.findings import Fix
from podlint.model.podspec import ContainerView, PodSpecView, parse_image
from podlint.patterns import lazy

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox sh"})
# Programs that do their job and exit, whatever their arguments.
ONE_SHOT = frozenset({
    "echo", "printf", "true", "false", "date", "env", "printenv", "hostname", "whoami", "id",
    "uname", "pwd", "ls", "cat", "mkdir", "cp", "mv", "rm", "touch", "chmod", "chown", "ln",
    "export", "set", "cd", "exit", "test", "[", "nslookup", "dig", "ping", "curl", "wget",
    "df", "du", "free", "ps", "sync", "tee", "wc", "head", "grep", "sed", "awk", "base64",
    "openssl", "ip", "ifconfig", "which", "stat", "find", "tr", "cut", "sort", "uniq",
})
# Images whose default command is an interactive shell: with no stdin it exits at once.
SHELL_IMAGES = frozenset({"busybox", "alpine", "ubuntu", "debian", "centos", "fedora", "rockylinux",
                          "almalinux", "amazonlinux", "archlinux", "opensuse/leap"})
# The kubelet resets its restart back-off only after a container ran this long.
BACKOFF_RESET_SECONDS = 600
_SEGMENT_SPLIT = lazy(r"&&|\|\||[;\n|&]")
_SCRIPT_CHARS = lazy(r"[\s;&|$`<>(){}'\"]")
_SLEEP = lazy(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _program(argv0: str) -> str:
    return argv0.rsplit("/", 1)[-1]


def argv_of(container: ContainerView) -> tuple[list[str], str] | None:
    """The full command line and the key it starts at, when the manifest states the program."""
    command, args = container.command, container.args
    if not command:
        return None
    return command + (args or []), "command"


def _shell_script(argv: list[str]) -> tuple[str | None, bool]:
    """For a shell invocation: (inline script given with -c, whether -c was given)."""
    index = 1
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            index += 1
            break
        if arg in ("-o", "+o"):
            index += 2
            continue
        if not arg.startswith(("-", "+")) or arg in ("-", "+"):
            break
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg:
            return (argv[index + 1] if index + 1 < len(argv) else None), True
        index += 1
    return (argv[index] if index < len(argv) else None), False


def _is_shell(argv: list[str]) -> bool:
    program = _program(argv[0])
    if program == "env" and len(argv) > 1:
        program = _program(argv[1])
    return program in SHELLS


def _sleep_is_short(words: list[str]) -> bool:
    if len(words) != 2:
        return False
    match = _SLEEP.match(words[1])
    if match is None:  # `sleep infinity`, variables: assume long
        return False
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)] < BACKOFF_RESET_SECONDS


def _words_exit(words: list[str]) -> bool:
    """Whether a simple command certainly runs to completion soon."""
    if not words:
        return True
    program = _program(words[0])
    if program == "sleep":
        return _sleep_is_short(words)
    if program in ("tail", "cat") and any(w in ("-f", "-F", "--follow") for w in words[1:]):
        return False
    if program == "cat" and len(words) == 1:  # reads stdin: may block
        return False
    return program in ONE_SHOT


def script_exits(script: str) -> bool:
    """Conservative: True only when every part of the script is a known one-shot command."""
    if re.search(r"\b(while|until|for|exec|wait|trap|select|function)\b", script):
        return False
    words_seen = False
    for segment in _SEGMENT_SPLIT.split(script):
        words = segment.split()
        if not words:
            continue
        words_seen = True
        if "=" in words[0] and not words[0].startswith("="):  # VAR=value prefix or assignment
            words = words[1:]
            if not words:
                continue
        if not _words_exit(words):
            return False
    return words_seen


def command_exits(argv: list[str]) -> bool:
    if _is_shell(argv):
        script, _ = _shell_script(argv if _program(argv[0]) != "env" else argv[1:])
        return script is not None and script_exits(script)
    return _words_exit(argv)


def _describe(argv: list[str]) -> str:
    import shlex  # (for a finding's message only)

    text = shlex.join(argv)
    return text if len(text) <= 60 else text[:57] + "..."


@pod_check("exiting-command")
def exiting_command(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        if not container.restarts_always or container.data.get("stdin") or container.data.get("tty"):
            continue
        found = argv_of(container)
        if found is not None:
            argv, key = found
            if not command_exits(argv):
                continue
            what, at = f"`{_describe(argv)}` runs to completion", container.child(key)
        else:
            image = container.image
            if container.args or not image:
                continue
            repository = parse_image(image.strip()).repository
            base = repository.split("/", 1)[1] if repository.startswith("docker.io/") else repository
            base = base.removeprefix("library/")
            if base not in SHELL_IMAGES:
                continue
            what, at = f"image {image!r} with no command starts a shell that exits at once", container.child(
                "image")
        restarted = ("a native sidecar is restarted whenever it exits" if container.list_name == "initContainers"
                     else f"restartPolicy {pod.restart_policy} restarts it whenever it exits")
        yield Problem(at, f"{what}, but {restarted}: the pod ends in CrashLoopBackOff")


@pod_check("shell-without-c")
def shell_without_c(pod: PodSpecView, ctx: Context) -> Iterator[Problem]:
    for container in pod.containers():
        found = argv_of(container)
        if found is None:
            continue
        argv, _ = found
        if not _is_shell(argv):
            continue
        shell_index = 1 if _program(argv[0]) == "env" else 0
        shell_argv = argv[shell_index:]
        script, has_c = _shell_script(shell_argv)
        if has_c or script is None or not _SCRIPT_CHARS.search(script):
            continue
        shell = _program(shell_argv[0])
        yield Problem(
            container.child("command"),
            f"{shell} is given the inline script {_describe([script])} without -c: "
            "the shell tries to open a file of that name and exits",
            # POSIX: `sh -c [options] script`, so -c right after the shell is right whatever follows.
            fix=_insert_c(container, shell_index, shell),
        )


def _insert_c(container: ContainerView, shell_index: int, shell: str) -> Fix | None:
    from podlint.edit import edits  # (imported for a fix only: most runs offer none)

    return edits.insert_item_after(container.obj, container.child("command", shell_index), "-c",
                                   f"insert -c after {shell}")
