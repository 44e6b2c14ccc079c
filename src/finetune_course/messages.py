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
    # where the data comes from: data.dataset_source's note, printed by steps 1-3
    "data_synthetic": "{name}: SYNTHETIC tweets, {rate:.0%} of labels flipped on purpose",
    "data_hub": "{name}: from {server}, kept in the local cache",
    "data_hub_cache": "{name}: from the local Hugging Face cache, no Hub in this run",
    "data_file": "{name}: your file; a stratified {share:.0%} becomes the test split",
    "data_folder": "{name}: your folder, its train and test files",
    # --- step 02 ---
    # the padding-token note, chosen by the tokenizer's facts
    "model_pad_shipped": ("**{model}** ({model_type}, context {context:,} tokens) ships a padding token, "
                          "{pad}. Steps 4 and 5 have nothing to fix."),
    "model_pad_missing": ("**{model}** ({model_type}, context {context:,} tokens) has **no padding token**. "
                          "Step 4 sets one; step 5 tells the model its id."),
    # --- step 03 ---
    # --- step 04 ---
    # how this run's tokenizer marks spaces and word pieces, chosen by models.model_facts
    "tokenizer_bpe": ("**{model}** uses byte-level BPE, like GPT-2. `Ġ` marks a token that begins with a "
                      "space. `Ġgood` and `good` are two different tokens. Case is kept."),
    "tokenizer_wordpiece": ("**{model}** uses WordPiece, like BERT. `##` marks a piece that continues the "
                            "word before it. `[CLS] … [SEP]` wrap every text; the classifier reads `[CLS]` "
                            "(step 5)."),
    "tokenizer_wordpiece_lowercase": ("**{model}** uses WordPiece, like BERT. It lower-cases the text first. "
                                      "`##` marks a piece that continues the word before it. `[CLS] … [SEP]` "
                                      "wrap every text; the classifier reads `[CLS]` (step 5)."),
    "tokenizer_other": "**{model}** uses {kind}. The tokens above show how it marks spaces and pieces.",
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
    "data_synthetic": "{name}：合成推文（SYNTHETIC），{rate:.0%} 的标签被故意翻转",
    "data_hub": "{name}：来自 {server}，保存在本地缓存中",
    "data_hub_cache": "{name}：来自本地 Hugging Face 缓存，本次运行不访问 Hub",
    "data_file": "{name}：你的文件；按标签分层抽取其中 {share:.0%} 作为测试集",
    "data_folder": "{name}：你的文件夹，使用其中的 train 和 test 文件",
    # --- step 02 ---
    "model_pad_shipped": ("**{model}**（{model_type}，上下文 {context:,} 个 token）自带填充 token {pad}。"
                          "第 4 步和第 5 步都无需修正。"),
    "model_pad_missing": ("**{model}**（{model_type}，上下文 {context:,} 个 token）**没有填充 token**。"
                          "第 4 步设置一个，第 5 步把它的 id 告诉模型。"),
    # --- step 03 ---
    # --- step 04 ---
    "tokenizer_bpe": ("**{model}** 使用字节级 BPE，与 GPT-2 相同。`Ġ` 标记以空格开头的 token。"
                      "`Ġgood` 和 `good` 是两个不同的 token。大小写保持不变。"),
    "tokenizer_wordpiece": ("**{model}** 使用 WordPiece，与 BERT 相同。`##` 标记接续前一个词的片段。"
                            "每条文本都被包在 `[CLS] … [SEP]` 之间；分类器读取 `[CLS]`（第 5 步）。"),
    "tokenizer_wordpiece_lowercase": ("**{model}** 使用 WordPiece，与 BERT 相同。它先把文本转为小写。"
                                      "`##` 标记接续前一个词的片段。每条文本都被包在 `[CLS] … [SEP]` 之间；"
                                      "分类器读取 `[CLS]`（第 5 步）。"),
    "tokenizer_other": "**{model}** 使用 {kind}。上面的 token 展示了它如何标记空格和片段。",
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
