"""`make bench`: podlint against the libyaml parse floor, on generated and real manifests.

For each input (generated workloads of 100, 1,000 and 10,000 documents, five per file, and
../shared/corpus): wall time, documents per second, CPU time and peak RSS of a full
`podlint lint` process (default profile, report written to a file) with one worker and with
the default worker count; and, in the same run, the parse floor: composing the same files
in this process with PyYAML's libyaml `CSafeLoader`. Then one end-to-end `podlint lint FILE`
on a small file from a non-editable install (median of --single-repeat runs, text and SARIF,
beside `python -c pass` and `python -c "import yaml"` measured in the same loop), the language
server's first diagnostics, and the targets with a verdict each.

Custom resources (issue 19): --custom documents of eight kinds (ServiceMonitor, Certificate,
HTTPRoute, ScaledObject, ExternalSecret, Application, HelmRelease, NodePool) with no CRD in the
run, so the bundled catalogue checks them, schemas and CEL rules: the start-up of a one-file run
with one custom resource against one with a Deployment (same loop, medians), the CPU per custom
resource against a built-in document's, and a verdict that a run with no custom resource reads
nothing from `crds/` (`benchmarks/catalogue_reads.py`).

Every figure is the best of --repeat runs, podlint and floor runs interleaved so that both
see the same machine: the minimum is the figure least disturbed by whatever else runs (the
load average is printed; on a busy machine CPU times are the steadier figures, and the
linear-growth verdict uses them). Exit status 1 when a target is missed (--no-check: 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script (`python benchmarks/bench.py`): make `benchmarks` importable

from benchmarks.catalogue_reads import catalogue_reads  # noqa: E402
from benchmarks.workload import CUSTOM_KINDS, generate, generate_custom  # noqa: E402
from podlint.sources.files import Source, expand  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
# Charts and overlays: rendering timed apart from linting the render (issue 18).
RENDERED = (ROOT / "tests" / "render" / "public" / "podinfo", ROOT / "tests" / "render" / "web",
            ROOT / "tests" / "render" / "public" / "ldap", ROOT / "tests" / "render" / "shop")
# The report format of the timed runs over many files: SARIF, as CI uploads it (issue 10).
# The single-file run writes the default text report, as a commit hook or an editor reads it.
REPORT_FORMAT = "sarif"
SIZES = (100, 1_000, 10_000)
CUSTOM_DOCUMENTS = 1_000
CUSTOM_LABEL = "custom res."
# Inputs this large take seconds a run: fewer runs of them (their figures vary less, too).
LARGE_DOCUMENTS = 5_000
LARGE_REPEAT = 2

# The targets on a 2-core machine (issues 10 and 16).
MAX_FLOOR_RATIO = 3.0  # 1,000 documents, one worker
MAX_SINGLE_FILE_SECONDS = 0.10  # median, start to exit, non-editable install, text and SARIF
MAX_FIRST_DIAGNOSTICS_SECONDS = 0.3  # the language server, after `initialize`
MAX_PEAK_RSS_MB = 150.0  # 10,000 documents
MAX_PER_DOC_DRIFT = 0.25  # time per document at 10,000 vs 1,000 (linear growth)


@dataclass(frozen=True, slots=True)
class ProcessRun:
    wall: float
    cpu: float
    peak_rss_mb: float
    exit_code: int


@dataclass(frozen=True, slots=True)
class Floor:
    wall: float
    cpu: float


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    documents: int
    files: int
    megabytes: float
    jobs: str
    run: ProcessRun
    floor: Floor

    @property
    def ratio(self) -> float:
        return self.run.wall / self.floor.wall

    @property
    def cpu_ratio(self) -> float:
        return self.run.cpu / self.floor.cpu if self.floor.cpu > 0 else float("inf")


def podlint_command() -> list[str]:
    """The console script users run, beside this interpreter; `python -m podlint` otherwise."""
    script = Path(sys.executable).with_name("podlint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "podlint"]


def child_environment() -> dict[str, str]:
    """The environment of the timed processes: bytecode cached, as an installed wheel has it."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def run_process(argv: Sequence[str], env: dict[str, str] | None = None) -> ProcessRun:
    """One process, start to exit; its CPU time and peak RSS (and its workers') from wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env or child_environment())
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stderr is not None
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode not in (0, 1):  # 1: findings; anything else is a failed run
        raise SystemExit(f"bench: {' '.join(argv)} exited {process.returncode}:\n{errors}")
    # ru_maxrss is in KiB on Linux; for wait4 it is the largest of the process and its children.
    return ProcessRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def best(runs: list[ProcessRun]) -> ProcessRun:
    """The quickest wall time and the least CPU time (not always of the same run); the peak RSS."""
    return ProcessRun(min(run.wall for run in runs), min(run.cpu for run in runs),
                      max(run.peak_rss_mb for run in runs), runs[0].exit_code)


def timed(action: Callable[[], object]) -> Floor:
    start, start_cpu = time.perf_counter(), time.process_time()
    action()
    return Floor(time.perf_counter() - start, time.process_time() - start_cpu)


def manifest_files(folder: Path) -> list[Path]:
    """The files `podlint lint FOLDER` reads, in its order."""
    return [item.path for item in expand([str(folder)]) if isinstance(item, Source) and item.path is not None]


def compose_floor(files: list[Path]) -> int:
    """Read and compose every file with libyaml, as cheaply as PyYAML can; the documents read."""
    documents = 0
    for path in files:
        try:
            for _ in yaml.compose_all(path.read_bytes(), Loader=yaml.CSafeLoader):
                documents += 1
        except yaml.YAMLError:
            continue  # a template or a broken file: the floor reads what libyaml can
    return documents


def measure(label: str, folder: Path, report: Path, repeat: int) -> list[Row]:
    files = manifest_files(folder)
    documents = compose_floor(files)  # also warms the page cache
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    base = [*podlint_command(), "lint", str(folder), "--format", REPORT_FORMAT, "--output"]
    serial_report, default_report = report.with_suffix(".serial"), report.with_suffix(".default")
    floors, serial, default = [], [], []
    for _ in range(repeat):
        floors.append(timed(lambda: compose_floor(files)))
        serial.append(run_process([*base, str(serial_report), "--jobs", "1"]))
        default.append(run_process([*base, str(default_report)]))
        if serial_report.read_bytes() != default_report.read_bytes():
            raise SystemExit(f"bench: {label}: the default (parallel) report differs from the serial one")
    floor = Floor(min(run.wall for run in floors), min(run.cpu for run in floors))
    return [Row(label, documents, len(files), megabytes, "1", best(serial), floor),
            Row(label, documents, len(files), megabytes, "auto", best(default), floor)]


@dataclass(frozen=True, slots=True)
class SingleFile:
    """Medians of the one-file runs and of the interpreter's own floors, measured in one loop."""

    size: int
    text: float
    sarif: float
    cpu: float  # least CPU time of the text runs
    peak_rss_mb: float
    bare: float  # python -c pass
    yaml: float  # python -c "import yaml"

    @property
    def ratio(self) -> float:
        return self.text / self.yaml


