# semtrack: the two commands of the README Quickstart, plus helpers.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test bench validate validate-quick videos docs screenshots mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test,mpr,docs]'
	touch $(VENV)/.installed $@

## demo: install, analyse the sample videos in videos/, print where the results are
demo: $(VENV)/.installed
	$(BIN)/semtrack batch videos --out demo-results
	@echo "Results: $(CURDIR)/demo-results (one folder per video, report.html in each; results.csv for all)"

## test: install with test extras, check the import layers and lint vision, run the test suite
## on TEST_WORKERS processes (pytest-xdist; --dist loadfile keeps each file on one worker, so a
## module fixture or a module's cache is made once). TEST_WORKERS=0 runs it serially.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/ruff check vision electrochem calibration tests
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

## bench: speed and memory benchmarks (not tests)
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

## docs: build the documentation site (MkDocs, config docs/mkdocs.yml) into docs/site/
## MkDocs empties its site folder first: refuse one that holds files it did not write.
docs: $(VENV)/.installed-test
	@if [ -d docs/site ] && [ -n "$$(ls -A docs/site)" ] && [ ! -f docs/site/sitemap.xml ]; then \
	  echo "docs: docs/site holds files MkDocs did not write (no sitemap.xml); move them away" >&2; \
	  exit 2; fi
	$(BIN)/mkdocs build --strict -f docs/mkdocs.yml
	@echo "Docs: $(CURDIR)/docs/site/index.html"

## screenshots: the report and annotation-tool screenshots of the README and docs, taken
## again from the sample videos in headless Chromium (docs/screenshots.py; /usr/bin/chromium)
screenshots: $(VENV)/.installed-test
	$(BIN)/python docs/screenshots.py

## validate: accuracy on the frozen validation bank (benchmarks/validate.py; ARGS=--quick
## for 20 scenes, ARGS=--check to exit 1 on a missed target). Not a test.
validate: $(VENV)/.installed
	$(BIN)/python benchmarks/validate.py $(ARGS)

validate-quick: $(VENV)/.installed
	$(BIN)/python benchmarks/validate.py --quick $(ARGS)

## mutate: mutation testing of the scientific core with mutmut (config: [tool.mutmut] in
## pyproject.toml; docs/pages/mutation.md). A benchmark, not a test: about an hour on 2 cores,
## stopped after MUTATE_BUDGET_S; prints the surviving mutants. MUTANTS='vision.pipeline._rates*'
## for a subset (mutmut's name globs); `.venv/bin/mutmut show NAME` shows one mutant's diff.
## CHANGED=<git ref>: instead, the mutants on lines changed since the ref of the files in
## benchmarks/mutate_changed.py's TESTS_BY_FILE (whiskers, crack path and detection, front,
## counter electrode, sync cues, crack events, lateral onset), each with its fast tests
## (in build/mutate-changed/).
MUTMUT_VERSION ?= 3.8.1
MUTATE_BUDGET_S ?= 3600
mutate: $(VENV)/.installed-test
	$(BIN)/python -m pip install -q 'mutmut==$(MUTMUT_VERSION)'
ifdef CHANGED
	$(BIN)/python benchmarks/mutate_changed.py $(CHANGED) --budget $(MUTATE_BUDGET_S)
else
	rm -rf mutants
	-OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 timeout --signal=INT $(MUTATE_BUDGET_S) \
		$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	@echo "Surviving mutants (and those without a test or timed out):"
	@$(BIN)/mutmut results
endif

## videos: regenerate the sample videos in videos/ (deterministic)
videos: $(VENV)/.installed
	$(BIN)/semtrack synth --samples videos

clean:
	rm -rf $(VENV) demo-results .pytest_cache
