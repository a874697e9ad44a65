"""Rules of a run beyond the built-in ones: team rules (JSON Schema or CEL) and ValidatingAdmissionPolicies.

- `custom.py`: `custom-rules` of the configuration; `vap.py`: `policies` / `--policy` files;
- `cel.py` + `k8s_cel.py`: the CEL environment (with the Kubernetes libraries that work offline);
- `base.py`: the loaded set (`Policies`), which extends the run's catalogue and gives the engine
  one object check per rule; `fields.py`, `selectors.py`: what both kinds of rules share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podlint.policies.base import Located, Policies, PolicyError, PolicyRule

__all__ = ["Located", "Policies", "PolicyError", "PolicyRule", "add_custom_rules", "add_policy_files"]


def add_custom_rules(policies: Policies, value: Any, where: Located, base_dir: Path) -> None:
    """Read a `custom-rules` list (rules, and files or folders of rules relative to `base_dir`)."""
    from podlint.policies.custom import RuleReader

    RuleReader(policies).read_list(value, where, base_dir)


def add_policy_files(policies: Policies, paths: list[Path], origin: str) -> None:
    """Read ValidatingAdmissionPolicies and their bindings from files and folders."""
    from podlint.policies.vap import PolicyLoader

    PolicyLoader(policies).load(paths, origin)
