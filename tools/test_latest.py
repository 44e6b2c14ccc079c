"""Library drift: the course against the newest releases of the libraries it teaches: `make test-latest`.

    python tools/test_latest.py [--versions newest|pinned] [--venv .venv-latest] [--tests "PYTEST ARGS"]

Makes a fresh virtualenv with requirements.txt, except that transformers, datasets, evaluate, peft, accelerate
and torch (and the two libraries transformers moves in step with, tokenizers and safetensors) are left
unpinned, so pip takes their newest releases; installs the course's package; runs the smoke chain and the
claims tests (by default: the tests of tests/test_chains.py and tests/test_claims.py that read the smoke
chain); then prints, for each library, the pinned version, the newest on the package index and the one
installed, and for each failed test the library its error was raised in. `--versions pinned` does the same
with requirements.txt as it is: the check of this wiring (tests/test_test_latest.py).

Exit code 1 when a test failed: the weekly CI job (.github/workflows/ci.yml) then shows red.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("transformers", "datasets", "evaluate", "peft", "accelerate", "torch")
# transformers pins these two to a narrow range: left pinned, the newest transformers could not install.
COMPANIONS = ("tokenizers", "safetensors")
# Where a failure's traceback ran: a frame in one of these packages names the library that raised.
TRACED = (*LIBRARIES, *COMPANIONS, "huggingface_hub", "numpy", "pandas", "sklearn", "papermill", "nbformat")
DEFAULT_TESTS = "tests/test_chains.py tests/test_claims.py -k smoke"
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s#;]+)")


def pins(requirements: Path) -> dict[str, str]:
    """requirements.txt's exact pins, by lower-case name."""
    found = {}
    for line in requirements.read_text().splitlines():
        match = REQUIREMENT.match(line)
        if match:
            found[match[1].lower()] = match[2]
    return found


def unpinned_requirements(requirements: Path, names: tuple[str, ...]) -> str:
    """requirements.txt with `names` unpinned (a bare name: pip takes the newest it may install)."""
    lines = []
    for line in requirements.read_text().splitlines():
        match = REQUIREMENT.match(line)
        lines.append(match[1] if match and match[1].lower() in names else line)
    return "\n".join(lines) + "\n"


def newest_on_index(python: Path, name: str) -> str | None:
    """The newest release the package index lists (`pip index versions`), whatever may install here."""
    answer = subprocess.run([str(python), "-m", "pip", "index", "versions", name],
                            capture_output=True, text=True)
    match = re.search(rf"^{re.escape(name)} \(([^)]+)\)", answer.stdout, flags=re.M | re.I)
    return match[1] if match else None


def installed(python: Path, names: tuple[str, ...]) -> dict[str, str]:
    script = ("import json, sys; from importlib.metadata import version\n"
              "print(json.dumps({n: version(n) for n in sys.argv[1:]}))")
    answer = subprocess.run([str(python), "-c", script, *names], capture_output=True, text=True, check=True)
    return json.loads(answer.stdout)


def pip_constraints() -> str | None:
    """A pip constraint file set outside the project (pip's config or PIP_CONSTRAINT) caps what installs:
    the table says so rather than show a capped version as the newest."""
    answer = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    found = re.search(r"constraint='([^']+)'", answer.stdout)
    return os.environ.get("PIP_CONSTRAINT") or (found[1] if found else None)


def failures(junit: Path) -> list[dict]:
    """Each failed or erroring test of a JUnit report, with the library its traceback ended in."""
    found = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        for problem in (*case.findall("failure"), *case.findall("error")):
            text = (problem.text or "") + (problem.get("message") or "")
            frames = re.findall(r"site-packages/([A-Za-z0-9_]+)/", text)
            libraries = [frame for frame in frames if frame in TRACED]
            message = (problem.get("message") or "").strip()
            found.append({"test": f"{case.get('classname')}::{case.get('name')}",
                          "message": message.splitlines()[0][:200] if message else "",
                          # the deepest frame in a known library: where the error was raised
                          "library": libraries[-1] if libraries else None})
    return found


def counts(junit: Path) -> dict[str, int]:
    root = ElementTree.parse(junit).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    return {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}


