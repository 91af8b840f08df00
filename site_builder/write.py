"""Safe, atomic, deterministic writes.

A build writes into a staging folder beside the output and swaps it in only when every page
was written: a failed or interrupted build leaves the previous site exactly as it was.
Output paths are checked (no escape from the folder), and two pages writing one file is an error.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
from contextlib import contextmanager
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

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
    """'figures/x.html' -> 'figures/', 'figures/x-genes.tsv.gz' -> 'figures/ tables'; top-level
    files (home, search, feeds, sitemaps) together."""
    head, _, rest = path.partition("/")
    if not rest:
        return "top-level files"
    return head + ("/ tables" if head == "figures" and rest.endswith(".tsv.gz") else "/")


SAFE_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.()-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.()-]*)*")


def check_output_path(path: str) -> str | None:
    """The problem with an output path, or None when it stays inside the site folder."""
    if SAFE_PATH.fullmatch(path) and ".." not in path:
        return None  # the common case, decided by one regex (a build checks every file)
    if not path or path.startswith("/") or "\\" in path or any(part in ("", ".", "..") for part in path.split("/")):
        return f"unsafe output path {path!r}"
    if any(ord(c) < 32 for c in path):
        return f"control character in output path {path!r}"
    return None


def check_output_dir(output: Path, protected: Iterable[Path]) -> None:
    """Refuse an output folder whose replacement would delete sources or the project, or a file."""
    if output.exists() and not output.is_dir():
        raise BuildError([Problem(str(output), 0, "output", f"{output} is a file, not a folder; choose another output folder")])
    out = output.resolve()
    for folder in protected:
        folder = folder.resolve()
        if out == folder or out in folder.parents:
            raise BuildError([Problem(str(output), 0, "output", f"refusing to replace {output}: it contains {folder}")])


Entry = tuple[str, int]  # (content hash, size) of an output file


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stage_file(staging: Path, previous: dict[str, Entry] | None, path: str, data: bytes) -> tuple[Entry, bool]:
    """Put one file into the staging folder unless the output already holds these bytes.

    Returns the file's entry and whether it was staged (False: unchanged, left in place)."""
    entry = (content_hash(data), len(data))
    if previous is not None and previous.get(path) == entry:
        return entry, False
    target = staging / path
    try:
        target.write_bytes(data)
    except FileNotFoundError:
        if not staging.is_dir():
            raise  # the build is gone (killed, cleaned up): a leftover worker must not re-create it
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return entry, True


StagedFile = tuple[str, Entry, bool, str]  # (path, entry, staged, page key) as workers report them


def stage_page(staging: Path, previous: dict[str, Entry] | None, page: Rendered) -> StagedFile:
    """stage_file for a rendered page; a page the renderer found unchanged keeps its entry."""
    if page.unchanged and previous and page.path in previous:
        return page.path, previous[page.path], False, page.key
    problem = check_output_path(page.path)
    if problem:
        raise BuildError([Problem(page.path, 0, "output", problem)])
    entry, staged = stage_file(staging, previous, page.path, page.text.encode("utf-8"))
    return page.path, entry, staged, page.key


