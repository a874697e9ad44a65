"""Configuration files as users write them: discovery, validation errors, overrides, profiles."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from podlint.app.config import ConfigError, find_config, load_config, settle
from podlint.engine import Linter
from podlint.rules.catalogue import load_catalogue
from tests.manifests import BAD
from tests.test_cli import podlint

LIMITLESS = BAD.replace("image: nginx", "image: nginx:1.27.3").replace(
    "      resources:\n        limits: {cpu: 100m, memory: 64Mi}\n", "")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def rules_found(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    return [(Path(f["file"]).name, f["rule"]) for f in json.loads(result.stdout)["findings"]]


def test_config_in_a_parent_folder_is_found_up_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    config = write(tmp_path / "repo" / ".podlint.yaml", "rules:\n  image-latest-tag: off\n")
    nested = tmp_path / "repo" / "deploy" / "prod"
    nested.mkdir(parents=True)
    assert find_config(nested) == config
    write(tmp_path / ".podlint.yaml", "profile: strict\n")  # above the repository: never read
    (tmp_path / "other" / ".git").mkdir(parents=True)
    assert find_config(tmp_path / "other") is None
    write(nested / "bad.yaml", BAD)
    assert podlint("lint", "bad.yaml", cwd=nested).returncode == 0


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.podlint]\nfail-on = "error"\n')
    write(tmp_path / "bad.yaml", BAD)
    assert podlint("lint", "bad.yaml", cwd=tmp_path).returncode == 0
    assert podlint("lint", "--fail-on", "warning", "bad.yaml", cwd=tmp_path).returncode == 1  # the flag wins


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profil: strict\n", ".podlint.yaml:1:1: unknown key 'profil' (did you mean 'profile'?)"),
        ("rules:\n  image-latest: off\n", ".podlint.yaml:2:3: unknown rule 'image-latest' (did you mean "
                                         "'image-latest-tag'?)"),
        ("fail-on: warnings\n", ".podlint.yaml:1:10: 'warnings' is not one of error, warning, info, never "
                                "(did you mean 'warning'?)"),
        ("rules:\n  missing-resource-limits:\n    requires: [memory]\n",
         ".podlint.yaml:3:5: unknown setting of missing-resource-limits 'requires' (did you mean 'require'?)"),
        ("kubernetes-version: 1.12\n", ".podlint.yaml:1:21: Kubernetes 1.12 is not supported"),
    ],
)
def test_bad_config_is_a_one_line_usage_error(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".podlint.yaml", text)
    write(tmp_path / "good.yaml", BAD)
    result = podlint("lint", "good.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"podlint: error: {tmp_path / '.podlint.yaml'}"[:0] + "podlint: error: ")
    line = result.stderr.strip().splitlines()
    assert len(line) == 1 and expected in line[0], result.stderr


def test_overrides_apply_per_path(tmp_path: Path) -> None:
    config = write(tmp_path / "cfg.yaml", """
rules:
  missing-resource-limits:
    require: [memory]
overrides:
  - files: ["legacy/*"]
    rules:
      image-latest-tag: off
      missing-resource-limits: error
""")
    write(tmp_path / "legacy" / "old.yaml", BAD.replace("{cpu: 100m, memory: 64Mi}", "{cpu: 100m}"))
    write(tmp_path / "new" / "app.yaml", BAD.replace("{cpu: 100m, memory: 64Mi}", "{memory: 64Mi}"))
    result = podlint("lint", "-c", str(config), "-f", "json", ".", cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    assert [(Path(f["file"]).name, f["rule"], f["severity"]) for f in findings] == [
        ("old.yaml", "missing-resource-limits", "error"),
        ("app.yaml", "image-latest-tag", "warning"),
    ]


def test_exclude_globs(tmp_path: Path) -> None:
    config = write(tmp_path / "cfg.yaml", "exclude: ['vendor/*', '*.generated.yaml']\n")
    write(tmp_path / "vendor" / "x.yaml", BAD)
    write(tmp_path / "a.generated.yaml", BAD)
    write(tmp_path / "mine.yaml", BAD)
    result = podlint("lint", "-c", str(config), "-f", "json", ".", cwd=tmp_path)
    assert rules_found(result) == [("mine.yaml", "image-latest-tag")]


def test_profiles_enable_hardening_rules(tmp_path: Path) -> None:
    write(tmp_path / "p.yaml", BAD.replace("image: nginx", "image: nginx:1.27.3"))
    default = {r for _, r in rules_found(podlint("lint", "-f", "json", "p.yaml", cwd=tmp_path))}
    strict = {r for _, r in rules_found(podlint("lint", "-f", "json", "--profile", "strict", "p.yaml",
                                                cwd=tmp_path))}
    assert default == set()
    assert {"privilege-escalation", "run-as-root", "writable-root-filesystem"} <= strict


def test_rules_listing_shows_profiles() -> None:
    listing = podlint("rules").stdout
    assert any(line.startswith("run-as-root ") and " strict " in line for line in listing.splitlines())


def test_config_show_prints_the_effective_configuration(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".podlint.yaml", "profile: strict\nrules:\n  image-latest-tag: error\n")
    shown = podlint("config", "show", cwd=tmp_path).stdout
    assert "profile: strict" in shown and "image-latest-tag:" in shown and "severity: error" in shown
    assert "kubernetes-version: '1.37'" in shown and "fail-on: warning" in shown


def test_explain_lists_rule_options() -> None:
    explained = podlint("explain", "missing-resource-limits").stdout
    assert "Options" in explained and "require" in explained


def test_settle_in_process_rule_option_reaches_the_check(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "rules:\n  missing-resource-limits: {require: [memory]}\n")
    settings = settle(config)
    text = LIMITLESS.replace("image: nginx:1.27.3", "image: nginx:1.27.3\n      resources: {limits: {memory: 1Gi}}")
    assert Linter(settings.options).lint_text(text, "x.yaml").findings == []
    with pytest.raises(ConfigError):
        load_config(write(tmp_path / "d.yaml", "rules:\n  missing-resource-limits: {require: memory}\n"),
                    load_catalogue())
