"""The figures of long listings as search doc ids, in files of their own (static/listing.js reads them).

A listing page's HTML shows its newest figures; listing.js pages through the others with their ids
from these files and their titles from the search index's doc files. The ids are not in the page:
doc ids count the figures from the oldest, so a figure removed or added in the middle of the
order moves most of them, which would change nearly every gene page (~25k files at 100k figures).
These files change instead (~400 files, ~10 MB at 100k), and a page only when its own figures do.

    lists/index.json     [[first name, shard], ...] in name order (UTF-16 code units, as JS compares)
    lists/<shard>.bin    entries: varint(len) name-utf8 varint(count) varint(len) gaps, where the
                         ids ascend and each is a varint of the gap from the previous (the first's from -1)

A list's name is its page's path without ".html" (genes/TP53). A shard ends after a name that
hashes to 0 mod SPLIT: the bounds follow from the names alone, so a list that changes rewrites
its own shard only, and a name that comes or goes moves at most the bounds beside it. The list of
every figure is not stored: its page names it ALL, and its ids are all the index's docs.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Callable, Iterable, Mapping, Sequence

from .search import _utf16, content_name, entry_bytes, name_hash, to_json

FOLDER = "lists"
TABLE = f"{FOLDER}/index.json"
ALL = "*"  # the name of the list of every figure (the all-figures page)
SPLIT = 64  # names per shard, on average
SHARD_NAME = re.compile(r"[0-9a-f]{16}")  # search.content_name
BATCH_IDS = 1_000_000  # ids decoded or encoded at once: bounds the arrays' memory


def ends_shard(name: str) -> bool:
    return name_hash(name) % SPLIT == 0


def shards_of(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The names cut into shards, in the browser's order."""
    shards, current = [], []
    for name in sorted(names, key=_utf16):
        current.append(name)
        if ends_shard(name):
            shards.append(tuple(current))
            current = []
    if current:
        shards.append(tuple(current))
    return shards


def encode_entries(names: Sequence[str], id_lists: Sequence[Sequence[int]]) -> list[bytes]:
    """The entries of these lists (ids ascending; ValueError if not), encoded all at once."""
    import numpy as np  # here: a build that keeps lists/ does not load numpy (~0.1 s)

    from . import varint_arrays
    arrays = [np.asarray(ids, dtype=np.int64) for ids in id_lists]
    counts = [len(ids) for ids in arrays]
    run = np.repeat(np.arange(len(names)), counts)
    ids = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
    datas = varint_arrays.encode(varint_arrays.gaps(run, ids), run, len(names))
    return [entry_bytes(name.encode("utf-8"), count, data) for name, count, data in zip(names, counts, datas)]


def shard_files(shards: Sequence[Sequence[str]], ids_of: Callable[[str], Sequence[int]]) -> list[tuple[str, bytes]]:
    """(name, bytes) of each shard of these lists, encoded BATCH_IDS ids at a time (a batch's
    arrays take ~50 bytes an id)."""
    found: list[tuple[str, bytes]] = []
    batch: list[tuple[Sequence[str], list]] = []
    size = 0
    for number, names in enumerate(shards):
        id_lists = [ids_of(name) for name in names]
        batch.append((names, id_lists))
        size += sum(map(len, id_lists))
        if size >= BATCH_IDS or number == len(shards) - 1:
            entries = iter(encode_entries([n for names, _ in batch for n in names], [ids for _, lists in batch for ids in lists]))
            for names, _ in batch:
                data = b"".join(next(entries) for _ in names)
                found.append((content_name(data), data))
            batch, size = [], 0
    return found


def table_file(table: Sequence[tuple[str, str]]) -> tuple[str, bytes]:
    return TABLE, to_json([list(row) for row in table])


def shard_path(shard: str) -> str:
    return f"{FOLDER}/{shard}.bin"


def list_files(ids_of: Mapping[str, Sequence[int]]) -> list[tuple[str, bytes]]:
    """Every shard and the table, for lists by name."""
    shards = shards_of(ids_of)
    made = shard_files(shards, ids_of.__getitem__)
    files = [(shard_path(shard), data) for shard, data in made]
    return [*files, table_file([(names[0], shard) for names, (shard, _) in zip(shards, made)])]


