"""Shared fixtures: the smoke and offline chains run once per session, in temporary folders."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_chain(tmp: Path, profile: str, steps: str | None = None) -> dict:
    """Run `python -m finetune_course.chain` in a child process, as `make execute-all` does."""
    artifacts, out = tmp / "artifacts", tmp / "build"
    command = [sys.executable, "-m", "finetune_course.chain", "--profile", profile, "--out", str(out),
               "--parameters-json", json.dumps({"artifacts_dir": str(artifacts)})]
    if steps:
        command += ["--steps", steps]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, f"chain failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    return {"artifacts": artifacts, "out": out, "stdout": finished.stdout,
            "metrics": json.loads((artifacts / "metrics.json").read_text()) if (artifacts / "metrics.json").is_file() else None,
            "results": json.loads((out / "results.json").read_text())}


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    return run_chain(tmp_path_factory.mktemp("smoke"), "smoke")


@pytest.fixture(scope="session")
def offline_run(tmp_path_factory):
    return run_chain(tmp_path_factory.mktemp("offline"), "offline")


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
