"""Plumbing for the course "Fine-tune a large language model for a specific task in seven steps".

Profiles and parameters (`params`), data sources (`data`), model sources (`models`), metrics
without the Hub (`metrics`), files between steps (`artifacts`), figures (`plots`) and the
papermill chain (`chain`). The teaching code itself lives in the notebooks.
"""

from .params import CourseInputError, Settings, course_settings, resolve_settings

__all__ = ["CourseInputError", "Settings", "course_settings", "hide_loading_bars", "resolve_settings"]


def hide_loading_bars() -> None:
    """Switch off the progress bars of loading and saving in `datasets` and `transformers`.

    They finish in milliseconds here, and a saved notebook shows them as frozen "0%" bars; the
    `Trainer`'s own progress bars (training, evaluation) and the Hub's download bars (the `full`
    profile's first run, in a live session) are not affected. The chain, which saves notebooks,
    switches the download bars off too, with HF_HUB_DISABLE_PROGRESS_BARS.
    """
    import datasets
    import huggingface_hub
    import transformers

    datasets.disable_progress_bars()
    transformers.logging.disable_progress_bar()        # this also switches off the Hub's bars ...
    if not huggingface_hub.constants.HF_HUB_DISABLE_PROGRESS_BARS:
        huggingface_hub.utils.enable_progress_bars()   # ... which show real downloads: keep them
