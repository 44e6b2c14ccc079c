"""The Chinese edition (notebooks/zh/) stays in step with the English, and draws its figures in Chinese.

A change to an English markdown cell fails `test_in_step_with_the_english` for that notebook, naming the
zh cell to bring up to date; the other checks look only at cells whose translation is current, so that
one English change fails one test.
"""

import io
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import matplotlib
import nbformat
import pytest

from finetune_course import plots
from finetune_course.course.chain import notebooks, step_id
from finetune_course.course.translation import english_source, mark_translated, out_of_step, source_hash, sync

ROOT = Path(__file__).resolve().parents[1]
ZH = notebooks(edition="zh")


def pairs_in_step(zh_path):
    """(English markdown, its current translation) for each translated cell whose English has not changed."""
    english = nbformat.read(english_source(zh_path), as_version=4).cells
    for source, cell in zip(english, nbformat.read(zh_path, as_version=4).cells):
        recorded = cell.metadata.get("translation", {}).get("source_sha256")
        # the Colab badge links each edition's own notebook (tests/test_colab.py)
        if cell.get("id") == "colab-badge":
            continue
        if cell.cell_type == "markdown" and recorded == source_hash(source.source):
            yield source.source, cell


def test_every_english_notebook_has_its_translation():
    assert [english_source(path) for path in ZH] == notebooks()


@pytest.mark.parametrize("path", ZH, ids=lambda p: f"zh-{step_id(p)}")
def test_in_step_with_the_english(path):
    problems = out_of_step(path)
    assert not problems, "\n".join(problems)


NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*\d%?|(?<![\w.])\d%?")
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)
URL = re.compile(r"https?://[^\s)>\]]+")
# A fenced block without a language that draws with box-drawing characters is a figure, not code: the
# translation redraws it in Chinese (step 1's picture of fine-tuning).
FENCED = re.compile(r"```(\w*)\n.*?```", re.S)


def figures(markdown: str) -> list[str]:
    return [block[0] for block in FENCED.finditer(markdown)
            if not block[1] and re.search("[\u2500-\u257f]", block[0])]


@pytest.mark.parametrize("path", ZH, ids=lambda p: f"zh-{step_id(p)}")
def test_numbers_code_and_web_links_carried_over(path):
    """What a translation must not change: every number written in digits, every code span, every web
    address."""
    for english, cell in pairs_in_step(path):
        for kind, pattern in (("number", NUMBER), ("code", CODE), ("web address", URL)):
            # "1." of an ordered list is markup, not a number of the text; "8 million" is "800 万" in Chinese
            carried = re.sub(r"(?m)^\s*\d+\. |\d[\d.,]*[- ](million|billion)", "", english)
            if pattern is CODE:
                for figure in figures(carried):
                    carried = carried.replace(figure, "")
            # A `make` command may add EDITION=zh: the Chinese reader runs the Chinese notebooks.
            translated = cell.source.replace(" EDITION=zh", "")
            missing = set(pattern.findall(carried)) - set(pattern.findall(translated))
            assert not missing, (f"{path.name} cell {cell.get('id')}: {kind} {sorted(missing)} "
                                 "not in the translation")
        assert len(figures(cell.source)) == len(figures(english)), \
            f"{path.name} cell {cell.get('id')}: a figure of the English is not redrawn in the translation"


LINK = re.compile(r"\]\(([^)\s]+)\)")


def broken_links(markdown: str, folder: Path) -> list[str]:
    """The relative link targets in `markdown` that name no file or folder below `folder`."""
    return [target for target in LINK.findall(markdown)
            if not target.startswith(("http://", "https://", "#", "mailto:"))
            and not (folder / target.split("#")[0]).exists()]


