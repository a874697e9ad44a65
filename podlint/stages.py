"""Whole-run stages: checks that look across objects and files.

A file is linted wherever the run puts it (this process or a worker process, see
parallel.py), and its documents are gone once its findings are made. So a check that needs
more than one object comes in two halves:

- `collect(obj)` runs beside the per-object checks, in whichever process lints the file,
  and returns a small picklable fact about the object (or None): whatever `finish` will
  need, positions included (`obj.span(path)`, `obj.file`, `obj.kind`, `obj.name`);
- `finish(facts, linter)` runs once, in the main process, after every file, with the facts
  of the whole run in input order, and returns findings (`linter.severity_of` gives their
  severity).

The order of the facts is the same for one worker or many, so the output is too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from podlint.findings import Finding
from podlint.objects import K8sObject

if TYPE_CHECKING:
    from podlint.engine import Linter


class RunStage(Protocol):
    @property
    def name(self) -> str: ...

    def collect(self, obj: K8sObject) -> Any | None: ...

    def finish(self, facts: list[Any], linter: Linter) -> Iterable[Finding]: ...


# Every Linter runs these, in this order (a module registers its stage on import).
RUN_STAGES: list[RunStage] = []

S = TypeVar("S", bound=RunStage)


def run_stage(stage: S) -> S:
    """Register a whole-run stage."""
    if any(existing.name == stage.name for existing in RUN_STAGES):
        raise ValueError(f"run stage {stage.name!r} registered twice")
    RUN_STAGES.append(stage)
    return stage