def installed_podlint(folder: Path) -> tuple[list[str], dict[str, str]]:
    """podlint built and installed as a user gets it (a wheel, not the editable checkout), into
    `folder`: the command line of its console script and the environment that finds it first."""
    wheels, target = folder / "wheel", folder / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(next(wheels.glob("podlint-*.whl")))], check=True, capture_output=True)
    env = child_environment()
    env["PYTHONPATH"] = str(target)  # before site-packages, where the editable install is
    return [str(target / "bin" / "podlint")], env


def single_file(folder: Path, repeat: int) -> tuple[Path, SingleFile, list[str], dict[str, str]]:
    """A one-document file linted end to end by an installed podlint; and the interpreter's floors."""
    generate(folder / "single", 5, seed=1)
    documents = (folder / "single" / "00000.yaml").read_text(encoding="utf-8").split("---\n")
    path = folder / "single.yaml"
    path.write_text(next(doc for doc in documents if "kind: Deployment" in doc), encoding="utf-8")
    command, env = installed_podlint(folder)
    text_argv = [*command, "lint", str(path)]
    sarif_argv = [*text_argv, "--format", "sarif"]
    run_process(text_argv, env)  # the first run writes the bytecode caches, as installing a wheel does
    runs: dict[str, list[ProcessRun]] = {"text": [], "sarif": [], "bare": [], "yaml": []}
    for _ in range(repeat):  # interleaved: every figure sees the same machine
        runs["text"].append(run_process(text_argv, env))
        runs["sarif"].append(run_process(sarif_argv, env))
        runs["bare"].append(run_process([sys.executable, "-c", "pass"]))
        runs["yaml"].append(run_process([sys.executable, "-c", "import yaml"]))
    median = {name: statistics.median(run.wall for run in done) for name, done in runs.items()}
    result = SingleFile(path.stat().st_size, median["text"], median["sarif"], min(r.cpu for r in runs["text"]),
                        max(r.peak_rss_mb for r in runs["text"]), median["bare"], median["yaml"])
    return path, result, command, env


