"""`make bench`: the guide's training recipe against the course's, measured side by side on this machine.

    python benchmarks/bench.py [--tiny] [--out build/bench]      (or: make bench)
    python benchmarks/bench.py --plot-from RESULTS.json --edition zh --figure FIGURE.png   (redraw only)

Both recipes train the full-size GPT-2 architecture (`GPT2Config()` defaults, 124M parameters,
random weights: a step costs the same whatever the weights) with GPT-2's real tokenizer, on the
course's shipped tweets, through the `Trainer`. The levers of the course's recipe are added one
at a time (an ablation), each in a fresh process so that its peak memory is its own.
The guide's recipe is slow (seconds per tweet), so each recipe is timed over a few steps after
one warm-up step and projected; the output says so. `--tiny` runs a 2-layer model, every recipe in one
process, for the tests.
The figure of training throughput is drawn in English (throughput.png) and in Chinese (throughput_zh.png);
`--plot-from` redraws it from a results file, such as benchmarks/reference_run.json: the README's figures
(notebooks/images/bench_throughput.png, notebooks/images/bench_throughput_zh.png) come from the reference run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

# The guide's recipe, then one lever added at a time; the last recipe is the `full` profile's. The guide's
# optimizer is the unfused AdamW, the Trainer's default when it was written (transformers 5 with torch >= 2.8
# defaults to the fused one, which the course sets explicitly).
GUIDE = {"padding": "max_length", "max_length": None, "batch": 1, "accumulation": 4, "group": False,
         "eval_batch": 1, "eval_sorted": False, "frozen_layers": 0, "frozen_embedding": False,
         "optim": "adamw_torch", "attention": "sdpa", "threads": None}
LEVERS = [
    ("guide", "the guide: pad to 1,024, batch 1 x accumulation 4, eval batch 1, unfused AdamW", {}),
    ("max_length", "+ max_length from the data (pad to it, not to 1,024)", {"max_length": "data"}),
    ("dynamic", "+ dynamic padding (each batch to its longest tweet)", {"padding": "dynamic"}),
    ("batch16", "+ real batches of 16, no accumulation (needs the pad id)", {"batch": 16, "accumulation": 1}),
    ("grouped", "+ length-grouped training batches", {"group": True}),
    ("eval_sorted", "+ evaluation in batches of 64, sorted by length",
     {"eval_batch": 64, "eval_sorted": True}),
    ("course", "+ fused AdamW: the course's recipe, every weight trained (full profile)",
     {"optim": "adamw_torch_fused"}),
]
# Further levers, each tried alone on top of the course's recipe and measured in the same run; the
# course keeps none of them (freezing costs accuracy that the course has not measured on GPT-2).
TRIED = [
    ("eager_attention", "eager attention instead of sdpa", {"attention": "eager"}),
    ("one_thread", "1 thread instead of one per core", {"threads": 1}),
    ("embedding_frozen", "the token embedding frozen (38M of the 124M parameters)",
     {"frozen_embedding": True}),
    ("blocks_frozen", "the embeddings and the lowest 6 of 12 blocks frozen", {"frozen_layers": 6}),
]
EVERY_WEIGHT = "course"


def recipes() -> list[dict]:
    """The cumulative recipes, then the levers tried alone; checks that the course's recipe is
    params/full.yaml's."""
    from finetune_course.params import load_profile

    current, result = dict(GUIDE), []
    for name, label, change in LEVERS:
        current = {**current, **change}
        result.append({"name": name, "label": label, **current})
    full = load_profile("full")
    assert (current["batch"], current["eval_batch"], current["frozen_layers"]) == (
        full["per_device_train_batch_size"], full["per_device_eval_batch_size"], full["frozen_layers"] or 0
    ), "the bench's course recipe must be the full profile's"
    base = next(r for r in result if r["name"] == EVERY_WEIGHT)
    for name, label, change in TRIED:
        result.append({**base, **change, "name": name, "label": f"  tried alone: {label}", "tried": True})
    return result


# The guide's job: 1,000 tweets x 3 epochs, eval on 1,000.
GUIDE_JOB = {"train_tweets": 1000 * 3, "eval_tweets": 1000}


