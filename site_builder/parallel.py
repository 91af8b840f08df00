"""Chunked work across processes. Workers are forked after the shared state is built, so
they read it without pickling it; only chunks of keys go out and small results come back.

Forking is only safe in a process with one thread: a child gets a copy of every lock, and
one held by another thread at that moment (logging, stdio, an event loop, the import lock)
is never released in the child. So when other threads run (`site-builder serve`'s server,
watcher and builder), the work runs here instead. "spawn" or "forkserver" would not help:
the shared state (closures over the site index) cannot be pickled."""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    """True where fork exists and this process runs no other thread (see the module's note)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def worker_signals() -> None:
    """Workers ignore Ctrl-C (the main process gets it, and leaving `with` terminates them),
    and die of the SIGTERM that terminating sends: a handler inherited from the main process
    (serve's turns it into KeyboardInterrupt) would leave a worker unwinding while it holds the
    pool's queue lock, and the main process waiting for it forever. The workers are forked with
    these signals blocked (map_lanes), so none arrives before this has run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(task: Callable[[Any, Sequence[T]], R], state: Any, items: Sequence[T], *, jobs: int, chunk_size: int) -> Iterator[R]:
    """task(state, chunk) for each chunk, in order; in forked workers when it pays off and is safe."""
    for _, result in map_lanes([Lane(task, state, chunked(items, chunk_size))], jobs=jobs):
        yield result


@dataclass(frozen=True, slots=True)
class Lane:
    """Work of one kind for map_lanes: task(state, item) for each item, in order."""

    task: Callable[[Any, Any], Any]
    state: Any
    items: Sequence[Any]


_lanes: Sequence[Lane] = ()
_taken: Any = None  # shared by the workers: the number of items taken from each lane
_lane_of_worker: int = 0


def _join_lane(workers: Any) -> None:
    """Worker initializer: each worker prefers its own lane (the workers are numbered as they start)."""
    global _lane_of_worker
    worker_signals()
    with workers.get_lock():
        _lane_of_worker = workers.value % len(_lanes)
        workers.value += 1


def _take_next() -> tuple[int, int]:
    """(lane, item) of the next item of this worker's lane, or of the next lane that has one left."""
    with _taken.get_lock():
        for step in range(len(_lanes)):
            lane = (_lane_of_worker + step) % len(_lanes)
            if _taken[lane] < len(_lanes[lane].items):
                _taken[lane] += 1
                return lane, _taken[lane] - 1
    raise RuntimeError("more tasks than items")  # map_lanes sends one task per item


def _run_next(_: int) -> tuple[int, int, Any]:
    lane, position = _take_next()
    return lane, position, _lanes[lane].task(_lanes[lane].state, _lanes[lane].items[position])


def map_lanes(lanes: Sequence[Lane], *, jobs: int) -> Iterator[tuple[int, Any]]:
    """(lane number, result) of every item of every lane; each lane's results in its order.

    Each worker works through a lane of its own and helps another once its lane is done. Lanes
    that write into different folders then do so at the same time, not into the same folder:
    creating a file takes its folder's lock, and two workers creating files in one folder wait
    for each other (in the kernel: a third of a cold build's CPU time went there)."""
    global _lanes, _taken
    total = sum(len(lane.items) for lane in lanes)
    if jobs <= 1 or total <= 1 or not can_fork():
        for number, lane in enumerate(lanes):
            for item in lane.items:
                yield number, lane.task(lane.state, item)
        return
    context = multiprocessing.get_context("fork")
    _lanes, _taken = lanes, context.Array("q", len(lanes))
    waiting: list[dict[int, Any]] = [{} for _ in lanes]
    next_of = [0] * len(lanes)
    try:
        # Blocked while the workers are forked (they inherit the mask; worker_signals unblocks
        # them once their handlers are set); here, they arrive once the fork is done.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pool = context.Pool(jobs, initializer=_join_lane, initargs=(context.Value("q", 0),))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        with pool:
            for done in pool.imap_unordered(_run_next, range(total)):
                lane, position, result = done
                waiting[lane][position] = result
                while next_of[lane] in waiting[lane]:
                    yield lane, waiting[lane].pop(next_of[lane])
                    next_of[lane] += 1
    finally:
        _lanes, _taken = (), None


@contextmanager
def collector_held() -> Iterator[None]:
    """The garbage collector off for the block (as it was after): for work that makes many
    objects without reference cycles, which the collector would only walk again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