@dataclass(frozen=True, slots=True)
class CustomStart:
    """Medians of one-file runs, one custom resource (an HTTPRoute) against one Deployment, in one loop."""

    custom: float
    builtin: float
    custom_cpu: float  # least CPU time
    builtin_cpu: float

    @property
    def extra(self) -> float:
        return self.custom - self.builtin


def custom_start(folder: Path, deployment: Path, command: list[str], env: dict[str, str],
                 repeat: int) -> tuple[Path, CustomStart]:
    """A one-document custom resource file linted end to end, beside the one-Deployment file."""
    generate_custom(folder / "single-custom", 5, seed=1)
    documents = (folder / "single-custom" / "00000.yaml").read_text(encoding="utf-8").split("---\n")
    path = folder / "single-custom.yaml"
    path.write_text(next(doc for doc in documents if "kind: HTTPRoute" in doc), encoding="utf-8")
    custom_argv, builtin_argv = [*command, "lint", str(path)], [*command, "lint", str(deployment)]
    run_process(custom_argv, env)  # warm the page cache of crds/, as the single-file figure warms its own
    custom, builtin = [], []
    for _ in range(repeat):
        custom.append(run_process(custom_argv, env))
        builtin.append(run_process(builtin_argv, env))
    return path, CustomStart(statistics.median(run.wall for run in custom),
                             statistics.median(run.wall for run in builtin),
                             min(run.cpu for run in custom), min(run.cpu for run in builtin))


def first_diagnostics(path: Path, command: list[str], env: dict[str, str], repeat: int = 5) -> float:
    """Median seconds from `initialize` sent to the first diagnostics of an opened file (`podlint lsp`)."""
    from benchmarks.lsp_latency import first_diagnostics as measure_once

    text = path.read_text(encoding="utf-8")
    return statistics.median(asyncio.run(measure_once(text, command, env)) for _ in range(repeat))


def heaviest_imports(path: Path, command: list[str], env: dict[str, str],
                     count: int = 5) -> tuple[float, list[tuple[str, float]]]:
    """`python -X importtime` of the single-file run: its import time, and the heaviest top-level imports."""
    result = subprocess.run([sys.executable, "-X", "importtime", *command, "lint", str(path)],
                            capture_output=True, text=True, env=env, check=False)
    top: list[tuple[str, float]] = []
    for line in result.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        if fields[2].startswith(" ") and not fields[2].startswith("  "):  # nesting is shown by indentation
            top.append((fields[2].strip(), int(fields[1]) / 1e6))
    return sum(seconds for _, seconds in top), sorted(top, key=lambda item: -item[1])[:count]


def no_catalogue_reads(builtin: Path, custom: Path, env: dict[str, str]) -> tuple[str, bool]:
    """The verdict: the one-Deployment run reads nothing of `crds/`; the custom resource run does
    (else the hook saw nothing, and the verdict could not fail)."""
    without, with_custom = catalogue_reads([builtin], env), catalogue_reads([custom], env)
    seen = "no file of crds/ opened, lzma not imported" if without.nothing else (
        f"opened {', '.join(Path(name).name for name in without.files) or 'nothing'}"
        f"{', imported lzma' if without.lzma else ''}")
    control = f"the HTTPRoute run opened {', '.join(Path(name).name for name in with_custom.files) or 'nothing'}"
    return (f"no custom resource, no catalogue read: {seen} ({control})",
            without.nothing and bool(with_custom.files) and with_custom.lzma)


def render_times(repeat: int) -> list[tuple[str, str, float, float, int]]:
    """(input, renderer, render s, lint s, findings) for each chart and overlay, in this process, best of `repeat`.

    The first render of a run pays for starting the renderer (importing the Helm library, ~0.1 s;
    a process per kustomize build), and each row's best is the steady figure of an editor or a
    second chart in a run; lint time is the engine and the mapping of its findings back.
    """
    from podlint.app.run import lint_sources
    from podlint.engine import Linter
    from podlint.sources import helm, kustomize
    from podlint.sources.render import render
    from podlint.sources.rendered import RenderOptions

    rows = []
    for folder in RENDERED:
        tool = "helm" if (folder / "Chart.yaml").is_file() else "kustomize"
        roots = [folder] if tool == "helm" else [path.parent for path in sorted(folder.rglob("kustomization.yaml"))
                                                 if "overlays" in path.parts]
        if tool == "helm":
            chosen = helm._renderer()
            renderer = chosen[2] if chosen else None
        else:
            argv = kustomize._renderer()
            renderer = " ".join(Path(part).name for part in argv) if argv else None
        if renderer is None:
            continue
        best_render = best_lint = float("inf")
        findings = 0
        for _ in range(repeat):
            start = time.perf_counter()
            rendered = [render(tool, str(root), os.path.relpath(root, ROOT), RenderOptions()) for root in roots]
            middle = time.perf_counter()
            run = lint_sources(rendered, Linter())
            end = time.perf_counter()
            best_render, best_lint = min(best_render, middle - start), min(best_lint, end - middle)
            findings = len(run.findings)
        name = os.path.relpath(folder, ROOT) + ("" if tool == "helm" else f" ({len(roots)} overlays)")
        rows.append((name, renderer, best_render, best_lint, findings))
    return rows


