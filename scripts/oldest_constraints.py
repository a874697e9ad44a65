"""Write the constraints of `make test-oldest`: every runtime dependency at the lower bound of its
range in pyproject.toml, the test tools as locked (the suite's own tools are not what users install).

    python scripts/oldest_constraints.py requirements/lock.txt > constraints-oldest.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOWER = re.compile(r"^\s*([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*[^#;]*?>=\s*([^,;\s]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(lock: Path) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = []
    for requirement in project["dependencies"]:
        match = LOWER.match(requirement)
        if match is None:
            sys.exit(f"no lower bound in {requirement!r}: every runtime dependency needs one")
        lines.append(f"{match.group(1)}=={match.group(2)}")
    tools = {canonical(LOWER.match(r).group(1)) for r in project["optional-dependencies"]["test"]  # type: ignore[union-attr]
             if LOWER.match(r)}
    for line in lock.read_text(encoding="utf-8").splitlines():
        name = line.split("==")[0]
        if canonical(name) in tools:
            lines.append(line)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(main(Path(sys.argv[1])))
