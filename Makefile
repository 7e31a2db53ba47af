# Cabas — every target works from a fresh clone with only Python 3.11+ installed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000

.PHONY: install run test lint bench bench-web clean translations

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

# A random secret key is made once and kept in instance/ (ignored by git), unless
# CABAS_SECRET_KEY is set. CABAS_DATABASE_URL may point at PostgreSQL instead of SQLite.
RUN_ENV = CABAS_SECRET_KEY="$${CABAS_SECRET_KEY:-$$(cat instance/secret_key)}"

run: install
	mkdir -p instance
	test -s instance/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > instance/secret_key
	$(RUN_ENV) $(BIN)/flask --app reference_app init-db
	$(RUN_ENV) $(BIN)/flask --app reference_app load-demo --if-empty
	@echo "Cabas : http://127.0.0.1:$(PORT)  (comptes de démonstration ci-dessus)"
	$(RUN_ENV) $(BIN)/flask --app reference_app run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check shop_core delivery reference_app tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m delivery.bench
	$(MAKE) bench-web

# Web benchmark on PostgreSQL (docs/performance.md): generates or reuses a territory of
# 1,000 shops, 100,000 products and 200,000 orders in the database cabas_bench
# (CABAS_BENCH_DATABASE_URL), serves it with gunicorn and loads it with 32 clients.
bench-web: install
	$(BIN)/python -m reference_app.bench $(BENCH_WEB_ARGS)

# Refresh the English catalogue after changing French strings, then translate the new
# entries in reference_app/translations/en/LC_MESSAGES/messages.po and commit the files.
# The French catalogue holds only the plural messages (French says "0 ligne", not "0 lignes").
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o reference_app/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i reference_app/translations/messages.pot -d reference_app/translations -l en --no-fuzzy-matching
	$(BIN)/python scripts/french_plurals.py
	$(BIN)/pybabel compile -d reference_app/translations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
