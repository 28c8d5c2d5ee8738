SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
PY := $(VENV)/bin/python
GUNICORN_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: venv dev-venv run worker test test-cluster lint typecheck format constraints highlight-css services-up services-down clean bench

venv: $(VENV)/.installed-runtime
dev-venv: $(VENV)/.installed-dev

$(PY):
	python3 -m venv $(VENV)

# Stamp files: pip runs again only when a requirements file changes. constraints.txt pins
# every package they pull in (requirements.txt names it).
$(VENV)/.installed-runtime: requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $@

# Browser tests drive Debian's Chromium; `playwright install` would download its own.
$(VENV)/.installed-dev: requirements-dev.txt constraints.txt $(VENV)/.installed-runtime
	$(PY) -m pip install -r requirements-dev.txt
	if grep -qi '^playwright' requirements-dev.txt && [[ ! -x /usr/bin/chromium ]]; then \
		if [[ $$EUID -eq 0 ]]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
		else \
			echo "browser tests need Chromium: sudo apt-get install -y chromium" >&2; \
		fi; \
	fi
	touch $@

# SQLite under instance/ by default, so no PostgreSQL or Redis needed here.
run: venv
	$(VENV)/bin/flask --app wsgi db upgrade
	$(VENV)/bin/flask --app wsgi seed --if-empty --drafts 3
	exec $(VENV)/bin/gunicorn --workers $(GUNICORN_WORKERS) --bind 127.0.0.1:8000 wsgi:app

# The Celery worker, with beat for the sweeps and digests: needs REDIS_URL (or
# CELERY_BROKER_URL) and the DATABASE_URL the web process uses. Without them `make run`
# runs its jobs in-process and needs no worker.
worker: venv
	mkdir -p instance
	exec $(VENV)/bin/celery -A wsgi:celery_app worker --beat --loglevel INFO \
		--schedule instance/celerybeat-schedule

# Lint and types first, in seconds; then one shell, so the trap stops the services whatever
# pytest does, and make exits with pytest's status.
test: lint typecheck
	trap 'scripts/services.sh stop' EXIT; \
	scripts/services.sh start; \
	eval "$$(scripts/services.sh env)"; \
	CONDUIT_CONFIG=testing $(PY) -m pytest --cov=app --cov=config --cov-report=term-missing:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)

# Only the several-node tests (a replica, PgBouncer, three nodes, HAProxy on ports
# 57000-57099), which `make test` runs too; `-s` prints the load's figures.
test-cluster: dev-venv
	trap 'scripts/services.sh stop' EXIT; \
	scripts/services.sh start; \
	eval "$$(scripts/services.sh env)"; \
	CONDUIT_CONFIG=testing $(PY) -m pytest -m cluster -s $(PYTEST_ARGS) tests/cluster

# Its own PostgreSQL and Redis (other ports, state in bench/.services/), so it can run beside
# `make test`; BENCH_DURATION=3 BENCH_WARMUP=1 make bench for a quick look (bench/README.md).
# Rate limits stay on, counted in Redis as in production, set high enough never to refuse.
BENCH_SERVICES := CONDUIT_SERVICES_DIR=$(CURDIR)/bench/.services CONDUIT_TEST_PG_PORT=55442 \
	CONDUIT_TEST_REDIS_PORT=56389
BENCH_LIMIT := 1000000/minute
bench: venv
	if ! command -v wrk >/dev/null; then \
		if [[ $$EUID -eq 0 ]]; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk; \
		else \
			echo "make bench needs wrk: sudo apt-get install -y wrk" >&2; exit 1; \
		fi; \
	fi
	export $(BENCH_SERVICES); \
	trap 'scripts/services.sh stop' EXIT; \
	scripts/services.sh start; \
	eval "$$(scripts/services.sh env)"; \
	CONDUIT_CONFIG=production SECRET_KEY=bench-only-secret-key-0123456789abcdef \
	RATELIMIT_SIGN_IN_PER_IP=$(BENCH_LIMIT) RATELIMIT_SIGN_IN_PER_ACCOUNT=$(BENCH_LIMIT) \
	RATELIMIT_WRITES_PER_USER=$(BENCH_LIMIT) $(PY) -m bench.run; \
	CONDUIT_CONFIG=production SECRET_KEY=bench-only-secret-key-0123456789abcdef $(PY) -m bench.scale

lint: dev-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy over app/ and config.py, as pyproject.toml configures it.
typecheck: dev-venv
	$(VENV)/bin/mypy

# After changing a requirements file: install it, then pin what the venv holds.
constraints: dev-venv
	{ sed -n '1,3p' constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

# After changing HIGHLIGHT_STYLE or the Pygments pin: the code blocks' colours, from Pygments
# (tests/articles/test_highlighting.py fails while the file differs).
highlight-css: venv
	$(PY) -c 'from app.articles.markdown import highlight_stylesheet; print(highlight_stylesheet(), end="")' \
		> static/css/highlight.css

format: dev-venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# For running pytest by hand: make services-up && eval "$(scripts/services.sh env)"
services-up:
	scripts/services.sh start

services-down:
	scripts/services.sh stop

# Stop first: removing .services/ under running servers would orphan them.
clean:
	scripts/services.sh stop
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
