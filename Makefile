# silink — every target sets up .venv by itself (pinned by requirements.lock) when it is missing.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Test processes for `make test` (pytest-xdist); each starts its own throwaway PostgreSQL cluster.
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The C sources too: an edited accelerator (keys/_native) is rebuilt by the editable install.
$(STAMP): pyproject.toml requirements.lock $(wildcard keys/_native/*.c keys/_native/*.h)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## create .venv with the pinned dependencies

demo: $(STAMP) ## the main job end to end on the embedded default (SQLite, mTLS), in ./var/demo
	$(BIN)/silink demo --dir var/demo

test: $(STAMP) ## the test suite (SQLite and PostgreSQL; PostgreSQL tests skip when its binaries are absent)
	$(BIN)/pytest -m "not slow" -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-slow: $(STAMP) ## the slow tests only (1M-line payrolls and the like)
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

serve: $(STAMP) ## initialise ./var if needed and run the gateway in the foreground
	$(BIN)/silink init --dir var
	$(BIN)/silink serve --dir var --log-format console

lint: $(STAMP) ## ruff, buf lint and buf format
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd proto && ../$(BIN)/buf lint && ../$(BIN)/buf format -d --exit-code

proto: $(STAMP) ## regenerate the Python code from proto/
	$(BIN)/python tools/gen_proto.py

proto-check: $(STAMP) ## fail when the committed generated code differs from the .proto files
	$(BIN)/python tools/gen_proto.py --check

bench: $(STAMP) ## pytest-benchmark suites in benchmarks/
	$(BIN)/pytest benchmarks --benchmark-only -p no:randomly $(PYTEST_ARGS)

BENCH_STAMP := .venv/.bench-tools
$(BENCH_STAMP): $(STAMP) requirements-bench.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-bench.lock
	@touch $(BENCH_STAMP)

bench-tools: $(BENCH_STAMP) ## matplotlib and pyinstrument (pinned in requirements-bench.lock) for plots and profiles

bench-province: $(STAMP) ## silink bench province at 1M lines with the baseline (N=… to change)
	$(BIN)/silink bench province --payees $(or $(N),1000000) --baseline

SIZES ?= 1000000,3000000,10000000
bench-scale: $(BENCH_STAMP) ## province bench at 1M, 3M, 10M lines (SIZES=…,30000000 for 30M; REUSE=1 keeps reports already there): table + PNG in var/bench-scale
	$(BIN)/python -m benchmarks.scale --sizes $(SIZES) --out var/bench-scale $(if $(REUSE),--reuse)

lock: ## re-pin requirements.lock from the current .venv (after changing pyproject.toml)
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^-e ' > requirements.lock

clean: ## remove the demo instance and caches (keeps .venv)
	rm -rf var/demo .pytest_cache .ruff_cache .benchmarks

.PHONY: help venv demo test test-slow serve lint proto proto-check bench bench-tools bench-province bench-scale lock clean

new-adapter: $(STAMP) ## scaffold adapters/NAME/ from adapters/_template (make new-adapter NAME=xyz)
	@test -n "$(NAME)" || { echo "usage: make new-adapter NAME=xyz"; exit 2; }
	$(BIN)/python adapters/_template/scaffold.py $(NAME)

.PHONY: new-adapter
