"""parallel.map_chunks and map_lanes fork workers only when that is safe (never while other threads
run); map_lanes gives each worker a lane of its own."""
from __future__ import annotations

import os
import threading

import pytest

from site_builder.parallel import Lane, map_chunks, map_lanes


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


LANES_IN_WORKERS = """
import os, time
from site_builder.parallel import Lane, map_lanes

def slow_pid(state, item):
    time.sleep(state)
    return item, os.getpid()

lanes = [Lane(slow_pid, 0.3, ["a1", "a2", "a3"]), Lane(slow_pid, 0.3, ["b1", "b2", "b3"])]
done = list(map_lanes(lanes, jobs=2))
assert [(lane, item) for lane, (item, _) in done if lane == 0] == [(0, "a1"), (0, "a2"), (0, "a3")], done
assert [(lane, item) for lane, (item, _) in done if lane == 1] == [(1, "b1"), (1, "b2"), (1, "b3")], done
pid_of = {item: pid for _, (item, pid) in done}
assert pid_of["a1"] == pid_of["a2"] != pid_of["b1"] == pid_of["b2"], pid_of  # neither helps while its lane has work
assert os.getpid() not in pid_of.values(), pid_of
print("ok")
"""


def test_each_lane_starts_in_a_worker_of_its_own():
    """Two lanes writing into two folders run side by side: each worker starts with its own lane
    (a folder's lock makes two workers creating files in it wait for each other). In a process
    of its own: the test runner may run threads, and then nothing is forked."""
    import subprocess
    import sys

    from conftest import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", LANES_IN_WORKERS], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr[-2000:]


def test_lanes_give_every_result_once_in_each_lanes_order_either_way():
    double = lambda state, item: state * item  # noqa: E731
    lanes = [Lane(double, 2, list(range(7))), Lane(double, 10, [1, 2]), Lane(double, 1, [])]
    expected = [(0, 2 * n) for n in range(7)] + [(1, 10), (1, 20)]
    assert sorted(map_lanes(lanes, jobs=2)) == sorted(expected)
    assert list(map_lanes(lanes, jobs=1)) == expected
    assert [r for lane, r in map_lanes(lanes, jobs=3) if lane == 0] == [2 * n for n in range(7)]


def fails_on_three(state, item) -> int:
    if item == 3:
        raise ValueError("three")
    return item


def test_an_error_in_a_lane_reaches_the_caller():
    with pytest.raises(ValueError, match="three"):
        list(map_lanes([Lane(fails_on_three, None, [1, 2]), Lane(fails_on_three, None, [3, 4])], jobs=2))