def tweets() -> list[str]:
    from finetune_course.data import SHIPPED_FOLDER
    rows = [json.loads(line) for line in (SHIPPED_FOLDER / "train.jsonl").read_text().splitlines()]
    return [" ".join(r["text"].split()) for r in rows if r["text"].strip()]


def peak_rss_mb() -> float:
    """This process's peak memory: getrusage reports kilobytes on Linux and bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def measure(recipe: dict, tiny: bool) -> dict:
    """Train and evaluate one recipe in this process; returns its throughput and peak memory."""
    import datasets
    import numpy as np
    import torch
    from datasets import Dataset
    from transformers import (
        DataCollatorWithPadding,
        GPT2Config,
        GPT2ForSequenceClassification,
        Trainer,
        TrainerCallback,
        set_seed,
    )
    from transformers.utils import logging

    from finetune_course.metrics import predict_in_row_order
    from finetune_course.models import freeze_bottom, gpt2_tokenizer
    from finetune_course.params import load_profile
    from finetune_course.recipe import choose_max_length, evaluation_trainer, training_arguments

    logging.set_verbosity_error()
    datasets.disable_progress_bars()
    if recipe["threads"]:
        torch.set_num_threads(recipe["threads"])
    set_seed(0)
    tokenizer = gpt2_tokenizer()
    tokenizer.pad_token = tokenizer.eos_token
    texts = tweets()
    lengths = np.array([len(ids) for ids in tokenizer(texts)["input_ids"]])
    data_max_length = choose_max_length(lengths, tokenizer.model_max_length)   # as step 4 chooses it
    max_length = 1024 if recipe["max_length"] is None else data_max_length

    config = GPT2Config(n_layer=2, n_head=2, n_embd=64) if tiny else GPT2Config()
    config.num_labels, config.pad_token_id = 3, tokenizer.pad_token_id
    config._attn_implementation = recipe["attention"]
    model = GPT2ForSequenceClassification(config)
    freeze_bottom(model, min(recipe["frozen_layers"], config.n_layer // 2))   # --tiny has only 2 blocks
    if recipe["frozen_embedding"]:
        model.transformer.wte.requires_grad_(False)

    def encode(batch):
        padding = "max_length" if recipe["padding"] == "max_length" else False
        return tokenizer(batch["text"], truncation=True, max_length=max_length, padding=padding)

    # The guide's recipe takes seconds per tweet: time it over fewer steps. Batched recipes draw their
    # batches from the guide's 1,000 training tweets, so length grouping works as it would in training.
    train_steps = 1 if recipe["max_length"] is None else 2 if tiny else 4 if recipe["batch"] == 1 else 12
    eval_tweets = (3 if recipe["max_length"] is None
                   else 10 * recipe["eval_batch"] if recipe["eval_batch"] > 1 else 32)
    eval_tweets = min(eval_tweets, 64) if tiny else eval_tweets
    n_train = 1000 if recipe["batch"] > 1 else recipe["batch"] * recipe["accumulation"] * (train_steps + 1)
    labels = [i % 3 for i in range(len(texts))]
    train = Dataset.from_dict({"text": texts[:n_train], "labels": labels[:n_train]}).map(
        encode, batched=True, remove_columns=["text"])
    evaluation = Dataset.from_dict({"text": texts[-eval_tweets:], "labels": labels[-eval_tweets:]}).map(
        encode, batched=True, remove_columns=["text"])

    step_times: list[float] = []
    collated_tokens: list[int] = []            # token positions per batch, padding included: what is computed

    def collate(features):
        batch = DataCollatorWithPadding(tokenizer)(features)
        collated_tokens.append(batch["input_ids"].numel())
        return batch

    class StepClock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            step_times.append(time.perf_counter())

    # Step 7's arguments with the full profile's values (the course's recipe), but:
    full = SimpleNamespace(**load_profile("full"))
    args = training_arguments(
        full, Path(os.environ.get("TMPDIR", "/tmp")) / "course-bench",
        math.ceil(n_train / (recipe["batch"] * recipe["accumulation"])),
        per_device_train_batch_size=recipe["batch"],                # this recipe's levers
        gradient_accumulation_steps=recipe["accumulation"],
        per_device_eval_batch_size=recipe["eval_batch"],
        train_sampling_strategy="group_by_length" if recipe["group"] else "random",
        optim=recipe["optim"],
        max_steps=train_steps + 1,                                  # a few steps, timed, instead of epochs
        eval_strategy="no", load_best_model_at_end=False,           # evaluation is timed on its own, below
        save_strategy="no", logging_strategy="no", disable_tqdm=True,  # no checkpoints, logs or progress bars
    )
    trainer = Trainer(model=model, args=args, train_dataset=train, data_collator=collate,
                      callbacks=[StepClock()])
    started = time.perf_counter()
    trainer.train()
    # The first step (warm-up: memory allocation, kernel selection) is left out of the rate.
    timed_tweets = train_steps * recipe["batch"] * recipe["accumulation"]
    train_seconds = step_times[-1] - step_times[0]
    train_rate = timed_tweets / train_seconds
    train_tokens = sum(collated_tokens[-train_steps * recipe["accumulation"]:])

    # Evaluation as the course's notebooks do it: a separate Trainer without length grouping (whose
    # sampler would reorder the predictions), on rows sorted by length where the recipe says so.
    evaluator = evaluation_trainer(model, tokenizer, full, args.output_dir,
                                   per_device_eval_batch_size=recipe["eval_batch"], disable_tqdm=True)
    evaluator.data_collator = collate                               # the same padding, its tokens counted
    predict = ((lambda rows: predict_in_row_order(evaluator, rows)) if recipe["eval_sorted"]
               else evaluator.predict)
    predict(evaluation.select(range(min(recipe["eval_batch"], evaluation.num_rows))))   # warm-up
    collated_tokens.clear()
    eval_started = time.perf_counter()
    predict(evaluation)
    eval_seconds = time.perf_counter() - eval_started
    eval_rate = evaluation.num_rows / eval_seconds
    padded = [len(x) for x in train["input_ids"]]
    # Model FLOPs, the usual estimate: 2 per weight and token forward, 4 more backward where gradients flow.
    weights = sum(p.numel() for n, p in model.named_parameters() if "wte" not in n and "wpe" not in n)
    trained = sum(p.numel() for n, p in model.named_parameters()
                  if p.requires_grad and "wte" not in n and "wpe" not in n) / weights
    train_gflops = (2 + 4 * trained) * weights * train_tokens / train_seconds / 1e9
    eval_gflops = 2 * weights * sum(collated_tokens) / eval_seconds / 1e9
    return {
        "name": recipe["name"], "label": recipe["label"],
        "train_tweets_per_s": train_rate, "eval_tweets_per_s": eval_rate,
        "timed_train_tweets": timed_tweets, "timed_eval_tweets": evaluation.num_rows,
        "peak_rss_mb": peak_rss_mb(),
        "max_length": max_length, "mean_stored_tokens": float(np.mean(padded)),
        "text_tokens_mean": float(lengths.mean()), "text_tokens_p99": float(np.percentile(lengths, 99)),
        "text_tokens_max": int(lengths.max()), "parameters": sum(p.numel() for p in model.parameters()),
        "threads": torch.get_num_threads(), "wall_s": time.perf_counter() - started,
        "train_gflops": train_gflops, "eval_gflops": eval_gflops,
        "matmul_peak_gflops": matmul_peak_gflops(256 if tiny else 2048),
    }


def matmul_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    """What this machine's cores reach on one large float32 matrix product: the ceiling for the model's
    FLOPs."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b                                                   # warm-up
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def measured(recipe: dict, tiny: bool) -> dict:
    """One recipe measured in a fresh process, so that its peak memory is its own. `--tiny` only checks that
    the bench runs (the tests): it measures every recipe in this process, its peak memory the process's so
    far."""
    if tiny:
        import torch

        threads = torch.get_num_threads()
        try:
            return measure(recipe, tiny)
        finally:
            torch.set_num_threads(threads)         # the one_thread recipe's setting, not the next recipe's
    command = [sys.executable, __file__, "--measure", recipe["name"]]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"recipe {recipe['name']} failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def run_all(tiny: bool, out: Path) -> dict:
    rows = []
    for recipe in recipes():
        print(f"measuring: {recipe['label']} ...", flush=True)
        rows.append({**measured(recipe, tiny), "tried": recipe.get("tried", False)})
    main = [row for row in rows if not row.get("tried")]
    guide, course = main[0], main[-1]
    every_weight = next(row for row in rows if row["name"] == EVERY_WEIGHT)

    def job_seconds(row):
        return (GUIDE_JOB["train_tweets"] / row["train_tweets_per_s"]
                + GUIDE_JOB["eval_tweets"] / row["eval_tweets_per_s"])

    total_gain = math.log(course["train_tweets_per_s"] / guide["train_tweets_per_s"])
    for before, row in zip([None] + main[:-1], main):
        if before:
            gain = math.log(row["train_tweets_per_s"] / before["train_tweets_per_s"])
            row["train_speedup_vs_previous"] = math.exp(gain)
            row["share_of_training_gain"] = gain / total_gain if total_gain else 0.0
    for row in rows:
        row["projected_guide_job_s"] = job_seconds(row)
        row["recipe"] = next(r for r in recipes() if r["name"] == row["name"])
        if row.get("tried"):       # against the recipe it was added to
            row["train_speedup_vs_previous"] = row["train_tweets_per_s"] / every_weight["train_tweets_per_s"]
    results = {
        "model": ("GPT2Config() defaults (full-size GPT-2 architecture)" if not tiny
                  else "tiny GPT-2 (--tiny)"),
        "parameters": course["parameters"],
        "machine": machine(),
        "tweets": {"mean_tokens": course["text_tokens_mean"], "p99_tokens": course["text_tokens_p99"],
                   "max_tokens": course["text_tokens_max"]},
        "guide_job": GUIDE_JOB,
        "train_speedup": course["train_tweets_per_s"] / guide["train_tweets_per_s"],
        "eval_speedup": course["eval_tweets_per_s"] / guide["eval_tweets_per_s"],
        "projected_guide_job_s": course["projected_guide_job_s"],
        "projected_guide_job_s_guide_recipe": guide["projected_guide_job_s"],
        "peak_rss_mb": course["peak_rss_mb"],
        "projected_full_finetune_job_s": every_weight["projected_guide_job_s"],
        "eval_train_throughput_ratio": course["eval_tweets_per_s"] / course["train_tweets_per_s"],
        "matmul_peak_gflops": course["matmul_peak_gflops"],
        "recipes": rows,
    }
    out.mkdir(parents=True, exist_ok=True)
    from finetune_course.artifacts import write_json
    write_json(out / "results.json", results)
    for edition, name in FIGURES.items():
        plot(main, out / name, "tiny GPT-2" if tiny else "full-size GPT-2", os.cpu_count(), edition=edition)
    print(report(results))
    return results


