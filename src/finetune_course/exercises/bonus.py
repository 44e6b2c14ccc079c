"""The bonus's checked exercises: the right answers, from the run's own LoRA model and results table."""


from . import function, number


@number("B.1", tolerance=0, hint={
    "en": "r(d + k) per adapted layer, from block 0's weight shapes; times the blocks.",
    "zh": "按块 0 的权重形状，每个被适配的层算 r(d + k)，再乘以块数。",
})
def lora_adapter_numbers(settings, lora_model):
    return sum(p.numel() for name, p in lora_model.named_parameters() if ".lora_" in name)


@number("B.2", tolerance=0.005, hint={
    "en": "the LoRA way: one whole model plus twenty adapters; divide by twenty whole models.",
    "zh": "LoRA 的做法是一个完整模型加二十个适配器，再除以二十个完整模型的大小。",
})
def twenty_adapters_share(settings, table, step7_name):
    full, adapter = table.loc[step7_name, "saved MB"], table.loc["LoRA", "saved MB"]
    return (full + 20 * adapter) / (20 * full)


def _intervals_of_this_run(settings, table, step7_name):
    this_run = [tuple(pair) for pair in table.drop(step7_name)[["difference low", "difference high"]].values]
    made_up = [(-0.10, -0.06), (-0.10, -0.02), (-0.03, 0.02), (0.0, 0.04), (0.01, 0.05), (0.05, 0.07)]
    return [(float(low), float(high)) for low, high in this_run + made_up]


@function("B.3", cases=_intervals_of_this_run, hint={
    "en": "the side of 0 first; then the gap to 0 against half the width.",
    "zh": "先看区间在 0 的哪一侧，再拿它与 0 的距离和区间宽度的一半比较。",
})
def interval_reading(low, high):
    half_width = (high - low) / 2
    if high < 0:
        return -2 if -high > half_width else -1
    if low > 0:
        return 2 if low > half_width else 1
    return 0
