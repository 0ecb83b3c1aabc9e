# TumorBoard: `make run` serves the app with demo data on SQLite; `make test` runs linters and the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := TUMORBOARD_CONFIG=development $(BIN)/flask --app tumorboard
PORT ?= 5000

.PHONY: run test test-fast lint format i18n bench bench-load lock upgrade-deps clean

# Installs are reproducible: every package pinned with its hashes in requirements/*.txt (`make lock`
# writes them from pyproject.toml with pip-tools).
$(STAMP): pyproject.toml requirements/dev.txt package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the browser tests' accessibility checks (axe-core) will be skipped"; fi
	touch $(STAMP)

run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Demo logins: submitter@example.org, coordinator@example.org, specialist@example.org,"
	@echo "             chair@example.org, admin@example.org (password: $${DEMO_PASSWORD:-tumorboard-demo})"
	@echo "Serving on http://127.0.0.1:$(PORT)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite without the browser tests (seconds, not minutes, for the edit-test loop).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# pip-tools writes both lock files from pyproject.toml, every package pinned with its hashes.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links

# `make lock` keeps every pin the lock files already hold and adds or drops what pyproject.toml changed;
# `make upgrade-deps` takes the newest release of every package within pyproject.toml's bounds.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(PIP_COMPILE) $(UPGRADE) --extra dev -o requirements/dev.txt pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) -o requirements/prod.txt pyproject.toml

upgrade-deps:
	$(MAKE) lock UPGRADE=--upgrade
	@echo "Lock files refreshed within pyproject.toml's bounds: review 'git diff requirements/', then make test."

# The catalogues: extract every message of the code and templates (babel.cfg), bring each language's
# catalogue up to date (new messages empty, changed ones fuzzy: tests/test_i18n.py fails on both until
# they are translated) and compile them; the .po and .mo files are kept in git.
LANGUAGES := de en
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k lazy_gettext -k lazy_pgettext:1c,2 -k pgettext:1c,2 \
		--sort-by-file --no-wrap --project TumorBoard -o translations/messages.pot .
	@for lang in $(LANGUAGES); do \
		$(BIN)/pybabel -q update --init-missing --no-wrap --ignore-obsolete -i translations/messages.pot \
			-d translations -l $$lang || exit 1; \
	done
	$(BIN)/pybabel -q compile --statistics -d translations
	@rm -f translations/messages.pot

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The page benchmarks (seconds each); bench/load.py (locust through nginx, minutes) is `make bench-load`.
bench: $(STAMP)
	@for script in bench/[!_]*.py; do [ "$$script" = bench/load.py ] && continue; \
	echo "== $$script"; $(BIN)/python $$script || exit 1; done

bench-load: $(STAMP)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) node_modules instance/*.db instance/*.db-* .pytest_cache .ruff_cache
