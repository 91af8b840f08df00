"""The search index after figures came, went or moved anywhere in the order: doc ids renumbered.

search_live updates the index when every figure keeps its doc id (or the newest come and go).
Removing or adding a figure in the middle of the order moves the ids of all newer figures, and so
every posting list, doc shard and organism file. Rather than scoring every record again (a clean
build, ~11 s at 100k figures), this takes the last build's files and:

- renumbers the postings of the figures that stayed, with numpy over all lists at once
  (decode the varints, map old ids to new, encode again), dropping those of figures that went
  or changed;
- scores only the new or changed records, and puts their postings in;
- takes the doc rows of the figures that stayed from the old doc shards; organisms and years
  follow from the rows.

The bytes are those a clean build writes (search.write_files), which the tests check.
"""
from __future__ import annotations

import json
from collections import defaultdict
from heapq import merge
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .search import (DOCS_PER_SHARD, INDEX_DIR, SearchRecord, _utf16, content_name, deltas, entry_bytes, organism_table, term_scores,
                     term_shards, to_json, varints, year_ranges)
from . import varint_arrays
from .search_live import MANIFEST, LiveSearch, SearchFiles, Unusable, entry_parts, split_entries

BATCH_BYTES = 1_000_000  # postings decoded at once: bounds the arrays' memory (~80 bytes a posting)


