"""Shared fixtures: the smoke and offline chains run once per session, in temporary folders."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_script(relative_path: str):
    """Import a maintainer script (tools/, benchmarks/) by its path: they are not part of the package."""
    import importlib.util

    path = ROOT / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_chain(tmp: Path, profile: str, steps: str | None = None, params: Path | None = None) -> dict:
    """Run `python -m finetune_course.chain` in a child process, as `make execute-all` does."""
    artifacts, out = tmp / "artifacts", tmp / "build"
    command = [sys.executable, "-m", "finetune_course.chain", "--profile", profile, "--out", str(out),
               "--parameters-json", json.dumps({"artifacts_dir": str(artifacts)})]
    if steps:
        command += ["--steps", steps]
    if params:
        command += ["--params", str(params)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, f"chain failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    return {"artifacts": artifacts, "out": out, "stdout": finished.stdout,
            "metrics": json.loads((artifacts / "metrics.json").read_text()) if (artifacts / "metrics.json").is_file() else None,
            "results": json.loads((out / "results.json").read_text())}


# `make test` runs two pytest workers (pytest-xdist, --dist loadgroup) on a 2-core machine: one thread
# each, so that their notebooks do not fight over the cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")


RUNS = ["smoke_run", "offline_run"]
# The two chains start first, on different workers; the tests that only read them run last, so that no
# worker waits on a chain that the other one is still running.
STARTS_A_CHAIN = ("test_offline_chain_beats_the_baselines_by_15_points", "test_smoke_chain_runs_all_seven_steps")


def pytest_collection_modifyitems(items):
    def order(item):
        if item.name in STARTS_A_CHAIN:
            return STARTS_A_CHAIN.index(item.name)
        reads = set(getattr(item, "fixturenames", ())) | {run for run in RUNS if run in item.name}
        return 4 if "offline_run" in reads else 3 if "smoke_run" in reads else 2
    items.sort(key=order)


def shared_chain(tmp_path_factory, name: str, profile: str, params: Path | None = None) -> dict:
    """Run a chain once per test session, even with several pytest-xdist workers: the first worker
    that needs it runs it under a file lock, the others wait and read its files."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent                      # the run's folder, above each worker's own
    folder = shared / f"chain-{name}"
    with FileLock(str(shared / f"chain-{name}.lock")):
        if not (folder / "stdout.txt").is_file():
            result = run_chain(folder, profile, params=params)
            (folder / "stdout.txt").write_text(result["stdout"])
    artifacts, out = folder / "artifacts", folder / "build"
    return {"artifacts": artifacts, "out": out, "stdout": (folder / "stdout.txt").read_text(),
            "metrics": json.loads((artifacts / "metrics.json").read_text()),
            "results": json.loads((out / "results.json").read_text())}


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    return shared_chain(tmp_path_factory, "smoke", "smoke")


@pytest.fixture(scope="session")
def offline_run(tmp_path_factory):
    # Smaller subsets than the profile's (same model, data and recipe): `make test` stays fast.
    return shared_chain(tmp_path_factory, "offline", "offline", params=ROOT / "tests" / "params" / "offline_quick.yaml")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No profile from the environment, and an empty Hugging Face cache."""
    for name in ("COURSE_PROFILE", "COURSE_PROFILE_REASON", "COURSE_PARAMS", "HF_HUB_OFFLINE"):
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
