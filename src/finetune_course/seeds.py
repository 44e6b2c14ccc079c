"""Across seeds: step 7's recipe and the bonus's cheaper methods, each trained again on several seeds.

    python -m finetune_course.seeds [--profile NAME] [--params FILE.yaml] [--seeds 3]    # or: make seeds

A seed sets the order of the training batches, dropout, the new head's first weights and LoRA's new
matrices. The data does not change: the train, validation and test subsets are drawn with the profile's seed
on every run, and only the training's seed moves (the profile's, then the next ones). So the spread of a
method's test accuracy across seeds is what training randomness alone does, on the same tweets; the bootstrap
95% interval of one seed's accuracy is the other uncertainty: which tweets the test subset happened to draw,
for that one trained model.

Each method trains as the notebooks train it: every weight with step 7's recipe (its best epoch kept), the
lower half frozen and LoRA with the bonus's `methods.trainer`, the linear probe with `methods.fit_probe`.
`seeds.json` in the artifacts folder records the results, and `seeds.made_with.json` beside it the settings
and the data they were measured with; the notebooks show the table only when both match their own run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import psutil
import transformers
from peft import get_peft_model
from transformers import AutoTokenizer, set_seed

from . import artifacts, hide_loading_bars, messages, methods, metrics, models, recipe, resolve_settings
from .hub import set_offline_mode
from .params import CourseInputError, Settings, read_parameters_file
from .train import load_splits, tokenize

NAME = "seeds.json"                  # the results file, in the artifacts folder
SPREAD = "sample standard deviation (n - 1) and min-max across seeds"


def reference_name(settings: Settings) -> str:
    """The row of step 7's recipe, named as the bonus names it."""
    return ("every weight" if settings.frozen_layers == 0
            else f"step 7 ({settings.frozen_layers} blocks frozen)")


def summary(per_seed: list[dict]) -> dict:
    """One method's test accuracies across seeds: their mean, sample standard deviation, min and max, beside
    the runs themselves (each: seed, test accuracy, its bootstrap 95% interval, training seconds)."""
    accuracies = np.array([run["test_accuracy"] for run in per_seed])
    return {"test_accuracy_mean": float(accuracies.mean()),
            "test_accuracy_sd": float(accuracies.std(ddof=1)),       # sample SD: n - 1
            "test_accuracy_min": float(accuracies.min()), "test_accuracy_max": float(accuracies.max()),
            "train_runtime_s_mean": float(np.mean([run["train_runtime_s"] for run in per_seed])),
            "per_seed": per_seed}


