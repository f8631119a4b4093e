# `make demo` and `make test` work on a fresh machine with only Python 3.11:
# each creates .venv if it is missing and installs what it needs from PyPI.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck pytest docs figures screenshots bench clean

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

# Redraw the figures of docs/img whose inputs changed (about a minute for all of them);
# tests/test_docs_figures.py fails while one is out of date. `make figures ARGS=--all`
# redraws every figure.
figures: $(STAMP)
	PYTHONPATH=. $(BIN)/python docs/figures.py $(ARGS)

# Screenshots of every page at 1280 px and 390 px into screenshots/ (needs a Chromium).
screenshots: $(STAMP)
	PYTHONPATH=. $(BIN)/python tools/screenshots.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) site screenshots .mypy_cache .ruff_cache .hypothesis
