# kefu: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
# Debian packages the test suite drives for real (browser tests, speech synthesis).
SYSTEM_PACKAGES ?= chromium espeak-ng

.PHONY: run test install install-test system-deps demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python system-deps
	$(BIN)/pip install -q -e '.[test]'

# Installs missing Debian packages when we can (root + apt-get); otherwise says what to install.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "please install these Debian packages:$$missing (tests needing them will skip)"; fi; \
	fi

# Migrate, load the demo data once, train what needs training, serve.
demo: install
	$(BIN)/kefu db upgrade
	$(BIN)/kefu demo seed --if-empty
	@test -f var/models/nlu/metadata.json || $(BIN)/kefu nlu train --out var/models/nlu
	@test -d var/models/recommend || $(BIN)/kefu recommend train
	@test -d var/models/analytics || $(BIN)/kefu analytics refresh

run: demo
	KEFU_EMAIL_OUTBOX=$${KEFU_EMAIL_OUTBOX:-true} $(BIN)/kefu serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q
