# Railguard: `make run` to serve, `make test` to run every test. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
VSCODE := editor-clients/vscode
NVIM_CLIENT := editor-clients/neovim

.PHONY: help setup run install-lsp test test-python browser js-tools rails test-fault test-nvim test-vscode lint fmt typecheck vsix dist bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "Installing Railguard and its tools into $(VENV) (the first time takes a few minutes)..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	@$(PY) -m pip install --quiet -e . --group dev
	@touch $(STAMP)
	@echo "Installed: $(VENV)/bin/railguard"

setup: $(STAMP) ## create .venv and install Railguard with its dev and test tools

run: setup ## serve on 127.0.0.1:8000 (embedded PostgreSQL unless RAILGUARD_DATABASE_URL is set)
	@echo "Starting railguard serve (the first start creates the database: about a minute)..."
	$(VENV)/bin/railguard serve

install-lsp: dist ## put railguard-lsp (and railguard) on your PATH with pipx, from the built wheel
	$(PY) -m pipx install --force $$(ls dist/railguard-*.whl)
	@echo "Installed. Check: railguard-lsp --version  (pipx's bin folder must be on PATH: pipx ensurepath)"

test: setup test-python test-nvim test-vscode ## the whole suite: Python, Neovim and VS Code

test-python: setup browser js-tools rails ## the Python suite (backend, ingest, language server, Neovim, web)
	$(VENV)/bin/pytest -q -p no:cacheprovider

# The web tests drive a real headless Chromium. Fresh machines reach package registries only,
# so it is Debian's `chromium` (Playwright's own download would come from elsewhere), installed
# here when missing and we may (root with apt-get). Otherwise the browser tests skip, saying why.
CHROMIUM ?= /usr/bin/chromium
WEB_NODE := tests/web/node
OIDC_NODE := tests/web/oidc
browser: $(WEB_NODE)/node_modules/.package-lock.json $(OIDC_NODE)/node_modules/.package-lock.json ## headless Chromium, axe-core and oidc-provider for the web tests
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else echo "no $(CHROMIUM) and cannot apt-get install it (not root or no apt): browser tests will skip"; fi

$(WEB_NODE)/node_modules/.package-lock.json: $(WEB_NODE)/package-lock.json
	cd $(WEB_NODE) && npm ci --no-audit --no-fund --loglevel=error

# A real OpenID Connect provider (the npm package oidc-provider) for the sign-in tests.
$(OIDC_NODE)/node_modules/.package-lock.json: $(OIDC_NODE)/package-lock.json
	cd $(OIDC_NODE) && npm ci --no-audit --no-fund --loglevel=error

# esbuild, @sentry/cli and the Sentry JavaScript SDKs for the source map tests (npm registry).
SM_NODE := tests/sourcemaps/node
js-tools: $(SM_NODE)/node_modules/.package-lock.json ## npm tools for the source map tests

$(SM_NODE)/node_modules/.package-lock.json: $(SM_NODE)/package-lock.json
	cd $(SM_NODE) && npm ci --no-audit --no-fund --loglevel=error

# Ruby on Rails and the official Sentry gems for tests/lsp/test_rails_lsp.py, from Debian (the
# gem registry is not reachable). Debian's `rails` metapackage also pulls webpacker's node
# packages, so only its Ruby side, ruby-rails, is installed. Without root and apt the test skips.
RUBY_GEMS_OK := ruby -e 'require "rails"; require "action_controller/railtie"; require "sentry-rails"'
rails: ## Ruby on Rails, sentry-ruby and sentry-rails (Debian) for the Rails test
	@if command -v ruby >/dev/null && $(RUBY_GEMS_OK) 2>/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's ruby-rails, ruby-sentry-ruby and ruby-sentry-rails for the Rails test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ruby-rails ruby-sentry-ruby ruby-sentry-rails >/dev/null; \
	else echo "no Rails with sentry-rails and cannot apt-get install it (not root or no apt): the Rails test will skip"; fi

test-fault: setup ## only the fault-injection tests
	$(VENV)/bin/pytest -q -p no:cacheprovider -m fault

test-nvim: setup ## the Neovim plugin's pure Lua tests, with the pinned nvim binary
	NVIM_BIN=$(abspath $(VENV)/bin/nvim) bash $(NVIM_CLIENT)/scripts/test.sh

$(VSCODE)/node_modules/.package-lock.json: $(VSCODE)/package-lock.json
	cd $(VSCODE) && npm ci --no-audit --no-fund --loglevel=error

test-vscode: $(VSCODE)/node_modules/.package-lock.json ## the VS Code extension's unit tests
	cd $(VSCODE) && npm run --silent typecheck && npm run --silent test

vsix: $(VSCODE)/node_modules/.package-lock.json ## build the VS Code extension package (.vsix)
	cd $(VSCODE) && npm run --silent package

# mypy checks tests/lsp in a pass of its own: its conftest.py and tests/conftest.py would both
# be the top-level module `conftest`.
lint: setup ## ruff and mypy
	$(VENV)/bin/ruff check server lsp wire tests testkit bench
	$(VENV)/bin/ruff format --check server lsp wire tests testkit bench
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bench
	MYPYPATH=tests:tests/ingest_e2e:tests/fault:. $(VENV)/bin/mypy tests testkit --exclude tests/lsp/
	MYPYPATH=tests:tests/lsp:. $(VENV)/bin/mypy tests/lsp

fmt: setup ## format the Python code
	$(VENV)/bin/ruff check --fix server lsp wire tests testkit bench
	$(VENV)/bin/ruff format server lsp wire tests testkit bench

typecheck: setup ## mypy only
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bench
	MYPYPATH=tests:tests/ingest_e2e:tests/fault:. $(VENV)/bin/mypy tests testkit --exclude tests/lsp/
	MYPYPATH=tests:tests/lsp:. $(VENV)/bin/mypy tests/lsp

dist: setup ## build the wheel and sdist, and check the migrations are inside
	rm -rf dist && $(PY) -m pip wheel --no-deps --no-build-isolation -q -w dist .
	$(PY) -c "import zipfile,glob,pathlib; n=zipfile.ZipFile(glob.glob('dist/*.whl')[0]).namelist(); \
	m={p.name for p in pathlib.Path('schema').glob('*.sql')}; \
	assert m <= {x.rsplit('/',1)[1] for x in n if '/schema/' in x}, 'migrations missing'; print('wheel OK')"

bench: setup ## benchmarks against this machine's own ceilings; writes bench/results.json
	$(PY) -m bench

clean: ## remove build output (keeps .venv and the embedded database)
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache $(VSCODE)/dist $(VSCODE)/out
