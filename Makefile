# convmixer-lab: `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help lab test student clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

lab: $(STAMP)  ## set up .venv if missing and open the course in JupyterLab (localhost, token on)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks

test: $(STAMP)  ## ruff, the package tests and every notebook under strict nbval, in one pytest call
	$(PY) -m ruff check convmixer_lab tests benchmarks
	$(PY) -m pytest

student: $(STAMP)  ## student copies of every notebook in student/: solutions replaced by ..., outputs cleared
	$(PY) -m convmixer_lab.student student

clean:  ## remove build outputs (keeps .venv)
	rm -rf build student .pytest_cache
