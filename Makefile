# The course's commands. Each one sets up what it needs, so on a fresh machine it is one command.
#   make test-fast                     ruff, and the tests that run no notebook, training or server (< 1 min)
#   make test                          what CI runs: ruff, every test (smoke, offline, full chains), nbval
#   make check-inputs [PROFILE=offline] [PARAMS=my_task.yaml] [EDITION=zh]   check parameters, data and model in seconds
#   make execute-all [PROFILE=smoke] [PARAMS=my_task.yaml] [STEPS=01,02] [OUT=folder] [EDITION=zh]   run the notebooks with papermill
#                                      (STEPS=07: both parts of step 7, 07a_fine_tune and 07b_evaluate; STEPS=07b: one)
#   make lab [PROFILE=offline] [PARAMS=my_task.yaml] [EDITION=zh]   open the notebooks in JupyterLab
#   EDITION=zh: the Chinese edition (notebooks/zh/, README.zh-CN.md); not LANG, which is the shell's locale
#   make bench                         the guide's training recipe against the course's, side by side
#   make train [PROFILE=smoke] [PARAMS=my_task.yaml] [PROCS=2]   step 7 (07a's training, 07b's test scores) as one command; PROCS>1: torchrun
#   make tensorboard [LOGDIR=artifacts] [TB_PORT=6006]   the training command's learning curves, on 127.0.0.1 only
#   make bench-processes               the training command on one process against two
#   make seeds [PROFILE=offline] [PARAMS=my_task.yaml] [SEEDS=3]   step 7's recipe and the bonus's methods on
#                                      SEEDS seeds, the same data: mean and spread beside one seed's interval
#   make hub-mirror [MIRROR=local] [PORT=8090] [MIRROR_HOST=name]   a Hub mirror (olah): a classroom proxy, or stand-ins
#   make site [SITE_FROM=build/offline]   the course as a static website, both editions (build/site/), Jupyter Book 2
#   make site-serve [SITE_PORT=8000]   serve build/site on 127.0.0.1;  make site-check: walk it in headless Chromium
#   make check-exercises [PROFILE=smoke]   every exercise's check, blank (says "not tried") and with the worked
#                                      solution filled in (says "right"), both editions; build/check-exercises/
#   make test-latest [VERSIONS=pinned]   a fresh virtualenv with the newest transformers, datasets, evaluate, peft,
#                                      accelerate and torch, then the smoke chain and the claims tests

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
PROFILE ?= auto
PARAMS  ?=
STEPS   ?=
OUT     ?=
EDITION ?= en
MIRROR  ?= proxy
PORT    ?= 8090
MIRROR_HOST ?=
PROCS   ?= 1
LOGDIR  ?= artifacts
TB_PORT ?= 6006
SEEDS   ?= 3
STAMP   := $(VENV)/.course-installed

.PHONY: setup execute-all check-inputs test-fast test nbval-en nbval-zh lab bench hub-mirror train \
	tensorboard bench-processes check-exercises seeds site-setup site site-serve site-check browser test-latest \
	clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

execute-all: setup
	$(PY) -m finetune_course.course.chain --profile $(PROFILE) $(if $(PARAMS),--params $(PARAMS)) $(if $(STEPS),--steps $(STEPS)) \
		$(if $(OUT),--out $(OUT)) --edition $(EDITION)

# The parameters, the data and the model checked in seconds, as execute-all checks them before step 1.
check-inputs: setup
	$(PY) -m finetune_course.course.chain --check --profile $(PROFILE) $(if $(PARAMS),--params $(PARAMS)) \
		--edition $(EDITION)

# ruff lints the code and the notebooks. test-fast: the tests not marked `slow` (pyproject.toml; the users
# of a chain are marked in tests/conftest.py), in one process: two workers would each import torch again.
test-fast: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest tests -m "not slow" -p no:xdist

