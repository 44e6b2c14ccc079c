"""Exercises that check themselves: each kind says right, not yet with the hint, or not tried, in both
editions; every notebook's check cells have a worked solution for `make check-exercises` to fill in."""

import dataclasses

import nbformat
import numpy as np
import pytest

from finetune_course import exercises, resolve_settings
from finetune_course.course import chain, exercise_check

EN = resolve_settings("smoke")
ZH = dataclasses.replace(EN, edition="zh")
LENGTHS = np.array([3, 20, 7, 16, 17, 9])


def test_a_number_right_within_its_tolerance_wrong_with_the_hint():
    right = float(np.mean(LENGTHS > 16))
    assert exercises.judge("4.1", right + 0.004, EN, lengths=LENGTHS).status == "right"
    wrong = exercises.judge("4.1", right + 0.1, EN, lengths=LENGTHS)
    assert wrong.status == "wrong"
    assert "too high" in wrong.line and exercises.exercise("4.1").hint["en"] in wrong.line
    assert str(round(right, 3)) not in wrong.line                     # the hint never gives the answer away
    assert "percentage" in exercises.judge("4.1", right * 100, EN, lengths=LENGTHS).line
    assert "not a number" in exercises.judge("4.1", "a third", EN, lengths=LENGTHS).line


def test_a_choice_right_in_any_case_wrong_with_the_hint_and_off_the_list_named(monkeypatch):
    monkeypatch.setitem(exercises.EXERCISES, "test.choice", exercises.Exercise(
        "test.choice", "choice", lambda settings, counts: max(counts, key=counts.get),
        {"en": "look at the counts", "zh": "看看计数"}, options=lambda settings, counts: list(counts)))
    counts = {"negative": 3, "neutral": 5, "positive": 4}
    assert exercises.judge("test.choice", " Neutral", EN, counts=counts).status == "right"
    wrong = exercises.judge("test.choice", "positive", EN, counts=counts)
    assert wrong.status == "wrong" and "look at the counts" in wrong.line
    off = exercises.judge("test.choice", "happy", EN, counts=counts)
    assert off.status == "wrong" and "negative, neutral, positive" in off.line


def test_a_function_right_on_every_case_wrong_with_the_case_it_failed():
    def real_share(lengths, batch_size):
        batches = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]
        return sum(sum(b) for b in batches) / sum(len(b) * max(b) for b in batches)

    def padded_share(lengths, batch_size):             # the complement: a plausible slip
        return 1 - real_share(lengths, batch_size)

    def broken(lengths, batch_size):
        return len(lengths) + undefined_name           # noqa: F821 - the learner's error, reported as such

    run = {"lengths": LENGTHS, "batch_size": 4}
    assert exercises.judge("4.3", real_share, EN, **run).status == "right"
    wrong = exercises.judge("4.3", padded_share, EN, **run)
    assert wrong.status == "wrong" and "given (" in wrong.line and "it returned" in wrong.line
    assert "NameError" in exercises.judge("4.3", broken, EN, **run).line
    assert "not a function" in exercises.judge("4.3", 0.8, EN, **run).line


def test_blank_answers_are_not_tried_and_the_verdict_speaks_the_edition(capsys):
    def template(lengths, batch_size):
        ...

    for blank in (..., template):
        key = "4.3" if callable(blank) else "4.1"
        assert exercises.judge(key, blank, EN, lengths=LENGTHS, batch_size=4).status == "blank"
    exercises.check("4.1", 0.9, ZH, lengths=LENGTHS)
    printed = capsys.readouterr().out
    assert printed.startswith("练习 4.1：还不对") and exercises.exercise("4.1").hint["zh"] in printed


def test_an_unknown_exercise_is_named():
    with pytest.raises(KeyError, match="9.1"):
        exercises.exercise("9.1")
    with pytest.raises(KeyError, match="4.99"):
        exercises.exercise("4.99")


@pytest.mark.parametrize("edition", ["en", "zh"])
def test_every_notebook_has_three_checks_each_with_a_worked_solution(edition):
    for path in chain.notebooks(edition=edition):
        notebook = nbformat.read(path, as_version=4)
        calls = exercise_check.check_calls(notebook)
        assert len(calls) >= exercise_check.MINIMUM_PER_NOTEBOOK, f"{path.name}: {len(calls)} checks"
        solutions = exercise_check.worked_solutions(notebook)
        for _, key, name, _ in calls:
            assert name in solutions, f"{path.name}: no worked solution for exercise {key}"
            exercises.exercise(key)                    # defined, in the notebook's module