def table(results: dict, only: list[str] | None = None) -> str:
    """The results as a markdown table, one row per method (`only`: those methods): the mean and spread of its
    test accuracy across seeds, beside the first seed's accuracy with its bootstrap 95% interval."""
    seeds = results["seeds"]
    lines = [f"| method | mean test accuracy ({len(seeds)} seeds) | sample SD | min–max "
             f"| each seed ({', '.join(map(str, seeds))}) | seed {seeds[0]}: 95% bootstrap interval "
             "| training, mean |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for method, row in results["methods"].items():
        if only is not None and method not in only:
            continue
        first = row["per_seed"][0]
        low, high = first["test_accuracy_interval"]
        each_seed = ", ".join(f"{run['test_accuracy']:.1%}" for run in row["per_seed"])
        lines.append(
            f"| {method} | {row['test_accuracy_mean']:.1%} | {row['test_accuracy_sd'] * 100:.1f} points "
            f"| {row['test_accuracy_min']:.1%}–{row['test_accuracy_max']:.1%} "
            f"| {each_seed} "
            f"| {first['test_accuracy']:.1%} ({low:.1%}–{high:.1%}) | {row['train_runtime_s_mean']:.1f} s |")
    return "\n".join(lines)


def show(settings: Settings, tokenized, only: list[str] | None = None) -> dict | None:
    """Under a notebook's cell: the table, when `make seeds` measured it with these settings on this data (the
    notebook's `tokenized` subsets); otherwise a note that says how to measure it. Returns the results, or
    None."""
    from IPython.display import Markdown, display

    from .plots import callout

    path = settings.path(NAME)
    measured_here = {"data_sha256": artifacts.data_fingerprint(tokenized)}
    if not path.is_file() or artifacts.changed_settings(settings, NAME, measured_here) is not None:
        callout(messages.say("seeds_missing", settings.edition, profile=settings.profile))
        return None
    results = artifacts.read_json(path)
    display(Markdown(table(results, only)))
    return results


def save(settings: Settings, results: dict, fingerprint: str) -> Path:
    """Write seeds.json, and beside it the settings and the data (its fingerprint) it was measured with."""
    return artifacts.write_result(settings, NAME, results, also={"data_sha256": fingerprint})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", help="full, offline, smoke or auto (default: COURSE_PROFILE, else auto)")
    parser.add_argument("--params", help="a YAML file of parameters that override the profile's")
    parser.add_argument("--seeds", type=int, default=3, help="how many: the profile's seed and the next ones")
    args = parser.parse_args(argv)
    try:
        if args.seeds < 2:
            raise CourseInputError(f"--seeds {args.seeds}: a spread needs at least 2 seeds.")
        if args.params:              # read as the notebooks read it, through COURSE_PARAMS
            read_parameters_file(args.params)
            os.environ["COURSE_PARAMS"] = str(Path(args.params).resolve())
        settings = resolve_settings(profile=args.profile)
        print(settings.banner(), flush=True)
        seeds = [settings.seed + i for i in range(args.seeds)]
        print(f"training seeds: {', '.join(map(str, seeds))} | the subsets: seed {settings.seed}, every run",
              flush=True)
        results, fingerprint = measure(settings, seeds)
    except CourseInputError as err:
        print(f"\nERROR: {err}", file=sys.stderr)
        return 2
    results["run_time_s"] = time.time() - psutil.Process().create_time()     # the whole command, imports too
    path = save(settings, results, fingerprint)
    print(f"\n{table(results)}\n")
    print(f"SD: {SPREAD}.")
    print(f"Written: {path} | run time: {results['run_time_s']:.0f} s")
    return 0


def measure(settings: Settings, seeds: list[int]) -> tuple[dict, str]:
    """Every method on every seed, on the subsets drawn with the profile's seed: (the results, the data's
    fingerprint)."""
    set_offline_mode(not settings.hub_online)
    hide_loading_bars()
    # Each loading would print transformers' report (the new head, MISSING): step 5 shows it once.
    transformers.logging.set_verbosity_error()
    # peft 0.21 asks transformers 5 for a renamed attribute; harmless (the bonus's B.5 says so).
    warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
    splits, label_names = load_splits(settings)                      # step 3's subsets: the profile's seed
    tokenizer = AutoTokenizer.from_pretrained(models.model_source(settings))
    tokenized, _ = tokenize(splits, tokenizer, settings)
    scratch = settings.path("seeds_runs")
    probe = ProbeFeatures(settings, tokenizer, tokenized, label_names)
    runs: dict[str, list[dict]] = {}
    try:
        for seed in seeds:
            seeded = dataclasses.replace(settings, seed=seed)        # the training's seed only
            trained = Training(seeded, tokenizer, tokenized, label_names, scratch)
            for method, train in ((reference_name(settings), trained.every_weight),
                                  ("lower half frozen", trained.lower_half_frozen), ("LoRA", trained.lora),
                                  ("linear probe", probe.fit)):
                predictions, seconds = train()
                run = scored(seed, predictions, tokenized, seconds, settings.seed)
                runs.setdefault(method, []).append(run)
                print(f"seed {seed} | {method}: test accuracy {run['test_accuracy']:.1%} | {seconds:.1f} s",
                      flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)                   # checkpoints: nothing to resume
    results = {
        "profile": settings.profile, "model_name": settings.model_name,
        "dataset_name": settings.dataset_name,
        **{f"{split}_size": tokenized[split].num_rows for split in ("train", "validation", "test")},
        "num_train_epochs": settings.num_train_epochs, "learning_rate": settings.learning_rate,
        "subsets_seed": settings.seed, "seeds": seeds,
        "seed_changes": "training batch order, dropout, the new head's first weights, LoRA's new matrices",
        "spread": SPREAD,
        "methods": {method: summary(per_seed) for method, per_seed in runs.items()},
    }
    return results, artifacts.data_fingerprint(tokenized)


def scored(seed: int, predictions, tokenized, seconds: float, bootstrap_seed: int) -> dict:
    """One run's test scores, with the bootstrap interval the notebooks draw (resampled with the profile's
    seed, so that the profile's own seed gives step 7's interval)."""
    intervals = metrics.bootstrap_intervals(predictions, np.array(tokenized["test"]["labels"]),
                                            seed=bootstrap_seed)
    return {"seed": seed, "test_accuracy": intervals["accuracy"][0],
            "test_accuracy_interval": list(intervals["accuracy"][1:]),
            "test_macro_f1": intervals["macro_f1"][0], "train_runtime_s": seconds}


class Training:
    """The methods that train, on one seed, each from a newly loaded model (step 5's, with this seed's head),
    as the notebooks train them. Each returns (test predictions, training seconds)."""

    def __init__(self, seeded: Settings, tokenizer, tokenized, label_names: list[str], scratch: Path):
        self.seeded, self.tokenizer, self.tokenized = seeded, tokenizer, tokenized
        self.label_names, self.scratch = label_names, scratch

    def fresh_model(self):
        return models.load_classifier(self.seeded, self.tokenizer, self.label_names)

    def every_weight(self):
        """Step 7's recipe, as 07a trains it: checkpoints every epoch, the best epoch kept (and the lowest
        `frozen_layers` blocks frozen, where the settings ask for it, as step 7 does)."""
        model = self.fresh_model()
        models.freeze_bottom(model, self.seeded.frozen_layers)
        rows, batch = self.tokenized["train"].num_rows, self.seeded.per_device_train_batch_size
        args = recipe.training_arguments(self.seeded, self.scratch / "every_weight",
                                         int(np.ceil(rows / batch)), disable_tqdm=True)
        return self.trained(methods.quiet_trainer(model, self.tokenizer, self.tokenized, args))

    def lower_half_frozen(self):
        model = self.fresh_model()
        models.freeze_bottom(model, len(models.transformer_blocks(model)) // 2)
        return self.trained(methods.trainer(model, self.tokenizer, self.tokenized, self.seeded,
                                            self.scratch / "lower_half_frozen", self.seeded.learning_rate))

    def lora(self):
        model = self.fresh_model()
        lora_model = get_peft_model(model, methods.lora_config(model))
        return self.trained(methods.trainer(lora_model, self.tokenizer, self.tokenized, self.seeded,
                                            self.scratch / "LoRA",
                                            methods.RATE_FACTOR["LoRA"] * self.seeded.learning_rate))

    def trained(self, trainer) -> tuple[np.ndarray, float]:
        """Train (the seed set right before, as step 7 and the bonus set it), then predict the test subset in
        row order with an evaluation Trainer (step 7's trap)."""
        set_seed(self.seeded.seed)
        result = trainer.train()
        evaluator = recipe.evaluation_trainer(trainer.model, self.tokenizer, self.seeded,
                                              self.scratch / "test_eval", disable_tqdm=True)
        logits = metrics.predict_in_row_order(evaluator, self.tokenized["test"]).predictions
        return logits.argmax(axis=-1), result.metrics["train_runtime"]


class ProbeFeatures:
    """The linear probe's pooled features of the frozen body, computed once: the seed changes only the new
    head, which the probe never reads, and the pretrained body runs without dropout (B.2)."""

    def __init__(self, settings: Settings, tokenizer, tokenized, label_names: list[str]):
        start = time.perf_counter()
        body = models.load_classifier(settings, tokenizer, label_names)
        pooling = models.PROBE_POOLING[models.model_facts(settings).decoder]
        self.features = {split: models.pooled_features(body, tokenized[split], tokenizer, pooling)
                         for split in ("train", "validation")}
        self.seconds = time.perf_counter() - start                  # the probe's forward passes, as B.2 times
        self.features["test"] = models.pooled_features(body, tokenized["test"], tokenizer, pooling)
        self.labels = {split: np.array(tokenized[split]["labels"]) for split in ("train", "validation")}
        self.n_labels = len(label_names)

    def fit(self) -> tuple[np.ndarray, float]:
        """B.2's fit (`methods.fit_probe`), timed with the forward passes, as B.2 times it."""
        start = time.perf_counter()
        probe, scaler, _ = methods.fit_probe(self.features, self.labels, self.n_labels)
        seconds = self.seconds + time.perf_counter() - start
        return probe.predict(scaler.transform(self.features["test"])), seconds


if __name__ == "__main__":
    sys.exit(main())