# test: every test, on two workers that share the machine's cores, each handed one test at a time
# (--maxschedchunk 1), in the order tests/conftest.py sets: each chain runs once, whichever worker needs it
# first. Then nbval runs every English notebook under the smoke profile, in order in one process: each
# notebook's cells share one kernel. The Chinese edition needs no second nbval: the tests' smoke chain runs
# every cell of it (tests/test_translation.py); `make nbval-zh` runs it as nbval-en does the English.
# The two workers' kernels share the cores: PyTorch's threads wait asleep (OMP_WAIT_POLICY, as for `seeds`).
test: setup
	$(VENV)/bin/ruff check .
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} $(PY) -m pytest tests -n 2 --maxschedchunk 1 --durations=12
	$(MAKE) --no-print-directory nbval-en

# nbval-zh keeps its smoke artifacts apart (artifacts/smoke-zh, tests/params/nbval_zh.yaml), so that it can
# run beside nbval-en; `make execute-all EDITION=zh`, one edition at a time, shares artifacts/<profile>.
NBVAL = COURSE_PROFILE=smoke $(PY) -m pytest --nbval-lax -p no:xdist -p no:cacheprovider
nbval-en: setup
	$(NBVAL) notebooks --ignore=notebooks/zh
nbval-zh: setup
	COURSE_PARAMS=$(CURDIR)/tests/params/nbval_zh.yaml $(NBVAL) notebooks/zh

# The instructor's view of the exercises (finetune_course/course/exercise_check.py): each edition's chain with
# every check run blank and again with the notebook's folded worked solution; the smoke profile unless named.
EXERCISE_PROFILE = $(if $(filter auto,$(PROFILE)),smoke,$(PROFILE))
check-exercises: setup
	$(PY) -m finetune_course.course.exercise_check --profile $(EXERCISE_PROFILE) --edition en
	$(PY) -m finetune_course.course.exercise_check --profile $(EXERCISE_PROFILE) --edition zh

# PROFILE and PARAMS reach the notebooks through COURSE_PROFILE and COURSE_PARAMS. The notebooks run on
# the virtualenv's own "python3" kernel. As root (usual in a container) JupyterLab needs --allow-root.
# Either edition opens with notebooks/ as the root, so that the Chinese notebooks' ../images/ are served.
lab: setup
	$(if $(PARAMS),COURSE_PARAMS=$(abspath $(PARAMS))) $(if $(filter-out auto,$(PROFILE)),COURSE_PROFILE=$(PROFILE)) \
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(if $(filter zh,$(EDITION)),--LabApp.default_url=/lab/tree/zh) \
		$(if $(filter 0,$(shell id -u)),--allow-root)

bench: setup
	$(PY) benchmarks/bench.py

# The notebooks' training as one command, on the same profiles and parameters files. PROCS=2 or more: torchrun
# starts that many processes on this machine (DDP: NCCL between GPUs, gloo between CPU processes; --standalone:
# they meet on a free local port), each with its share of the cores (OMP_NUM_THREADS; unset, torchrun would
# give each one thread, with a warning).
TRAIN_ARGS = --profile $(PROFILE) $(if $(PARAMS),--params $(PARAMS))
train: setup
ifeq ($(PROCS),1)
	$(PY) -m finetune_course.train $(TRAIN_ARGS)
else
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-$(shell $(PYTHON) -c "import os; print(max(1, os.cpu_count() // $(PROCS)))")} \
		$(VENV)/bin/torchrun --standalone --nproc_per_node $(PROCS) -m finetune_course.train $(TRAIN_ARGS)
endif

# The training command's TensorBoard logs (every run under LOGDIR), served to this machine only. --load_fast=false:
# TensorBoard's own Python reader, enough for these small logs (the fast one is a second server, announced with a note).
# TensorBoard says it runs without TensorFlow: these curves need none.
tensorboard: setup
	$(VENV)/bin/tensorboard --logdir $(LOGDIR) --host 127.0.0.1 --port $(TB_PORT) --load_fast=false

bench-processes: setup
	$(PY) benchmarks/processes.py

