"""Exercises that check themselves, against the learner's own run.

An exercise cell holds the learner's answer in a named variable, blank (`...`) until they try, then a check:

    answer_4_1 = ...   # your answer: the share of training tweets longer than 16 tokens
    exercises.check("4.1", answer_4_1, settings, lengths=lengths)

The check prints one line: right, not yet (with a hint, never the answer), or not tried. The right answer is
computed from what the run made (its data, model, artifacts), never written down, so it holds on any profile
and any data. Three kinds of answer:
- a number, within a tolerance (a share written as a percentage gets its own hint);
- a choice, one of a few words (a label name, a setting, "yes"/"no");
- a function, called on cases from the run and compared with the course's own.

The answers of each notebook's exercises live in this package's module for it (`step04.py`, `bonus.py`, ...);
the worked solutions stay folded in the notebook. `make check-exercises` (course/exercise_check.py) runs
every check blank and with the notebook's worked solution filled in.
"""

from __future__ import annotations

import importlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

import numpy as np

from ..messages import say

LOG_VARIABLE = "COURSE_EXERCISE_LOG"   # `make check-exercises` collects every verdict in this file
MODULES = {"1": "step01", "2": "step02", "3": "step03", "4": "step04", "5": "step05", "6": "step06",
           "7a": "step07a", "7b": "step07b", "B": "bonus"}   # an exercise key's part before the dot


@dataclass(frozen=True)
class Exercise:
    key: str                          # "4.1": the notebook's step (7a, 7b, B for the bonus), then the number
    kind: str                         # "number", "choice" or "function"
    answer: Callable                  # number, choice: (settings, **run) -> the right answer, from the run;
                                      # function: the course's own function, which the learner's must match
    hint: dict[str, str]              # per edition: where to look, never the answer
    tolerance: float = 0.0            # number: how far from the right answer still counts as right
    cases: Callable | None = None     # function: (settings, **run) -> a list of argument tuples to call with
    options: Callable | None = None   # choice: (settings, **run) -> the words an answer may be

    def __post_init__(self):
        if self.kind not in ("number", "choice", "function"):
            raise ValueError(f"Exercise {self.key}: unknown kind {self.kind!r}.")
        if (self.kind == "function") != (self.cases is not None):
            raise ValueError(f"Exercise {self.key}: a function exercise, and only one, needs `cases`.")


@dataclass(frozen=True)
class Verdict:
    key: str
    status: str       # "right", "wrong" or "blank"
    line: str         # what the learner reads


def number(key: str, hint: dict[str, str], tolerance: float):
    """Register the decorated `(settings, **run) -> float` as the right answer of a number exercise."""
    return lambda answer: _register(Exercise(key, "number", answer, hint, tolerance=tolerance))


def choice(key: str, hint: dict[str, str], options: Callable | None = None):
    """Register the decorated `(settings, **run) -> str` as the right answer of a choice exercise."""
    return lambda answer: _register(Exercise(key, "choice", answer, hint, options=options))


def function(key: str, hint: dict[str, str], cases: Callable):
    """Register the decorated function as the one the learner's must match on `cases` from the run."""
    return lambda reference: _register(Exercise(key, "function", reference, hint, cases=cases))


EXERCISES: dict[str, Exercise] = {}


def _register(exercise: Exercise) -> Callable:
    if exercise.key in EXERCISES:
        raise ValueError(f"Exercise {exercise.key} is defined twice.")
    EXERCISES[exercise.key] = exercise
    return exercise.answer


def exercise(key: str) -> Exercise:
    """The exercise `key`, its notebook's module imported on first use."""
    step = key.split(".")[0]
    if key in EXERCISES:
        return EXERCISES[key]
    if step not in MODULES:
        raise KeyError(f"No exercise {key!r}: a key starts with one of {', '.join(MODULES)}, then a dot.")
    importlib.import_module(f"{__name__}.{MODULES[step]}")
    if key not in EXERCISES:
        raise KeyError(f"No exercise {key!r} in finetune_course/exercises/{MODULES[step]}.py.")
    return EXERCISES[key]


