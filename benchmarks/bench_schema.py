"""The schema stage alone: objects per second over a corpus, on one core.

Parsing is done first and not timed; the first pass includes loading and compiling the
validators of the kinds met (cold), later passes measure the steady state (warm).

    taskset -c 0 python benchmarks/bench_schema.py [PATH ...] [--rounds N] [--kubernetes-version 1.37]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from podlint.model.objects import K8sObject, objects_of
from podlint.reading.parse import parse_bytes
from podlint.schemas.validator import SchemaValidator
from podlint.schemas.versions import parse_version
from podlint.sources.files import Source, expand

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(CORPUS)])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kubernetes-version", default="1.37")
    args = parser.parse_args()
    objects: list[K8sObject] = []
    for item in expand(args.paths):
        if isinstance(item, Source):
            for document in parse_bytes(item.read(), item.name).documents:
                objects.extend(objects_of(document))
    validator = SchemaValidator(parse_version(args.kubernetes_version))
    for obj in objects:
        validator.learn(obj)
    timings = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for obj in objects:
            validator.check(obj)
        timings.append(time.perf_counter() - start)
    checked = sum(1 for obj in objects if validator.check(obj) is not None)
    warm = min(timings[1:]) if len(timings) > 1 else timings[0]
    print(f"{len(objects)} objects ({checked} with a schema): cold {len(objects) / timings[0]:,.0f} objects/s, "
          f"warm {len(objects) / warm:,.0f} objects/s")


if __name__ == "__main__":
    main()
