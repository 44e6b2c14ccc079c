"""The notebooks as committed: clean, parameterised the same way, and shaped like a chapter."""

import json
from pathlib import Path

import pytest

from finetune_course.params import PARAMETER_NAMES

# The seven steps, step 7 in two parts (07a_fine_tune, 07b_evaluate).
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
BONUS = sorted((Path(__file__).resolve().parents[1] / "notebooks" / "bonus").glob("*.ipynb"))
CHINESE = sorted((Path(__file__).resolve().parents[1] / "notebooks" / "zh").rglob("*.ipynb"))


# The Open-in-Colab badge and set-up cell open every notebook (tools/colab.py, tests/test_colab.py); the
# chapter starts after them.
COLAB_CELLS = ("colab-badge", "colab-setup")


def cells(path):
    return [cell for cell in json.loads(path.read_text())["cells"] if cell.get("id") not in COLAB_CELLS]


def test_seven_numbered_steps():
    assert [p.name.partition("_")[0] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07a", "07b"]


@pytest.mark.parametrize("path", NOTEBOOKS + BONUS + CHINESE,
                         ids=lambda p: p.as_posix().split("notebooks/")[-1])
def test_committed_without_outputs_or_execution_counts(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["source"][:80]


@pytest.mark.parametrize("path", NOTEBOOKS + BONUS, ids=lambda p: p.name)
def test_first_code_cell_is_the_shared_parameters_cell(path):
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    first = code[0]
    assert "parameters" in first["metadata"].get("tags", [])
    names = [line.split("=")[0].strip() for line in "".join(first["source"]).splitlines()
             if "=" in line and not line.startswith("#")]
    assert tuple(names) == PARAMETER_NAMES
    assert "course_settings(globals())" in "".join(code[1]["source"])   # the banner comes next


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_reads_like_a_chapter(path):
    markdown = "\n".join("".join(c["source"]) for c in cells(path) if c["cell_type"] == "markdown")
    assert markdown.startswith(f"# Step {int(path.name[:2])} of 7")
    for part in ("**Learning goals**", "## Recap", "## Exercises", "<details><summary>Solutions</summary>"):
        assert part in markdown, part
    following = (NOTEBOOKS + BONUS)[NOTEBOOKS.index(path) + 1]
    # A link to the next step (after 7: the bonus).
    assert f"({following.relative_to(path.parent)})" in markdown


def test_the_bonus_reads_like_a_chapter_too():
    assert [p.name for p in BONUS] == ["cheaper_fine_tuning.ipynb"]
    markdown = "\n".join("".join(c["source"]) for c in cells(BONUS[0]) if c["cell_type"] == "markdown")
    assert markdown.startswith("# Bonus")
    for part in ("**Learning goals**", "## Recap", "## Exercises", "<details><summary>Solutions</summary>",
                 "## If you read the guide"):
        assert part in markdown, part


# The guide's own call for each step, shown in the notebook's last section, "If you read the guide".
GUIDE_CALLS = {
    "01": "It measures neither claim", "02": '"gpt2"',
    "03": 'load_dataset("mteb/tweet_sentiment_extraction")', "04": 'padding="max_length", truncation=True',
    "05": 'GPT2ForSequenceClassification.from_pretrained("gpt2", num_labels=3)',
    "06": 'evaluate.load("accuracy")', "07a": "gradient_accumulation_steps=4", "07b": "trainer.evaluate()",
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_shows_the_guides_code_at_the_end_for_those_who_read_it(path):
    """A beginner meets the course's own way first; what the guide did differently closes the chapter."""
    opening, closing = "".join(cells(path)[0]["source"]), "".join(cells(path)[-1]["source"])
    assert "guide ↔" not in opening
    _, heading, for_guide_readers = closing.partition("## If you read the guide")
    assert heading and GUIDE_CALLS[path.name.partition("_")[0]] in for_guide_readers
    assert not [line for line in for_guide_readers.splitlines() if line.startswith(">")]   # not a box
    assert "**Next:**" in for_guide_readers.strip().split("\n\n")[-1]    # the way on stays the last paragraph


def test_no_path_hacks_in_notebooks():
    for path in NOTEBOOKS + BONUS:
        assert "sys.path" not in path.read_text(), path.name


def test_nothing_runs_remote_code_or_pushes_to_the_hub():
    root = Path(__file__).resolve().parents[1]
    for path in [*NOTEBOOKS, *BONUS, *(root / "src").rglob("*.py")]:
        text = path.read_text()
        assert "trust_remote_code=True" not in text and "push_to_hub=True" not in text, path.name
