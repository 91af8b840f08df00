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
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Mapping

from .errors import BuildError
from .model import Problem
from .parallel import default_jobs
from .render import Rendered


@dataclass(slots=True)
class WriteStats:
    files: int = 0
    bytes: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [files, bytes]


def page_kind(path: str) -> str:
    """'figures/x.html' -> 'figures/', 'figures/x-genes.tsv.gz' -> 'figures/ tables'; top-level
    files (home, search, feeds, sitemaps) together."""
    head, _, rest = path.partition("/")
    if not rest:
        return "top-level files"
    return head + ("/ tables" if head == "figures" and rest.endswith(".tsv.gz") else "/")


def file_stats(files: Mapping[str, Entry]) -> WriteStats:
    """WriteStats of a site's files (path -> (hash, size)). The files are counted by their first
    folder, then the counts by page_kind: one call per folder, not per file (290k at 100k)."""
    by_folder: dict[str, list[int]] = {}
    tables = [0, 0]
    for path, (_, size) in files.items():
        folder = path[:path.find("/") + 1]  # 'figures/', or '' for a top-level file
        counts = by_folder.get(folder)
        if counts is None:
            counts = by_folder[folder] = [0, 0]
        counts[0] += 1
        counts[1] += size
        if path.endswith(".tsv.gz") and path.startswith("figures/"):
            tables[0] += 1
            tables[1] += size
    stats = WriteStats()
    for folder, (count, size) in by_folder.items():
        kind = page_kind(folder + "x")
        if folder == "figures/":
            count, size = count - tables[0], size - tables[1]
        if count:
            stats.files, stats.bytes = stats.files + count, stats.bytes + size
            stats.by_kind[kind] = [count, size]
    if tables[0]:
        stats.files, stats.bytes = stats.files + tables[0], stats.bytes + tables[1]
        stats.by_kind[page_kind("figures/x.tsv.gz")] = tables
    return stats


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


MARKER = ".site-builder"  # in every output folder (and staging folder) site-builder made
MARKER_TEXT = "This folder is written by site-builder: each build replaces what it wrote here.\n"


@dataclass(frozen=True, slots=True)
class OutputRules:
    """What decides whether a build may (re)place its output folder."""

    project: Path
    content: Path
    protected: tuple[Path, ...]  # folders the output may not be or contain (sources, templates)
    from_config: str | None  # the output as site.yml names it (a repository's choice); None: the command line
    force: bool = False  # the user accepts replacing a folder site-builder did not make


def check_output_dir(output: Path, rules: OutputRules) -> None:
    """Refuse an output whose replacement could destroy what is not ours: a file, a folder with
    sources in it, a folder inside the content or a .git folder, a folder outside the project
    that only site.yml asked for, and any non-empty folder site-builder did not make."""
    def refuse(message: str) -> None:
        raise BuildError([Problem(str(output), 0, "output", message)])

    if output.exists() and not output.is_dir():
        refuse(f"{output} is a file, not a folder; choose another output folder")
    out, project = output.resolve(), rules.project.resolve()
    if ".git" in out.parts:
        refuse(f"refusing to build into {output}: it is inside a .git folder")
    for folder in rules.protected:
        if is_within(folder.resolve(), out):
            refuse(f"refusing to replace {output}: it contains {folder}")
    if is_within(out, rules.content.resolve()):
        refuse(f"refusing to build into {output}: it is inside the content folder {rules.content}")
    named = rules.from_config
    if named is not None and (Path(named).is_absolute() or not is_within(out, project) or out == project):
        refuse(f"site.yml names an output folder outside the project ({named}); "
               "give it with --output on the command line to build there")
    if not rules.force and output.is_dir() and not made_by_us(output):
        refuse(f"refusing to replace {output}: it holds files site-builder did not write (no {MARKER} file); "
               "choose a new or empty folder, or pass --force to replace it")