def decode_batch(datas: Sequence[bytes], counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entry number, doc id, score) of every posting of these encoded lists, in order."""
    try:
        entry, values = varint_arrays.decode(datas, counts)
    except ValueError as error:
        raise Unusable(str(error)) from None
    if np.any(values < 0x10):
        raise Unusable("a posting list repeats a doc id")
    return entry, varint_arrays.ids(entry, values >> 4, counts), values & 0xF


def encode_batch(entry: np.ndarray, docs: np.ndarray, scores: np.ndarray, entries: int) -> list[bytes]:
    """The postings bytes of each of `entries` lists (search.encode_postings), from postings in
    order of (entry, doc)."""
    return varint_arrays.encode(varint_arrays.gaps(entry, docs) << 4 | scores, entry, entries)


def renumbered_entries(terms: list[str], entries: list[bytes], new_of_old: np.ndarray,
                       fresh: Mapping[str, list[tuple[int, int]]]) -> tuple[list[str], list[bytes]]:
    """The term list and encoded entries once each posting's doc is new_of_old[doc] (dropped
    where -1; the kept ones keep their order) and the `fresh` postings (term -> (doc, score),
    docs ascending) are put in."""
    new_terms = sorted(fresh.keys() - set(terms), key=_utf16)
    if new_terms:  # in the browser's order (UTF-16), as the old terms are
        merged = list(merge(zip(map(_utf16, terms), terms, entries), ((_utf16(t), t, b"") for t in new_terms)))
    else:
        merged = list(zip(terms, terms, entries))
    out_terms, out_entries = [], []
    start = 0
    while start < len(merged):
        end, size = start, 0
        while end < len(merged) and (end == start or size < BATCH_BYTES):
            size += len(merged[end][2])
            end += 1
        batch = merged[start:end]
        names, counts, datas = zip(*(entry_parts(entry) if entry else (term.encode("utf-8"), 0, b"") for _, term, entry in batch))
        entry, docs, scores = decode_batch(datas, counts)
        docs = new_of_old[docs]
        kept = docs >= 0
        entry, docs, scores = entry[kept], docs[kept], scores[kept]
        extra = [(number, doc, score) for number, (_, term, _) in enumerate(batch) for doc, score in fresh.get(term, ())]
        if extra:
            add = np.array(extra, dtype=np.int64).reshape(-1, 3)
            keys = entry << 32 | docs
            at = np.searchsorted(keys, add[:, 0] << 32 | add[:, 1])
            entry, docs, scores = (np.insert(column, at, add[:, k]) for k, column in enumerate((entry, docs, scores)))
        data = encode_batch(entry, docs, scores, len(batch))
        counts = np.bincount(entry, minlength=len(batch)).tolist()
        for (_, term, _), name, count, postings in zip(batch, names, counts, data):
            if count:
                out_terms.append(term)
                out_entries.append(entry_bytes(name, count, postings))
        start = end
    return out_terms, out_entries


def renumbered_files(folder: Path, order: Sequence[str], records: Mapping[str, SearchRecord]) -> SearchFiles:
    """The files that take the index in folder (<output>/search as the last build wrote it) to
    the figures with these urls, oldest first (the doc id order); `records`: the records of the
    figures that are new or whose record changed. The others keep their postings and rows.
    Unusable when the files are not an index this code wrote or the figures that stayed moved."""
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
        organism_names = [row[0] for row in manifest["organisms"]]
        rows = [row for name in manifest["docShards"] for row in verified_json(folder / "docs" / f"{name}.json", name)]
        if len(rows) != manifest["docs"]:
            raise Unusable("the search index's doc shards do not hold its docs")
        new_of_old, new_id = doc_map([row[0] for row in rows], records, order)
        kept_rows = {int(new): [url, title, year, [organism_names[o] for o in organisms]]
                     for new, (url, title, year, organisms) in zip(new_of_old, rows) if new >= 0}
        terms, entries = [], []
        for _, name in manifest["termShards"]:
            for term, entry in split_entries(verified(folder / "terms" / f"{name}.bin", name)):
                terms.append(term)
                entries.append(entry)
        terms, entries = renumbered_entries(terms, entries, new_of_old, fresh_postings(records, new_id))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise Unusable(str(exc)) from exc
    fresh_rows = dict(zip(records, named_rows(list(records.values()))))
    return index_files(manifest, terms, entries, [kept_rows[doc] if doc in kept_rows else fresh_rows[url] for doc, url in enumerate(order)])


def doc_map(old_urls: Sequence[str], changed: Mapping[str, SearchRecord], order: Sequence[str]) -> tuple[np.ndarray, dict[str, int]]:
    """(new doc id of each old doc, -1 where it went or changed; url -> new doc id). Unusable
    unless the figures that stayed keep their order and, with the changed ones, make `order`."""
    new_id = {url: doc for doc, url in enumerate(order)}
    new_of_old = np.array([-1 if url in changed else new_id.get(url, -1) for url in old_urls], dtype=np.int64)
    kept = new_of_old[new_of_old >= 0]
    if np.any(np.diff(kept) <= 0) or len(kept) + len(changed) != len(order):
        raise Unusable("the figures that stayed are not in the same order")
    return new_of_old, new_id


def named_rows(records: Sequence[SearchRecord]) -> list[list]:
    """A doc row with organism names (search.doc_row numbers them) of each record; the organism
    lists shared (a few hundred kinds at 100k figures)."""
    unique: dict[tuple, list[str]] = {}
    return [[record.url, record.title, record.year,
             unique.get(record.organisms) or unique.setdefault(record.organisms, list(dict.fromkeys(record.organisms)))]
            for record in records]


def index_files(manifest: dict, terms: list[str], entries: list[bytes], rows: list[list]) -> SearchFiles:
    """search/ from the term entries and doc rows (organisms by name), as search.write_files
    writes it; returns every file (the caller keeps the unchanged ones) and the old files gone."""
    written: dict[str, bytes] = {}
    term_files = []
    for first, data in term_shards(zip(terms, entries)):
        name = content_name(data)
        written[f"{INDEX_DIR}/terms/{name}.bin"] = data
        term_files.append([first, name])
    organisms, organism_docs = organism_table(row[3] for row in rows)
    organism_ids = {name: number for number, name in enumerate(organisms)}
    doc_files = []
    for start in range(0, len(rows), DOCS_PER_SHARD):
        data = to_json([[url, title, year, [organism_ids[o] for o in names]] for url, title, year, names in rows[start:start + DOCS_PER_SHARD]])
        doc_files.append(content_name(data))
        written[f"{INDEX_DIR}/docs/{doc_files[-1]}.json"] = data
    organism_rows = []
    for name in organisms:
        data = varints(deltas(organism_docs[name]))
        organism_rows.append([name, len(organism_docs[name]), content_name(data)])
        written[f"{INDEX_DIR}/organisms/{organism_rows[-1][2]}.bin"] = data
    new_manifest = {**manifest, "docs": len(rows), "termShards": term_files, "docShards": doc_files,
                    "organisms": organism_rows, "years": year_ranges(row[2] for row in rows)}
    written[f"{INDEX_DIR}/{MANIFEST}"] = to_json(new_manifest)
    removed = [f"{INDEX_DIR}/terms/{name}.bin" for _, name in manifest["termShards"]]
    removed += [f"{INDEX_DIR}/docs/{name}.json" for name in manifest["docShards"]]
    removed += [f"{INDEX_DIR}/organisms/{name}.bin" for _, _, name in manifest["organisms"]]
    return SearchFiles(written, sorted(set(removed) - written.keys()))


def verified(path: Path, name: str) -> bytes:
    data = path.read_bytes()
    if content_name(data) != name:
        raise Unusable(f"{path.name} does not hold what its name says")
    return data


def verified_json(path: Path, name: str) -> list:
    rows = json.loads(verified(path, name))
    if not isinstance(rows, list):
        raise Unusable(f"{path.name} is not a list of rows")
    return rows


def renumber_live(search: LiveSearch, fresh: Sequence[SearchRecord], order: Sequence[str]) -> SearchFiles:
    """serve's edit path when doc ids move: the in-memory index (search_live.LiveSearch) after the
    `fresh` records (new or changed) and the figures with the urls `order` (oldest first); returns
    every file of search/ but the Analyse data (the unchanged ones are not written again)."""
    changed = {record.url: record for record in fresh}
    new_of_old, new_id = doc_map([record.url for record in search.records], changed, order)
    by_url = {record.url: record for record in search.records} | changed
    records = [by_url[url] for url in order]
    terms, entries = renumbered_entries(search.terms, search.entries, new_of_old, fresh_postings(changed, new_id))
    files = index_files(search.manifest, terms, entries, named_rows(records))
    search.terms, search.entries, search.records, search.doc_of = terms, entries, records, new_id
    search.manifest = json.loads(files.written[f"{INDEX_DIR}/{MANIFEST}"])
    search.organism_ids = {row[0]: number for number, row in enumerate(search.manifest["organisms"])}
    search.organism_docs, search.emptied = None, False
    return files


def fresh_postings(records: Mapping[str, SearchRecord], new_id: Mapping[str, int]) -> dict[str, list[tuple[int, int]]]:
    """term -> (doc, score) of these records, docs ascending."""
    fresh: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for url in sorted(records, key=new_id.__getitem__):
        for term, score in term_scores(records[url]).items():
            fresh[term].append((new_id[url], score))
    return fresh
