# The course's commands. Each one sets up what it needs, so on a fresh machine it is one command.
#   make test                          the tests CI runs (ruff, unit tests, smoke + offline chains, nbval)
#   make execute-all [PROFILE=smoke] [PARAMS=my_task.yaml]   run notebooks 01-07 with papermill
#   make lab [PROFILE=offline] [PARAMS=my_task.yaml]   open the notebooks in JupyterLab
#   make bench                         the guide's training recipe against the course's, side by side

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
PROFILE ?= auto
PARAMS  ?=
STAMP   := $(VENV)/.course-installed

.PHONY: setup execute-all test lab bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

execute-all: setup
	$(PY) -m finetune_course.chain --profile $(PROFILE) $(if $(PARAMS),--params $(PARAMS))

# ruff lints the code and the notebooks. The tests run on two workers that share the machine's cores
# (each chain runs once, whichever worker needs it first: tests/conftest.py); then nbval runs every
# notebook under the smoke profile, in order, in one process: each notebook's cells share one kernel.
test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest tests -n 2 --durations=12
	COURSE_PROFILE=smoke $(PY) -m pytest notebooks --nbval-lax -p no:xdist

# PROFILE and PARAMS reach the notebooks through COURSE_PROFILE and COURSE_PARAMS. The notebooks run on
# the virtualenv's own "python3" kernel. As root (usual in a container) JupyterLab needs --allow-root.
lab: setup
	$(if $(PARAMS),COURSE_PARAMS=$(abspath $(PARAMS))) $(if $(filter-out auto,$(PROFILE)),COURSE_PROFILE=$(PROFILE)) \
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

bench: setup
	$(PY) benchmarks/bench.py

clean:
	rm -rf artifacts build .pytest_cache
