# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-dev system-deps lint format bench clean

run: install  ## install what is missing, then serve the dashboard on the embedded PostgreSQL
	$(PY) app.py

test: install-dev system-deps  ## install what tests need (incl. Chromium, Redis) and run every test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DASH_TEST_CHROMEPATH=$$(command -v chromium) $(VENV)/bin/pytest

install: $(VENV)/.run-deps
install-dev: $(VENV)/.dev-deps

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(PY)
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) -r requirements-dev.txt
	touch $(VENV)/.run-deps $@

# Chromium + its driver for browser tests and redis-server for cache tests, from Debian.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v redis-server >/dev/null; then \
		echo "installing chromium, chromium-driver and redis-server from Debian's packages"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver redis-server >/dev/null; \
	fi

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:  ## remove the virtualenv and the local data (embedded database, file cache)
	rm -rf $(VENV) .data
