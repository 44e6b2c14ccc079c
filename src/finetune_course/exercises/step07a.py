"""Step 7's (part 1) checked exercises: the right answers, from the run's training arguments, sweep and
`trainer.state.log_history`."""

import copy
import math

from . import choice, function, number


@number("7a.1", tolerance=0, hint={
    "en": "steps per epoch: training tweets over the batch size, rounded up; times the epochs.",
    "zh": "每轮的步数是训练推文数除以批量大小，向上取整；再乘以轮数。",
})
def steps_with_twice_the_batch(settings, training_args, train_dataset):
    per_epoch = math.ceil(train_dataset.num_rows / (2 * training_args.train_batch_size))
    return math.ceil(training_args.num_train_epochs * per_epoch)


@number("7a.2", tolerance=0.002, hint={
    "en": "the sweep's highest validation macro-F1 minus the one-label floor, both printed in section 7.3.",
    "zh": "用扫描中最高的验证集宏平均 F1 减去单一标签下限，两者都在 7.3 节打印出来了。",
})
def sweep_margin_over_the_floor(settings, sweep, floor):
    return max(sweep.values()) - floor


def _logs_of_this_run(settings, log_history):
    """This run's log, then copies whose validation macro-F1s are reversed, all equal, and rising."""
    evaluations = [i for i, entry in enumerate(log_history) if "eval_macro_f1" in entry]
    scores = [log_history[i]["eval_macro_f1"] for i in evaluations]

    def with_scores(new_scores):
        changed = copy.deepcopy(log_history)
        for i, score in zip(evaluations, new_scores):
            changed[i]["eval_macro_f1"] = score
        return changed

    return [(log_history,), (with_scores(scores[::-1]),), (with_scores([0.5] * len(scores)),),
            (with_scores([0.1 * (i + 1) for i in range(len(scores))]),)]


@function("7a.3", cases=_logs_of_this_run, hint={
    "en": "entries with 'eval_macro_f1' are the evaluations; a tie keeps the earlier epoch.",
    "zh": "含有 `eval_macro_f1` 的条目就是各轮的评估；分数相同时保留较早的一轮。",
})
def kept_epoch(log_history):
    evaluations = [entry for entry in log_history if "eval_macro_f1" in entry]
    best = max(evaluations, key=lambda entry: entry["eval_macro_f1"])    # max keeps the first of equals
    return round(best["epoch"])


def _yes_no(settings, log_history):
    return ["yes", "no"]


@choice("7a.4", options=_yes_no, hint={
    "en": "find the epoch of the lowest 'validation loss' in section 7.6's table; compare with 'Kept'.",
    "zh": "在 7.6 节的表格中找出“validation loss”最低的一轮，再与“Kept”比较。",
})
def lowest_loss_epoch_kept(settings, log_history):
    evaluations = [entry for entry in log_history if "eval_macro_f1" in entry]
    lowest_loss = min(evaluations, key=lambda entry: entry["eval_loss"])
    return "yes" if round(lowest_loss["epoch"]) == kept_epoch(log_history) else "no"
