# goinglocal: the README's two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-all test-browser browser-setup bench clean install serve vendor-site fuzz loadtest

$(BIN)/python:
	$(shell command -v $(PYTHON) || echo python3) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/goinglocal build --out build

# the browser tests drive Debian's chromium (Playwright's own browser download
# does not work offline); without root or apt they are skipped
browser-setup:
	@test -x /usr/bin/chromium || (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) || \
	  echo "goinglocal: could not install chromium; the browser tests will be skipped"

# worksteal: an idle worker takes tests from the busy one (the suite's tests range
# from milliseconds to a minute); see tests/conftest.py for the shared build
test: $(STAMP) browser-setup
	$(BIN)/python -m pytest -q -n auto --dist worksteal

# everything but the live Wikidata tests, including the slow modules (tests/conftest.py SLOW_MODULES)
test-all: $(STAMP) browser-setup
	$(BIN)/python -m pytest -q -n auto --dist worksteal -m 'not network'

test-browser: $(STAMP) browser-setup
	$(BIN)/python -m pytest -q -p no:xdist tests/test_site_browser.py

# maintainers: refresh the site's vendored Leaflet, d3-force and Natural Earth
# TopoJSON from the npm registry (the files are committed; run time needs no npm)
vendor-site:
	tools/vendor_site_assets.sh

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# a few thousand mutants of the repository's RDF files through validate (tests/test_fuzz.py)
FUZZ_MUTANTS ?= 3000
FUZZ_SEED ?= 15
fuzz: $(STAMP)
	GOINGLOCAL_FUZZ_MUTANTS=$(FUZZ_MUTANTS) GOINGLOCAL_FUZZ_SEED=$(FUZZ_SEED) \
		$(BIN)/python -m pytest -q -p no:xdist tests/test_fuzz.py::test_mutants_give_exit_0_1_or_2_only

# 20 clients asking the library's questions of `goinglocal serve` for 60 s (tests/test_load.py)
loadtest: $(STAMP)
	$(BIN)/python -m pytest -q -s -p no:xdist -m slow tests/test_load.py

serve: $(STAMP)
	$(BIN)/goinglocal serve

clean:
	rm -rf build