def print_table(rows: list[Row]) -> None:
    header = (f"{'input':<14} {'docs':>6} {'files':>6} {'MB':>5} {'jobs':>5} {'wall s':>7} {'docs/s':>7} "
              f"{'RSS MB':>7} {'floor s':>8} {'x floor':>8} {'CPU s':>7} {'floor CPU':>9} {'x CPU':>6}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row.label:<14} {row.documents:>6} {row.files:>6} {row.megabytes:>5.1f} {row.jobs:>5} "
              f"{row.run.wall:>7.3f} {row.documents / row.run.wall:>7.0f} {row.run.peak_rss_mb:>7.1f} "
              f"{row.floor.wall:>8.3f} {row.ratio:>8.2f} {row.run.cpu:>7.2f} {row.floor.cpu:>9.2f} "
              f"{row.cpu_ratio:>6.2f}")


def per_document_cpu(row: Row, start_cpu: float) -> float:
    """CPU seconds per document once the fixed start-up (a one-file run's) is taken off."""
    return (row.run.cpu - start_cpu) / row.documents


def verdicts(rows: list[Row], single: SingleFile, lsp: float | None,
             reads: tuple[str, bool] | None = None) -> list[tuple[str, bool]]:
    """The targets, for the sizes this run measured."""
    found = {(row.label, row.jobs): row for row in rows}
    checks = [reads] if reads is not None else []
    checks += [(f"single-file run, text {single.text:.3f} s and SARIF {single.sarif:.3f} s <= "
               f"{MAX_SINGLE_FILE_SECONDS} s (median)", max(single.text, single.sarif) <= MAX_SINGLE_FILE_SECONDS)]
    if lsp is not None:
        checks.append((f"language server: first diagnostics {lsp:.3f} s after initialize <= "
                       f"{MAX_FIRST_DIAGNOSTICS_SECONDS} s", lsp <= MAX_FIRST_DIAGNOSTICS_SECONDS))
    thousand = found.get(("1000 docs", "1"))
    if thousand is not None:
        checks.append((f"1,000 docs, one worker: {thousand.ratio:.2f}x the parse floor <= {MAX_FLOOR_RATIO}x",
                       thousand.ratio <= MAX_FLOOR_RATIO))
    large = [row for row in rows if row.label == "10000 docs"]
    if large:
        peak = max(row.run.peak_rss_mb for row in large)
        checks.append((f"10,000 docs: peak RSS {peak:.0f} MB <= {MAX_PEAK_RSS_MB:.0f} MB", peak <= MAX_PEAK_RSS_MB))
        if thousand is not None:
            # CPU per document after the fixed start-up: constant when time grows linearly.
            per_doc = [(row.run.cpu - single.cpu) / row.documents
                       for row in (thousand, found[("10000 docs", "1")])]
            drift = per_doc[1] / per_doc[0] - 1
            checks.append((f"linear: {per_doc[0] * 1e6:.0f} us CPU/doc at 1,000, {per_doc[1] * 1e6:.0f} at "
                           f"10,000 ({drift:+.0%}, within ±{MAX_PER_DOC_DRIFT:.0%})", abs(drift) <= MAX_PER_DOC_DRIFT))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="generated corpus sizes in documents, comma-separated")
    parser.add_argument("--repeat", type=int, default=5,
                        help=f"runs per figure (the best counts); at most {LARGE_REPEAT} from "
                             f"{LARGE_DOCUMENTS:,} documents on")
    parser.add_argument("--single-repeat", type=int, default=20, help="runs of the single-file figure (median)")
    parser.add_argument("--no-lsp", action="store_true", help="skip the language server's first diagnostics")
    parser.add_argument("--custom", type=int, default=CUSTOM_DOCUMENTS,
                        help="custom resources in the catalogue run (0: none, and no custom resource figures)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a folder of real manifests")
    parser.add_argument("--no-corpus", action="store_true", help="skip the real-manifest corpus")
    parser.add_argument("--no-check", action="store_true", help="exit 0 even when a target is missed")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]

    print(f"podlint bench: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"report format {REPORT_FORMAT}, best of {args.repeat} ({LARGE_REPEAT} from {LARGE_DOCUMENTS:,} documents; "
          f"single file: median of {args.single_repeat}); "
          f"load average {os.getloadavg()[0]:.1f}")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="podlint-bench-") as temp:
        folder = Path(temp)
        path, single, command, env = single_file(folder, args.single_repeat)
        imports, heaviest = heaviest_imports(path, command, env)
        lsp = None if args.no_lsp else first_diagnostics(path, command, env)
        start: CustomStart | None = None
        reads: tuple[str, bool] | None = None
        if args.custom:
            custom_path, start = custom_start(folder, path, command, env, min(args.single_repeat, 10))
            reads = no_catalogue_reads(path, custom_path, env)
        for size in sizes:
            generate(folder / str(size), size)
            repeat = min(args.repeat, LARGE_REPEAT) if size >= LARGE_DOCUMENTS else args.repeat
            rows += measure(f"{size} docs", folder / str(size), folder / f"report-{size}", repeat)
        if args.custom:
            generate_custom(folder / "custom", args.custom)
            rows += measure(CUSTOM_LABEL, folder / "custom", folder / "report-custom", args.repeat)
        if not args.no_corpus and args.corpus.is_dir():
            rows += measure("shared/corpus", args.corpus, folder / "report-corpus", args.repeat)

    print()
    print_table(rows)
    print()
    print(f"single file ({single.size:,} B, one Deployment, installed wheel), median start to exit: "
          f"text {single.text * 1000:.0f} ms, SARIF {single.sarif * 1000:.0f} ms ({single.cpu * 1000:.0f} ms CPU, "
          f"{single.peak_rss_mb:.0f} MB); in the same loop `python -c pass` {single.bare * 1000:.0f} ms, "
          f"`python -c \"import yaml\"` {single.yaml * 1000:.0f} ms: {single.ratio:.2f}x import yaml")
    if lsp is not None:
        print(f"language server: first diagnostics {lsp * 1000:.0f} ms after initialize (median of 5)")
    if start is not None:
        print(f"one custom resource (an HTTPRoute, bundled catalogue), median start to exit: "
              f"{start.custom * 1000:.0f} ms ({start.custom_cpu * 1000:.0f} ms CPU); one Deployment in the same "
              f"loop {start.builtin * 1000:.0f} ms ({start.builtin_cpu * 1000:.0f} ms CPU): "
              f"{start.extra * 1000:+.0f} ms for the catalogue's index, one schema, lzma and the CEL engine")
        custom_rows = {row.jobs: row for row in rows if row.label == CUSTOM_LABEL}
        builtin_rows = {row.jobs: row for row in rows if row.label == f"{args.custom} docs"}
        if "1" in custom_rows:
            per_custom = per_document_cpu(custom_rows["1"], start.custom_cpu)
            line = (f"custom resources, one worker: {per_custom * 1e6:.0f} us CPU per document after start-up "
                    f"({custom_rows['1'].documents:,} of {len(CUSTOM_KINDS)} kinds, schemas and CEL rules)")
            if "1" in builtin_rows:
                line += f"; built-in documents {per_document_cpu(builtin_rows['1'], single.cpu) * 1e6:.0f} us"
            print(line)
    print(f"its imports (-X importtime): {imports * 1000:.0f} ms; heaviest: "
          + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in heaviest))
    if rows:
        print("every default-jobs report was byte-identical to its --jobs 1 report")
    renders = render_times(args.repeat)
    if renders:
        print()
        print(f"{'chart or overlays':<34} {'renderer':<24} {'render ms':>9} {'lint ms':>8} {'findings':>8}")
        for name, renderer, render_s, lint_s, findings in renders:
            print(f"{name:<34} {renderer:<24} {render_s * 1000:9.1f} {lint_s * 1000:8.1f} {findings:8d}")
    else:
        print("charts and overlays: no renderer installed (pip install 'podlint[helm,kustomize]'): not timed")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 minute)")
    print()
    checks = verdicts(rows, single, lsp, reads)
    for text, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    return 0 if args.no_check or all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