def claim_output(output: Path) -> None:
    """Mark an existing folder as site-builder's (after --force): the build may replace it."""
    if output.is_dir() and not made_by_us(output):
        (output / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def made_by_us(folder: Path) -> bool:
    """True for an empty folder or one holding site-builder's marker file."""
    marker = folder / MARKER
    if marker.is_file() and not marker.is_symlink():
        return True
    return not any(folder.iterdir())


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
        write_file(target, data)
    except FileNotFoundError:
        if not staging.is_dir():
            raise  # the build is gone (killed, cleaned up): a leftover worker must not re-create it
        target.parent.mkdir(parents=True, exist_ok=True)
        write_file(target, data)
    return entry, True


WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def write_file(path: Path, data: bytes) -> None:
    """Path.write_bytes without its buffered file object, which costs ~11 of ~34 us a file
    (tmpfs): a cold 100k build writes ~290k files."""
    descriptor = os.open(path, WRITE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


StagedFile = tuple[str, Entry, bool, str]  # (path, entry, staged, page key) as workers report them


def stage_page(staging: Path, previous: dict[str, Entry] | None, page: Rendered) -> StagedFile:
    """stage_file for a rendered page; a page the renderer found unchanged keeps its entry."""
    if page.unchanged and previous and page.path in previous:
        return page.path, previous[page.path], False, page.key
    return stage_data(staging, previous, page.path, page.text, page.key)


def stage_data(staging: Path, previous: dict[str, Entry] | None, path: str, data: str | bytes, key: str = "") -> StagedFile:
    """stage_file in a worker, once the path is checked as StagedSite.write checks it."""
    problem = check_output_path(path)
    if problem:
        raise BuildError([Problem(path, 0, "output", problem)])
    entry, staged = stage_file(staging, previous, path, data.encode("utf-8") if isinstance(data, str) else data)
    return path, entry, staged, key


class StagedSite:
    """Collects the files of one build in a staging folder, then puts them in place at once.

    A clean build (no `previous` entries) stages every file and swaps the whole folder in.
    An incremental build stages only files whose bytes changed; its commit moves them in and
    deletes files the site no longer has, following a journal that the next build completes
    if this one is killed half-way. Either way the output is untouched until commit.
    """

    def __init__(self, output: Path, journal: Path, previous: dict[str, Entry] | None = None):
        self.output = output
        self.previous = previous
        self.staging = output.parent / f".{output.name}.staging-{os.getpid()}"
        self.old = output.parent / f".{output.name}.old-{os.getpid()}"
        self.journal = journal
        self.files: dict[str, Entry] = {}  # every file of the new site
        self.keys: dict[str, str] = {}  # page path -> digest of its inputs
        self.staged: list[str] = []  # the files that changed
        self.carried: Mapping[str, Entry] = {}  # with carry_over: the previous build's files (read only)
        self.rewritten: set[str] = set()  # with carry_over: the files recorded since (a carried file not in it may be written once)
        self.dropped: list[str] | None = None  # with carry_over: the files drop() took out

    def __enter__(self) -> "StagedSite":
        self.output.parent.mkdir(parents=True, exist_ok=True)
        recover_interrupted_swap(self.output, self.journal)
        self.staging.mkdir()
        (self.staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # first: marks the folder ours
        entry = (content_hash(MARKER_TEXT.encode("utf-8")), len(MARKER_TEXT))
        self.record(MARKER, entry, staged=self.previous is None or self.previous.get(MARKER) != entry)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not self.journal.exists():  # with a journal, the next build completes the commit
            remove_ours(self.staging)

    @property
    def stats(self) -> WriteStats:
        return file_stats(self.files)

    def carry_over(self, files: dict[str, Entry], keys: dict[str, str]) -> None:
        """Start from the previous build's files (an edit then writes what it changed, once each)."""
        self.files, self.keys, self.carried, self.dropped = dict(files), dict(keys), files, []

    def drop(self, path: str) -> None:
        """A file carried over that the site no longer has (commit deletes it)."""
        if self.files.pop(path, None) is not None and self.previous and path in self.previous:
            self.dropped.append(path)
        self.keys.pop(path, None)

    def removed(self) -> list[str]:
        """The previous build's files this site no longer has."""
        if self.dropped is not None:  # carried over: only drop() removes
            return sorted(path for path in self.dropped if path not in self.files)
        return sorted(set(self.previous or ()) - set(self.files))

    def check(self, path: str) -> None:
        problem = check_output_path(path)
        if problem is None and path in self.files and (path not in self.carried or path in self.rewritten):
            problem = f"two pages write the same file {path!r}"
        if problem:
            raise BuildError([Problem(path, 0, "output", problem)])

    def write(self, path: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.check(path)
        entry, staged = stage_file(self.staging, self.previous, path, data)
        self.record(path, entry, staged)

    def record(self, path: str, entry: Entry, staged: bool) -> None:
        """Account for a file written (or found unchanged) elsewhere, e.g. by a worker."""
        self.check(path)
        if self.carried:
            self.rewritten.add(path)
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
            removed = self.removed()
            write_journal(self.journal, self.staging, self.output, sorted(self.staged), removed)
            apply_journal(self.journal, self.output)

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
        remove_ours(self.old)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and `kill` (SIGINT, SIGTERM) until the block is done; they act right after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # Python delivers signals to the main thread only: nothing to hold here
        return
    # Python runs every handler in the main thread, even for a signal the kernel gave another
    # thread; so the handlers are swapped for one that only takes note, then put back.
    received: list[int] = []
    previous = {number: signal.signal(number, lambda number, frame: received.append(number))
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        for number in sorted(set(received), key=lambda number: number != signal.SIGTERM):  # a kill before a Ctrl-C
            signal.raise_signal(number)  # now it acts, as it would have


def journal_path(cache_dir: Path, output: Path) -> Path:
    """Where an incremental commit keeps its plan: in the build cache, one per output folder."""
    name = hashlib.blake2b(str(output.resolve()).encode("utf-8"), digest_size=16).hexdigest()
    return cache_dir / "journals" / f"{name}.json"


def write_journal(journal: Path, staging: Path, output: Path, staged: list[str], removed: list[str]) -> None:
    text = json.dumps({"staging": staging.name, "output": str(output.resolve()), "staged": staged, "removed": removed})
    journal.parent.mkdir(parents=True, exist_ok=True)
    if journal.parent.is_symlink():  # the cache came with the repository: never write through its links
        raise BuildError([Problem(str(journal.parent), 0, "", "refusing to write the build journal through a symbolic link")])
    temporary = journal.with_name(journal.name + ".tmp")
    temporary.unlink(missing_ok=True)  # a link planted here goes, not what it points to
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, journal)  # from here on, the next build completes this commit


STAGING_NAME = re.compile(r"\.(?P<output>.+)\.staging-[0-9]+")


def read_journal(journal: Path, output: Path) -> tuple[Path, list[str], list[str]]:
    """The staging folder, staged and removed paths of a journal, after checking that every one
    of them lies inside this output folder or its own staging folder (a repository can ship a
    cache: a journal naming anything else is refused, never followed)."""
    def refuse(why: str) -> BuildError:
        return BuildError([Problem(str(journal), 0, "", f"refusing to follow this build journal: {why}; "
                                   "delete it if you did not interrupt a build of this site")])

    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        staging_name, planned_output = plan["staging"], plan["output"]
        staged, removed = list(plan["staged"]), list(plan["removed"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise refuse(f"unreadable ({exc.__class__.__name__})") from None
    match = STAGING_NAME.fullmatch(staging_name) if isinstance(staging_name, str) else None
    if not match or match["output"] != output.name or "/" in staging_name or "\\" in staging_name:
        raise refuse(f"its staging folder {staging_name!r} is not one of {output.name}'s")
    if planned_output != str(output.resolve()):
        raise refuse(f"it belongs to another output folder ({planned_output!r})")
    for path in staged + removed:
        if not isinstance(path, str) or check_output_path(path) is not None:
            raise refuse(f"it names a path outside the output: {path!r}")
    return output.parent / staging_name, staged, removed


def apply_journal(journal: Path, output: Path) -> None:
    """Move the staged files into the output and delete removed ones; safe to run twice."""
    staging, staged, removed = read_journal(journal, output)
    for path in staged:
        source = staging / path
        if source.is_file() and not source.is_symlink():
            target = safe_target(output, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for path in removed:
        safe_target(output, path).unlink(missing_ok=True)
    remove_empty_parents(output, removed)
    remove_ours(staging)
    journal.unlink()


def safe_target(output: Path, path: str) -> Path:
    """output/path, refusing a path that passes through a symbolic link: a link inside the output
    (say, one a repository committed) must not lead a write or a delete out of it."""
    target = output
    for part in PurePosixPath(path).parts:
        if target.is_symlink():
            raise BuildError([Problem(str(target), 0, "output", "refusing to write through a symbolic link in the output folder")])
        target = target / part
    if target.is_symlink():
        raise BuildError([Problem(str(target), 0, "output", "refusing to replace a symbolic link in the output folder")])
    return target


def remove_ours(folder: Path) -> None:
    """Delete a staging or moved-aside folder, but only one that site-builder made. The marker
    goes last, and only once nothing else is left: a deletion cut short (or one that could not
    delete everything) leaves a folder the next build still knows as its own."""
    if not (folder.is_dir() and not folder.is_symlink() and made_by_us(folder)):
        return
    try:
        # one folder per thread: the kernel work of deleting runs on every core, and two threads
        # never wait for each other's folder lock (a 10k site: 9.0-9.4 s in one thread, 6.1-6.4 in two)
        with ThreadPoolExecutor(default_jobs()) as threads:
            list(threads.map(remove_child, [child for child in folder.iterdir() if child.name != MARKER]))
        if [child.name for child in folder.iterdir()] in ([MARKER], []):
            (folder / MARKER).unlink(missing_ok=True)
            try:
                folder.rmdir()
            except OSError:  # a file came meanwhile: the folder stays ours
                (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
                raise
    except OSError:
        pass  # something could not go: the marker stays, for the next build to try again


def remove_child(child: Path) -> None:
    if child.is_dir() and not child.is_symlink():
        shutil.rmtree(child, ignore_errors=True)
    else:
        child.unlink(missing_ok=True)


def remove_empty_parents(output: Path, removed: list[str]) -> None:
    folders = {PurePosixPath(path).parent for path in removed}
    for folder in sorted(folders, key=lambda f: -len(f.parts)):
        while folder.parts:
            try:
                (output / folder).rmdir()
            except OSError:
                break
            folder = folder.parent


def recover_interrupted_swap(output: Path, journal: Path) -> bool:
    """Undo what an interrupted build left: staging folders, or an output moved aside.
    True when the output changed (the last build's manifest no longer describes it)."""
    changed = False
    if journal.exists():
        apply_journal(journal, output)  # an incremental commit was cut short: finish it
        changed = True
    for leftover in output.parent.glob(f".{output.name}.staging-*"):
        remove_ours(leftover)
    for old in sorted(output.parent.glob(f".{output.name}.old-*")):
        if not output.exists():
            os.replace(old, output)
            changed = True
        else:
            remove_ours(old)
    return changed
