"""Prose that holds on a learner's own data: the notebooks teach from the run, not from the course's data or
the reference machine's numbers (README.md keeps those)."""

import re

import nbformat
import pytest
from conftest import ROOT

from finetune_course.course.chain import notebooks

# What only the course's own data has: a learner's file has no answer key, noise rate or kinds of tweet.
COURSE_DATA_ONLY = re.compile(r"synthetic|answer key|noise rate|label noise|per kind|kinds? of tweets?|"
                              r"hidden facts|written as", re.IGNORECASE)


UNITS = {"%": "%", "points": "points", "个百分点": "points", "s": "s", "seconds": "s", "秒": "s",
         "min": "min", "minutes": "min", "分钟": "min", "h": "h", "hours": "h", "小时": "h"}
FIGURE = re.compile(r"(?<![\d.])(\d+\.\d+) ?(%|points|个百分点|seconds|秒|minutes|min|分钟|hours|小时|s|h)"
                    r"(?![a-z])")


def figures_in(text: str) -> set[tuple[str, str]]:
    """Each decimal number with a unit, the unit in one spelling for both editions: ("7.3", "points")."""
    return {(number, UNITS[unit]) for number, unit in FIGURE.findall(text)}


def readme_measurements() -> set[tuple[str, str]]:
    """The figures README.md reports under "Measured results", as the chains printed them on the
    reference machine."""
    text = (ROOT / "README.md").read_text()
    return figures_in(text[text.index("## Measured results"):text.index("## Layout")])


def test_readme_measurements_are_found():
    figures = readme_measurements()
    assert {("78.0", "%"), ("7.3", "points"), ("7.1", "h"), ("3.6", "min")} <= figures and len(figures) > 30
    assert figures_in("cost 7.3 个百分点，3.6 分钟, 5.3 and 7.1 hours, 8.5 MB") == {
        ("7.3", "points"), ("3.6", "min"), ("7.1", "h")}


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_no_notebook_quotes_a_figure_the_readme_measured(edition):
    """A number in a notebook's prose or code is one the run prints, not the reference machine's."""
    measured = readme_measurements()
    found = {}
    for path in notebooks(edition=edition):
        text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        quoted = sorted(figures_in(text) & measured)
        if quoted:
            found[path.name] = quoted
    assert not found


def executed_text(path) -> str:
    """A notebook as its reader sees it: the markdown and every output."""
    parts = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts += [output.get("text", ""), data.get("text/plain", ""), data.get("text/markdown", "")]
    return "\n".join(parts)


def test_a_run_on_a_learners_file_never_mentions_the_course_data(offline_run):
    """The offline chain ran on a learner's CSV (tests/learner_data.py): no notebook speaks of synthetic
    tweets, an answer key, a noise rate or accuracy per kind of tweet."""
    mentions = {}
    for path in sorted(offline_run["out"].rglob("*.ipynb")):
        found = sorted({m.group(0).lower() for m in COURSE_DATA_ONLY.finditer(executed_text(path))})
        if found:
            mentions[path.name] = found
    assert not mentions
