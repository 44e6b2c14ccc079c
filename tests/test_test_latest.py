"""`make test-latest`: the course against the newest libraries (tools/test_latest.py).

The weekly CI job runs it against the newest releases; here the same wiring runs against the pinned versions
(a fresh virtualenv, the install, pytest, the table), and its report is read on a made-up failure.
"""

import json
import subprocess
import sys

import pytest
from conftest import ROOT, load_script

LATEST = load_script("tools/test_latest.py")

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="2" skipped="1" tests="5">
<testcase classname="tests.test_claims" name="test_a[smoke_run]"><failure message="TypeError: boom">
  File "/v/lib/python3.11/site-packages/transformers/trainer.py", line 1, in train
  File "/v/lib/python3.11/site-packages/torch/nn/modules/module.py", line 2, in __call__
TypeError: boom</failure></testcase>
<testcase classname="tests.test_chains" name="test_b"><failure message="AssertionError: 0.5 != 0.6">
  File "/repo/tests/test_chains.py", line 3, in test_b
AssertionError</failure></testcase>
<testcase classname="tests.test_chains" name="test_c"/>
</testsuite></testsuites>
"""


def test_a_failure_is_laid_at_the_library_it_was_raised_in(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    failed = LATEST.failures(junit)
    assert [(item["test"], item["library"]) for item in failed] == [
        ("tests.test_claims::test_a[smoke_run]", "torch"),          # the deepest library frame
        ("tests.test_chains::test_b", None)]                         # the course's own assertion
    assert failed[0]["message"] == "TypeError: boom"
    assert LATEST.counts(junit) == {"tests": 5, "failures": 2, "errors": 0, "skipped": 1}
    table = LATEST.table({"torch": "2.13.0"}, {"torch": "2.15.0"}, {"torch": "2.14.1"}, failed,
                         "/etc/pip/constraints.txt")
    torch_row = next(line for line in table.splitlines() if line.startswith("torch "))
    assert torch_row.split() == ["torch", "2.13.0", "2.15.0", "2.14.1", "(capped)", "1"]
    assert "/etc/pip/constraints.txt" in table


def test_only_the_taught_libraries_are_unpinned():
    requirements = ROOT / "requirements.txt"
    unpinned = LATEST.unpinned_requirements(requirements, (*LATEST.LIBRARIES, *LATEST.COMPANIONS))
    bare = [line for line in unpinned.splitlines() if line and not line.startswith("#") and "==" not in line]
    assert sorted(bare) == sorted((*LATEST.LIBRARIES, *LATEST.COMPANIONS))
    pinned = LATEST.pins(requirements)
    assert pinned["numpy"] in unpinned and f"torch=={pinned['torch']}" not in unpinned


def test_the_weekly_job_runs_make_test_latest():
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "schedule:" in workflow and "cron:" in workflow
    assert "make test-latest" in workflow


@pytest.mark.slow
def test_the_wiring_against_the_pinned_versions(tmp_path):
    """A fresh virtualenv from requirements.txt, a quick test inside it, and the table: installed = pinned."""
    finished = subprocess.run(
        [sys.executable, "tools/test_latest.py", "--versions", "pinned", "--venv", str(tmp_path / "venv"),
         "--work", str(tmp_path / "work"), "--tests", "tests/test_params.py -k profile"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    report = json.loads((tmp_path / "work" / "report.json").read_text())
    assert report["tests"]["tests"] > 0 and report["failed"] == []
    for name in LATEST.LIBRARIES:
        assert report["installed"][name].split("+")[0] == report["pinned"][name], name
    assert "library" in finished.stdout and " passed, 0 failed" in finished.stdout
