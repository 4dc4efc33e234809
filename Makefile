# Two commands on a fresh machine: `make demo` and `make test` (README, first screen).
VENV ?= .venv
PY := $(VENV)/bin/python
PGDIR ?= /tmp/vigil-test-pg

.PHONY: setup demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# The web UI's front-end assets come from the npm registry at setup time (never committed, never a CDN
# at run time); without npm the UI still works, unstyled.
WEB_VENDOR := src/vigil/web/static/vendor
$(WEB_VENDOR)/node_modules/.package-lock.json: $(WEB_VENDOR)/package.json
	@if command -v npm >/dev/null 2>&1; then npm install --prefix $(WEB_VENDOR) --no-audit --no-fund; \
	else echo "npm not found: the web UI will be unstyled"; fi

setup: $(VENV)/.installed $(WEB_VENDOR)/node_modules/.package-lock.json

demo: setup
	$(VENV)/bin/vigil demo

# Runs the suite on SQLite and, when PostgreSQL binaries are installed, on a throwaway PostgreSQL 15.
test: setup
	@if [ -z "$$VIGIL_TEST_PG_URL" ] && scripts/pg-tmp.sh start $(PGDIR) > $(PGDIR).env 2>/dev/null; then \
	  set -a; . $(PGDIR).env; set +a; \
	  $(PY) -m pytest $(PYTEST_ARGS); status=$$?; scripts/pg-tmp.sh stop $(PGDIR); exit $$status; \
	else \
	  $(PY) -m pytest $(PYTEST_ARGS); \
	fi

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

bench: setup
	$(PY) -m bench.ingest --scales small,medium

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
