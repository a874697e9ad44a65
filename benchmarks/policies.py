"""What custom rules and admission policies cost per document: `python benchmarks/policies.py [FOLDER]`.

Lints the same objects (default: ../shared/corpus) in memory with the built-in rules only,
then with one rule of each form added, and prints the extra time per object (a corpus
document holds one object, bar a few Lists). Parsing is done once up front, so the figures
are the rules' own cost: evaluation, plus for CEL the conversion of each object into CEL
values, done once per object and shared by every CEL rule and policy evaluated on it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from podlint.app.config import settle
from podlint.engine import FileResult, Linter, Options
from podlint.model.objects import K8sObject, objects_of
from podlint.reading.parse import parse_bytes
from podlint.rules.ruleset import FileRules

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"

CASES = {
    "CEL, per object": """custom-rules:
  - {id: bench, expression: "!has(object.metadata.labels) || !('x' in object.metadata.labels)"}""",
    "CEL, each container": """custom-rules:
  - {id: bench, each: container, expression: "container.image.startsWith('registry.example.com/')"}""",
    "JSON Schema, per object": """custom-rules:
  - {id: bench, schema: {properties: {metadata: {required: [labels], properties: {labels: {required: [owner]}}}}}}""",
    "JSON Schema, each container": """custom-rules:
  - {id: bench, each: container, schema: {properties: {image: {pattern: '^registry\\.example\\.com/'}}}}""",
    "5 CEL rules, per object": "custom-rules:\n" + "".join(
        f"  - {{id: bench-{i}, expression: \"!has(object.metadata.labels) || !('x{i}' in object.metadata.labels)\"}}\n"
        for i in range(5)),
    "VAP (documentation example)": f"policies: [{ROOT / 'examples' / 'policies' / 'admission' / 'replica-limit.yaml'}]",
    "examples/policies (5 rules, 3 VAPs)": f"custom-rules: [{ROOT / 'examples/policies/team-rules.yaml'}]\n"
                                           f"policies: [{ROOT / 'examples/policies/admission'}]",
}


def load(folder: Path) -> list[K8sObject]:
    objects: list[K8sObject] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
            for document in parse_bytes(path.read_bytes(), str(path)).documents:
                objects.extend(objects_of(document))
    return objects


def per_object(linter: Linter, objects: list[K8sObject], repeat: int = 5) -> list[float]:
    """Each object's best time over `repeat` rounds (the minimum filters out a busy machine)."""
    rules: FileRules = linter.ruleset.for_file("x.yaml")
    best = [float("inf")] * len(objects)
    for _ in range(repeat):
        for index, obj in enumerate(objects):
            start = time.perf_counter()
            linter.lint_object(obj, rules, FileResult())
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    objects = load(folder)
    base = per_object(Linter(Options()), objects)
    print(f"{len(objects)} objects from {folder}")
    print(f"{'':40} {'mean':>9} {'median':>9}  (µs per object)")
    print(f"{'built-in rules only':40} {statistics.mean(base) * 1e6:9.1f} {statistics.median(base) * 1e6:9.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, config in CASES.items():
            path = Path(scratch) / ".podlint.yaml"
            path.write_text(config + "\n")
            linter = Linter(settle(path).options)
            extra = [max(0.0, t - b) for t, b in zip(per_object(linter, objects), base, strict=True)]
            print(f"+ {name:<38} {statistics.mean(extra) * 1e6:9.1f} {statistics.median(extra) * 1e6:9.1f}")


if __name__ == "__main__":
    main()
