"""Plumbing for the course "Fine-tune a large language model for a specific task in seven steps".

Profiles and parameters (`params`), data sources (`data`), model sources (`models`), metrics
without the Hub (`metrics`), files between steps (`artifacts`), figures (`plots`) and the
papermill chain (`chain`). The teaching code itself lives in the notebooks.
"""

from .params import CourseInputError, Settings, resolve_settings

__all__ = ["CourseInputError", "Settings", "resolve_settings"]
