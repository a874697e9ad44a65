"""The wheel carries the catalogue compiled into one JSON file (hatch_build.py), and an installed
wheel reads the same rules from it as a checkout reads from rules/*.yaml."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from podlint.rules.catalogue import COMPILED, compile_catalogue, load_catalogue
from tests.conftest import ROOT

READ_BACK = """
import json, sys
from pathlib import Path
import podlint.rules.catalogue as catalogue
assert Path(catalogue.__file__).is_relative_to(sys.argv[1]), catalogue.__file__
compiled = Path(catalogue.__file__).parent.parent / "_data" / catalogue.COMPILED
assert compiled.is_file()
rules = catalogue.load_catalogue()
print(json.dumps({rule.id: [rule.severity.label, rule.profile, rule.summary, rule.why, rule.fix, rule.bad,
                            rule.good, list(rule.references), rule.fixable, rule.skip_on_patches, rule.options,
                            rule.category] for rule in rules.values()}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    return next(out.glob("podlint-*.whl"))


def test_the_wheel_carries_the_compiled_catalogue(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        compiled = json.loads(archive.read(f"podlint/_data/{COMPILED}"))
        shipped = sorted(Path(name).name for name in archive.namelist()
                         if name.startswith("podlint/_data/rules/") and name.endswith(".yaml"))
    assert [name for name, _ in compiled] == shipped == sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    assert [list(entry) for entry in compile_catalogue(ROOT / "rules")] == compiled


def test_an_installed_wheel_reads_the_same_rules_as_a_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "-c", READ_BACK, str(target)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(target), "PATH": ""}, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    installed = json.loads(done.stdout)
    checkout = {rule.id: [rule.severity.label, rule.profile, rule.summary, rule.why, rule.fix, rule.bad, rule.good,
                          list(rule.references), rule.fixable, rule.skip_on_patches, rule.options, rule.category]
                for rule in load_catalogue().values()}
    assert installed == checkout
    assert len(installed) >= 88
