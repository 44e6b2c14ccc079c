"""`make bench-processes`: the training command on one process against two, with the same global batch.

    python benchmarks/processes.py [--profile smoke] [--repeats 2] [--out build/processes]

What it measures: `python -m finetune_course.train` as a learner runs it, once on one process with batches
of 16, once under `torchrun --nproc_per_node 2` with batches of 8 per process (16 per optimizer step, as
before), each in a fresh artifacts folder, `--repeats` times, alternating. For each run: the wall time of
the whole command (start-up, data, training, test evaluation, saving), the `Trainer`'s training time and
throughput, and the test accuracy and macro-F1 with their 95% intervals, from the run's metrics.json. Both
setups use all of this machine's cores: one process with one thread per core, or each of two processes with
its share. Run it on an otherwise idle machine: it records the load average before each run, because other
work on the cores slows one process with several threads far more than processes with one thread each.
It prints a Markdown table (the README's) and writes results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOBAL_BATCH = 16                      # the profiles' per_device_train_batch_size: one process's batch


def command(processes: int, profile: str, params: Path) -> list[str]:
    """The training command on `processes` processes, as `make train PROCS=...` runs it."""
    python = [sys.executable, "-m", "finetune_course.train"]
    if processes > 1:
        python = [str(Path(sys.executable).with_name("torchrun")), "--standalone",
                  "--nproc_per_node", str(processes), "-m", "finetune_course.train"]
    return [*python, "--profile", profile, "--params", str(params)]


# What each run keeps of the training's metrics.json.
REPORTED_METRICS = ("train_runtime_s", "train_examples_per_s", "test_accuracy", "test_accuracy_interval",
                    "test_macro_f1", "test_macro_f1_interval",
                    "train_size", "validation_size", "test_size", "num_train_epochs")


def run(processes: int, profile: str, folder: Path) -> dict:
    """One run of the command in `folder`; its wall time and metrics."""
    params = folder / "params.yaml"
    params.write_text(f"artifacts_dir: {folder / 'artifacts'}\n"
                      f"per_device_train_batch_size: {GLOBAL_BATCH // processes}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // processes))   # every core busy, either way
    # Other work on the machine skews timings: record how busy it was.
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    finished = subprocess.run(command(processes, profile, params), cwd=ROOT, env=env,
                              capture_output=True, text=True)
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"{processes} process(es) failed:\n"
                         f"{finished.stdout[-2000:]}\n{finished.stderr[-2000:]}")
    metrics = json.loads((folder / "artifacts" / "metrics.json").read_text())
    return {"processes": processes, "per_device_train_batch_size": GLOBAL_BATCH // processes, "wall_s": wall,
            "load_average_before": load,
            **{key: metrics[key] for key in REPORTED_METRICS}}


def table(runs: list[dict]) -> str:
    lines = ["| processes × batch per process | command, wall s | training s | train examples/s | "
             "test accuracy (95% interval) | macro-F1 (95% interval) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in runs:
        (a_low, a_high), (f_low, f_high) = r["test_accuracy_interval"], r["test_macro_f1_interval"]
        lines.append(f"| {r['processes']} × {r['per_device_train_batch_size']} | {r['wall_s']:.1f} | "
                     f"{r['train_runtime_s']:.1f} | {r['train_examples_per_s']:.1f} | "
                     f"{r['test_accuracy']:.1%} ({a_low:.1%}–{a_high:.1%}) | "
                     f"{r['test_macro_f1']:.1%} ({f_low:.1%}–{f_high:.1%}) |")
    return "\n".join(lines)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke", help="the profile to train (default: smoke)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each setup, alternating (default: 2)")
    parser.add_argument("--out", default=str(ROOT / "build" / "processes"), help="folder for results.json")
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory(prefix="processes-") as scratch:
        for repeat in range(args.repeats):
            for processes in (1, 2):
                folder = Path(scratch) / f"{processes}-{repeat}"
                folder.mkdir()
                runs.append(run(processes, args.profile, folder))
                print(f"{processes} process(es), run {repeat + 1}: {runs[-1]['wall_s']:.1f} s "
                      f"(load average before it: {runs[-1]['load_average_before']})", flush=True)
    first = runs[0]
    machine = {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version()}
    print(f"\nProfile {args.profile}: {first['train_size']} training examples, "
          f"{first['num_train_epochs']:g} epochs, {first['validation_size']} validation, "
          f"{first['test_size']} test; {machine['cpu']}, {machine['cores']} cores.\n")
    print(table(runs))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"profile": args.profile, "machine": machine, "runs": runs}
    (out / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
