"""The rebuild loop: take a batch of changed paths, rebuild, publish the outcome, notify.

:class:`Rebuilder` is the one place that builds. It receives the batch of changed paths (None
for the first build) and keeps a :class:`~site_builder.build.WarmState` in memory from one save
to the next: the cache entries, the manifest and the model of the last build. When the first
build finds the output up to date, the model is loaded after the server started serving
(``Rebuilder.warm_up``, first thing on the builder thread). Records and
tables saved, added or removed go through ``live.apply_edit`` (work in proportion to the edit)
when every other figure keeps its search doc id; anything else runs ``build``, which reads from
disk only what changed.

Rebuilds run in the server's process, on the builder thread. ``parallel.map_chunks`` never
forks while other threads run (forking a process whose threads may hold locks can deadlock
the child), so rebuilds run their stages serially; measured on a one-record edit, that costs
nothing (see the commit that made this choice), and it keeps in-memory state possible.
"""
from __future__ import annotations

import gc
import threading
import time
import traceback
from functools import partial
from pathlib import Path
from typing import Callable

from ..build import BuildOptions, BuildReport, WarmState, build
from ..errors import BuildError, CacheUnreadable
from ..live import apply_edit, prepare
from ..parallel import collector_held
from .state import BuildState, describe_failure
from .watch import Coalescer

Rebuild = Callable[[BuildOptions, "frozenset[Path] | None"], BuildReport]


class Rebuilder:
    """Brings the serve output (``options.output_dir``) up to date after ``changed`` changed.

    ``changed``: the files added, modified or removed since the last call (None: the first
    build, or unknown). The edit path reads only these; ``build`` compares every input, so it
    also picks up a change the watcher did not report. Raises what ``build`` raises; a failed
    build leaves the state as it was.
    """

    def __init__(self) -> None:
        """After each build, the model is moved out of the garbage collector's sight
        (gc.freeze): at 100k figures it is ~20M objects, which every full collection would
        walk for seconds, during a save. It holds no reference cycles; what an edit replaces
        is freed by reference counting."""
        self.warm = WarmState()
        self.options: BuildOptions | None = None  # of the last build

    def __call__(self, options: BuildOptions, changed: frozenset[Path] | None = None) -> BuildReport:
        if changed is not None:
            self.warm_up()
        self.options = options
        with collector_held():  # an edit makes few objects: a collection now would only delay the page (~10 ms at 100k)
            report = apply_edit(options, self.warm, changed)
        if report is None:
            # The first build (changed None) of an output that is up to date only checks it:
            # serve serves it at once and loads the model afterwards (warm_up).
            report = build(options, warm=self.warm, load_model=changed is not None)
            if self.warm.live is not None:
                self.model_loaded()
        return report

    def warm_up(self) -> float | None:
        """Load the model that the first build left unloaded: the edit path needs it, and at
        100k figures it takes ~15 s, which serve spends after it started serving rather than
        before. Returns the seconds it took (0.0: the first build loaded it; None: there is
        none, the first build failed). A save that comes meanwhile waits for it; a build that
        fails here is reported by the next save's build."""
        if self.warm.live is not None:
            return 0.0
        if self.warm.unloaded is None or self.options is None:
            return None
        started = time.perf_counter()
        try:
            build(self.options, warm=self.warm)
        except BuildError:  # the inputs changed and broke since the first check: the next save's build reports it
            return None
        if self.warm.live is not None:
            self.model_loaded()
        self.warm.flush(idle=False)
        return time.perf_counter() - started

    def model_loaded(self) -> None:
        self.warm.later.append(partial(prepare, self.warm.live))  # for the next save's edit path
        self.warm.later.append(gc.freeze)

    def flush(self) -> None:
        """Finish what the last edit left for later (downloads, cache entries); run after the browser was told."""
        self.warm.flush(idle=False)

    def idle(self, interrupted: Callable[[], bool] = lambda: False) -> None:
        """When no save came for a while: the downloads and the manifest of the last edits. A
        save meanwhile (interrupted()) stops the work; the next idle time does it."""
        try:
            self.warm.flush(interrupted=interrupted)
        except CacheUnreadable:  # the cache lost what the last edits left (pruned, removed): build again
            if self.options is not None:
                build(self.options, warm=self.warm)

    def finish(self) -> None:
        """On exit: the idle work, and the inputs' fingerprint when they are what the output
        was made from, so that the next serve (or build) of this output starts warm."""
        self.warm.flush(final=True)


