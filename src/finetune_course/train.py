"""From notebook to job: step 7's training as one command, on one CPU or on many processes and GPUs.

    python -m finetune_course.train [--profile NAME] [--params FILE.yaml]    # or: make train
    torchrun --standalone --nproc_per_node 2 -m finetune_course.train [...]  # or: make train PROCS=2
    accelerate launch --num_processes 2 -m finetune_course.train [...]      # without GPUs: add --multi_gpu

It reads the notebooks' profiles and parameters files, loads and checks the data as step 3 does, tokenizes
as step 4, builds the model as step 5, scores with step 6's metrics and trains with step 7's
`TrainingArguments`; it writes what step 7 writes (`model/` with its `training.json`, and `metrics.json`, in
the artifacts folder), checkpoints every epoch, resumes an interrupted run, and logs to TensorBoard
(`make tensorboard`).
Under `torchrun` or `accelerate launch` every process runs this file: the `Trainer` gives each its share
of every batch and averages their gradients (PyTorch's DistributedDataParallel); only the main process
writes files and prints.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch
import transformers
from accelerate import PartialState
from accelerate.utils import broadcast_object_list
from datasets import DatasetDict, load_dataset
from sklearn.metrics import f1_score
from transformers import AutoTokenizer, DataCollatorWithPadding, Trainer, set_seed
from transformers.trainer_utils import get_last_checkpoint

from . import artifacts, data, hide_loading_bars, measure, metrics, models, recipe, resolve_settings
from .hub import set_offline_mode
from .params import CourseInputError, Settings, read_parameters_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", help="full, offline, smoke or auto (default: COURSE_PROFILE, else auto)")
    parser.add_argument("--params", help="a YAML file of parameters that override the profile's")
    args = parser.parse_args(argv)
    # Under a launcher: joins the other processes (NCCL between GPUs; gloo between CPU processes, which
    # accelerate sets up only when told to use the CPU).
    state = PartialState(cpu=not torch.cuda.is_available())
    if not state.is_main_process:    # the main process speaks for all; the others report errors only
        sys.stdout = open(os.devnull, "w")
        transformers.logging.set_verbosity_error()
    try:
        if args.params:              # read as the notebooks read it, through COURSE_PARAMS
            read_parameters_file(args.params)
            os.environ["COURSE_PARAMS"] = str(Path(args.params).resolve())
        settings = decided_settings(state, args.profile)
        set_offline_mode(not settings.hub_online)     # no Hub in this run: never wait on it
        results = train(settings, state)
    except CourseInputError as err:  # every process meets the same bad input; one says so
        if state.is_main_process:
            print(f"\nERROR: {err}", file=sys.stderr)
        return 2
    finally:
        state.destroy_process_group()
    print(f"Test accuracy {results['test_accuracy']:.1%} "
          f"(95% interval {results['test_accuracy_interval'][0]:.1%}–"
          f"{results['test_accuracy_interval'][1]:.1%}), macro-F1 {results['test_macro_f1']:.1%}, "
          f"on {results['test_size']} test examples; trained in {results['train_runtime_s']:.0f} s "
          f"on {results['processes']} process{'es' if results['processes'] > 1 else ''}.\n"
          f"Saved: {settings.path('model')} and {settings.path('metrics.json')}. "
          f"Learning curves: make tensorboard LOGDIR={settings.path('runs')}")
    return 0


def train(settings: Settings, state: PartialState) -> dict:
    """Steps 3 to 7 without the explanations; returns what it writes to metrics.json."""
    hide_loading_bars()              # the Trainer's own progress bars stay
    with state.main_process_first():       # the main process fills the caches, then the others read them
        splits, label_names = load_splits(settings)
        tokenizer = AutoTokenizer.from_pretrained(models.model_source(settings))
        tokenized, max_length = tokenize(splits, tokenizer, settings)
    script = models.script_note(settings, splits["train"][settings.text_column], tokenizer)
    if script:                       # texts in a script the tokenizer does not know: say so before training
        print(script, flush=True)
    check_processes(tokenized, state.num_processes)
    # Step 5: labels, pad id, a seeded head (which transformers' LOAD REPORT lists as MISSING: it is new).
    model = models.load_classifier(settings, tokenizer, label_names)
    models.freeze_bottom(model, settings.frozen_layers)

    processes = state.num_processes
    global_batch = settings.per_device_train_batch_size * processes        # what one optimizer step sees
    if processes > 1:
        print(f"{processes} processes ({state.backend}): per-process batch "
              f"{settings.per_device_train_batch_size}, global batch {global_batch}")
    log_dir = settings.path("runs", f"{time.strftime('%Y%m%d-%H%M%S')}-{processes}proc")
    on_device = device_options(processes)
    trainer = training_trainer(model, tokenizer, tokenized, settings, global_batch, log_dir, on_device)
    last_checkpoint = resume_point(settings, state)
    set_seed(settings.seed)
    train_result = trainer.train(resume_from_checkpoint=last_checkpoint)
    test_output = test_once(trainer.model, tokenizer, tokenized["test"], settings, on_device)

    results = {
        "trained_by": "finetune_course.train",
        **data_facts(settings, tokenized, label_names, max_length),
        "processes": processes,
        "per_device_train_batch_size": settings.per_device_train_batch_size,
        "global_train_batch_size": global_batch,
        "device": trainer.args.device.type,
        "mixed_precision": "bf16" if on_device["bf16"] else "fp16" if on_device["fp16"] else "no",
        **test_scores(test_output, label_names, settings.seed),
        **training_facts(trainer, train_result),
        "resumed_from_checkpoint": last_checkpoint is not None,
        "test_examples_per_s": test_output.metrics["test_samples_per_second"],
        "tensorboard_log_dir": str(log_dir),
    }
    # One process writes; the others have the same model.
    if state.is_main_process:
        with artifacts.step_output(settings, "model") as folder:
            # The best epoch's weights (load_best_model_at_end).
            trainer.model.save_pretrained(str(folder))
            tokenizer.save_pretrained(str(folder))
            # What step 7's part 2 reads of the training, as part 1 writes it: the notebook can evaluate it.
            artifacts.write_json(folder / "training.json",
                                 training_record(trainer, results, folder, tokenized["validation"].num_rows))
        artifacts.write_json(settings.path("metrics.json"), results)
        # Not part 2's results file (no baselines): a notebook that needs that one makes it again.
        artifacts.record_of(settings, "metrics.json").unlink(missing_ok=True)
        shutil.rmtree(settings.path("checkpoints"), ignore_errors=True)   # finished: nothing to resume
    return results


def training_trainer(model, tokenizer, tokenized: DatasetDict, settings: Settings, global_batch: int,
                     log_dir: Path, on_device: dict) -> Trainer:
    """Step 7's `Trainer`, with step 7's arguments (`recipe.training_arguments`, value for value) and only
    what differs here, each named."""
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(log_dir)    # where report_to="tensorboard" writes
    steps_per_epoch = int(np.ceil(tokenized["train"].num_rows / global_batch))  # over all processes
    training_args = recipe.training_arguments(
        settings, settings.path("checkpoints"), steps_per_epoch,
        report_to="tensorboard",                            # step 7: "none"; here a record, in log_dir
        # Two settings for several processes. Each process averages the loss over its share of the batch and
        # DDP averages the gradients: that is the mean over the whole batch. The Trainer's token-count
        # averaging (for language modelling) would multiply the loss by the number of processes, which this
        # classifier's plain mean does not undo. And every trained weight gets a gradient: no search for
        # unused ones.
        average_tokens_across_devices=False,
        ddp_find_unused_parameters=False,
        log_level_replica="error",                          # as above: the other processes report errors only
        **on_device,                                        # mixed precision on a GPU; several CPU processes
    )
    return Trainer(model=model, args=training_args, train_dataset=tokenized["train"],
                   eval_dataset=tokenized["validation"], data_collator=DataCollatorWithPadding(tokenizer),
                   processing_class=tokenizer, compute_metrics=metrics.EpochEvaluations())   # as step 7


def resume_point(settings: Settings, state: PartialState) -> str | None:
    """The last checkpoint of an interrupted training with these settings, or None (start afresh)."""
    processes = state.num_processes
    also = {"processes": processes} if processes > 1 else None  # another global batch: another training
    if state.is_main_process:
        removed_because = artifacts.discard_stale_checkpoints(settings, also)   # other settings: start afresh
        if removed_because:
            print(f"Removed the checkpoints of an unfinished training with other settings: {removed_because}")
    state.wait_for_everyone()
    last_checkpoint = get_last_checkpoint(str(settings.path("checkpoints")))
    if last_checkpoint:
        print(f"Resuming the interrupted training from {last_checkpoint}")
    return last_checkpoint


def test_once(model, tokenizer, test, settings: Settings, on_device: dict):
    """The test set once, in row order: a Trainer without length grouping (step 7's trap), its batches shared
    out between the processes and gathered back, the repeats that evened out the last batches dropped."""
    evaluator = recipe.evaluation_trainer(model, tokenizer, settings, settings.path("test_eval"),
                                          **on_device)       # as the training: mixed precision, CPU processes
    test_output = metrics.predict_in_row_order(evaluator, test, metric_key_prefix="test")
    if not np.array_equal(test_output.label_ids, np.array(test["labels"])):
        raise RuntimeError("the gathered test predictions are not the test set's rows in order")
    return test_output


def data_facts(settings: Settings, tokenized: DatasetDict, label_names: list[str], max_length: int) -> dict:
    test_labels = np.array(tokenized["test"]["labels"])
    return {
        "profile": settings.profile,
        "model_name": settings.model_name,
        "dataset_name": settings.dataset_name,
        "train_size": tokenized["train"].num_rows,
        "validation_size": tokenized["validation"].num_rows,
        "test_size": len(test_labels),
        "label_names": label_names,
        "test_label_counts": np.bincount(test_labels, minlength=len(label_names)).tolist(),
        "max_length": max_length,
        "num_train_epochs": settings.num_train_epochs,
        "learning_rate": settings.learning_rate,
        "seed": settings.seed,
    }


def test_scores(test_output, label_names: list[str], seed: int) -> dict:
    """Accuracy and macro-F1 with their bootstrap intervals, and F1 per class, as step 7 reports them."""
    predictions, labels = test_output.predictions.argmax(axis=-1), test_output.label_ids
    intervals = metrics.bootstrap_intervals(predictions, labels, seed=seed)
    per_class = f1_score(labels, predictions, labels=range(len(label_names)), average=None, zero_division=0)
    return {
        "test_accuracy": intervals["accuracy"][0],
        "test_accuracy_interval": list(intervals["accuracy"][1:]),
        "test_macro_f1": intervals["macro_f1"][0],
        "test_macro_f1_interval": list(intervals["macro_f1"][1:]),
        "per_class_f1": dict(zip(label_names, per_class.tolist())),
    }


def training_facts(trainer: Trainer, train_result) -> dict:
    epochs = [entry for entry in trainer.state.log_history if "eval_loss" in entry]
    best = trainer.state.best_metric
    return {
        "validation_loss_per_epoch": [entry["eval_loss"] for entry in epochs],
        "best_epoch": next(round(e["epoch"]) for e in epochs if e["eval_macro_f1"] == best),
        "best_validation_macro_f1": best,
        "train_runtime_s": train_result.metrics["train_runtime"],
        "train_examples_per_s": train_result.metrics["train_samples_per_second"],
    }


def training_record(trainer: Trainer, results: dict, folder: Path, validation_size: int) -> dict:
    """training.json, beside the saved weights: step 7's part 1 writes it, part 2 reads it. This command runs
    no learning-rate sweep and measures no memory or other load: those are None."""
    history = trainer.state.log_history
    curves = metrics.learning_curve_verdict(history, validation_size, trainer.compute_metrics.evaluations,
                                            seed=trainer.args.seed)      # step 7.6's reading of the curves
    trainable, parameters = measure.trainable_parameters(trainer.model)
    return {
        "num_train_epochs": results["num_train_epochs"],
        "learning_rate_sweep": None,
        "validation_loss_per_epoch": results["validation_loss_per_epoch"],
        "validation_accuracy_per_epoch": [entry["eval_accuracy"] for entry in history
                                          if "eval_loss" in entry],
        "learning_curve_verdict": curves["verdict"],
        "learning_curve": curves,
        **{key: results[key] for key in ("best_epoch", "best_validation_macro_f1", "resumed_from_checkpoint",
                                         "train_runtime_s")},
        "train_memory_added_mb": None,
        "train_other_load": None,
        "trainable_parameters": trainable,
        "parameters": parameters,
        "train_examples_per_s": results["train_examples_per_s"],
        "model_weights_sha256": artifacts.weights_sha256(folder),
    }


def decided_settings(state: PartialState, profile: str | None) -> Settings:
    """The run's settings. The main process decides the profile (for `auto`, one quick Hub probe) and shows
    the banner; the other processes take its decision, so that they can never train on another model or
    data."""
    decision = [None]
    if state.is_main_process:
        try:
            settings = resolve_settings(profile=profile)
            decision = [settings.handed_on()]
            print(settings.banner(), flush=True)
        except CourseInputError as err:
            decision = [err]
    broadcast_object_list(decision)
    if isinstance(decision[0], CourseInputError):
        raise decision[0]
    if state.is_main_process:
        return settings
    os.environ.update(decision[0])       # as the chain hands its decision to the notebooks
    return resolve_settings()


def load_splits(settings: Settings) -> tuple[DatasetDict, list[str]]:
    """Step 3: load and check the data, normalise whitespace, drop empty texts, carve
    train/validation/test."""
    source = data.dataset_source(settings)
    with data.explain_load_errors(source):
        raw = load_dataset(source.path, data_files=source.data_files)
    raw, label_names = data.check_and_prepare(raw, settings)
    text = settings.text_column
    normalised = raw.map(lambda batch: {text: [" ".join((t or "").split()) for t in batch[text]]},
                         batched=True)
    clean = data.drop_empty_texts(normalised, text)
    return recipe.split_subsets(clean, settings), label_names


def tokenize(splits: DatasetDict, tokenizer, settings: Settings) -> tuple[DatasetDict, int]:
    """Step 4: a pad token where the model has none, max_length from the data, no padding (the collator
    pads)."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    lengths = [len(ids) for ids in tokenizer(list(splits["train"][settings.text_column]))["input_ids"]]
    max_length = recipe.choose_max_length(lengths, tokenizer.model_max_length, given=settings.max_length)
    tokenized = splits.map(lambda batch: tokenizer(batch[settings.text_column], truncation=True,
                                                   max_length=max_length),
                           batched=True,
                           remove_columns=[c for c in splits["train"].column_names
                                           if c != settings.label_column])
    if settings.label_column != "labels":
        tokenized = tokenized.rename_column(settings.label_column, "labels")
    return tokenized, max_length


def check_processes(tokenized: DatasetDict, processes: int) -> None:
    """Each process needs examples of its own: with fewer than processes, the launcher would repeat them."""
    short = {split: ds.num_rows for split, ds in tokenized.items() if ds.num_rows < processes}
    if short:
        raise CourseInputError(
            f"{processes} processes, but only "
            f"{', '.join(f'{n} {split}' for split, n in short.items())} example(s): "
            "every process needs examples of its own. "
            "Launch fewer processes (--nproc_per_node / --num_processes), "
            "or give more data (train_size, validation_size, test_size).")


def device_options(processes: int) -> dict:
    """On a CUDA GPU: mixed precision, bf16 where the GPU supports it, else fp16 with loss scaling (step 7
    computes in 32 bits everywhere). Without one: neither (the Trainer refuses fp16 on a CPU); and with
    several processes `use_cpu`, without which the Trainer would not share the work out between them."""
    if not torch.cuda.is_available():
        return {"bf16": False, "fp16": False, "use_cpu": processes > 1}
    bf16 = torch.cuda.is_bf16_supported()
    return {"bf16": bf16, "fp16": not bf16, "use_cpu": False}

if __name__ == "__main__":
    sys.exit(main())
