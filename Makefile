# Two commands for a newcomer: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/resmo-pipeline demo $(if $(NO_UI),--no-ui,)

test: $(STAMP)
	$(BIN)/ruff check resmo_pipeline resmo_pipeline_tests benchmarks
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check resmo_pipeline resmo_pipeline_tests benchmarks

clean:
	rm -rf $(VENV) .resmo .pytest_cache .ruff_cache
