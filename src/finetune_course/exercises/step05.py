"""Step 5's checked exercises: the right answers, from the run's own demo batch, head and logits."""

import numpy as np
import torch

from . import function, number


def _batches_of_this_run(settings, input_ids, pad_id):
    """The demo batch of 5.2 (right-padded), the same tweets padded on the left, and a small batch with the
    pad id inside a row, where the last pad is not the end of the text. NumPy arrays: a case that fails
    prints as a plain list."""
    input_ids = np.asarray(input_ids)
    rows = [row[row != pad_id] for row in input_ids]
    width = max(len(row) for row in rows)
    left = np.stack([np.concatenate([np.full(width - len(row), pad_id, dtype=row.dtype), row])
                     for row in rows])
    other = 1 if pad_id == 0 else 0
    small = np.array([[other, other + 1, pad_id, pad_id],
                      [pad_id, other, pad_id, other + 2],
                      [other + 3, other + 2, other + 1, other]])
    return [(input_ids, pad_id), (left, pad_id), (small, pad_id)]


@function("5.1", cases=_batches_of_this_run, hint={
    "en": "per row: the rightmost position whose id is not `pad_id`, wherever the pads are.",
    "zh": "逐行找出 id 不等于 `pad_id` 的最右侧位置，不管填充在哪一侧。",
})
def head_position(input_ids, pad_id):
    return [max(i for i, token in enumerate(row.tolist()) if token != pad_id) for row in input_ids]


@number("5.2", tolerance=0, hint={
    "en": "one more label adds one row to the head's weights (and bias, if any).",
    "zh": "多一个标签，分类头的权重（以及偏置，如果有）就多一行。",
})
def head_with_one_more_label(settings, head):
    last = [module for module in head.modules() if isinstance(module, torch.nn.Linear)][-1]   # to the scores
    return sum(p.numel() for p in head.parameters()) + last.in_features + (last.bias is not None)


@number("5.3", tolerance=0.001, hint={
    "en": "softmax each row of logits; −ln of the right label's probability; the largest.",
    "zh": "对每行 logits 做 softmax，取正确标签概率的 −ln，再取最大值。",
})
def largest_loss_of_the_four(settings, logits, labels):
    losses = torch.nn.functional.cross_entropy(logits.float(), labels, reduction="none")
    return float(losses.max())
