"""`--jobs`: files spread over worker processes, with the results of a single process.

The inputs are cut into contiguous chunks of about equal size, a few per worker so that a
slow chunk does not leave a core idle; each worker lints whole files with its own Linter,
built once when the worker starts (on Linux the workers are forked, so the catalogue, the
checks and any compiled schema the main process already holds come along for free), and
sends back each file's FileResult: findings, counts, comment suppressions, and what the file
adds to the run's inventory (the objects the cross-object checks read). The results are
yielded in input order, so whatever the main process does with them (inventory and
cross-object checks, suppressions, summary, sorting: run.lint_sources) sees exactly what
a serial run would.

Standard input and inputs that could not be found are handled in the main process: a
worker cannot read the main process's standard input. If a worker dies (killed for memory,
a crash in C code), its chunk is linted again in the main process, as a serial run would.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from podlint import watchdog
from podlint.engine import FileResult, Linter, Options, lint_file
from podlint.model.inventory import Inventory
from podlint.sources.files import Source, SourceError

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext

# Below this much input (~2,200 documents, ~1.3 s on one core), starting workers and
# sending their results back (the inventory's objects too) saves too little to be worth it
# on two cores, and costs more than it saves when another process keeps a core busy.
PARALLEL_MIN_BYTES = 4_000_000
CHUNKS_PER_WORKER = 4

Item = Source | SourceError

_worker_linter: Linter | None = None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _size(item: Item) -> int:
    if not isinstance(item, Source) or item.path is None:
        return 0
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def choose_jobs(items: Sequence[Item]) -> int:
    """The default worker count: one per core for a large input, one for a small input."""
    cores = available_cores()
    if cores < 2 or len(items) < 2:
        return 1
    return cores if sum(_size(item) for item in items) >= PARALLEL_MIN_BYTES else 1


def _in_worker(item: Item) -> bool:
    return isinstance(item, Source) and item.path is not None


def _plan(items: Sequence[Item], chunks: int) -> list[list[int]]:
    """Input indexes in runs: a contiguous chunk of worker files, or a single main-process item."""
    sizes = [_size(item) + 1 for item in items]  # +1: an empty file still costs a read
    target = max(1, sum(sizes) // max(1, chunks))
    plan: list[list[int]] = []
    current: list[int] = []
    filled = 0
    for index, item in enumerate(items):
        if not _in_worker(item):
            if current:
                plan.append(current)
                current, filled = [], 0
            plan.append([index])
            continue
        current.append(index)
        filled += sizes[index]
        if filled >= target:
            plan.append(current)
            current, filled = [], 0
    if current:
        plan.append(current)
    return plan


def _start_worker(options: Options) -> None:
    global _worker_linter
    watchdog.stop()  # a forked worker inherits the handler but no interval timer: start its own
    watchdog.start()
    _worker_linter = Linter(options)
    _worker_linter.begin_run()  # custom resources without a known CRD wait, and go back to the main process


def _lint_chunk(sources: list[Source], with_inventory: bool) -> list[FileResult]:
    assert _worker_linter is not None, "worker started without its linter"
    results = []
    for source in sources:
        inventory = Inventory() if with_inventory else None
        result = lint_file(source, _worker_linter, inventory)
        result.from_worker = True
        result.inventory = inventory
        result.deferred = _worker_linter.take_deferred()
        results.append(result)
    return results


def _context() -> BaseContext:
    # fork starts a worker in milliseconds with everything already imported and loaded;
    # elsewhere (macOS, Windows) the platform's default start method, and the worker builds
    # its Linter once in _start_worker.
    import multiprocessing

    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def lint_files(items: Sequence[Item], linter: Linter, jobs: int, inventory: Inventory | None) -> Iterator[FileResult]:
    """Each input's FileResult, in input order, linted by up to `jobs` worker processes.

    What main-process items add to the inventory goes straight into `inventory`; a worker's
    part comes back in its FileResult (`inventory`), for the caller to merge in order.
    """
    plan = _plan(items, jobs * CHUNKS_PER_WORKER)
    worker_runs = [run for run in plan if _in_worker(items[run[0]])]
    # Workers rebuild a plain Linter from the options: a subclass (podlint fix's) runs here.
    if jobs < 2 or len(worker_runs) < 2 or type(linter) is not Linter:
        yield from (lint_file(item, linter, inventory) for item in items)
        return
    # Imported here: they cost ~20 ms, which a one-worker run never pays.
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=min(jobs, len(worker_runs)), mp_context=_context(),
                               initializer=_start_worker, initargs=(linter.options,))
    try:
        futures: dict[int, Future[list[FileResult]]] = {}
        for run in worker_runs:
            sources = [item for item in (items[index] for index in run) if isinstance(item, Source)]
            try:
                futures[run[0]] = pool.submit(_lint_chunk, sources, inventory is not None)
            except BrokenProcessPool:  # a worker died before every chunk was handed out: the rest run here
                break
        for run in plan:
            future = futures.get(run[0])
            if future is None:  # a main-process item, or a chunk never handed out
                yield from (lint_file(items[index], linter, inventory) for index in run)
                continue
            try:
                results = future.result()
            except BrokenProcessPool:  # a worker died: lint its files here, as a serial run would
                results = [lint_file(items[index], linter, inventory) for index in run]
            yield from results
            del futures[run[0]]  # free the results as soon as they are passed on
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

