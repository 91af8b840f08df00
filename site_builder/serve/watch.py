"""Watching the site's inputs with watchfiles, and coalescing bursts of changes into batches.

watchfiles (Rust ``notify``: inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on
Windows, or polling) already groups events that arrive close together. Two of its watches run,
each in its own thread:

* the **tree** watch follows every folder root (content, templates, static) recursively;
* the **names** watch follows the parent folder of every root, not recursively, for the
  roots' own names only. It sees the config file replaced by an editor's atomic save, and a
  folder root (``templates/``) created, removed or replaced after the server started; the
  tree watch then restarts over the folders that exist now.

Every changed path goes to a :class:`Coalescer`, which releases them as one batch once no
new change arrived for a short quiet period (and holds changes made during a build for the
next one).
"""
from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

import watchfiles

QUIET_SECONDS = 0.02  # with watchfiles' own 30 ms: saves less than 50 ms apart are one change
MAX_WAIT_SECONDS = 2.0  # ...but a never-ending stream of writes still rebuilds this often
POLL_SECONDS = 0.3  # polling watcher only (network drives, containers without inotify)
STEP_MS = 30  # watchfiles: a batch ends after this long without a new event (an editor's save takes a few ms)
ARMED_CHECK_MS = 250  # watchfiles yields (possibly empty batches) at least this often

IGNORED_FILE = re.compile(r"(^\.#|~$|\.sw[a-p]$|^4913$|^\.DS_Store$|\.tmp$|\.pyc$)")
IGNORED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules"}


