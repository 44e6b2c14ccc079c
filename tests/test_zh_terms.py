"""The Chinese edition is written for its readers: the terms Chinese learners already know, one term for each
idea, and sentences that read as Chinese.

The terms follow d2l-zh (《动手学深度学习》: 训练集, 验证数据集, 批量大小) and the Hugging Face course's
zh-CN chapters (数据整理器 for a data collator). RETIRED lists the wordings the edition no longer uses, each
with the term that replaced it; a retired wording anywhere in the zh notebooks' prose, in the glossary or in
README.zh-CN.md fails here. The guide's Chinese translation has its own words for a few terms (令牌, 标记器,
消极/积极): the course names them only in quotes, as the translation's words (step 1, the glossary).
"""

import re
from pathlib import Path

import nbformat
import pytest

from finetune_course.course.chain import notebooks, step_id

ROOT = Path(__file__).resolve().parents[1]
ZH = notebooks(edition="zh")

# retired wording (a regular expression) -> the term the edition writes instead
RETIRED = {
    "训练划分": "训练集",
    "验证划分": "验证集",
    "测试划分": "测试集",
    "数据划分": "训练集、验证集、测试集",
    "批大小": "批量大小",
    "(?<!数据)整理器": "数据整理器（data collator）",
    "隐藏层大小|隐藏大小": "隐藏维度 (hidden size)",
    "重现": "复现 (reproduce)",
    "更省的微调|更省的方法|更省的变体": "低成本微调 / 低成本方法 (cheaper fine-tuning)",
    "附加 ?notebook|附加笔记本": "附加篇 (bonus)",
    "训练方案|训练方法": "训练配方 (recipe)",
    "重采样": "重抽样 (resampling, as d2l-zh and the glossary write it)",
    "标准误(?!差)": "标准误差 (standard error)",
    "迷你 ?GPT-2|极小的? ?GPT-2": "微型 GPT-2 (tiny)",
    "基准（golden）|基准文件|golden 文件": "黄金文件（golden file）",
    "令牌": "token (the guide's translation's word, only quoted as such)",
    "标记器": "分词器 (the guide's translation's word, only quoted as such)",
    "消极|积极": "负面、正面 (the guide's translation's words, only quoted as such)",
    "轮次": "轮（epoch）, 轮数 (how many), 哪一轮 (which one kept), as the glossary writes it",
    "融合优化器": "fused AdamW（`adamw_torch_fused`）, as 7.2 and the README write it",
    r"(?<![\d.])4 ?位(?!小数)": "4 比特 (QLoRA's base, as the glossary writes it; 16 位浮点数 stays)",
}
# The guide's translation's own words, quoted as its words: not the course's terms, so not retired there.
QUOTED_FROM_THE_GUIDE = ("“令牌”", "“标记器”", "“消极、中性、积极”")

CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)


def prose(markdown: str) -> str:
    """What a reader reads as Chinese text: no code, no link targets, no formulas."""
    markdown = CODE.sub("C", markdown)
    markdown = re.sub(r"\]\([^)\s]*\)", "]", markdown)
    return re.sub(r"\$[^$\n]+\$", "M", markdown)


def zh_markdown(path: Path) -> str:
    return "\n\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                       if cell.cell_type == "markdown")


def retired_terms(text: str) -> list[str]:
    """Each retired wording in `text` as 'wording (write: term)'."""
    for quoted in QUOTED_FROM_THE_GUIDE:
        text = text.replace(quoted, "")
    return [f"{found} (write: {instead})" for pattern, instead in RETIRED.items()
            for found in re.findall(pattern, text)]


@pytest.mark.parametrize("path", ZH, ids=lambda p: f"zh-{step_id(p)}")
def test_no_retired_term_in_the_notebooks(path):
    assert not retired_terms(prose(zh_markdown(path))), path.name


def test_no_retired_term_in_the_glossary():
    assert not retired_terms((ROOT / "notebooks" / "glossary.md").read_text())


