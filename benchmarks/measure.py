"""Run a command and measure it as a whole process tree: wall time, CPU time, peak memory.

    from measure import run_measured
    result = run_measured(["hugo", "--quiet"], cwd=site)   # {"seconds", "cpu_seconds", "peak_rss_mb", ...}

site-builder forks worker processes; Hugo is one process. To compare their memory fairly, the
tree of the command (the process and all its descendants) is sampled from /proc every
`interval` seconds (50 ms by default) and the resident set sizes are added up:

- peak_rss_mb: the largest SUM of RSS over the tree seen in one sample (what issue 16's memory
  target counts; pages a forked worker shares with its parent are counted once per process);
- peak_pss_mb: the largest sum of PSS (shared pages divided among the processes that share
  them; closer to what the tree really takes from the machine);
- max_rss_mb: the largest single process (the kernel's maxrss of the waited-for tree, what
  GNU time -v reports), which sampling cannot miss;
- cpu_seconds: user + system time of the command and every descendant it waited for.

Sampling can miss a peak shorter than the interval; max_rss_mb cannot.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Mapping, Sequence

PAGE = os.sysconf("SC_PAGE_SIZE")


def children_of() -> dict[int, list[int]]:
    """ppid -> pids of every process now running (one pass over /proc)."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name (2nd field) is in parentheses and may hold spaces: parse after the last ')'
        fields = stat[stat.rindex(b")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def descendants(root: int) -> list[int]:
    tree = children_of()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, ()))
    return found


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def run_measured(command: Sequence[str], cwd: Path, *, env: Mapping[str, str] | None = None, interval: float = 0.05,
                 pss: bool = True) -> dict:
    """Run command to its end; raise SystemExit with its stderr when it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, env=dict(env) if env is not None else None,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # the pipes are drained by threads, so a chatty command never blocks on a full pipe
    import threading

    output: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:
        output[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(name, stream), daemon=True)
               for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))]
    for reader in readers:
        reader.start()
    peak_rss = peak_pss = 0
    processes = 1
    status, usage = None, None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            break
        tree = descendants(process.pid)
        processes = max(processes, len(tree))
        peak_rss = max(peak_rss, sum(rss_bytes(p) for p in tree))
        if pss:
            peak_pss = max(peak_pss, sum(pss_bytes(p) for p in tree))
        time.sleep(interval)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    stdout = output.get("stdout", b"").decode("utf-8", "replace")
    stderr = output.get("stderr", b"").decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "user_seconds": round(usage.ru_utime, 2),
        "system_seconds": round(usage.ru_stime, 2),
        "peak_rss_mb": round(peak_rss / 2**20),
        "peak_pss_mb": round(peak_pss / 2**20) if pss else None,
        "max_rss_mb": round(usage.ru_maxrss / 1024),
        "processes": processes,
        "stdout": stdout,
        "stderr": stderr,
    }


def load_average() -> str:
    """The 1-minute load average now (these machines are shared: keep it with the numbers)."""
    return f"{os.getloadavg()[0]:.2f}"
