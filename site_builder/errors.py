"""The project's error type: a list of located problems, reported together."""
from __future__ import annotations

from .model import Problem


class BuildError(Exception):
    """Raised by a stage when content or config is wrong; carries every problem found."""

    def __init__(self, errors: list[Problem], warnings: list[Problem] | None = None):
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        super().__init__("\n".join(str(p) for p in self.errors))


class ContentError(ValueError):
    """One located problem in one content file (what loaders raise)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))
