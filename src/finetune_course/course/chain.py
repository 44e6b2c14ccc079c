"""Run the course's notebooks in order with papermill: `make execute-all` (and `require`) call this.

    python -m finetune_course.course.chain [--profile NAME] [--params FILE.yaml] [--steps 03,04] [--out DIR]
                                           [--edition zh] [--check]

The profile is decided once here (for `auto`, one quick Hub probe) and handed to every
notebook through COURSE_PROFILE, so no notebook waits on the network again. The data and the
model are checked before the first kernel starts (`preflight`), so bad input fails in seconds. Executed
notebooks (and their HTML) go to build/<profile>/, the Chinese edition's to build/<profile>/zh/; the
chain stops at the first failure, naming the notebook and the cell.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ..artifacts import read_json, write_json
from ..hub import set_offline_mode
from ..measure import PeakMemory
from ..params import EDITION_FOLDERS, CourseInputError, project_root, read_parameters_file
from .preflight import preflight
from .profiles import resolve_settings

# A step's notebook: its number, and a letter when the step has parts (07a_fine_tune, 07b_evaluate).
STEP_NOTEBOOK = re.compile(r"(\d\d[a-z]?)_.+\.ipynb")


def notebooks(steps: list[str] | None = None, edition: str = "en") -> list[Path]:
    """The seven steps in order (step 7 in two parts, 07a and 07b), then the bonus notebook, of one edition
    ("en" or "zh", the Chinese one under notebooks/zh/: `translation`); `steps` picks some by `step_id`, and a
    step's number picks all its parts ("07": 07a and 07b)."""
    folder = project_root() / EDITION_FOLDERS[edition]
    found = (sorted(nb for nb in folder.glob("[0-9][0-9]*.ipynb") if STEP_NOTEBOOK.fullmatch(nb.name))
             + sorted((folder / "bonus").glob("*.ipynb")))
    if steps:
        found = [nb for nb in found if step_id(nb) in steps or step_number(nb) in steps]
    return found


def step_id(notebook: Path) -> str:
    """What --steps calls a notebook: "01" to "06", "07a" and "07b" for the seven steps, "bonus" for the
    bonus notebook."""
    return "bonus" if notebook.parent.name == "bonus" else notebook.name.partition("_")[0]


def step_number(notebook: Path) -> str:
    """The step a notebook belongs to: "07" for both parts of step 7, "bonus" for the bonus notebook."""
    step = step_id(notebook)
    return step[:2] if step[:2].isdigit() else step


def run_chain(parameters: dict, out: Path | None = None, steps: list[str] | None = None,
              html: bool = True, edition: str = "en", prepare=None) -> dict:
    """Execute one edition's notebooks; returns the results (timings, and step 7's metrics when its second
    part, the evaluation, ran). Both editions share the profile's artifacts: their code is the same.
    `prepare(notebook)`, if given, returns the file to execute in its place (`make check-exercises`)."""
    from traitlets.config import Config

    settings = checked_settings(parameters, edition)
    # Every notebook resolves the same profile without probing again.
    os.environ.update(settings.handed_on())
    # A saved notebook would show the Hub's download bars frozen at 0%: only a live session sees them move.
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    passed = {name: value for name, value in parameters.items() if name != "profile" and value is not None}
    if "COURSE_PARAMS" in os.environ:
        print(f"Parameters from {os.environ['COURSE_PARAMS']} override the profile's.")
    out = Path(out) if out else project_root() / "build" / settings.profile
    out.mkdir(parents=True, exist_ok=True)
    # The notebooks link the glossary beside them (the zh ones one folder up): so do the executed copies.
    shutil.copy(project_root() / EDITION_FOLDERS["en"] / "glossary.md", out / "glossary.md")

    # Local sockets (IPC) rather than TCP between papermill and the kernel: nothing listens on the network.
    # They live in a folder of this run's own: two chains side by side (the tests) must not share them.
    kernel_config = Config()
    kernel_config.KernelManager.transport = "ipc"
    sockets = Path(tempfile.mkdtemp(prefix="course-kernel-"))
    kernel_config.KernelManager.ip = str(sockets / "kernel-ipc")
    try:
        timings = run_notebooks(notebooks(steps, edition), out, passed, kernel_config, html, prepare)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)

    results = {"profile": settings.profile, "profile_reason": settings.reason, "edition": edition,
               "notebook_seconds": {name: seconds for name, (seconds, _) in timings.items()},
               "notebook_peak_memory_mb": {name: peak for name, (_, peak) in timings.items()},
               "total_seconds": round(sum(seconds for seconds, _ in timings.values()), 1)}
    metrics_file = settings.path("metrics.json")
    if "07b_evaluate.ipynb" in timings and metrics_file.is_file():     # step 7's part 2 writes it
        results["metrics"] = read_json(metrics_file)
    methods_file = settings.path("cheaper_methods", "methods.json")
    if "cheaper_fine_tuning.ipynb" in timings and methods_file.is_file():
        results["cheaper_methods"] = read_json(methods_file)
    write_json(results_file(out, edition), results)
    return results