class StagedSite:
    """Collects the files of one build in a staging folder, then puts them in place at once.

    A clean build (no `previous` entries) stages every file and swaps the whole folder in.
    An incremental build stages only files whose bytes changed; its commit moves them in and
    deletes files the site no longer has, following a journal that the next build completes
    if this one is killed half-way. Either way the output is untouched until commit.
    """

    def __init__(self, output: Path, previous: dict[str, Entry] | None = None):
        self.output = output
        self.previous = previous
        self.staging = output.parent / f".{output.name}.staging-{os.getpid()}"
        self.old = output.parent / f".{output.name}.old-{os.getpid()}"
        self.journal = journal_path(output)
        self.files: dict[str, Entry] = {}  # every file of the new site
        self.keys: dict[str, str] = {}  # page path -> digest of its inputs
        self.staged: list[str] = []  # the files that changed

    def __enter__(self) -> "StagedSite":
        self.output.parent.mkdir(parents=True, exist_ok=True)
        recover_interrupted_swap(self.output)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not self.journal.exists():  # with a journal, the next build completes the commit
            shutil.rmtree(self.staging, ignore_errors=True)

    @property
    def stats(self) -> WriteStats:
        stats = WriteStats()
        for path, (_, size) in sorted(self.files.items()):
            stats.add(path, size)
        return stats

    def claim(self, path: str) -> None:
        problem = check_output_path(path)
        if problem is None and path in self.files:
            problem = f"two pages write the same file {path!r}"
        if problem:
            raise BuildError([Problem(path, 0, "output", problem)])

    def write(self, path: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.claim(path)
        entry, staged = stage_file(self.staging, self.previous, path, data)
        self.record(path, entry, staged)

    def record(self, path: str, entry: Entry, staged: bool) -> None:
        """Account for a file written (or found unchanged) elsewhere, e.g. by a worker."""
        self.claim(path)
        self.files[path] = entry
        if staged:
            self.staged.append(path)

    def record_all(self, files: Iterable[StagedFile]) -> None:
        for path, entry, staged, key in files:
            self.record(path, entry, staged)
            if key:
                self.keys[path] = key

    def copy(self, source: Path, path: str) -> None:
        self.write(path, source.read_bytes())

    def commit(self) -> None:
        with signals_deferred():  # a commit, once started, finishes
            if self.previous is None:
                self.swap()
                return
            removed = sorted(set(self.previous) - set(self.files))
            write_journal(self.journal, self.staging, self.output, sorted(self.staged), removed)
            apply_journal(self.journal)

    def swap(self) -> None:
        """Swap the staging folder in place of the output."""
        if self.output.exists():
            os.replace(self.output, self.old)
        try:
            os.replace(self.staging, self.output)
        except BaseException:
            if self.old.exists() and not self.output.exists():
                os.replace(self.old, self.output)  # put the previous site back
            raise
        shutil.rmtree(self.old, ignore_errors=True)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and `kill` (SIGINT, SIGTERM) until the block is done; they act right after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python delivers signals to the main thread only: nothing to hold here
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def journal_path(output: Path) -> Path:
    return output.parent / f".{output.name}.journal"


def write_journal(journal: Path, staging: Path, output: Path, staged: list[str], removed: list[str]) -> None:
    text = json.dumps({"staging": str(staging), "output": str(output), "staged": staged, "removed": removed})
    temporary = journal.with_name(journal.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, journal)  # from here on, the next build completes this commit


def apply_journal(journal: Path) -> None:
    """Move the staged files into the output and delete removed ones; safe to run twice."""
    plan = json.loads(journal.read_text(encoding="utf-8"))
    staging, output = Path(plan["staging"]), Path(plan["output"])
    for path in plan["staged"]:
        source = staging / path
        if source.exists():
            (output / path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, output / path)
    for path in plan["removed"]:
        (output / path).unlink(missing_ok=True)
    remove_empty_parents(output, plan["removed"])
    shutil.rmtree(staging, ignore_errors=True)
    journal.unlink()


def remove_empty_parents(output: Path, removed: list[str]) -> None:
    folders = {PurePosixPath(path).parent for path in removed}
    for folder in sorted(folders, key=lambda f: -len(f.parts)):
        while folder.parts:
            try:
                (output / folder).rmdir()
            except OSError:
                break
            folder = folder.parent


def recover_interrupted_swap(output: Path) -> None:
    """Undo what an interrupted build left: staging folders, or an output moved aside."""
    journal = journal_path(output)
    if journal.exists():
        apply_journal(journal)  # an incremental commit was cut short: finish it
    for leftover in output.parent.glob(f".{output.name}.staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for old in sorted(output.parent.glob(f".{output.name}.old-*")):
        if not output.exists():
            os.replace(old, output)
        else:
            shutil.rmtree(old, ignore_errors=True)
