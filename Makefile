# `make demo` and `make test` work on a fresh machine with only Python 3.11:
# each creates .venv if it is missing and installs what it needs from PyPI.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck pytest docs bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,docs,examples]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m examples.digits
	$(BIN)/python -m examples.walkthrough

test: lint typecheck pytest docs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	PYTHONPATH=. $(BIN)/mypy
	PYTHONPATH=. $(BIN)/python tools/check_docs_types.py

pytest: $(STAMP)
	$(BIN)/pytest

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/site

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) site .mypy_cache .ruff_cache .hypothesis
