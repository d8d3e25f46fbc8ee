# One entry point for people and CI. Everything installs into .venv/ from uv.lock.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: all install gate test lint bench clean dist

all: gate

# Quick start 1: install everything from the lock, then run the gate over stacks/ (offline).
$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv sync --frozen --all-groups --compile-bytecode --python $(BIN)/python
	touch $(STAMP)

# A small local wheelhouse for tests that build a program's own virtualenv without a registry:
# an older Pulumi SDK (about two years before ours), the last-generation AWS provider (6.x) and
# what they pin.
WHEELHOUSE := $(VENV)/wheelhouse
OLD_PULUMI := pulumi==3.140.0
OLD_PULUMI_AWS := pulumi-aws==6.64.0
WHEELHOUSE_STAMP := $(WHEELHOUSE)/.stamp-pulumi-3.140.0-aws-6.64.0
$(WHEELHOUSE_STAMP): $(STAMP)
	$(BIN)/python -m pip download -q --disable-pip-version-check --only-binary=:all: -d $(WHEELHOUSE) \
		$(OLD_PULUMI) $(OLD_PULUMI_AWS) \
		&& touch $@ || echo "wheelhouse: could not download $(OLD_PULUMI) $(OLD_PULUMI_AWS); the old-SDK tests will skip"

install: $(STAMP) $(WHEELHOUSE_STAMP)

gate: install
	$(BIN)/gitops check stacks/ --env dev

# Quick start 2: the whole test suite (lint first).
test: install lint
	$(BIN)/pytest -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench.run

# The wheel, and the locked requirements it installs with outside this checkout (docs/adopt.md).
requirements-lock.txt: uv.lock
	$(BIN)/uv export --frozen --no-dev --no-emit-project --no-hashes --format requirements.txt -q -o $@

dist: install requirements-lock.txt
	$(BIN)/uv build --wheel --out-dir dist

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