def rebuild(options: BuildOptions, changed: frozenset[Path] | None = None) -> BuildReport:
    """One build with no state kept (tests, and callers that build once)."""
    return build(options)


class RebuildLoop:
    """Runs ``rebuild`` for each batch the coalescer releases and keeps the resulting state.

    ``state`` always describes the last build: on failure, its problems (the output folder
    keeps the last good build). ``on_built`` is called after every build, good or bad.
    """

    def __init__(self, options: BuildOptions, coalescer: Coalescer, initial: BuildState, *,
                 rebuild: Rebuild | None = None, on_built: Callable[[BuildState], None] = lambda state: None,
                 say: Callable[[str], None] = print):
        self.options = options
        self.coalescer = coalescer
        self.rebuild = rebuild or Rebuilder()
        self.on_built = on_built
        self.say = say
        self.state = initial
        # time.monotonic() of the last build's start and end
        self.started_at = self.finished_at = 0.0
        self._done = threading.Condition()

    def run_forever(self, stop: threading.Event) -> None:
        warm_up = getattr(self.rebuild, "warm_up", None)
        try:
            seconds = warm_up() if warm_up is not None else None
        except Exception:  # noqa: BLE001 - a bug: the saves' builds still work without the model
            traceback.print_exc()
            seconds = None
        if seconds:
            self.say(f"Ready for edits: the site's model loaded in {seconds:.1f} s")
        elif seconds is not None:
            self.say("Ready for edits")
        idle = getattr(self.rebuild, "idle", None)
        while not stop.is_set():
            batch = self.coalescer.wait(timeout=0.5)
            try:
                if batch and not stop.is_set():
                    self.run_once(batch)
                elif idle is not None:
                    idle(lambda: stop.is_set() or self.coalescer.pending())
            except Exception:  # noqa: BLE001 - a bug in reporting; the next save gets another chance
                traceback.print_exc()
        finish = getattr(self.rebuild, "finish", idle)
        if finish is not None:
            finish()

    def run_once(self, changed: frozenset[Path] | None) -> BuildState:
        """Rebuild after ``changed``, update ``state``, print the outcome, call ``on_built``."""
        previous = self.state
        if changed:
            names = sorted(_display(p) for p in changed)
            more = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
            self.say(f"Changed: {names[0]}{more}; rebuilding…")
        started = time.perf_counter()
        self.started_at = time.monotonic()
        try:
            report = self.rebuild(self.options, changed)
        except Exception as exc:  # noqa: BLE001 - a broken build must not stop the server
            state = self._failed(previous, exc, time.perf_counter() - started)
        else:
            state = BuildState(previous.generation + 1, True, report.config.base_path,
                               seconds=time.perf_counter() - started)
            if previous.generation == 0:
                for problem in report.warnings:
                    self.say(f"warning: {problem}")
            warned = f", {len(report.warnings)} warnings" if report.warnings else ""
            self.say(f"Built {report.figures} figures, {report.pages} files in {state.seconds:.2f} s{warned}")
        with self._done:
            self.finished_at = time.monotonic()
            self.state = state
            self._done.notify_all()
        self.on_built(state)
        flush = getattr(self.rebuild, "flush", None)
        if flush is not None:
            flush()
        return state

    def _failed(self, previous: BuildState, exc: Exception, seconds: float) -> BuildState:
        failures, detail = describe_failure(exc)
        for failure in failures:
            self.say(f"error: {failure.location}: {failure.message}")
        if detail:
            self.say(detail.rstrip())
        self.say(f"Build failed ({len(failures)} problems); the browser shows them until the next good save.")
        return BuildState(previous.generation + 1, False, previous.prefix, tuple(failures), detail, seconds)

    def wait_for_build(self, after_generation: int, timeout: float) -> BuildState | None:
        """Block until a build later than ``after_generation`` finished (None on timeout)."""
        with self._done:
            self._done.wait_for(lambda: self.state.generation > after_generation, timeout)
            return self.state if self.state.generation > after_generation else None


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
