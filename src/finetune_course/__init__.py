"""Helpers for the course "Fine-tune a large language model for a specific task in seven steps".

What the notebooks teach with: the settings (`params`), the Hub and its cache (`hub`), data sources and
checks (`data`), model sources (`models`), the training recipe (`recipe`), metrics without the Hub
(`metrics`), files between steps (`artifacts`), figures (`plots`), the sentences code prints (`messages`).
The teaching code itself lives in the notebooks. The course's own machinery (deciding the profile, the
papermill chain, the Chinese edition's upkeep) is the subpackage `course`; this front door hands the
notebooks their settings from it.
"""

from .course.profiles import course_settings, resolve_settings
from .params import CourseInputError, Settings

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
