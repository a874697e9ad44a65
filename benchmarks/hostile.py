"""`make bench-hostile`: every hostile case of issue 23, as a user meets it, with its time and peak memory.

Each case is a fresh folder (a repository with its own `.podlint.yaml` where the case is a rule)
linted by a separate `podlint lint` process; the figures are that process's wall time and peak
RSS (`wait4`), and the line says what podlint answered (the rules it reported, or its exit code
and first line of stderr for a refused configuration). A case passes when it ends within
--limit seconds; the exit status is 1 if one does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `tests.manifests` importable
from tests.manifests import crd  # noqa: E402

LABEL = "a" * 40 + "!"
BIG = "1" * 100_000
SIX_NESTED = "".join(f"object.data.l{i}.all(x{i}, " for i in range(6)) + "true" + ")" * 6
THREE_NESTED = ("object.data.items.all(a, object.data.items.all(b, object.data.items.all(c, "
                "size(a) + size(b) >= size(c) - 9)))")


def config_map(**data: object) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "x", "labels": {"owner": LABEL}}, "data": data})


def workload(container: str) -> str:
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
            f"    spec:\n      containers:\n      - {{name: web, image: 'nginx:1.27', {container}}}\n")


def rule(text: str) -> str:
    return f"custom-rules:\n  - id: hostile\n    {text}\n"


# name -> (files to write, extra podlint arguments); a file name ending in "|fifo" is made a FIFO.
Case = tuple[dict[str, str], list[str]]
CASES: dict[str, Callable[[Path], Case]] = {
    "memory: 1e99999999": lambda d: ({"m.yaml": workload("resources: {limits: {memory: 1e99999999}}")}, []),
    "100,000-digit replicas, ports, periods": lambda d: ({"n.yaml": workload(
        f"ports: [{{containerPort: {BIG}}}], livenessProbe: {{exec: {{command: [x]}}, periodSeconds: {BIG}}}"
    ).replace("spec:\n  selector", f"spec:\n  replicas: {BIG}\n  selector")}, []),
    "4,000-digit cpu": lambda d: ({"c.yaml": workload(f"resources: {{limits: {{cpu: '{'9' * 4000}'}}}}")}, []),
    "CEL find('^(a+)+$') on 40 a's and !": lambda d: (
        {".podlint.yaml": rule("expression: \"object.metadata.labels.owner.find('^(a+)+$') == ''\""),
         "cm.json": config_map()}, []),
    "CEL matches('^(a+)+$')": lambda d: (
        {".podlint.yaml": rule("expression: \"!object.metadata.labels.owner.matches('^(a+)+$')\""),
         "cm.json": config_map()}, []),
    "JSON Schema pattern ^(a+)+$": lambda d: (
        {".podlint.yaml": rule("schema: {properties: {metadata: {properties: {labels: {properties: "
                               "{owner: {pattern: '^(a+)+$'}}}}}}}"), "cm.json": config_map()}, []),
    "CRD schema pattern ^(a+)+$": lambda d: ({"crd.yaml": CRD % ("^(a+)+$", LABEL)}, []),
    "pattern with a backreference": lambda d: (
        {".podlint.yaml": rule("schema: {properties: {metadata: {properties: {name: {pattern: '(a)\\1'}}}}}"),
         "cm.json": config_map()}, []),
    "CEL: six nested all() (refused when loaded)": lambda d: (
        {".podlint.yaml": rule(f'expression: "{SIX_NESTED}"'), "cm.json": config_map()}, []),
    "CEL: three nested all() over 400 items": lambda d: (
        {".podlint.yaml": rule(f'expression: "{THREE_NESTED}"'),
         "cm.json": config_map(items=[str(i) for i in range(400)])}, []),
    "CEL: distinct() of 5,000 items": lambda d: (
        {".podlint.yaml": rule('expression: "object.data.items.distinct().size() > 0"'),
         "cm.json": config_map(items=list(range(5000)))}, []),
    "$ref to https:// in a custom rule": lambda d: (
        {".podlint.yaml": rule("schema: {properties: {a: {$ref: 'https://example.com/s.json'}}}"),
         "cm.json": config_map()}, []),
    "$ref to file:///etc/passwd in a custom rule": lambda d: (
        {".podlint.yaml": rule("schema: {properties: {a: {$ref: 'file:///etc/passwd'}}}"),
         "cm.json": config_map()}, []),
    "custom-rules: [../outside]": lambda d: ({".podlint.yaml": "custom-rules: [../outside]\n",
                                              "cm.json": config_map()}, []),
    "a FIFO named on the command line": lambda d: ({"pipe.yaml|fifo": ""}, ["pipe.yaml"]),
    "a FIFO in a walked folder": lambda d: ({"pipe.yaml|fifo": "", "ok.yaml": workload("")}, []),
    "out.yaml -> /etc/passwd in a walked folder": lambda d: ({"out.yaml|link": "/etc/passwd",
                                                              "ok.yaml": workload("")}, []),
}

CRD: str = crd("Thing", '{owner: {type: string, pattern: "%s"}}') + """---
apiVersion: example.com/v1
kind: Thing
metadata: {name: t}
spec: {owner: "%s"}
"""


def prepare(folder: Path, files: dict[str, str]) -> None:
    (folder / ".git").mkdir()
    for name, text in files.items():
        if name.endswith("|fifo"):
            os.mkfifo(folder / name.removesuffix("|fifo"))
        elif name.endswith("|link"):
            (folder / name.removesuffix("|link")).symlink_to(text)
        else:
            (folder / name).write_text(text)


def run_case(podlint: list[str], make: Callable[[Path], Case], limit: float) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "repo"
        folder.mkdir()
        files, arguments = make(folder)
        prepare(folder, files)
        start = time.perf_counter()
        process = subprocess.Popen([*podlint, "lint", "--format", "json", *(arguments or ["."])], cwd=folder,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            stdout, stderr = process.communicate(timeout=limit * 10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return time.perf_counter() - start, 0.0, "did not end"
        seconds = time.perf_counter() - start
        peak = peak_rss_mb(process)
        return seconds, peak, answer(process.returncode, stdout, stderr)


def peak_rss_mb(process: subprocess.Popen[bytes]) -> float:
    import resource

    # The children's high-water mark: each case runs alone, after the previous case's process ended.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def answer(code: int, stdout: bytes, stderr: bytes) -> str:
    try:
        findings = json.loads(stdout)["findings"]
    except (ValueError, KeyError, TypeError):
        first = stderr.decode(errors="replace").strip().splitlines()[:1]
        return f"exit {code}: {first[0][:110] if first else ''}"
    rules = sorted({f["rule"] for f in findings if f["rule"] not in ("no-resource-limits",)})
    return f"exit {code}: {', '.join(rules)[:110]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=5.0, help="seconds a case may take")
    arguments = parser.parse_args()
    podlint = [sys.executable, "-m", "podlint"]
    missed = 0
    print(f"{'case':46} {'seconds':>8} {'peak MB':>8}  answer")
    for name, make in CASES.items():
        # One process per case, run in a child so that RUSAGE_CHILDREN holds that case alone.
        seconds, peak, said = isolated(podlint, make, arguments.limit)
        verdict = "" if seconds <= arguments.limit else "  MISS"
        missed += bool(verdict)
        print(f"{name:46} {seconds:8.2f} {peak:8.0f}  {said}{verdict}")
    return 1 if missed else 0


def isolated(podlint: list[str], make: Callable[[Path], Case], limit: float) -> tuple[float, float, str]:
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        result = run_case(podlint, make, limit)
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(child, 0)
    seconds, peak, said = json.loads(text)
    return float(seconds), float(peak), str(said)


if __name__ == "__main__":
    sys.exit(main())
