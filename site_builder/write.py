"""Safe, atomic, deterministic writes.

A build writes into a staging folder beside the output and swaps it in only when every page
was written: a failed or interrupted build leaves the previous site exactly as it was.
Output paths are checked (no escape from the folder), and two pages writing one file is an error.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

from .errors import BuildError
from .model import Problem
from .render import Rendered


@dataclass(slots=True)
class WriteStats:
    files: int = 0
    bytes: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [files, bytes]

    def merge(self, other: "WriteStats") -> None:
        self.files += other.files
        self.bytes += other.bytes
        for kind, (files, size) in other.by_kind.items():
            counts = self.by_kind.setdefault(kind, [0, 0])
            counts[0] += files
            counts[1] += size

    def add(self, path: str, size: int) -> None:
        self.files += 1
        self.bytes += size
        kind = page_kind(path)
        counts = self.by_kind.setdefault(kind, [0, 0])
        counts[0] += 1
        counts[1] += size


def page_kind(path: str) -> str:
    """'figures/x.html' -> 'figures'; top-level files by name."""
    head, _, rest = path.partition("/")
    return head if rest else path


def check_output_path(path: str) -> str | None:
    """The problem with an output path, or None when it stays inside the site folder."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or "\\" in path or any(part in ("", ".", "..") for part in path.split("/")):
        return f"unsafe output path {path!r}"
    if any(ord(c) < 32 for c in path):
        return f"control character in output path {path!r}"
    return None


def check_output_dir(output: Path, protected: Iterable[Path]) -> None:
    """Refuse an output folder whose replacement would delete sources or the project."""
    out = output.resolve()
    for folder in protected:
        folder = folder.resolve()
        if out == folder or out in folder.parents:
            raise BuildError([Problem(str(output), 0, "output", f"refusing to replace {output}: it contains {folder}")])


class StagedSite:
    """Collects the files of one build in a staging folder, then swaps it in atomically."""

    def __init__(self, output: Path):
        self.output = output
        self.staging = output.parent / f".{output.name}.staging-{os.getpid()}"
        self.old = output.parent / f".{output.name}.old-{os.getpid()}"
        self.written: set[str] = set()
        self.stats = WriteStats()

    def __enter__(self) -> "StagedSite":
        self.output.parent.mkdir(parents=True, exist_ok=True)
        recover_interrupted_swap(self.output)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.staging, ignore_errors=True)

    def _target(self, path: str) -> Path:
        problem = check_output_path(path)
        if problem is None and path in self.written:
            problem = f"two pages write the same file {path!r}"
        if problem:
            raise BuildError([Problem(path, 0, "output", problem)])
        self.written.add(path)
        target = self.staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, path: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self._target(path).write_bytes(data)
        self.stats.add(path, len(data))

    def copy(self, source: Path, path: str) -> None:
        target = self._target(path)
        shutil.copyfile(source, target)
        self.stats.add(path, target.stat().st_size)

    def write_pages(self, pages: Iterable[Rendered]) -> None:
        for page in pages:
            self.write(page.path, page.text)

    def commit(self) -> None:
        """Swap the staging folder in place of the output."""
        if self.output.exists():
            os.replace(self.output, self.old)
        os.replace(self.staging, self.output)
        shutil.rmtree(self.old, ignore_errors=True)


def recover_interrupted_swap(output: Path) -> None:
    """Undo what an interrupted build left: staging folders, or an output moved aside."""
    for leftover in output.parent.glob(f".{output.name}.staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for old in sorted(output.parent.glob(f".{output.name}.old-*")):
        if not output.exists():
            os.replace(old, output)
        else:
            shutil.rmtree(old, ignore_errors=True)
