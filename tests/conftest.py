"""Shared fixtures: the smoke, offline and full chains run once per session, in temporary folders.

The full chain runs as a learner with internet runs it: `make execute-all` with the default `auto`
profile, HF_ENDPOINT at a real Hub mirror (olah, tools/hub_mirror.py) on 127.0.0.1 that serves
stand-in `gpt2` and `mteb/tweet_sentiment_extraction` repos, and an empty Hugging Face cache.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from finetune_course.course.chain import results_file

ROOT = Path(__file__).resolve().parents[1]


def load_script(relative_path: str):
    """Import a maintainer script (tools/, benchmarks/) by its path: they are not part of the package."""
    import importlib.util

    path = ROOT / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_chain(tmp: Path, profile: str, steps: str | None = None, params: Path | None = None,
              edition: str = "en", html: bool = False) -> dict:
    """Run `python -m finetune_course.course.chain` in a child process, as `make execute-all` does (without
    the HTML pages unless `html`: the smoke chain's test checks them)."""
    artifacts, out = tmp / "artifacts", tmp / "build"
    command = [sys.executable, "-m", "finetune_course.course.chain", "--profile", profile, "--out", str(out),
               "--edition", edition, "--parameters-json", json.dumps({"artifacts_dir": str(artifacts)})]
    if steps:
        command += ["--steps", steps]
    if params:
        command += ["--params", str(params)]
    if not html:
        command += ["--no-html"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, f"chain failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    return chain_outputs(tmp, edition, finished.stdout)


# `make test` runs two pytest workers (pytest-xdist, --dist loadgroup) on a 2-core machine: one thread
# each, so that their notebooks do not fight over the cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def checkpoint_written(folder: Path) -> bool:
    """Whether a training has finished writing its first checkpoint into `folder` (the kill-and-resume
    tests)."""
    for state in folder.glob("checkpoint-*/trainer_state.json"):
        try:
            json.loads(state.read_text())
            return True
        except ValueError:                                     # still being written
            pass
    return False


RUNS = ["smoke_run", "offline_run", "full_run"]
# Fixtures that run a chain, a training or a server: a test that uses one, directly or as the value of a
# parameter it hands to request.getfixturevalue, is in the slow tier (`make test-fast` leaves it out).
SLOW_FIXTURES = {*RUNS, "one_process", "two_processes", "mirror"}


def is_slow(item) -> bool:
    callspec = getattr(item, "callspec", None)
    parameters = [value for value in callspec.params.values() if isinstance(value, str)] if callspec else []
    return not SLOW_FIXTURES.isdisjoint([*getattr(item, "fixturenames", ()), *parameters])


# `make test` runs two workers (pytest-xdist, --maxschedchunk 1): each is handed two tests to start with, the
# first worker the first two, the other the next two, and then one more test whenever one ends. So one worker
# runs the full chain and then the offline chain (the longest), the other the smoke chain; next come the tests
# that read no chain, the longest first, while those chains run; then the readers of each chain, in the order
# the chains end (the full chain's first: its second run, from the cache, takes half a minute), so that
# no worker waits on a chain that the other one is still running.
STARTS_A_CHAIN = ("test_auto_picks_full_and_downloads_through_the_mirror",
                  "test_offline_chain_beats_the_baselines_by_15_points",
                  "test_smoke_chain_runs_all_seven_steps")
# Tests of half a minute or more on `make test`'s workers (pytest --durations), longest first.
LONGEST = ("test_a_newcomer_follows_the_chinese_readme_through_the_mirror",
           "test_tiny_bench_writes_results_and_a_plot",
           "test_full_from_the_cache_with_the_mirror_gone",
           "test_step_seven_makes_what_it_lacks_and_resumes_to_the_same_metrics",
           "test_one_process_writes_the_model_and_the_metrics",
           "test_two_processes_with_torchrun_match_one_process",
           "test_an_interrupted_run_resumes_to_the_same_metrics",
           "test_make_seeds_on_the_smoke_profile_writes_the_file_and_prints_the_table")


def pytest_collection_modifyitems(items):
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)

    def order(item):
        name = getattr(item, "originalname", item.name)
        if name in STARTS_A_CHAIN:
            return 0, STARTS_A_CHAIN.index(name)
        reads = set(getattr(item, "fixturenames", ())) | {run for run in RUNS if run in item.name}
        waits_for = (4 if "offline_run" in reads else 3 if "smoke_run" in reads
                     else 2 if "full_run" in reads else 1)
        return waits_for, LONGEST.index(name) if name in LONGEST else len(LONGEST)
    items.sort(key=order)


def shared_folder(tmp_path_factory) -> Path:
    """A folder all pytest-xdist workers of this session share (each worker has its own below it)."""
    shared = tmp_path_factory.getbasetemp()
    return shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared


def once_per_session(tmp_path_factory, name: str, make) -> Path:
    """Run `make(folder)` once per test session, even with several workers: the first worker that needs
    it runs it under a file lock, the others wait and read its files."""
    from filelock import FileLock

    shared = shared_folder(tmp_path_factory)
    folder = shared / name
    with FileLock(str(shared / f"{name}.lock")):
        if not (folder / "done").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            make(folder)
            (folder / "done").touch()
    return folder


def chain_outputs(folder: Path, edition: str, stdout: str) -> dict:
    """What a chain run in `folder` left: its artifacts, the edition's executed notebooks ("out"), its
    results; "metrics" is None when step 7's part 2 (the evaluation) did not run."""
    artifacts, out = folder / "artifacts", results_file(folder / "build", edition).parent
    metrics = artifacts / "metrics.json"
    return {"artifacts": artifacts, "out": out, "stdout": stdout,
            "metrics": json.loads(metrics.read_text()) if metrics.is_file() else None,
            "results": json.loads((out / "results.json").read_text())}


def shared_chain(tmp_path_factory, name: str, profile: str, params: Path | None = None, edition: str = "en",
                 html: bool = False) -> dict:
    def make(folder):
        (folder / "stdout.txt").write_text(run_chain(folder, profile, params=params, edition=edition,
                                                     html=html)["stdout"])
    folder = once_per_session(tmp_path_factory, f"chain-{name}", make)
    return chain_outputs(folder, edition, (folder / "stdout.txt").read_text())


HUB_MIRROR = load_script("tools/hub_mirror.py")
FULL_QUICK = ROOT / "tests" / "params" / "full_quick.yaml"


def learner_env(hf_home: Path, endpoint: str) -> dict:
    """A learner's shell: no course or Hugging Face variables but HF_HOME (its own cache) and HF_ENDPOINT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "HF_"))}
    return {**env, "HF_HOME": str(hf_home), "HF_ENDPOINT": endpoint}


def make_execute_all(folder: Path, env: dict, *make_args: str) -> subprocess.CompletedProcess:
    """`make execute-all` as the README gives it, with the test sizes, artifacts and outputs in `folder`."""
    params = folder / "params.yaml"
    params.write_text(FULL_QUICK.read_text() + f"artifacts_dir: {folder / 'artifacts'}\n")
    return subprocess.run(["make", "--no-print-directory", "execute-all", f"PARAMS={params}",
                           f"OUT={folder / 'build'}", *make_args],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def olah_installed(tmp_path_factory) -> None:
    """olah in its own virtualenv, installed once (about 10 s), whichever worker gets here first."""
    once_per_session(tmp_path_factory, "olah-installed", lambda folder: HUB_MIRROR.ensure_olah())


@pytest.fixture(scope="session")
def full_run(tmp_path_factory):
    """The `full` profile as a learner with internet runs it, through the local Hub mirror."""
    olah_installed(tmp_path_factory)

    def make(folder):
        with HUB_MIRROR.serving(folder / "mirror") as mirror:
            finished = make_execute_all(folder, learner_env(folder / "hf-home", mirror.endpoint))
            requests = mirror.requests()
        assert finished.returncode == 0, (f"chain failed:\n{finished.stdout[-3000:]}\n"
                                          f"{finished.stderr[-3000:]}")
        (folder / "stdout.txt").write_text(finished.stdout)
        (folder / "requests.txt").write_text("\n".join(requests))
        (folder / "endpoint.txt").write_text(mirror.endpoint)

    folder = once_per_session(tmp_path_factory, "chain-full", make)
    return {**chain_outputs(folder, "en", (folder / "stdout.txt").read_text()),
            "hf_home": folder / "hf-home", "endpoint": (folder / "endpoint.txt").read_text(),
            "requests": (folder / "requests.txt").read_text().splitlines()}


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """The smoke chain, in the Chinese edition: its code and so its printed facts are the English edition's
    (tests/test_translation.py), so every check of the facts holds for both; its notes (messages.py) are in
    Chinese, and its Chinese figures are checked too (no warning on stderr). The English edition runs in the
    offline and full chains, and nbval (`make test`)."""
    return shared_chain(tmp_path_factory, "smoke", "smoke", edition="zh", html=True)


@pytest.fixture(scope="session")
def offline_run(tmp_path_factory):
    """The offline profile (pretrained MiniLM) on a learner's own file (tests/learner_data.py): no answer
    key, its own columns, label words and balance. The course's own data runs in the smoke and full chains."""
    from learner_data import learner_params

    def make(folder):
        params = learner_params(folder, ROOT / "tests" / "params" / "offline_quick.yaml")
        (folder / "stdout.txt").write_text(run_chain(folder, "offline", params=params)["stdout"])
    folder = once_per_session(tmp_path_factory, "chain-offline", make)
    return chain_outputs(folder, "en", (folder / "stdout.txt").read_text())


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No profile from the environment, and an empty Hugging Face cache."""
    for name in ("COURSE_PROFILE", "COURSE_PROFILE_REASON", "COURSE_HUB_ONLINE", "COURSE_PARAMS",
                 "HF_HUB_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    return tmp_path


# `make test` must leave the working tree as it found it: artifacts go to ignored folders.
def _git_status() -> str | None:
    try:
        return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def pytest_sessionstart(session):
    session.config._course_git_status = _git_status()


def pytest_sessionfinish(session, exitstatus):
    before, after = session.config._course_git_status, _git_status()
    if before is not None and after != before:
        print("\nThe tests changed the working tree (git status before and after differ):\n" + after)
        session.exitstatus = 1