def test_no_retired_term_in_the_chinese_readme():
    found = retired_terms(prose((ROOT / "README.zh-CN.md").read_text()))
    assert not found, sorted(set(found))


def test_the_glossary_uses_the_terms():
    glossary = (ROOT / "notebooks" / "glossary.md").read_text()
    chinese = {line.split("|")[2].strip() for line in glossary.splitlines()
               if line.startswith("| ") and "---" not in line}
    for term in ("批量大小", "数据整理器", "隐藏维度", "训练配方", "附加篇", "复现", "微型 GPT-2", "黄金文件",
                 "低成本微调", "95% 置信区间", "训练集", "验证集", "测试集"):
        assert any(term in name for name in chinese), term


INTERVAL = "95% 置信区间（下文简称 95% 区间）"


@pytest.mark.parametrize("path", ZH, ids=lambda p: f"zh-{step_id(p)}")
def test_the_first_95_percent_interval_is_named_a_confidence_interval(path):
    markdown = zh_markdown(path)
    if "95% 区间" in markdown:
        assert INTERVAL in markdown and markdown.index("95% 区间") == \
            markdown.index(INTERVAL) + INTERVAL.index("95% 区间"), f"{path.name}: write {INTERVAL} first"


# Sentences: a Chinese sentence, from one 。！？ to the next, of at most SENTENCE_LIMIT characters. Spaces are
# not counted, and a run of Latin letters or digits (a word, a number, a code span, a formula) counts as one.
SENTENCE_LIMIT = 80


def sentences(markdown: str) -> list[str]:
    return [sentence.strip() for line in prose(markdown).splitlines() for part in line.split("|")
            for sentence in re.split(r"(?<=[。！？])", part) if sentence.strip()]


def reading_length(sentence: str) -> int:
    sentence = re.sub(r"[A-Za-z0-9][A-Za-z0-9'’.,_/\-]*", "w", sentence.replace("*", ""))
    return len(re.sub(r"\s+", "", sentence))


def nested_brackets(text: str) -> list[str]:
    """Full-width brackets inside full-width brackets, （…（…）…）, which Chinese prose avoids."""
    found, depth = [], 0
    for index, char in enumerate(text):
        if char == "（":
            depth += 1
            if depth > 1:
                found.append(text[max(0, index - 20):index + 20])
        elif char == "）":
            depth = max(0, depth - 1)
        elif char in "。\n|":
            depth = 0
    return found


@pytest.mark.parametrize("path", ZH, ids=lambda p: f"zh-{step_id(p)}")
def test_sentences_read_as_chinese(path):
    markdown = zh_markdown(path)
    long = [sentence for sentence in sentences(markdown) if reading_length(sentence) > SENTENCE_LIMIT]
    assert not long, f"{path.name}: sentences over {SENTENCE_LIMIT} characters, split them: {long}"
    assert not nested_brackets(prose(markdown)), path.name


def test_the_glossary_has_no_nested_brackets():
    assert not nested_brackets((ROOT / "notebooks" / "glossary.md").read_text())


def test_the_checks_catch_what_they_look_for():
    """Each check fails on the mistake it is for, in a sentence broken on purpose."""
    broken = "本课程的数据划分有三个；批大小为 16；用整理器（collator）补齐。模型（它很小（4 层））。"
    assert [found.split(" ")[0] for found in retired_terms(broken)] == ["数据划分", "批大小", "整理器"]
    assert nested_brackets(broken)
    assert not retired_terms("译本把 token 译作“令牌”，把三个标签译作“消极、中性、积极”。")
    later = "从最后一个完成的轮次继续；融合优化器；QLoRA 4 位基础模型。以 16 位浮点数训练，保留 4 位小数。"
    assert [found.split(" ")[0] for found in retired_terms(later)] == ["轮次", "融合优化器", "4"]
    assert reading_length(prose("一" * 79 + " `some_code(x)` " + "。")) == 81
