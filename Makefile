# Every target sets up what it needs: a virtualenv with the locked Python packages (uv.lock)
# and the locked npm packages (package-lock.json). Nothing needs to be installed by hand.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PYENV := PYTHONPATH=.:generated/client:generated/models
REDOCLY := node_modules/.bin/redocly

# Test processes (pytest-xdist): one per core; the slow end-to-end tests dominate, and work
# stealing keeps both cores busy until the last one ends.
PYTEST_WORKERS ?= -n auto --dist worksteal

HOST ?= 127.0.0.1
PORT ?= 8080
DB ?= sandbox.db
BASE ?=
BASE_URL ?=

.PHONY: help setup bundle generate check lint format typecheck test test-fast serve fuzz conformance docs docs-check breaking bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --- set-up -------------------------------------------------------------------------------------
$(UV):
	@echo "==> bootstrapping uv $(UV_VERSION) into .uv/"
	@$(PYTHON) -m venv .uv && .uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	@echo "==> installing locked Python packages into $(VENV)/"
	@$(UV) sync --frozen --compile-bytecode --quiet
	@touch $@

node_modules/.installed: package-lock.json
	@echo "==> installing locked npm packages"
	@npm ci --no-audit --no-fund --silent
	@touch $@

setup: $(VENV)/.synced node_modules/.installed ## Create the virtualenv and install locked Python and npm packages

# --- generation ---------------------------------------------------------------------------------
bundle: setup ## Bundle spec/ into generated/openapi.yaml and generated/openapi.json
	@$(PYENV) $(PY) -m generator bundle

generate: setup ## Bundle the spec, then generate the client and models into generated/ (no-op when unchanged; ARGS=--force)
	@$(PYENV) $(PY) -m generator generate $(ARGS)

check: setup ## Regenerate into a temporary folder and fail on any difference from generated/
	@$(PYENV) $(PY) -m generator check $(ARGS)

# --- quality ------------------------------------------------------------------------------------
lint: setup ## Lint the spec (Redocly, zero warnings) and the Python code (ruff check + format)
	@echo "==> redocly lint"
	@$(REDOCLY) lint --format=stylish spec/openapi.yaml
	@echo "==> ruff"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: setup ## Format hand-written Python code with ruff
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

typecheck: setup ## mypy --strict on hand-written code and on the generated packages
	@echo "==> mypy --strict"
	@$(PYENV) $(VENV)/bin/mypy .
	@cd generated/client && ../../$(VENV)/bin/mypy --strict --no-incremental capillary_target_groups
	@cd generated/models && ../../$(VENV)/bin/mypy --strict --no-incremental capillary_target_groups_models

test: setup check lint typecheck ## Everything CI runs: drift check, lint, types, breaking-change gate, then the test suite
	@echo "==> breaking-change gate against the latest release tag"
	@$(PYENV) $(PY) -m publishing breaking --against-latest-tag
	@bash publishing/ensure_chromium.sh
	@echo "==> pytest"
	@$(PYENV) $(PY) -m pytest $(PYTEST_WORKERS)

test-fast: setup ## Only the fast unit tests (no server processes)
	@$(PYENV) $(PY) -m pytest -m "not slow"

# --- sandbox, fuzzing, publishing ---------------------------------------------------------------
serve: setup ## Run the sandbox on $(HOST):$(PORT) with SQLite file $(DB) (add ARGS=--reset to start empty)
	@$(PYENV) $(PY) -m sandbox --host $(HOST) --port $(PORT) --db $(DB) $(ARGS)

fuzz: setup ## Fuzz any server against the spec: make fuzz BASE_URL=https://... (see README)
	@$(PYENV) $(PY) -m conformance fuzz $(if $(BASE_URL),--base-url $(BASE_URL)) $(ARGS)

conformance: setup ## Start a fresh sandbox on a free port, fuzz it fully (every operation must get a 2xx), stop it
	@$(PYENV) $(PY) -m conformance sandbox --require-coverage $(ARGS)

docs: setup ## Build site/: offline HTML reference plus openapi.yaml and openapi.json
	@$(PYENV) $(PY) -m publishing docs

breaking: setup ## Compare the spec at git ref BASE with the working tree: make breaking BASE=v1.0.0
	@$(PYENV) $(PY) -m publishing breaking --base "$(BASE)"

docs-check: docs ## Open site/index.html in offline headless Chromium; every operation must render
	@bash publishing/ensure_chromium.sh
	@$(PYENV) $(PY) -m publishing render-check

bench: setup ## Run the benchmarks in bench/ and print ratio tables
	@$(PYENV) $(PY) -m bench $(ARGS)

clean: ## Remove the virtualenvs, node_modules and caches (keeps generated/)
	rm -rf .uv $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis .schemathesis reports site