# Training randomness alone: the subsets stay the profile's, the training's seed moves (finetune_course/seeds.py).
# Writes seeds.json in the profile's artifacts folder, which step 7's part 2 and the bonus notebook show.
# OMP_WAIT_POLICY=PASSIVE: PyTorch's threads wait for each other asleep, not spinning; spinning threads take the
# cores from each other when other programs share them (a MiniLM training step: 4 s instead of 0.55 s).
seeds: setup
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} $(PY) -m finetune_course.seeds --seeds $(SEEDS) $(TRAIN_ARGS)

# olah in its own virtualenv (.venv-hub-mirror/, made on first use). MIRROR=proxy: a caching proxy of
# huggingface.co on all addresses, for learners on the same network (MIRROR_HOST: the name or IP they
# reach this machine by); MIRROR=local: stand-in repos on 127.0.0.1, no internet (what the tests serve).
# Either way it prints the HF_ENDPOINT to set.
hub-mirror: setup
	$(PY) tools/hub_mirror.py --port $(PORT) $(if $(filter local,$(MIRROR)),--local) \
		$(if $(MIRROR_HOST),--public-host $(MIRROR_HOST))

# The website: Jupyter Book 2 and selenium in their own virtualenv (requirements-site.txt), so that `make setup`
# stays as it was for learners; Jupyter Book runs on Node.js (18, 20 or 22+). The pages come from a chain's
# executed notebooks, SITE_FROM (English there, Chinese under zh/): `make execute-all PROFILE=offline` and
# `make execute-all PROFILE=offline EDITION=zh` make them. The committed notebooks are never touched.
SITE_VENV  ?= .venv-site
SITE_FROM  ?= build/offline
SITE_OUT   ?= build/site
SITE_PORT  ?= 8000
SITE_STAMP := $(SITE_VENV)/.site-installed

site-setup: $(SITE_STAMP)

$(SITE_STAMP): requirements-site.txt
	@command -v node >/dev/null || { echo "Jupyter Book 2 needs Node.js: apt-get install -y nodejs"; exit 1; }
	$(PYTHON) -m venv $(SITE_VENV)
	$(SITE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SITE_VENV)/bin/python -m pip install --quiet --no-compile -r requirements-site.txt
	touch $(SITE_STAMP)

site: site-setup
	$(SITE_VENV)/bin/python tools/website.py build --executed $(SITE_FROM) --out $(SITE_OUT)

site-serve:
	$(PYTHON) tools/website.py serve --out $(SITE_OUT) --port $(SITE_PORT)

# Debian's chromium and its driver, for the browser test (tests/test_website.py skips without them; .ci/run
# installs them). As root only: elsewhere, say what to install.
browser:
	@if command -v chromedriver >/dev/null && { command -v chromium || command -v google-chrome; } >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		chromium chromium-driver >/dev/null; \
	else echo "The browser test needs: sudo apt-get install chromium chromium-driver"; fi

# The built site walked in headless Chromium: every page, link, image and figure, and the language switch.
# The server runs in the background on 127.0.0.1 and is stopped by its PID, whatever the check says.
site-check: site-setup browser
	@$(PYTHON) -m http.server --bind 127.0.0.1 --directory $(SITE_OUT) $(SITE_PORT) >/dev/null 2>&1 & \
	pid=$$!; \
	$(SITE_VENV)/bin/python tools/website_check.py http://127.0.0.1:$(SITE_PORT)/ \
		--report $(SITE_OUT)-check.json --screenshots $(SITE_OUT)-screenshots; code=$$?; \
	kill $$pid; exit $$code

# Library drift: a fresh virtualenv (.venv-latest/) with the newest releases of the libraries the course
# teaches (no pins), then the smoke chain and the claims tests; a table says which library moved and which
# tests it broke. VERSIONS=pinned: the same with requirements.txt's versions (the test of this wiring).
# CI runs it weekly (.github/workflows/ci.yml).
VERSIONS ?= newest
LATEST_TESTS ?=
test-latest:
	$(PYTHON) tools/test_latest.py --versions $(VERSIONS) $(if $(LATEST_TESTS),--tests "$(LATEST_TESTS)")

clean:
	rm -rf artifacts build .pytest_cache
