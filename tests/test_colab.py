"""Open in Colab: each notebook's badge opens that notebook at the repository's address, and its set-up cell
does nothing off Colab and, in a simulated Colab (a fresh virtualenv, the install from this checkout in place
of the address), installs the pinned versions and the course's package."""

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT, load_script

COLAB = load_script("tools/colab.py")
NOTEBOOKS = [(notebook, edition) for edition in ("en", "zh") for notebook in COLAB.course_notebooks(edition)]


def test_the_address_is_one_setting_in_pyproject():
    assert COLAB.repository_url().startswith("https://github.com/")
    assert f'\nREPOSITORY = "{COLAB.repository_url()}"\n' in COLAB.setup_source()


@pytest.mark.parametrize(("notebook", "edition"), NOTEBOOKS,
                         ids=[str(notebook.relative_to(ROOT / "notebooks")) for notebook, _ in NOTEBOOKS])
def test_every_notebook_starts_with_its_badge_and_the_set_up_cell(notebook, edition):
    cells = json.loads(notebook.read_text())["cells"]
    badge, setup = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    owner_and_name = COLAB.repository_url().removeprefix("https://github.com/")
    own = f"https://colab.research.google.com/github/{owner_and_name}/blob/main/{notebook.relative_to(ROOT)}"
    assert badge.endswith(f"]({own})"), badge                       # this notebook, this edition
    assert COLAB.BADGE_IMAGE in badge and COLAB.BADGE_TEXT[edition] in badge
    assert cells[1]["cell_type"] == "code" and setup == COLAB.setup_source()
    assert cells[1]["outputs"] == [] and cells[1]["execution_count"] is None         # committed clean
    assert not COLAB.top_cells_differ(notebook, edition)


def run_cell(python, env: dict, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", COLAB.setup_source()], env=env, capture_output=True, text=True,
                          timeout=timeout)


def plain_env(**extra) -> dict:
    """This shell's environment as a fresh Colab's: no course or Colab variables, no PYTHONPATH (the tests'
    own would put this checkout's package in front of the installed one)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COURSE_", "COLAB_")) and k != "PYTHONPATH"}
    return {**env, **extra}


def test_off_colab_the_cell_does_nothing_and_says_so(tmp_path):
    started = time.perf_counter()
    finished = run_cell(sys.executable, plain_env(COURSE_CHECKOUT=str(tmp_path / "checkout")))
    assert finished.returncode == 0 and finished.stdout == "Not on Colab: nothing to set up.\n"
    assert not (tmp_path / "checkout").exists() and time.perf_counter() - started < 10


@pytest.mark.slow
def test_in_a_simulated_colab_the_cell_installs_the_course(tmp_path):
    """Colab simulated: COLAB_RELEASE_TAG set, a fresh virtualenv holding the pinned torch (Colab brings its
    own), an `nvidia-smi` that answers (the GPU path: torch stays), the repository cloned from this
    checkout. The first run installs and stops its process (Colab then starts a new kernel); the next says
    it is set up, and the course's package imports with the pinned versions."""
    venv, bin_dir = tmp_path / "venv", tmp_path / "bin"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pins = {line.split("==")[0]: line.split("==")[1].split()[0] for line in
            (ROOT / "requirements.txt").read_text().splitlines() if "==" in line and not line.startswith("#")}
    pip = [str(python), "-m", "pip", "install", "--quiet", "--no-compile"]
    # Colab's pip is a recent one; a new virtualenv's (Python's bundled pip) resolves about 3x slower
    subprocess.run([*pip, "--upgrade", "pip"], check=True, env=plain_env())
    subprocess.run([*pip, f"torch=={pins['torch']}"], check=True, env=plain_env())
    bin_dir.mkdir()
    (bin_dir / "nvidia-smi").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "nvidia-smi").chmod(0o755)
    checkout = tmp_path / "content" / "finetune-course"
    env = plain_env(COLAB_RELEASE_TAG="simulated", COURSE_REPOSITORY=str(ROOT), COURSE_CHECKOUT=str(checkout),
                    PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    first = run_cell(python, env, timeout=1200)
    assert first.returncode == -9, first.stdout + first.stderr          # the restart: the kernel stops itself
    assert "Installed; the session restarts. Run this cell again." in first.stdout
    second = run_cell(python, env)
    assert second.returncode == 0 and second.stdout == "Colab: set up, GPU path.\n"

    check = ("import json, finetune_course.params as p; from importlib.metadata import version as v; "
             "print(json.dumps({'root': str(p.project_root()), 'transformers': v('transformers'), "
             "'datasets': v('datasets'), 'peft': v('peft'), 'jupyterlab': __import__('importlib.util')"
             ".util.find_spec('jupyterlab') is not None}))")
    facts = json.loads(subprocess.run([str(python), "-c", check], env=env, capture_output=True, text=True,
                                      check=True, cwd=tmp_path).stdout)
    assert facts["root"] == str(checkout)                  # the package is the clone's, installed with -e
    for name in ("transformers", "datasets", "peft"):
        assert facts[name] == pins[name], name
    assert facts["jupyterlab"] is False                    # Colab's own Jupyter is left alone
