# releasedesk — `make serve` to try it, `make test` to check it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080

.PHONY: install browser lint format test test-sqlite serve bench bench-scaling clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests (tests/web) drive Debian's Chromium; Playwright's own download cannot be
# fetched here, so never `playwright install`.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

test: lint browser
	PATH="$(abspath $(BIN)):$$PATH" bash scripts/test.sh

test-sqlite: install browser
	$(BIN)/pytest --db sqlite

serve: install
	$(BIN)/releasedesk db upgrade
	@$(BIN)/releasedesk demo --sign-in
	@key=$$($(BIN)/releasedesk token create administrator | tail -n 1); \
	echo ""; \
	echo "releasedesk is starting. Sign in to the web UI at:"; \
	echo ""; \
	echo "  http://127.0.0.1:$(PORT)/ui/"; \
	echo ""; \
	echo "with one of the demo accounts above. The APIs answer the same releases, e.g."; \
	echo "with the administrator's new key:"; \
	echo ""; \
	echo "  curl -s -H 'authtoken: $$key' http://127.0.0.1:$(PORT)/api/v3/releases"; \
	echo "  curl -s -u 'PasswordIsAuthToken:$$key' 'http://127.0.0.1:$(PORT)/releases/?format=name'"; \
	echo "  curl -s -H 'Authorization: Bearer $$key' http://127.0.0.1:$(PORT)/flexdeploy/rest/v1/releases"; \
	echo ""; \
	echo "(ServiceDesk Plus, UrbanCode Release and FlexDeploy: the same releases.)"; \
	echo "The commands in the README run as $(BIN)/releasedesk (or activate $(VENV))."; \
	echo ""
	RELEASEDESK_BASE_URL=$${RELEASEDESK_BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/releasedesk serve --port $(PORT)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

bench: install
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench

bench-scaling: install
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench --scaling
