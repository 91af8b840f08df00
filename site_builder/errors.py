"""The project's error type: a list of located problems, reported together."""
from __future__ import annotations

from .model import Problem


class BuildError(Exception):
    """Raised by a stage when content or config is wrong; carries every problem found."""

    def __init__(self, errors: list[Problem], warnings: list[Problem] | None = None):
        self.errors = list(errors)
        self.warnings = list(warnings or [])
        super().__init__("\n".join(str(p) for p in self.errors))

    def __reduce__(self):  # raised in a worker: comes back whole, not as one problem per character
        return type(self), (self.errors, self.warnings)


class CacheUnreadable(BuildError):
    """A build cache entry the build relied on is gone or does not read (a cache that is not
    ours: restored, shipped with a repository, or pruned by another build)."""


class ContentError(ValueError):
    """One located problem in one content file (what loaders raise)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))