def machine() -> str:
    import platform
    cpu = platform.processor()
    # Linux names the model in /proc/cpuinfo; platform.processor() often says only "x86_64".
    if Path("/proc/cpuinfo").exists():
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(results: dict) -> str:
    rows = results["recipes"]
    lines = [
        f"Model: {results['model']}, {results['parameters']:,} parameters. Machine: {results['machine']}.",
        f"Tweets: mean {results['tweets']['mean_tokens']:.1f} GPT-2 tokens, 99th percentile "
        f"{results['tweets']['p99_tokens']:.0f}, longest {results['tweets']['max_tokens']}.",
        "Each recipe: timed over a few training steps after one warm-up step, "
        "then projected (see timed tweets).",
        "",
        f"{'recipe':<84} {'train tw/s':>10} {'eval tw/s':>10} {'GFLOP/s tr/ev':>13} "
        f"{'peak MB':>8} {'x prev':>7} {'share':>6} {'guide job':>10}",
    ]
    for row in rows:
        speedup = f"{row['train_speedup_vs_previous']:.2f}" if "train_speedup_vs_previous" in row else "-"
        share = f"{row['share_of_training_gain']:.0%}" if "share_of_training_gain" in row else "-"
        gflops = f"{row['train_gflops']:.0f}/{row['eval_gflops']:.0f}"
        lines.append(f"{row['label']:<84} {row['train_tweets_per_s']:>10.2f} "
                     f"{row['eval_tweets_per_s']:>10.2f} "
                     f"{gflops:>13} {row['peak_rss_mb']:>8.0f} {speedup:>7} {share:>6} "
                     f"{hms(row['projected_guide_job_s']):>10}")
    lines += [
        "(x prev: the training speed-up over the row above; "
        "for a lever tried alone, over the every-weight recipe.)",
        f"matmul_peak_gflops (a large float32 matrix product on all cores): "
        f"{results['matmul_peak_gflops']:.0f}",
        "",
        f"train_speedup (course / guide, training tweets per second): {results['train_speedup']:.0f}x",
        f"eval speedup: {results['eval_speedup']:.0f}x",
        f"the guide's job (1,000 tweets x 3 epochs + evaluation on 1,000): "
        f"{hms(results['projected_guide_job_s_guide_recipe'])} with the guide's recipe, "
        f"{hms(results['projected_guide_job_s'])} ({results['projected_guide_job_s']:.0f} s) "
        f"with the course's",
        f"peak_rss_mb (course's recipe): {results['peak_rss_mb']:.0f}",
        f"projected_full_finetune_job_s (every weight trained, as the guide does): "
        f"{results['projected_full_finetune_job_s']:.0f} s ({hms(results['projected_full_finetune_job_s'])})",
        f"eval_train_throughput_ratio (course's recipe, evaluation / training tweets per second): "
        f"{results['eval_train_throughput_ratio']:.1f}",
    ]
    return "\n".join(lines)


