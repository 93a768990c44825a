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

.PHONY: help lab test student clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

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

test: $(STAMP)  ## ruff, the package tests and every notebook under strict nbval, in one pytest call
	$(PY) -m ruff check convmixer_lab tests benchmarks
	$(PY) -m pytest

student: $(STAMP)  ## student copies of every notebook (and notebooks/zh/, and the glossary) in student/: solutions replaced by ..., outputs cleared
	$(PY) -m convmixer_lab.tools.student student

clean:  ## remove build outputs (keeps .venv)
	rm -rf build student .pytest_cache
