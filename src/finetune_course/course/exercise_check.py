"""`make check-exercises`: every exercise check, run blank and with the worked solution filled in.

For each notebook of an edition, a copy is executed in which every check cell (a code cell that calls
`exercises.check("KEY", NAME, ...)`) is followed by a cell holding the worked solution for NAME, taken from
the notebook's folded solutions (a fenced python block that assigns or defines NAME), and the same check
again. The blank check must say "not tried", the filled-in one "right"; a check cell that raises stops the
run. The executed copies, solutions filled in, are the instructor's view: build/check-exercises/<edition>/.

    python -m finetune_course.course.exercise_check [--profile smoke] [--edition en] [--steps 04,05]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import nbformat

from ..exercises import LOG_VARIABLE
from ..params import project_root
from .chain import StepFailed, notebooks, results_file, run_chain

MINIMUM_PER_NOTEBOOK = 3
CHECK_CALL = re.compile(r"""^exercises\.check\(\s*"([^"]+)",\s*(\w+)""", re.MULTILINE)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def check_calls(notebook) -> list[tuple[int, str, str, str]]:
    """(cell index, exercise key, answer name, the check line) of each check cell."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            for match in CHECK_CALL.finditer(cell.source):
                line = cell.source[match.start():].split("\n\n")[0].strip()
                found.append((index, match.group(1), match.group(2), line))
    return found


def worked_solutions(notebook) -> dict[str, str]:
    """The folded solutions' python blocks, by the name each assigns or defines."""
    solutions = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "<details>" in cell.source:
            for block in PYTHON_BLOCK.findall(cell.source):
                for name in re.findall(r"^(?:def\s+(\w+)\(|(\w+)\s*=)", block, re.MULTILINE):
                    solutions.setdefault(name[0] or name[1], block.strip())
    return solutions


def with_solutions(notebook):
    """A copy of `notebook` with each check followed by its worked solution and the check again."""
    solutions = worked_solutions(notebook)
    calls = check_calls(notebook)
    missing = [key for _, key, name, _ in calls if name not in solutions]
    if missing:
        raise SystemExit(f"No worked solution (a ```python block in the folded solutions) for exercise "
                         f"{', '.join(missing)}.")
    filled = nbformat.from_dict(notebook)
    for index, key, name, line in reversed(calls):
        cell = nbformat.v4.new_code_cell(f"# Exercise {key}: the worked solution\n{solutions[name]}\n{line}")
        cell.metadata["tags"] = ["worked-solution"]
        filled.cells.insert(index + 1, cell)
    return filled


def expected_verdicts(paths: list[Path]) -> list[tuple[str, str]]:
    """(key, status) in the order the checks run: each key blank, then right."""
    expected = []
    for path in paths:
        for _, key, _, _ in check_calls(nbformat.read(path, as_version=4)):
            expected += [(key, "blank"), (key, "right")]
    return expected


def run(profile: str, edition: str, steps: list[str] | None) -> int:
    paths = notebooks(steps, edition)
    too_few = {path.name: n for path in paths
               if (n := len(check_calls(nbformat.read(path, as_version=4)))) < MINIMUM_PER_NOTEBOOK}
    out = project_root() / "build" / "check-exercises"      # the editions share it, as the chain's out
    with tempfile.TemporaryDirectory(prefix="course-exercises-") as scratch:
        log = Path(scratch) / "verdicts.jsonl"
        os.environ[LOG_VARIABLE] = str(log)

        def prepare(path: Path) -> Path:
            copy = Path(scratch) / path.name
            nbformat.write(with_solutions(nbformat.read(path, as_version=4)), copy)
            return copy

        parameters = {"profile": profile, "artifacts_dir": str(out / "artifacts")}
        try:
            run_chain(parameters, out=out, steps=steps, html=False, edition=edition, prepare=prepare)
        except StepFailed as failed:
            print(failed, file=sys.stderr)
            return 1
        got = [(entry["key"], entry["status"]) for entry in map(json.loads, log.read_text().splitlines())]
    expected = expected_verdicts(paths)
    per_step = Counter(key.split(".")[0] for key, _ in expected[::2])
    print(f"\n{len(expected) // 2} checked exercises in {len(paths)} notebooks ({edition}):",
          ", ".join(f"{step}: {n}" for step, n in per_step.items()))
    wrong = [f"exercise {key}: expected {status}, got {got_status}"
             for (key, status), (_, got_status) in zip(expected, got) if status != got_status]
    if len(got) != len(expected):
        wrong.append(f"{len(expected)} verdicts expected, {len(got)} logged")
    wrong += [f"{name}: {n} checked exercises, at least {MINIMUM_PER_NOTEBOOK} wanted"
              for name, n in too_few.items()]
    for problem in wrong:
        print("FAIL", problem)
    if not wrong:
        print("Every check says 'not tried' blank and 'right' with the worked solution.")
        print("The executed notebooks, solutions filled in:", results_file(out, edition).parent)
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="smoke", help="the profile to run under (default: smoke)")
    parser.add_argument("--edition", choices=["en", "zh"], default="en")
    parser.add_argument("--steps", help="comma-separated steps, as for the chain (default: all)")
    args = parser.parse_args(argv)
    return run(args.profile, args.edition, args.steps.split(",") if args.steps else None)


if __name__ == "__main__":
    sys.exit(main())