class Coalescer:
    """Collects changed paths and releases them as one batch after a quiet period.

    ``add`` records changes; ``take`` returns the batch once ``quiet`` seconds passed since
    the last change (or ``max_wait`` since the first, so a stream of writes cannot starve
    the build), else None. ``wait`` blocks until a batch is ready. Times come from ``clock``
    (or an explicit ``now``), so the logic is testable without sleeping.
    """

    def __init__(self, quiet: float = QUIET_SECONDS, max_wait: float = MAX_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.quiet = quiet
        self.max_wait = max_wait
        self.clock = clock
        self._pending: set[Path] = set()
        self._first = 0.0
        self._last = 0.0
        self._closed = False
        self._cond = threading.Condition()

    def add(self, paths: Iterable[Path | str], now: float | None = None) -> None:
        paths = {Path(p) for p in paths}
        if not paths:
            return
        now = self.clock() if now is None else now
        with self._cond:
            if not self._pending:
                self._first = now
            self._pending |= paths
            self._last = now
            self._cond.notify_all()

    def due_in(self, now: float | None = None) -> float | None:
        """Seconds until the pending batch is released; None when nothing is pending."""
        now = self.clock() if now is None else now
        with self._cond:
            if not self._pending:
                return None
            return max(0.0, min(self._last + self.quiet, self._first + self.max_wait) - now)

    def pending(self) -> bool:
        """Whether a change is waiting (the builder's idle work gives way to it)."""
        with self._cond:
            return bool(self._pending)

    def take(self, now: float | None = None) -> frozenset[Path] | None:
        """The pending batch if it is due (and forget it), else None."""
        with self._cond:
            wait = self.due_in(now)
            if wait is None or wait > 0:
                return None
            batch, self._pending = frozenset(self._pending), set()
            return batch

    def wait(self, timeout: float) -> frozenset[Path] | None:
        """Block until a batch is due (then take it), ``close`` is called, or ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                batch = self.take()
                if batch is not None:
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                due = self.due_in()
                self._cond.wait(remaining if due is None else min(remaining, max(due, 0.005)))
            return None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def is_ignored(path: str, root: str) -> bool:
    """Editor noise (swap, backup, lock files), version-control folders, anything in a hidden folder."""
    name = os.path.basename(path)
    if IGNORED_FILE.search(name) or name in IGNORED_DIRS:
        return True
    folders = os.path.relpath(os.path.dirname(path), root).split(os.sep) if path != root else []
    return any(part in IGNORED_DIRS or (part.startswith(".") and part not in (".", "..")) for part in folders)


Signature = tuple[int, int]  # size, modification time in ns


def files_under(folder: str) -> dict[str, Signature]:
    """Every watched file under ``folder``, with its signature.

    For a folder that just appeared: its files may have been written before it was watched.
    """
    found: dict[str, Signature] = {}
    seen: set[str] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        real = os.path.realpath(current)
        if real in seen:  # a symlink loop
            continue
        seen.add(real)
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.is_dir():
                        if entry.name not in IGNORED_DIRS and not entry.name.startswith("."):
                            pending.append(entry.path)
                    elif not IGNORED_FILE.search(entry.name):
                        stat = entry.stat()
                        found[entry.path] = (stat.st_size, stat.st_mtime_ns)
        except OSError:  # removed meanwhile: its removal is an event of its own
            continue
    return found


class Watcher:
    """Follows ``roots`` (folders or single files, existing or not) and feeds a Coalescer.

    ``polling=True`` makes watchfiles scan instead of asking the OS (for file systems
    without change notification); ``kind`` says which is in use. Polling compares
    modification times in whole seconds: a second save within the same second as the
    previous one is not seen (notify's PollWatcher; the OS watchers have no such limit).
    """

    def __init__(self, roots: list[Path], coalescer: Coalescer, *, polling: bool = False,
                 poll_interval: float = POLL_SECONDS, say: Callable[[str], None] = print):
        self.roots = roots
        self.say = say
        self.coalescer = coalescer
        self.polling = polling
        self.poll_ms = max(10, int(poll_interval * 1000))
        self.kind = "watchfiles, polling" if polling else "watchfiles"
        self._root_names = {str(root) for root in roots}
        self._stop = threading.Event()
        self._rewatch = threading.Event()  # set: the tree watch ends, and restarts unless stopping
        self._threads = [
            threading.Thread(target=self._keep_watching, args=(self._watch_names,), name="site-builder-watch-names",
                             daemon=True),
            threading.Thread(target=self._keep_watching, args=(self._watch_trees,), name="site-builder-watch-trees",
                             daemon=True),
        ]
        self._armed = {"names": threading.Event(), "trees": threading.Event()}
        self._reported: dict[str, Signature] = {}  # files of appeared folders, reported before the tree watch restarts

    def start(self, timeout: float = 10.0) -> None:
        """Start both watches; return once they are in place (changes after this are seen)."""
        for thread in self._threads:
            thread.start()
        for armed in self._armed.values():
            armed.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._rewatch.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)

    def _watch(self, paths: list[str], keep: Callable[[str], bool], recursive: bool, stop: threading.Event):
        return watchfiles.watch(
            *paths, watch_filter=lambda change, path: keep(path), step=STEP_MS, stop_event=stop,
            rust_timeout=ARMED_CHECK_MS, yield_on_timeout=True, raise_interrupt=False,
            force_polling=self.polling, poll_delay_ms=self.poll_ms, recursive=recursive,
            ignore_permission_denied=True)

    def _keep_watching(self, watch: Callable[[], None]) -> None:
        """Run ``watch``; if the OS refuses (e.g. its limit of watches is reached), poll instead."""
        while not self._stop.is_set():
            polling = self.polling
            try:
                return watch()
            except Exception as exc:  # noqa: BLE001 - whatever notify raised, the server keeps watching
                if polling:
                    self.say(f"warning: watching files failed ({exc}); retrying in 1 s")
                    self._stop.wait(1.0)
                elif not self.polling:  # the other watch thread may have switched already
                    self.say(f"warning: watching files failed ({exc}); polling instead")
                    self.polling, self.kind = True, "watchfiles, polling"

    def _watch_names(self) -> None:
        parents = sorted({str(root.parent) for root in self.roots if root.parent.is_dir()})
        if not parents:
            self._armed["names"].set()
            return
        folders = self._existing_folders()
        for changes in self._watch(parents, self._root_names.__contains__, False, self._stop):
            self._armed["names"].set()
            if changes:
                now = self._existing_folders()
                # A folder root counts when it appears, goes or is replaced, not when its
                # own time stamp changes (the tree watch reports what changed inside).
                unchanged = {path for path, inode in now if (path, inode) in folders}
                self.coalescer.add(path for _, path in changes if path not in unchanged)
                if now != folders:  # a folder root appeared, went or was replaced
                    appeared = [path for path, inode in now if (path, inode) not in folders]
                    folders = now
                    # Their files, now (in this batch): the tree watch only follows them once restarted.
                    self._reported = {path: sig for folder in appeared for path, sig in files_under(folder).items()}
                    self.coalescer.add(self._reported)
                    self._rewatch.set()

    def _existing_folders(self) -> list[tuple[str, int]]:
        found = []
        for root in self.roots:
            try:
                stat = root.stat()
            except OSError:
                continue
            if root.is_dir():
                found.append((str(root), stat.st_ino))
        return found

    def _watch_trees(self) -> None:
        watched: list[tuple[str, int]] | None = None  # None: the first watch, nothing is new
        while not self._stop.is_set():
            self._rewatch.clear()
            existing = self._existing_folders()
            new_folders = [path for path, inode in existing if watched is not None and (path, inode) not in watched]
            watched = existing
            folders = [path for path, _ in existing]
            if not folders:
                self._armed["trees"].set()
                self._rewatch.wait()
                continue
            for changes in self._watch(folders, lambda path: not self._ignored(path, folders), True, self._rewatch):
                if new_folders:  # in place now: report what changed since the names watch listed them
                    reported, self._reported = self._reported, {}
                    self.coalescer.add(path for folder in new_folders for path, sig in files_under(folder).items()
                                       if reported.get(path) != sig)
                    new_folders = []
                self._armed["trees"].set()
                if changes:
                    self.coalescer.add(self._expand(changes))

    @staticmethod
    def _ignored(path: str, folders: list[str]) -> bool:
        # A folder root itself is the names watch's business (appeared, gone, replaced).
        root = next((f for f in folders if path.startswith(f + os.sep)), None)
        return root is None or is_ignored(path, root)

    @staticmethod
    def _expand(changes: set[tuple[watchfiles.Change, str]]) -> set[str]:
        """The changed paths, plus the files of folders that were added (created, moved in)."""
        paths = {path for _, path in changes}
        for change, path in changes:
            if change == watchfiles.Change.added and os.path.isdir(path):
                paths.update(files_under(path).keys())
        return paths
