# inboxwatch — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install system-deps lint typecheck bench train evaluate clean

# Create the virtualenv and install inboxwatch with its test tools (re-run when pyproject changes).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Run the whole pipeline on the bundled sample mailbox (SQLite, no network, no config).
demo: $(STAMP)
	$(BIN)/inboxwatch demo

## Install what the tests need (Dovecot, openssl), check lint and types, and run the test
## suite, including the wheel installed into a fresh venv outside the repository
## (tests/test_wheel.py) and a real build and smoke test of the Docker image with buildah
## (INBOXWATCH_CONTAINER_TEST=0 skips that).
INBOXWATCH_CONTAINER_TEST ?= 1
export INBOXWATCH_CONTAINER_TEST
test: $(STAMP) system-deps lint typecheck
	$(BIN)/pytest -q

# The tests start their own Dovecot, need openssl for throwaway certificates, and check
# contrib/inboxwatch.service with systemd-analyze (the systemd package; no running systemd needed).
system-deps:
	@if ! command -v /usr/sbin/dovecot >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1 \
			|| ! command -v systemd-analyze >/dev/null 2>&1; then \
		echo "installing dovecot-imapd, openssl and systemd (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd openssl systemd >/dev/null; \
	fi

# Formatting is the tool's: `ruff format inboxwatch tests bench` (and `ruff check --fix` for
# the import order) before committing.
lint: $(STAMP)
	$(BIN)/ruff check inboxwatch tests bench
	$(BIN)/ruff format --check inboxwatch tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

train: $(STAMP)
	$(BIN)/inboxwatch train

evaluate: $(STAMP)
	$(BIN)/inboxwatch evaluate

bench: $(STAMP) system-deps
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) demo-out build dist .pytest_cache .mypy_cache .ruff_cache
