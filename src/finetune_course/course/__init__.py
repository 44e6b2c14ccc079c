"""The course's machinery, apart from what the notebooks teach with: deciding the profile (`profiles`, with
its one Hub probe), running the notebooks in order (`chain`), checking inputs before any notebook starts
(`preflight`), and keeping the Chinese edition in step with the English (`translation`).

A learner need not read it. It imports the learner-facing modules; none of them imports it.
"""