def check(key: str, answer, settings, **run) -> None:
    """Print whether `answer` to exercise `key` is right for this run; `run` holds what the answer is
    computed from (the notebook's own objects)."""
    verdict = judge(key, answer, settings, **run)
    print(verdict.line)
    if os.environ.get(LOG_VARIABLE):
        with open(os.environ[LOG_VARIABLE], "a", encoding="utf-8") as log:
            log.write(json.dumps({"key": key, "status": verdict.status}) + "\n")


def judge(key: str, answer, settings, **run) -> Verdict:
    """The verdict on `answer`, without printing it."""
    found = exercise(key)
    edition = settings.edition

    def verdict(status: str, reason: str = "") -> Verdict:
        message = {"right": "exercise_right", "wrong": "exercise_wrong", "blank": "exercise_blank"}[status]
        reason = say("exercise_reason", edition, reason=reason) if reason else ""
        return Verdict(key, status, say(message, edition, exercise=key, reason=reason,
                                        hint=found.hint[edition]))

    if answer is ... or answer is None:
        return verdict("blank")
    if found.kind == "number":
        return _judge_number(found, answer, settings, run, verdict)
    if found.kind == "choice":
        return _judge_choice(found, answer, settings, run, verdict)
    return _judge_function(found, answer, settings, run, verdict)


def _judge_number(found: Exercise, answer, settings, run: dict, verdict) -> Verdict:
    edition = settings.edition
    if isinstance(answer, bool) or not isinstance(answer, Real) or not math.isfinite(answer):
        return verdict("wrong", say("exercise_not_a_number", edition, answer=repr(answer)))
    right = float(found.answer(settings, **run))
    if abs(answer - right) <= found.tolerance:
        return verdict("right")
    if 0 <= right <= 1 and abs(answer / 100 - right) <= found.tolerance:
        return verdict("wrong", say("exercise_percentage", edition))
    return verdict("wrong", say("exercise_too_high" if answer > right else "exercise_too_low", edition))


def _judge_choice(found: Exercise, answer, settings, run: dict, verdict) -> Verdict:
    edition = settings.edition
    given = str(answer).strip().lower()
    if found.options is not None:
        options = [str(option) for option in found.options(settings, **run)]
        if given not in {option.lower() for option in options}:
            return verdict("wrong", say("exercise_not_an_option", edition, answer=repr(answer),
                                        options=", ".join(options)))
    if given == str(found.answer(settings, **run)).strip().lower():
        return verdict("right")
    return verdict("wrong")


def _judge_function(found: Exercise, answer, settings, run: dict, verdict) -> Verdict:
    edition = settings.edition
    if not callable(answer):
        return verdict("wrong", say("exercise_not_a_function", edition, answer=repr(answer)))
    returned = []
    for arguments in found.cases(settings, **run):
        try:
            got = answer(*arguments)
        except Exception as err:  # the learner's code: report it as their answer, never stop the notebook
            return verdict("wrong", say("exercise_raised", edition, error=f"{type(err).__name__}: {err}"))
        returned.append(got)
        if got is not None and not _same(got, found.answer(*arguments)):
            return verdict("wrong", say("exercise_case", edition, case=_short(arguments), got=_short(got)))
    if all(got is None for got in returned):     # the blank template's body is `...`: nothing returned yet
        return verdict("blank")
    if any(got is None for got in returned):
        return verdict("wrong", say("exercise_returned_none", edition))
    return verdict("right")


def _same(got, expected) -> bool:
    try:
        got_numbers, expected_numbers = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):      # not numbers: words, dicts
        return bool(np.array_equal(np.asarray(got, dtype=object), np.asarray(expected, dtype=object)))
    return got_numbers.shape == expected_numbers.shape and bool(
        np.allclose(got_numbers, expected_numbers, rtol=1e-6, atol=1e-9, equal_nan=True))


def _short(value, limit: int = 60) -> str:
    def plain(item):  # a tensor or an array reads as its numbers, inside a tuple of arguments too
        return item.tolist() if hasattr(item, "tolist") else item

    text = repr(tuple(map(plain, value)) if isinstance(value, tuple) else plain(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
