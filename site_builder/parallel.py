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
from typing import Any, Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_state: Any = None
_task: Callable[[Any, Sequence[Any]], Any] | None = None


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
    these signals blocked (map_chunks), so none arrives before this has run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _run(chunk: Sequence[Any]) -> Any:
    assert _task is not None
    return _task(_state, chunk)


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(task: Callable[[Any, Sequence[T]], R], state: Any, items: Sequence[T], *, jobs: int, chunk_size: int) -> Iterator[R]:
    """task(state, chunk) for each chunk, in order; in forked workers when it pays off and is safe."""
    global _state, _task
    chunks = chunked(items, chunk_size)
    if jobs <= 1 or len(chunks) <= 1 or not can_fork():
        for chunk in chunks:
            yield task(state, chunk)
        return
    _state, _task = state, task
    try:
        # Blocked while the workers are forked (they inherit the mask; worker_signals unblocks
        # them once their handlers are set); here, they arrive once the fork is done.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pool = multiprocessing.get_context("fork").Pool(jobs, initializer=worker_signals)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        with pool:
            yield from pool.imap(_run, chunks)
    finally:
        _state, _task = None, None


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
