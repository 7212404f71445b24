# Shortcuts; each target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv

.PHONY: demo test lint bench clean

demo:
	$(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install -q . && $(VENV)/bin/horde demo

test:
	$(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install -q -e '.[dev]' && $(VENV)/bin/python -m pytest

lint:
	$(VENV)/bin/ruff check src tests benchmarks && $(VENV)/bin/ruff format --check src tests benchmarks && $(VENV)/bin/mypy

bench:
	$(PYTHON) benchmarks/run.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
