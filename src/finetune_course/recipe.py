"""The course's recipe, in one place: the subsets (step 3), `max_length` (step 4), the evaluation `Trainer`
(step 6) and the training arguments (step 7).

The notebooks show the `max_length` rule, the evaluation `Trainer` and the `TrainingArguments` in the open;
the functions below give the very same (tests/test_recipe.py holds them equal). Everything else that
trains or evaluates calls these functions and names only what it does differently: step 7's learning-rate
sweep, the bonus notebook, `make train` and `make bench`.
"""

from __future__ import annotations

from os import PathLike

import numpy as np
import torch
from datasets import Dataset, DatasetDict
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

from . import data, metrics
from .params import Settings


def split_subsets(clean: DatasetDict, settings: Settings) -> DatasetDict:
    """Step 3's subsets. Validation comes from the rest of the shuffled train split, so that every choice
    made while training is made without the test subset; sizes larger than the data are capped
    (validation takes at most a fifth of train)."""
    shuffled_train = clean["train"].shuffle(seed=settings.seed)
    n_validation = data.cap_size(settings.validation_size, shuffled_train.num_rows // 5, "validation_size")
    n_train = data.cap_size(settings.train_size, shuffled_train.num_rows - n_validation, "train_size")
    return DatasetDict({
        "train": shuffled_train.select(range(n_train)),                       # the guide's call
        "validation": shuffled_train.select(range(n_train, n_train + n_validation)),
        "test": subset_of_test(clean["test"], settings),
    })


def subset_of_test(test: Dataset, settings: Settings) -> Dataset:
    """The test subset: the guide's shuffle-and-select, capped at the rows there are. Step 1's baselines take
    it from here too, so that every score of the course is measured on the same rows."""
    n_test = data.cap_size(settings.test_size, test.num_rows, "test_size")
    return test.shuffle(seed=settings.seed).select(range(n_test))


def choose_max_length(lengths, model_limit: int, given: int | None = None) -> int:
    """Step 4's rule, unless a `max_length` is given: the 99th percentile of the token lengths plus 25%
    headroom for the rare longer text, rounded up to a multiple of 8, within what the model can take."""
    return given or int(min(model_limit, 8 * np.ceil(np.percentile(lengths, 99) * 1.25 / 8)))


def training_arguments(settings: Settings, output_dir: str | PathLike, steps_per_epoch: int,
                       **differences) -> TrainingArguments:
    """Step 7's `TrainingArguments` (7.2 explains each), with `differences` replacing any of them by name.
    `steps_per_epoch`, the optimizer's steps in one epoch, spaces the points of the loss curve."""
    arguments = dict(
        output_dir=str(output_dir),
        num_train_epochs=settings.num_train_epochs,
        per_device_train_batch_size=settings.per_device_train_batch_size,
        per_device_eval_batch_size=settings.per_device_eval_batch_size,
        gradient_accumulation_steps=1,
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_steps,             # a float below 1: a share of all steps
        weight_decay=settings.weight_decay,
        optim="adamw_torch_fused",                      # AdamW, each weight tensor updated in one pass
        train_sampling_strategy="group_by_length",
        eval_strategy="epoch",
        save_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        logging_strategy="steps",
        logging_steps=max(1, steps_per_epoch // 5),     # about five points per epoch on the loss curve
        seed=settings.seed,
        data_seed=settings.seed,
        report_to="none",                               # no experiment-tracking service
        dataloader_pin_memory=torch.cuda.is_available(),  # pinning memory only helps a GPU
    )
    return TrainingArguments(**{**arguments, **differences})


def evaluation_arguments(settings: Settings, output_dir: str | PathLike, **differences) -> TrainingArguments:
    """The arguments of a `Trainer` that only evaluates (step 6 shows them): no training arguments, so no
    length grouping, which would reorder the predictions (step 7's trap)."""
    arguments = dict(output_dir=str(output_dir), report_to="none",
                     per_device_eval_batch_size=settings.per_device_eval_batch_size,
                     dataloader_pin_memory=torch.cuda.is_available())
    return TrainingArguments(**{**arguments, **differences})


def evaluation_trainer(model, tokenizer, settings: Settings, output_dir: str | PathLike,
                       **differences) -> Trainer:
    """A plain `Trainer` that only evaluates, for predictions in the rows' order (`predict_in_row_order`
    groups the rows by length itself); `differences` replace its `evaluation_arguments` by name."""
    return Trainer(model=model, args=evaluation_arguments(settings, output_dir, **differences),
                   data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer,
                   compute_metrics=metrics.compute_metrics)
