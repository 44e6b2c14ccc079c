"""Step 4's checked exercises: the right answers, from the run's own token lengths and batch."""

import numpy as np

from . import function, number


@number("4.1", tolerance=0.005, hint={
    "en": "compare each training tweet's length in tokens (`lengths`, section 4.3) with 16.",
    "zh": "把每条训练推文的 token 数（4.3 节的 `lengths`）与 16 比较。",
})
def truncated_at_16(settings, lengths):
    return float(np.mean(np.asarray(lengths) > 16))


@number("4.2", tolerance=0, hint={
    "en": "a pad is a position whose attention mask is 0.",
    "zh": "填充位置就是注意力掩码为 0 的位置。",
})
def pads_in_the_batch(settings, batch):
    return int((batch["attention_mask"] == 0).sum())


def _batches_of_this_run(settings, lengths, batch_size):
    lengths = np.asarray(lengths)
    return [(lengths, batch_size), (lengths[:50], 4), (np.sort(lengths), batch_size), ([3, 5, 8], 2)]


@function("4.3", cases=_batches_of_this_run, hint={
    "en": "cut the lengths into batches as `tokens_processed` does; real tokens over positions.",
    "zh": "像 `tokens_processed` 那样分批；真实 token 数除以计算的位置数。",
})
def real_share(lengths, batch_size):
    batches = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]
    return sum(sum(b) for b in batches) / sum(len(b) * max(b) for b in batches)