def results_file(out: Path, edition: str = "en") -> Path:
    """Beside the edition's executed notebooks: build/<profile>/results.json,
    build/<profile>/zh/results.json."""
    return out / Path(EDITION_FOLDERS[edition]).relative_to("notebooks") / "results.json"


def checked_settings(parameters: dict, edition: str = "en"):
    """The run's settings, shown as the banner, with its data and model checked (`preflight`); the banner's
    and the checks' notes in `edition`, the notebooks' language."""
    settings = dataclasses.replace(resolve_settings(**parameters), edition=edition)
    if parameters.get("profile") not in (None, "auto"):   # the chain's --profile, every notebook's banner too
        settings = dataclasses.replace(settings, reason="set by the chain's --profile "
                                                        "(make execute-all PROFILE=…)")
    print(settings.banner(), flush=True)
    # This process loads the data to check it: never from a dead Hub.
    set_offline_mode(not settings.hub_online)
    preflight(settings)
    return settings


def run_notebooks(paths: list[Path], out: Path, passed: dict, kernel_config, html: bool,
                  prepare=None) -> dict:
    """Execute each notebook with papermill into `out`; returns (seconds, peak memory in MB) for each."""
    import papermill

    timings = {}
    for notebook in paths:
        # The same layout as notebooks/, bonus/ too, so that links between them hold.
        executed = out / notebook.relative_to(project_root() / "notebooks")
        executed.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        print(f"--> {notebook.name}", end=" ", flush=True)
        try:
            with PeakMemory(children=True) as memory:
                papermill.execute_notebook(
                    str(prepare(notebook) if prepare else notebook), str(executed), parameters=passed,
                    cwd=str(notebook.parent),
                    kernel_name="python3", progress_bar=False, log_output=False, config=kernel_config,
                    # Stopped, not asked to exit: its last cell has written everything, and a graceful exit
                    # spends 1-3 s of CPU tearing torch and transformers down, for each notebook.
                    shutdown_kernel="immediate",
                )
        except papermill.PapermillExecutionError as err:
            print("FAILED", flush=True)
            remaining = ",".join(step_id(path) for path in paths[paths.index(notebook):])
            raise StepFailed(
                f"{notebook.name} failed in its code cell {err.exec_count} "
                f"(cell index {err.cell_index}): {err.ename}: {err.evalue}\n"
                f"The executed notebook, with the full traceback, is {executed}.\n"
                f"The results of the steps before it are kept. After the fix, go on from this step with "
                f"`make execute-all ... STEPS={remaining}` (or --steps {remaining}); "
                "a step whose inputs changed is rerun by itself first, "
                "and an interrupted training resumes from its last checkpoint."
            ) from None
        timings[notebook.name] = (round(time.perf_counter() - started, 1), memory.peak_mb)
        print(f"{timings[notebook.name][0]:.1f} s, peak memory {memory.peak_mb:,} MB", flush=True)
        if html:
            export_html(executed)
    return timings


def export_html(executed: Path) -> Path:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(executed))
    target = executed.with_suffix(".html")
    target.write_text(body, encoding="utf-8")
    return target


class StepFailed(RuntimeError):
    """A notebook of the chain raised; the message names it and the cell."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", help="full, offline, smoke or auto (default: COURSE_PROFILE, else auto)")
    parser.add_argument("--params", help="a YAML file of parameters that override the profile's")
    parser.add_argument("--parameters-json", help="parameters as a JSON object (used by `require`)")
    parser.add_argument("--steps", help="comma-separated steps to run, e.g. 03,04, 07a or 07,bonus "
                                            "(07: both parts of step 7; default: all)")
    parser.add_argument("--out", help="folder for the executed notebooks (default: build/<profile>)")
    parser.add_argument("--edition", choices=sorted(EDITION_FOLDERS), default="en",
                        help="the notebooks' language: en (notebooks/) "
                             "or zh, the Chinese edition (notebooks/zh/)")
    parser.add_argument("--no-html", action="store_true", help="skip the HTML export")
    parser.add_argument("--check", action="store_true",
                        help="only check the parameters, the data and the model (seconds), then stop")
    args = parser.parse_args(argv)

    try:
        if args.params:  # every notebook (and `require`) reads it through COURSE_PARAMS
            read_parameters_file(args.params)  # fail now, before any notebook runs, if it is wrong
            os.environ["COURSE_PARAMS"] = str(Path(args.params).resolve())
        parameters = json.loads(args.parameters_json) if args.parameters_json else {}
        if args.profile:
            parameters["profile"] = args.profile
        steps = args.steps.split(",") if args.steps else None
        if args.check:
            checked_settings(parameters, args.edition)
            return 0
        results = run_chain(parameters, args.out, steps, html=not args.no_html, edition=args.edition)
    except (CourseInputError, StepFailed) as err:
        print(f"\nERROR: {err}", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else project_root() / "build" / results["profile"]
    print(f"Done in {results['total_seconds']:.1f} s. Results: {results_file(out, args.edition)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