def table(pinned: dict, newest: dict, now: dict, failed: list[dict], capped_by: str | None) -> str:
    rows = [("library", "pinned", "newest on the index", "installed", "failed tests raised in it")]
    for name in (*LIBRARIES, *COMPANIONS):
        module = "torch" if name == "torch" else name.replace("-", "_")
        broken = sum(1 for item in failed if item["library"] == module)
        installed_version = now.get(name, "?")
        if newest.get(name) and installed_version.split("+")[0] != newest[name]:
            installed_version += " (capped)" if capped_by else " (not the newest)"
        rows.append((name, pinned.get(name, "-"), newest.get(name) or "?", installed_version, str(broken)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    if capped_by:
        lines.append(f"(capped) pip's constraint file {capped_by}, set outside this project, caps the "
                     "version")
    return "\n".join(lines)


def run(python_for_venv: str, venv: Path, versions: str, tests: str, work: Path) -> int:
    work.mkdir(parents=True, exist_ok=True)
    requirements = ROOT / "requirements.txt"
    pinned = pins(requirements)
    started = time.perf_counter()
    print(f"A fresh virtualenv {venv} with the {versions} versions of {', '.join(LIBRARIES)}", flush=True)
    subprocess.run([python_for_venv, "-m", "venv", "--clear", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    wanted = work / "requirements.txt"
    wanted.write_text(requirements.read_text() if versions == "pinned"
                      else unpinned_requirements(requirements, (*LIBRARIES, *COMPANIONS)))
    # --no-compile: the tests import a fraction of what installs, and Python compiles that on first import
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", "-r", str(wanted)],
                   check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(ROOT)], check=True)
    installing = time.perf_counter() - started
    names = (*LIBRARIES, *COMPANIONS)
    now = installed(python, names)
    newest = {name: newest_on_index(python, name) for name in names}

    junit = work / "junit.xml"
    # The venv's bin first on PATH: the notebooks' kernel (`python3`) is then this virtualenv's python.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("COURSE_")},
           "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "VIRTUAL_ENV": str(venv)}
    command = [str(python), "-m", "pytest", *shlex.split(tests), "-p", "no:xdist", "-p", "no:cacheprovider",
               f"--junitxml={junit}", f"--basetemp={work / 'pytest'}", "-q"]
    print("$ " + " ".join(shlex.quote(part) for part in command), flush=True)
    finished = subprocess.run(command, cwd=ROOT, env=env)
    failed = failures(junit) if junit.is_file() else []
    tally = counts(junit) if junit.is_file() else {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    capped_by = pip_constraints() if versions == "newest" else None
    print("\n" + table(pinned, newest, now, failed, capped_by))
    passed = tally["tests"] - tally["failures"] - tally["errors"] - tally["skipped"]
    print(f"\n{passed} passed, {tally['failures'] + tally['errors']} failed, {tally['skipped']} skipped "
          f"({versions} versions; installed in {installing:.0f} s)")
    for item in failed:
        where = item["library"] or "the course's own code or the test"
        print(f"  FAILED {item['test']}: raised in {where}: {item['message']}")
    if versions == "newest":
        moved = [f"{name} {pinned.get(name)} -> {now[name]}" for name in names
                 if now.get(name, "").split("+")[0] != pinned.get(name)]
        print("Changed since the pins: " + (", ".join(moved) if moved else "nothing"))
    report = {"versions": versions, "pinned": {n: pinned.get(n) for n in names}, "newest": newest,
              "installed": now, "tests": tally, "failed": failed, "capped_by": capped_by,
              "pytest_exit_code": finished.returncode}
    (work / "report.json").write_text(json.dumps(report, indent=1))
    if failed:
        return 1
    if finished.returncode != 0:       # no test failed, yet pytest did not pass: a session-level problem
        print(f"pytest ended with exit code {finished.returncode} and no failed test: see its output above")
        return finished.returncode
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", choices=("newest", "pinned"), default="newest")
    parser.add_argument("--venv", default=str(ROOT / ".venv-latest"))
    parser.add_argument("--tests", default=DEFAULT_TESTS,
                        help=f"pytest's arguments (default: {DEFAULT_TESTS})")
    parser.add_argument("--work", default=str(ROOT / "build" / "test-latest"),
                        help="the requirements used, pytest's files and report.json "
                             "(default: build/test-latest)")
    parser.add_argument("--python", default=sys.executable, help="the Python that makes the virtualenv")
    args = parser.parse_args(argv)
    return run(args.python, Path(args.venv).resolve(), args.versions, args.tests, Path(args.work).resolve())


if __name__ == "__main__":
    sys.exit(main())
