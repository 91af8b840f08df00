"""Runs of varints (LEB128, as search.varint writes them) decoded and encoded with numpy: the
search index's postings and lists/ hold millions of them at 100k figures."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def decode(datas: Sequence[bytes], counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(run number, value) of every varint of these runs, run n holding counts[n] of them
    (ValueError if they do not add up)."""
    buf = np.frombuffer(b"".join(datas), dtype=np.uint8)
    ends = np.flatnonzero(buf < 0x80)
    if len(ends) != sum(counts) or (len(buf) and buf[-1] >= 0x80):
        raise ValueError("a run of varints does not hold its count")
    if len(ends) == len(buf):
        values = buf.astype(np.int64)
    else:  # each varint's bytes gathered by their place in it: a pass per byte of the longest
        low = (buf & 0x7F).astype(np.int64)
        lengths = np.empty_like(ends)
        lengths[0], lengths[1:] = ends[0] + 1, np.diff(ends)
        starts = ends - lengths + 1
        values = low[starts]
        for k in range(1, int(lengths.max())):
            longer = np.flatnonzero(lengths > k)
            values[longer] |= low[starts[longer] + k] << (7 * k)
    run = np.repeat(np.arange(len(counts)), np.asarray(counts, dtype=np.int64))
    return run, values


def encode(values: np.ndarray, run: np.ndarray, runs: int) -> list[bytes]:
    """The bytes of each of `runs` runs of varints (values >= 0, in run order)."""
    width = max(1, (int(values.max()).bit_length() + 6) // 7) if len(values) else 1  # bytes of the largest
    sizes = np.ones(len(values), dtype=np.int64)
    for k in range(1, width):
        sizes += values >= 1 << (7 * k)
    if width == 1:
        out = values.astype(np.uint8)
    else:
        offsets = np.cumsum(sizes) - sizes
        out = np.empty(int(sizes.sum()), dtype=np.uint8)
        out[offsets] = (values & 0x7F).astype(np.uint8) | (sizes > 1).astype(np.uint8) << 7
        for k in range(1, width):
            has = np.flatnonzero(sizes > k)
            out[offsets[has] + k] = ((values[has] >> (7 * k)) & 0x7F).astype(np.uint8) | (sizes[has] > k + 1).astype(np.uint8) << 7
    ends = np.cumsum(np.bincount(run, weights=sizes, minlength=runs).astype(np.int64))
    raw = out.tobytes()
    return [raw[start:end] for start, end in zip([0, *ends[:-1].tolist()], ends.tolist())]


def gaps(run: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Each id minus the one before it in its run (the first minus -1); ValueError unless ids ascend in each run."""
    previous = np.empty_like(ids)
    if len(ids):
        previous[0] = -1
        previous[1:] = ids[:-1]
        previous[np.flatnonzero(np.diff(run)) + 1] = -1
    found = ids - previous
    if np.any(found < 1):
        raise ValueError("ids must ascend")
    return found


def ids(run: np.ndarray, gaps_: np.ndarray, counts: Sequence[int]) -> np.ndarray:
    """gaps reversed: each run's running sum, counted from -1."""
    total = np.cumsum(gaps_)
    counts = np.asarray(counts, dtype=np.int64)
    firsts = np.cumsum(counts) - counts
    before = np.zeros(len(counts), dtype=np.int64)  # the sum of the runs before each
    nonempty = (counts > 0) & (firsts > 0)
    before[nonempty] = total[firsts[nonempty] - 1]
    return total - before[run] - 1
