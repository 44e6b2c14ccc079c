"""Code cells print facts; sentences live in markdown or in the message tables (finetune_course/messages.py).

Read from the executed notebooks of every chain: no printed sentence has more than 12 words, and in the
Chinese edition (the smoke chain runs it) a printed sentence that explains is in Chinese.
"""

import re

import nbformat
import pytest
from conftest import RUNS

LONGEST_SENTENCE = 12
# In the Chinese edition, a printed sentence of more plain English words than this explains something;
# fact lines ("answer key: 2,400 training texts, 7.0% with a flipped label") stay in English, as printed.
LONGEST_ENGLISH_IN_ZH = 8
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")                 # a value shown with repr(): data, not prose
LIBRARY_ERROR = re.compile(r"^\w+(Error|Exception): ")   # a library's own message, shown on purpose (step 5)
# A sentence ends at . ! ? ; (followed by a space), and a fact line's parts are separated by "|".
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s+\|\s+")
CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z]")
PLAIN_WORD = re.compile(r"[A-Za-z][a-z'-]*[,.:;!?]?")      # prose, not a name like config.json or 'gpt2'


def printed_lines(executed: nbformat.NotebookNode) -> list[str]:
    """What the code cells printed to stdout, line by line (not tables, figures, markdown or stderr)."""
    return [line for cell in executed.cells if cell.cell_type == "code"
            for output in cell.get("outputs", [])
            if output.get("output_type") == "stream" and output.get("name") == "stdout"
            for line in output.get("text", "").splitlines() if line.strip()]


def sentences(line: str) -> list[str]:
    """The sentences of a printed line, with quoted values (texts, tokens) taken out first."""
    return [part for part in SENTENCE_END.split(QUOTED.sub("'…'", line.strip())) if part]


def words(sentence: str) -> int:
    """English words: the whitespace-separated pieces that hold a letter (numbers do not count)."""
    return sum(bool(WORD.search(piece)) for piece in sentence.split())


def long_sentences(executed) -> list[str]:
    return [sentence for line in printed_lines(executed) for sentence in sentences(line)
            if words(sentence) > LONGEST_SENTENCE]


def test_the_sentence_rule_tells_a_fact_from_an_explanation():
    fact = "majority class: 40.5% | zero-shot (prompt): 33.0% | untrained model: 30.1%"
    data = "tweet: \"so the bad guy in 'The Worst Night' is played by Amara's cousin. really.\""
    assert [words(s) for s in sentences(data)] == [1]
    explanation = ("Over-fitting: validation loss rose after epoch 2, so the model has started to memorise "
                   "the training tweets rather than learn the task.")
    assert [words(s) for s in sentences(fact)] == [2, 2, 2]
    assert max(words(s) for s in sentences(explanation)) > LONGEST_SENTENCE


@pytest.mark.parametrize("run_name", RUNS)
def test_code_cells_print_facts_not_paragraphs(run_name, request):
    run = request.getfixturevalue(run_name)
    found = {path.name: long_sentences(nbformat.read(path, as_version=4))
             for path in sorted(run["out"].rglob("*.ipynb"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_chinese_edition_prints_its_explanations_in_chinese(smoke_run):
    """A printed sentence of more than a few English words explains: in the zh edition it is Chinese."""
    english = {}
    for path in sorted(smoke_run["out"].rglob("*.ipynb")):
        printed = [s for line in printed_lines(nbformat.read(path, as_version=4)) for s in sentences(line)]
        plain_words = lambda sentence: sum(bool(PLAIN_WORD.fullmatch(piece)) for piece in sentence.split())
        explanations = [s for s in printed if not CJK.search(s) and not LIBRARY_ERROR.match(s)
                        and plain_words(s) > LONGEST_ENGLISH_IN_ZH]
        if explanations:
            english[path.name] = explanations
    assert english == {}
