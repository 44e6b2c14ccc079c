# The course's commands. Each one sets up what it needs, so on a fresh machine it is one command.
#   make test                          the tests CI runs (unit tests, smoke + offline chains, nbval)
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
	$(PY) -m ipykernel install --sys-prefix --name finetune-course --display-name "Python (finetune-course)"
	touch $(STAMP)

execute-all: setup
	$(PY) -m finetune_course.chain --profile $(PROFILE) $(if $(PARAMS),--params $(PARAMS))

# nbval runs every notebook under the smoke profile; the tests choose their own profiles.
test: setup
	COURSE_PROFILE=smoke $(PY) -m pytest tests notebooks --nbval-lax

# PROFILE and PARAMS reach the notebooks through COURSE_PROFILE and COURSE_PARAMS.
lab: setup
	$(if $(PARAMS),COURSE_PARAMS=$(abspath $(PARAMS))) $(if $(filter-out auto,$(PROFILE)),COURSE_PROFILE=$(PROFILE)) \
	$(VENV)/bin/jupyter lab notebooks/

bench: setup
	$(PY) -m finetune_course.bench

clean:
	rm -rf artifacts build .pytest_cache
