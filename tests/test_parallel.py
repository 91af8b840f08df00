"""parallel.map_chunks forks workers only when that is safe: never while other threads run."""
from __future__ import annotations

import os
import threading

import pytest

from site_builder.parallel import map_chunks


def worker_pid(state, chunk) -> int:
    return os.getpid()


def test_does_not_fork_while_other_threads_run():
    """A server's threads may hold locks (stdio, logging, the event loop) that a forked child would inherit held."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="like-the-http-server")
    other.start()
    try:
        pids = list(map_chunks(worker_pid, None, list(range(8)), jobs=2, chunk_size=2))
    finally:
        stop.set()
        other.join()
    assert pids == [os.getpid()] * 4


def test_forks_workers_when_it_is_the_only_thread():
    if threading.active_count() != 1:
        pytest.skip("the test runner has threads of its own")
    pids = list(map_chunks(worker_pid, None, list(range(8)), jobs=2, chunk_size=2))
    assert len(pids) == 4 and os.getpid() not in pids


def test_results_in_order_either_way():
    square_all = lambda state, chunk: [state * n for n in chunk]  # noqa: E731
    expected = [[0, 3], [6, 9], [12]]
    assert list(map_chunks(square_all, 3, list(range(5)), jobs=2, chunk_size=2)) == expected
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert list(map_chunks(square_all, 3, list(range(5)), jobs=2, chunk_size=2)) == expected
    finally:
        stop.set()
        other.join()


SIGTERM_IN_WORKERS = """
import signal
from site_builder.parallel import map_chunks

def interrupt(signum, frame):
    raise KeyboardInterrupt

def handler(state, chunk):
    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

signal.signal(signal.SIGTERM, interrupt)  # as `site-builder serve` does before its first build
print(list(map_chunks(handler, None, list(range(4)), jobs=2, chunk_size=1)))
"""


def test_workers_die_of_the_sigterm_that_ends_the_pool():
    """Leaving the pool terminates its workers with SIGTERM. A worker that inherited serve's
    handler (SIGTERM -> KeyboardInterrupt) once unwound while holding the queue's lock, and
    serve's first build waited for it forever."""
    import subprocess
    import sys

    from conftest import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", SIGTERM_IN_WORKERS], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[True, True, True, True]", result.stderr[-2000:]


def test_a_build_error_raised_in_a_worker_comes_back_whole() -> None:
    import pickle
    from site_builder.errors import BuildError
    from site_builder.model import Problem
    error = BuildError([Problem("a.md", 3, "title", "bad")], [Problem("b.md", 1, "", "odd")])
    back = pickle.loads(pickle.dumps(error))
    assert back.errors == error.errors and back.warnings == error.warnings and str(back) == str(error)
