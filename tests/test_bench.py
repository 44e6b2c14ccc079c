"""`make bench` keeps working: its tiny mode runs every recipe and writes the promised figures.

No speed is asserted here (timings belong in the benchmark's printed table, not in tests).
"""

import json
import subprocess
import sys

import pytest
from conftest import ROOT, load_script

from finetune_course.params import load_profile

bench = load_script("benchmarks/bench.py")


def test_the_bench_measures_the_full_profiles_recipe():
    last = next(r for r in bench.recipes() if r["name"] == "course")
    full = load_profile("full")
    assert last["padding"] == "dynamic" and last["group"] and last["eval_sorted"]
    assert last["batch"] == full["per_device_train_batch_size"]
    assert [r["name"] for r in bench.recipes()][0] == "guide" and bench.recipes()[0]["batch"] == 1


@pytest.mark.slow
def test_tiny_bench_writes_results_and_a_plot(tmp_path):
    finished = subprocess.run([sys.executable, "benchmarks/bench.py", "--tiny", "--out", str(tmp_path)],
                              cwd=ROOT, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    for key in ("train_speedup", "projected_guide_job_s", "peak_rss_mb", "eval_speedup", "machine", "tweets",
                "projected_full_finetune_job_s", "eval_train_throughput_ratio", "matmul_peak_gflops"):
        assert key in results, key
    assert [r["name"] for r in results["recipes"]] == [r["name"] for r in bench.recipes()]
    for row in results["recipes"]:
        assert row["train_tweets_per_s"] > 0 and row["eval_tweets_per_s"] > 0 and row["peak_rss_mb"] > 0
        assert 0 < row["train_gflops"] and 0 < row["eval_gflops"]
    assert (tmp_path / "throughput.png").stat().st_size > 0
    assert (tmp_path / "throughput_zh.png").stat().st_size > 0      # the Chinese edition's figure
    assert "train_speedup" in finished.stdout and "the guide's job" in finished.stdout
    assert f"99th percentile {results['tweets']['p99_tokens']:.0f}" in finished.stdout
