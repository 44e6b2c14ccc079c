"""The few sentences a notebook's code must write, one table per edition, keyed by name.

A code cell prints facts: numbers, names, short labelled results. The explanation lives in the notebook's
markdown. Where a sentence has to follow a value the run measured (a verdict, a note on this run's model),
the cell says it through `say(key, settings.edition, **values)`, so that the Chinese edition prints Chinese
from the same code. Both tables hold the same keys and the same `{placeholders}` (tests/test_messages.py).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- any step: an earlier step's result made first (artifacts.require) ---
    "earlier_step_missing": "'{name}' is not in {folder} yet. Running {notebook} first to make it; "
                            "this notebook then goes on.",
    "earlier_step_outdated": "'{name}' was made with other parameters ({changes}). Running {notebook} first "
                             "to make it again; this notebook then goes on.",
    # --- step 01 ---
    # --- step 02 ---
    # --- step 03 ---
    # --- step 04 ---
    # --- step 05 ---
    # --- step 06 ---
    # --- step 07 ---
    # --- bonus ---
}

ZH: dict[str, str] = {
    # --- any step: an earlier step's result made first (artifacts.require) ---
    "earlier_step_missing": "{folder} 中还没有 '{name}'。先运行 {notebook} 生成它；"
                            "之后本 notebook 会接着运行。",
    "earlier_step_outdated": "'{name}' 是用其他参数生成的（{changes}）。先运行 {notebook} 重新生成它；"
                             "之后本 notebook 会接着运行。",
    # --- step 01 ---
    # --- step 02 ---
    # --- step 03 ---
    # --- step 04 ---
    # --- step 05 ---
    # --- step 06 ---
    # --- step 07 ---
    # --- bonus ---
}

TABLES = {"en": EN, "zh": ZH}


def say(key: str, edition: str = "en", **values) -> str:
    """The message `key` in `edition`, its `{placeholders}` filled from `values`."""
    table = TABLES.get(edition)
    if table is None:
        raise ValueError(f"Unknown edition {edition!r}; the course has: {', '.join(TABLES)}.")
    if key not in table:
        raise KeyError(f"No message {key!r} in the {edition!r} table of finetune_course/messages.py.")
    return table[key].format(**values)