def updated_files(old_table: Sequence[tuple[str, str]], old_names: Iterable[str], names: Iterable[str],
                  ids_of: Callable[[str], Sequence[int]], changed: set[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(files to write, paths to remove) after an edit that kept every figure's doc id: the
    shards whose names or lists changed are made anew, the others keep their files. old_table,
    old_names: the last build's table and list names (cut at the table's first names, they give
    each old shard's names). ValueError if they do not agree."""
    old_sorted = sorted(old_names, key=_utf16)
    keys = [_utf16(name) for name in old_sorted]
    old_shards: dict[tuple[str, ...], str] = {}
    for number, (first, shard) in enumerate(old_table):
        start = bisect_right(keys, _utf16(first)) - 1
        end = bisect_right(keys, _utf16(old_table[number + 1][0])) - 1 if number + 1 < len(old_table) else len(keys)
        if start < 0 or old_sorted[start] != first or end <= start:
            raise ValueError("the lists' table does not match the last build's lists")
        old_shards[tuple(old_sorted[start:end])] = shard
    if sum(map(len, old_shards)) != len(old_sorted):
        raise ValueError("the lists' table does not match the last build's lists")
    shards = shards_of(names)
    stale = [names for names in shards if old_shards.get(names) is None or changed.intersection(names)]
    made = dict(zip(stale, shard_files(stale, ids_of)))
    files, table, kept = [], [], set()
    for shard_names in shards:
        if shard_names in made:
            shard, data = made[shard_names]
            files.append((shard_path(shard), data))
        else:
            shard = old_shards[shard_names]
        kept.add(shard)
        table.append((shard_names[0], shard))
    if table != list(old_table):
        files.append(table_file(table))
    removed = [shard_path(shard) for shard in old_shards.values() if shard not in kept]
    return files, removed


def renumbered_files(old_table: Sequence[tuple[str, str]], read_shard: Callable[[str], bytes], new_of_old: Sequence[int],
                     names: Iterable[str], ids_of: Callable[[str], Sequence[int]], changed: set[str]) -> list[tuple[str, bytes]]:
    """Every shard and the table after figures came, went or moved (doc ids moved): the lists of
    the last build that did not change are decoded and mapped with numpy, BATCH_IDS ids at a time,
    through new_of_old (an old doc id -> its new one, -1 for a figure that went); the others
    (`changed`, or new) come from ids_of. read_shard(shard) -> the bytes of an old shard.
    ValueError if the old files are not lists this code wrote."""
    import numpy as np  # here: a build that keeps lists/ does not load numpy (~0.1 s)

    from .search_live import Unusable, entry_parts, split_entries
    names = list(names)
    wanted = set(names) - changed
    table = np.asarray(new_of_old, dtype=np.int64)
    mapped: dict[str, np.ndarray] = {}
    batch: list[tuple[str, int, bytes]] = []  # (name, count, gaps) of old lists to map
    size = 0
    try:
        for number, (_, shard) in enumerate(old_table):
            data = read_shard(shard)
            if content_name(data) != shard:
                raise ValueError(f"{shard_path(shard)} does not hold what its name says")
            for name, entry in split_entries(data):
                if name in wanted:
                    _, count, gaps = entry_parts(entry)
                    batch.append((name, count, gaps))
                    size += count
            if size >= BATCH_IDS or number == len(old_table) - 1:
                mapped.update(mapped_lists(batch, table))
                batch, size = [], 0
    except (Unusable, IndexError) as error:
        raise ValueError(str(error)) from None
    return list_files({name: mapped[name] if name in mapped else ids_of(name) for name in names})


def mapped_lists(batch: Sequence[tuple[str, int, bytes]], new_of_old) -> dict:
    """name -> its ids (int32) once the old ids (encoded gaps, count) map through new_of_old."""
    import numpy as np

    from . import varint_arrays
    names, counts, datas = zip(*batch) if batch else ((), (), ())
    run, gaps = varint_arrays.decode(datas, counts)
    ids = new_of_old[varint_arrays.ids(run, gaps, counts)]
    run, ids = run[ids >= 0], ids[ids >= 0].astype(np.int32)
    if np.any((np.diff(ids) <= 0) & (np.diff(run) == 0)):  # a figure moved past others
        order = np.lexsort((ids, run))
        run, ids = run[order], ids[order]
    bounds = np.searchsorted(run, np.arange(len(names) + 1)).tolist()
    return {name: ids[bounds[n]:bounds[n + 1]] for n, name in enumerate(names)}


def read_table(data: bytes) -> list[tuple[str, str]]:
    """The table of table_file's bytes (ValueError if it is not one)."""
    rows = json.loads(data)
    if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) == 2 and all(isinstance(v, str) for v in row) for row in rows):
        raise ValueError("not a lists table")
    if not all(SHARD_NAME.fullmatch(shard) for _, shard in rows):  # a name is a path in the output: never ../ (the cache may come with a repository)
        raise ValueError("a lists table names a shard that is not a content name")
    return [(first, shard) for first, shard in rows]
