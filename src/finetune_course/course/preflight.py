"""Bad input fails in seconds, before any notebook starts: the data and the model checked as the steps
check them.

`make check-inputs` and `make execute-all` (through `chain`) call `preflight` right after the banner. Data
that passes but that the model's tokenizer cannot read (another script) gets a warning
(`models.script_note`).
"""

from __future__ import annotations

import contextlib
import io
import time

from ..params import CourseInputError


def preflight(settings) -> None:
    """Steps 1-3's data checks and step 5's model checks, in seconds, before any kernel starts: the same
    functions the notebooks call, so a learner's broken file fails here with the message the notebook
    would give, without waiting for a kernel and torch. (Data from the Hub is checked by the notebooks,
    which download it; the probe has already checked that the Hub has it.)"""
    from .. import data, models

    started = time.perf_counter()
    print("Checking the data and the model ...", end=" ", flush=True)
    note = None
    try:
        if settings.model_name != models.TINY_GPT2:   # the smoke model is built by step 1, not checked here
            models.model_source(settings)
        source = data.dataset_source(settings)
        if source.data_files is not None or not settings.hub_online:
            import datasets

            datasets.disable_progress_bars()
            datasets.logging.set_verbosity_error()    # the CourseInputError says what went wrong, once
            with contextlib.redirect_stdout(io.StringIO()):      # the notebooks print these steps' notes
                with data.explain_load_errors(source):
                    raw = datasets.load_dataset(source.path, data_files=source.data_files)
                prepared, _ = data.check_and_prepare(raw, settings)
            # Data other than the course's tweets, in a script the model's tokenizer may not know.
            if settings.dataset_name != data.SHIPPED_DATASET and settings.model_name != models.TINY_GPT2:
                note = models.script_note(settings, prepared["train"][settings.text_column])
    except CourseInputError:
        print("FAILED", flush=True)
        raise
    print(f"fine ({time.perf_counter() - started:.1f} s)", flush=True)
    if note:
        print(note, flush=True)
