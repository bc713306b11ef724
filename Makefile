# The two commands: `make run` (install, index corpus/, start the app) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8501
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export ORT_DISABLE_TELEMETRY := 1

.PHONY: install-run install-test index model run test test-fast lint clean

# One stamp per extra set: reinstall only when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[$*]'
	touch $@

install-run: $(VENV)/.installed-llm
install-test: $(VENV)/.installed-dev

index: install-run
	$(BIN)/python -m ingest

model: install-run
	$(BIN)/python -m assistant model prepare

run: index model
	$(BIN)/python -m assistant.app.web --server.address $(HOST) --server.port $(PORT) --server.headless true

# The whole suite (CI): style and types, then every test, the slow ones included (real models, kill -9, browser).
test: install-test lint
	$(BIN)/python -m assistant model prepare --name qwen2.5-coder-0.5b
	$(BIN)/python -m pytest -q

# The edit loop: the same style checks and every test not marked slow.
test-fast: install-test lint
	$(BIN)/python -m pytest -q -m "not slow"

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf data/index
