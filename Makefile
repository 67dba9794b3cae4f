# Two commands for a new user: `make run` starts everything, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Compiled modules are cached even where the environment says not to: `make test` starts some forty Python
# processes, each of which would compile our modules and rewrite every test module again (collecting the tests
# took 14.7 s of CPU that way, 8.5 s with the cache).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test fuzz lint bench bench-load bench-exports bench-maps bench-documents browser office clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/smartcity up

test: $(STAMP) browser office
	$(BIN)/ruff check services gateway smartcity migrations tests bench scenarios
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

fuzz: $(STAMP)
	TABLE_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest tests/common/test_table_fuzz.py -p no:cacheprovider \
		--hypothesis-show-statistics
	FUZZ_EXAMPLES=20 FUZZ_COVERAGE=all FUZZ_AS=kominfo_admin,pemda $(BIN)/python -m pytest \
		tests/contract/test_fuzz.py -s

# Debian's Chromium, for the test that drives /docs in a real browser (skipped where it cannot be installed).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && \
		 apt-get install -y -q chromium >/dev/null 2>&1)); } || \
		echo "note: Chromium is not installed; tests/system/test_docs_browser.py will be skipped (apt-get install chromium)"

# Debian's LibreOffice Calc, for the test that opens our Excel CSV with Indonesian settings (skipped without it).
office:
	@command -v soffice >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get install -y -q libreoffice-calc-nogui >/dev/null 2>&1 || (apt-get update -q >/dev/null && \
		 apt-get install -y -q libreoffice-calc-nogui >/dev/null 2>&1)); } || \
		echo "note: LibreOffice is not installed; tests/common/test_exports.py's LibreOffice test will be skipped"

bench: $(STAMP)
	$(BIN)/python bench/regions.py

# The full region tree through the gateway as CSV, JSON and XLSX: first byte, whole file, size.
bench-exports: $(STAMP)
	$(BIN)/python bench/exports.py

# GeoJSON through the gateway: the country at each zoom, a province, a round's results; size and time.
bench-maps: $(STAMP)
	$(BIN)/python bench/maps.py

bench-documents: $(STAMP)
	$(BIN)/python bench/documents.py

# Each service beside its floor, then the gateway hop beside nginx and the hop floor (about 19 minutes); wrk and
# nginx from Debian.
bench-load: $(STAMP)
	@command -v wrk >/dev/null && command -v nginx >/dev/null || \
		(apt-get install -y -q wrk nginx-light || (apt-get update -q && apt-get install -y -q wrk nginx-light))
	$(BIN)/python bench/load.py

clean:
	rm -rf .data
