# convmixer-lab: `make lab` to learn, `make test` to check everything.
# Without make (Windows): see "Start here" in README.md for the same commands typed by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make lab` options (on the command line: make lab LAB_PORT=8890 LAB_ARGS=--no-browser):
LAB_PORT ?= 8888
LAB_DIR ?= notebooks
LAB_ARGS ?=

.PHONY: help lab test test-fast check student nbgrader clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# JupyterLab refuses to start as root; containers and cloud VMs often run as root, so there (only
# there) --allow-root is added, and a line says so. Always 127.0.0.1, always with a token.
lab: $(STAMP)  ## set up .venv if missing and open the course in JupyterLab (localhost, token on)
	@root=""; if [ "$$(id -u 2>/dev/null)" = "0" ]; then root="--allow-root"; \
	  echo "make lab: running as root (a container or cloud VM?), so JupyterLab starts with --allow-root"; fi; \
	exec $(PY) -m jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --notebook-dir=$(LAB_DIR) $$root $(LAB_ARGS)

# `make test` runs its one pytest call on TEST_WORKERS pytest-xdist workers (make test TEST_WORKERS=1 for
# one); each worker takes a whole test file or notebook at a time, so a notebook's cells share one kernel,
# in the order tests/conftest.py gives (the long files first).
TEST_WORKERS ?= 2

test: $(STAMP)  ## ruff, then every tier (tests/) and every notebook under strict nbval, in one pytest call
	$(PY) -m ruff check convmixer_lab tests benchmarks
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The tests come in three tiers: tests/unit (mirrors the package, in-process), tests/notebooks (the
# stored notebooks' numbers and prose, the twins, the documents' links), tests/system (command-line
# subprocesses, kernels, JupyterLab, the browser, the wheel install).
test-fast: $(STAMP)  ## ruff and the unit tests (tests/unit): every package module, in under a minute
	$(PY) -m ruff check convmixer_lab tests benchmarks
	$(PY) -m pytest tests/unit

# make check NB=03: the notebook under strict nbval, its committed twin's drift check, the translation
# checks (tests/unit/test_texts.py), then the Chinese twin under nbval on one torch thread.
check: $(STAMP)  ## NB=03: that notebook and its Chinese twin under nbval, their drift check, the translation checks
	@nb=$$(ls notebooks/$(NB)_*.ipynb 2>/dev/null); if [ -z "$(NB)" ] || [ ! -f "$$nb" ]; then \
	  echo "make check: name one notebook by its number, e.g. make check NB=03"; exit 2; fi; \
	name=$${nb#notebooks/}; \
	$(PY) -m pytest "$$nb" "tests/notebooks/test_twins_committed.py::test_every_committed_twin_is_in_step[$$name]" \
	  tests/unit/test_texts.py && OMP_NUM_THREADS=1 $(PY) -m pytest "notebooks/zh/$$name"

student: $(STAMP)  ## student copies of every notebook (and notebooks/zh/, and the glossary) in student/: solutions replaced by ..., outputs cleared
	$(PY) -m convmixer_lab.tools.student student

nbgrader: $(STAMP)  ## the course as an nbgrader course in nbgrader/ (both editions; see "Teach a class" in README.md)
	$(PY) -m convmixer_lab.tools.nbgrader nbgrader

clean:  ## remove build outputs (keeps .venv, and nbgrader/, which holds your gradebook)
	rm -rf build student .pytest_cache
