# The two commands of the README: `make demo` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit bench schemas clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("podlint needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Regenerate schemas/ from the pinned kubernetes-validate wheel (downloaded with pip).
schemas: $(STAMP)
	$(BIN)/python scripts/build_schemas.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