@pytest.mark.parametrize("path", notebooks() + ZH, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_relative_links_resolve(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            assert not broken_links(cell.source, path.parent), f"{path.name} cell {cell.get('id')}"


@pytest.mark.parametrize("path", ZH, ids=lambda p: f"zh-{step_id(p)}")
def test_reads_like_a_chapter_in_chinese(path):
    markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                         if c.cell_type == "markdown" and c.get("id") != "colab-badge")
    opening = "# 附加篇" if step_id(path) == "bonus" else f"# 第 {int(step_id(path)[:2])} 步（共 7 步）"
    assert markdown.startswith(opening)
    for part in ("**学习目标**", "## 小结", "## 练习", "<details><summary>参考答案</summary>",
                 "## 如果你读过原指南"):
        assert part in markdown, part


@pytest.mark.parametrize("page", ["README.md", "README.zh-CN.md", "notebooks/glossary.md"])
def test_the_pages_links_resolve(page):
    assert not broken_links((ROOT / page).read_text(), (ROOT / page).parent), page


def test_the_readmes_and_the_glossary_link_each_other():
    english, chinese = (ROOT / "README.md").read_text(), (ROOT / "README.zh-CN.md").read_text()
    assert "README.zh-CN.md" in "\n".join(english.splitlines()[:5])    # in the English README's first lines
    assert "(README.md)" in chinese
    assert "(notebooks/glossary.md)" in chinese and "(notebooks/glossary.md)" in english
    assert "make execute-all EDITION=zh" in chinese and "HF_ENDPOINT" in chinese


def test_glossary_has_the_terms_the_issue_names():
    glossary = (ROOT / "notebooks" / "glossary.md").read_text()
    rows = [line.split("|")[1:4] for line in glossary.splitlines()
            if line.startswith("| ") and "---" not in line]
    assert all(len(row) == 3 and all(part.strip() for part in row) for row in rows)     # English, 中文, 说明
    chinese = {row[1].strip() for row in rows}
    for term in ("微调", "分词器", "填充", "验证集", "测试集", "宏平均 F1", "学习率", "检查点"):
        assert any(name.startswith(term) for name in chinese), term


def test_make_runs_and_opens_either_edition():
    for edition in ("en", "zh"):
        run = subprocess.run(["make", "-n", "--no-print-directory", "execute-all", "lab",
                              f"EDITION={edition}"],
                             cwd=ROOT, capture_output=True, text=True).stdout
        assert f"--edition {edition}" in run and "--ServerApp.root_dir=notebooks" in run  # ../images/ served
        assert ("--LabApp.default_url=/lab/tree/zh" in run) == (edition == "zh")


def test_the_smoke_chain_ran_the_chinese_edition_with_its_figures(smoke_run):
    """The tests' smoke chain is the Chinese edition (conftest.py): every code cell run (so `make test` needs
    no nbval of it), Chinese prose, the same figures as the English. Its stderr, where a missing glyph or an
    untranslated figure text would show, is checked in test_chains."""
    assert smoke_run["results"]["edition"] == "zh" and smoke_run["out"].name == "zh"
    for english in notebooks():
        executed = nbformat.read(smoke_run["out"] / english.relative_to(ROOT / "notebooks"), as_version=4)
        code = [cell for cell in executed.cells if cell.cell_type == "code"]
        assert code and all(cell.execution_count for cell in code), english.name
        assert not [o for cell in code for o in cell.outputs if o.output_type == "error"], english.name
        title = next(cell for cell in executed.cells if cell.get("id") not in ("colab-badge", "colab-setup"))
        assert title.source.startswith("# 第" if english.parent.name != "bonus" else "# 附加篇")
        figures = sum("image/png" in output.get("data", {})
                      for c in executed.cells for output in c.get("outputs", []))
        drawn = sum(len(FIGURE_CALL.findall(c.source)) for c in nbformat.read(english, as_version=4).cells
                    if c.cell_type == "code")
        assert figures == drawn, english.name


# Each of plots.py's figures: not its notes (callout) nor its figure-text lookup (in_edition).
FIGURE_CALL = re.compile(r"plots\.(?!callout|in_edition)\w+\(")


# The checker itself, on a copy of an English notebook changed the way an author changes it.

def copy_of_english(tmp_path, step="07a"):
    zh = notebooks([step], edition="zh")[0]
    english = tmp_path / zh.name
    shutil.copy(english_source(zh), english)
    return zh, english, nbformat.read(english, as_version=4)


def test_a_changed_english_cell_names_the_one_zh_cell_to_update(tmp_path):
    zh, english, nb = copy_of_english(tmp_path)
    cell = next(c for c in nb.cells[3:] if c.cell_type == "markdown")
    cell.source += "\nOne more English sentence."
    nbformat.write(nb, english)
    problems = out_of_step(zh, english)
    assert len(problems) == 1 and f"(id {cell.id}): the English cell changed" in problems[0]
    assert problems[0].startswith("notebooks/zh/07a_fine_tune.ipynb cell ")
    assert problems[0].endswith(f"translation done 07a {cell.id}`")        # the part, not only the step


def test_a_changed_code_cell_or_cell_order_is_caught(tmp_path):
    zh, english, nb = copy_of_english(tmp_path)
    code = next(c for c in nb.cells
                if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    code.source += "\n"
    nbformat.write(nb, english)
    assert [f"(id {code.id}): code cell differs" in line for line in out_of_step(zh, english)] == [True]
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("A new paragraph."))
    nbformat.write(nb, english)
    assert "not the English notebook's cells in the same order" in out_of_step(zh, english)[0]


def test_sync_and_done_bring_a_translation_back_in_step(tmp_path, monkeypatch):
    """sync takes a new English cell over (listed as untranslated); done records it once translated."""
    from finetune_course.course import translation

    zh_copy = tmp_path / "zh" / "01_define_the_goal.ipynb"
    zh_copy.parent.mkdir()
    shutil.copy(notebooks(["01"], edition="zh")[0], zh_copy)
    english = tmp_path / "01_define_the_goal.ipynb"
    shutil.copy(notebooks(["01"])[0], english)
    monkeypatch.setattr(translation, "english_source", lambda path: english)
    nb = nbformat.read(english, as_version=4)
    new = nbformat.v4.new_markdown_cell("A new paragraph in English.")
    nb.cells.insert(1, new)
    nbformat.write(nb, english)

    assert sync(zh_copy) == [f"cell {new.id}: new markdown cell taken from English"]
    assert [f"(id {new.id}): not translated yet" in line for line in out_of_step(zh_copy, english)] == [True]
    translated = nbformat.read(zh_copy, as_version=4)
    translated.cells[1].source = "英文新增的一段。"
    nbformat.write(translated, zh_copy)
    mark_translated(zh_copy, [new.id])
    assert out_of_step(zh_copy, english) == []


# The figures: Chinese text drawn with a font that has the glyphs.

def rendered_warnings(title: str, edition: str) -> list[str]:
    matplotlib.use("Agg")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plots.label_counts({"negative": 3, "neutral": 5, "positive": 4}, title=title, edition=edition)
        ax.figure.savefig(io.BytesIO(), format="png")          # glyphs are looked up when the figure is drawn
        matplotlib.pyplot.close(ax.figure)
    return [str(w.message) for w in caught]


@pytest.fixture
def zh_edition():
    plots.figures_in_chinese.cache_clear()
    with matplotlib.rc_context():
        yield "zh"
    plots.figures_in_chinese.cache_clear()


def test_a_chinese_title_renders_without_missing_glyphs(zh_edition):
    assert plots.figures_in_chinese(zh_edition)
    assert rendered_warnings("完整训练集中的标签（27,481 条文本）", zh_edition) == []
    assert plots.in_edition(zh_edition)("number of texts") == "文本数"


def test_without_the_chinese_font_the_same_title_warns(zh_edition):
    """The check above can fail: matplotlib's own font has no Chinese glyphs and says so."""
    plots.figures_in_chinese(zh_edition)
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
    assert any("missing from font" in message
               for message in rendered_warnings("完整训练集中的标签", zh_edition))


def test_figure_text_without_a_chinese_entry_warns(zh_edition):
    shown = plots.in_edition(zh_edition)
    with pytest.warns(UserWarning, match="No Chinese for the text 'A title nobody translated'"):
        shown("A title nobody translated")
    assert shown("Labels in the full train split (27,481 texts)") == "完整训练集中的标签（27,481 条文本）"


def test_the_english_edition_draws_english():
    assert plots.in_edition("en")("number of texts") == "number of texts"


def test_every_figure_asks_for_the_edition():
    """A figure drawn without its edition would silently keep English text in the Chinese edition."""
    with pytest.raises(TypeError, match="edition"):
        plots.label_counts({"negative": 3, "positive": 4}, title="Labels")
