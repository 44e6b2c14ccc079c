"""The bonus notebook's cheaper methods for `make seeds`: what a trained method changes in step 7's recipe,
LoRA's configuration, and the linear probe's fit.

The bonus notebook explains each one (B.1, B.2, B.5). It writes B.3's training arguments, LoRA's
`LoraConfig` and the probe's fit out in its cells, for teaching, and then trains with `trainer`; tests hold
those cells equal to `trainer`, `lora_config` and `fit_probe`, with which `make seeds`
(`finetune_course.seeds`) trains on other seeds.
"""

from __future__ import annotations

from os import PathLike

import numpy as np
from transformers import DataCollatorWithPadding, PrinterCallback, Trainer

from . import metrics, models, recipe
from .params import Settings

# The profile's learning rate times this factor for LoRA, which trains only new weights, whose update starts
# at zero; chosen by validation scores on the course's tweets (the bonus's exercise B.4 repeats that).
RATE_FACTOR = {"LoRA": 10}
# The probe's regularisation strengths (smaller: stronger), chosen from by validation macro-F1.
PROBE_C = [0.001, 0.01, 0.1, 1, 10]


def trainer(model, tokenizer, tokenized, settings: Settings, output_dir: str | PathLike,
            learning_rate: float) -> Trainer:
    """A `Trainer` for a cheaper method: step 7's recipe on the same subsets, with validation every epoch, and
    only what B.1 names changed. The bonus's B.3 builds it in the open (a test holds the two equal)."""
    steps_per_epoch = int(np.ceil(tokenized["train"].num_rows / settings.per_device_train_batch_size))
    args = recipe.training_arguments(                # step 7's arguments, but:
        settings, output_dir, steps_per_epoch,
        learning_rate=learning_rate,                 # the method's own (B.1)
        # No checkpoints: the last epoch is kept (B.1).
        save_strategy="no", load_best_model_at_end=False,
        # A peft model hides the labels from the Trainer's look at forward().
        label_names=["labels"],
        logging_strategy="epoch",                    # the training loss once per epoch, beside validation's
        disable_tqdm=True,                           # quiet: the caller prints one line per method
    )
    return quiet_trainer(model, tokenizer, tokenized, args)


def quiet_trainer(model, tokenizer, tokenized, args) -> Trainer:
    """A `Trainer` on the subsets, validated on "validation", that prints no log dicts (its caller prints one
    line per run): the methods' and, in `make seeds`, step 7's."""
    quiet = Trainer(model=model, args=args,
                    train_dataset=tokenized["train"], eval_dataset=tokenized["validation"],
                    data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer,
                    compute_metrics=metrics.compute_metrics)
    quiet.remove_callback(PrinterCallback)           # it would print every log dict
    return quiet


def lora_config(model, **changes):
    """B.5's `LoraConfig` for this model, with `changes` replacing any of its values by name."""
    from peft import LoraConfig, TaskType
    from transformers.pytorch_utils import Conv1D

    pooler = getattr(model.base_model, "pooler", None)      # BERT's pooler; GPT-2 has none
    first_block = models.transformer_blocks(model)[0]
    values = dict(
        task_type=TaskType.SEQ_CLS,          # sequence classification: the new head trains in full too
        r=8,                                 # the rank of each update BA
        lora_alpha=16,                       # the update is scaled by alpha / r = 2
        lora_dropout=0.1,                    # dropout on the adapters' input, as in peft's examples
        target_modules=models.lora_targets(model),
        modules_to_save=["pooler"] if pooler is not None else None,    # trains in full, as in B.3 and B.4
        # GPT-2's Conv1D layers store their weights transposed
        fan_in_fan_out=any(isinstance(layer, Conv1D) for layer in first_block.modules()),
    )
    return LoraConfig(**{**values, **changes})


def fit_probe(features: dict, labels: dict, n_labels: int, grid=PROBE_C):
    """B.2's linear probe: a logistic regression on the "train" features, scaled to mean 0 and spread 1, for
    each C of `grid`; the C with the best "validation" macro-F1 wins (the first, on a tie).
    Returns (the probe, the scaler, {C: validation macro-F1})."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(features["train"])
    scaled = scaler.transform(features["train"])
    fits = {c: LogisticRegression(C=c, max_iter=2000).fit(scaled, labels["train"]) for c in grid}
    validation_f1 = {c: metrics.macro_f1(fit.predict(scaler.transform(features["validation"])),
                                         labels["validation"], list(range(n_labels)))
                     for c, fit in fits.items()}
    return fits[max(validation_f1, key=validation_f1.get)], scaler, validation_f1