def hms(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


# The figure of a run in each edition: English, and Chinese (its texts' Chinese from plots.ZH_TEXT).
FIGURES = {"en": "throughput.png", "zh": "throughput_zh.png"}


def plot(rows: list[dict], path: Path, model: str, cores: int, *, edition: str = "en") -> None:
    """Training tweets per second of each recipe that adds a lever (log scale), its text in `edition`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from finetune_course.plots import in_edition

    shown = in_edition(edition)
    fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
    names = [shown(row["name"]) for row in rows]
    bars = ax.bar(names, [row["train_tweets_per_s"] for row in rows], color="#2c7fb8")
    ax.bar_label(bars, labels=[f"{row['train_tweets_per_s']:.2g}" for row in rows])
    ax.set_yscale("log")
    ax.set(title=shown(f"Training throughput, levers added one at a time ({model}, {cores} CPU cores)"),
           xlabel=shown("recipe (each adds one lever to the one on its left)"),
           ylabel=shown("training tweets per second (log scale)"))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_from(results_file: Path, figure: Path, edition: str) -> None:
    """Redraw a run's figure from its results file (or benchmarks/reference_run.json), in `edition`."""
    results = json.loads(results_file.read_text(encoding="utf-8"))
    main = [row for row in results["recipes"] if not row.get("tried")]
    model = "tiny GPT-2" if "tiny" in results["model"] else "full-size GPT-2"
    cores = int(results["machine"].split(" cores")[0].rsplit(" ", 1)[-1])
    plot(main, figure, model, cores, edition=edition)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a 2-layer GPT-2, to check that the bench runs")
    parser.add_argument("--out", default=None,
                        help="folder for results.json, throughput.png and throughput_zh.png "
                             "(default: build/bench)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)   # internal: measure one recipe in this process
    parser.add_argument("--plot-from", help="only redraw the figure from this results file")
    parser.add_argument("--edition", choices=sorted(FIGURES), default="en",
                        help="the redrawn figure's language (with --plot-from)")
    parser.add_argument("--figure", help="where --plot-from writes the figure")
    args = parser.parse_args(argv)
    if args.plot_from:
        plot_from(Path(args.plot_from), Path(args.figure or FIGURES[args.edition]), args.edition)
        return 0
    if args.measure:
        recipe = next(r for r in recipes() if r["name"] == args.measure)
        print(json.dumps(measure(recipe, args.tiny)))
        return 0
    from finetune_course.params import project_root
    out = Path(args.out) if args.out else project_root() / "build" / ("bench-tiny" if args.tiny else "bench")
    run_all(args.tiny, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
