"""The search index in memory, for `serve`: an edit that keeps every figure's doc id rewrites only
the term and doc shards it touches, and the result is the same bytes a clean build writes.

The state starts from the files the last build wrote (their names are hashes of their bytes,
so a file that does not match its name is refused): each term shard is split into its terms'
entries, left encoded. An edit re-scores the changed records (search.term_scores), decodes
the posting lists of the terms whose score changed, puts the new scores in, and encodes them
again; the shards are then cut as search.term_shards cuts them, and only shards with new bytes
are written. Newest figures may come and go (their doc ids are the last ones); an edit that
moves other doc ids, or makes or empties an organism's list (organisms are numbered by name),
is the clean build's to do.
"""
from __future__ import annotations

import bisect
import json
import re
from array import array
from dataclasses import dataclass
from itertools import accumulate, islice, repeat
from operator import and_, or_
from pathlib import Path
from typing import Sequence

from .search import (_SHORT_VARINTS, DOCS_PER_SHARD, INDEX_DIR, SearchRecord, _utf16, content_name, deltas, doc_row, encode_postings, entry_bytes,
                     term_scores, term_shards, to_json, varint, varints, year_ranges)

MANIFEST = "manifest.json"


class Unusable(Exception):
    """The files on disk are not the index this state expects: rebuild it the clean way."""


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def split_entries(data: bytes) -> list[tuple[str, bytes]]:
    """A term shard's (term, entry) pairs, entries as encoded."""
    found, pos = [], 0
    while pos < len(data):
        start = pos
        size, pos = read_varint(data, pos)
        term = data[pos:pos + size].decode("utf-8")
        pos += size
        _, pos = read_varint(data, pos)  # postings count
        size, pos = read_varint(data, pos)
        pos += size
        if pos > len(data):
            raise Unusable("a term shard ends inside an entry")
        found.append((term, data[start:pos]))
    return found


VARINT = re.compile(rb"[\x80-\xff]*[\x00-\x7f]")
VARINT_VALUE = {code: value for value, code in enumerate(_SHORT_VARINTS)}  # the one- and two-byte varints


def decode_postings(entry: bytes) -> list[int]:
    """doc << 4 | score of each posting of an encoded entry (search.encode_postings reversed).

    A common term's list holds ~50k postings at 100k figures: the varints are split and looked
    up, and the gaps summed, in C (map, accumulate) rather than one by one."""
    size, pos = read_varint(entry, 0)
    pos += size
    count, pos = read_varint(entry, pos)
    size, pos = read_varint(entry, pos)
    data = entry[pos:pos + size]
    coded = list(data) if data.isascii() else list(map(VARINT_VALUE.get, VARINT.findall(data)))
    if len(coded) != count or None in coded:
        return decode_slowly(data, count)
    docs = accumulate(map(and_, coded, repeat(-16)), initial=-16)  # doc << 4, from the gaps
    next(docs)
    return list(map(or_, docs, map(and_, coded, repeat(15))))


def entry_parts(entry: bytes) -> tuple[bytes, int, bytes]:
    """(term as UTF-8, postings count, postings) of an encoded entry."""
    size, pos = read_varint(entry, 0)
    name = entry[pos:pos + size]
    count, pos = read_varint(entry, pos + size)
    size, pos = read_varint(entry, pos)
    return name, count, entry[pos:pos + size]


def at_end(entry: bytes, doc: int, score: int) -> bytes | None:
    """The entry with doc, higher than all its docs, appended (score) or, when it is its last
    posting, taken off (score 0): a common term's 50k postings are neither decoded nor encoded
    again. None when the postings are not the usual one- and two-byte varints."""
    name, count, data = entry_parts(entry)
    if not score:  # doc, the list's last posting, goes: its varint is the bytes after the one before's last byte
        before = len(data) - 2
        while before >= 0 and data[before] >= 0x80:
            before -= 1
        data, count = data[:before + 1], count - 1
        return entry_bytes(name, count, data) if count else b""
    coded = list(data) if data.isascii() else list(map(VARINT_VALUE.get, VARINT.findall(data)))
    if len(coded) != count or None in coded:
        return None
    last_doc = sum(map(and_, coded, repeat(-16))) - 16  # doc << 4 of the last posting (see decode_postings)
    if doc << 4 <= last_doc:
        return None
    data += varint((doc << 4 | score) - last_doc)
    return entry_bytes(name, count + 1, data)


def decode_slowly(data: bytes, count: int) -> list[int]:
    values, previous, pos = [], -1 << 4, 0
    for _ in range(count):
        coded, pos = read_varint(data, pos)
        previous = coded + (previous & -16)
        values.append(previous)
    return values


def encode_entry(term: str, values: list[int]) -> bytes:
    return entry_bytes(term.encode("utf-8"), len(values), encode_postings(array("i", values)))


@dataclass
class SearchFiles:
    """What an update changed under search/: files to write (path -> bytes) and paths to remove."""

    written: dict[str, bytes]
    removed: list[str]


class LiveSearch:
    """The term entries and doc shards of one output's search index, in doc id order."""

    def __init__(self, folder: Path, records: Sequence[SearchRecord], doc_of: dict[str, int] | None = None,
                 rows_from_disk: bool = False):
        """folder: <output>/search as the last build left it; records: in doc id order (or a
        sequence that reads them when used, with doc_of: the doc ids of the urls an update
        changes). rows_from_disk: a doc shard that only changes some rows is read from its file,
        its other rows kept (rather than made from the records)."""
        self.folder, self.rows_from_disk = folder, rows_from_disk
        try:
            self.manifest = json.loads((folder / MANIFEST).read_bytes())
            self.terms: list[str] = []
            self.entries: list[bytes] = []
            for _, name in self.manifest["termShards"]:
                data = (folder / "terms" / f"{name}.bin").read_bytes()
                if content_name(data) != name:
                    raise Unusable(f"search/terms/{name}.bin does not hold what its name says")
                for term, entry in split_entries(data):
                    self.terms.append(term)
                    self.entries.append(entry)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise Unusable(str(exc)) from exc
        in_order = all(_utf16(a) < _utf16(b) for a, b in zip(self.terms, self.terms[1:]))
        if not in_order or self.manifest.get("docs") != len(records):
            raise Unusable("the search index on disk is not this site's")
        self.records = records
        self.doc_of = {record.url: doc for doc, record in enumerate(records)} if doc_of is None else doc_of
        self.organism_ids = {row[0]: number for number, row in enumerate(self.manifest["organisms"])}
        self.organism_docs: dict[str, list[int]] | None = None  # name -> its docs, ascending (made on the first update)
        self.emptied = False  # a term lost its last posting (drop_empty takes it out)

    def update(self, changed: list[tuple[SearchRecord, SearchRecord]], removed: int = 0,
               added: list[SearchRecord] | None = None) -> SearchFiles:
        """Apply (old, new) record pairs that keep their doc ids (same url and place), take out
        the `removed` newest docs and append `added` (oldest first); returns the files to write
        and remove."""
        coming = {o for _, new in changed for o in new.organisms} | {o for record in added or () for o in record.organisms}
        if coming - self.organism_ids.keys():
            raise Unusable("a new organism in the search index")
        docs: set[int] = set()
        touched: list[bytes] = []  # the changed terms' sort keys

        def score(doc: int, before: SearchRecord | None, after: SearchRecord | None, last: bool = False) -> None:
            """last: doc is the highest in every list it is in or joins (it came or goes at the end)."""
            old, new = term_scores(before) if before else {}, term_scores(after) if after else {}
            for term in old.keys() | new.keys():
                if old.get(term) != new.get(term):
                    self.set_score(term, doc, new.get(term, 0), last)
                    touched.append(_utf16(term))

        moving = removed or added or any(set(old.organisms) != set(new.organisms) for old, new in changed)
        organism_docs = self.docs_by_organism() if moving else {}  # made before any record changes
        count = len(self.records)
        gone = self.records[count - removed:] if removed else []
        for doc in reversed(range(count - removed, count)):  # the highest first: each is then the last of its lists
            score(doc, self.records[doc], None, last=True)
            del self.doc_of[self.records[doc].url]
            for organism in dict.fromkeys(self.records[doc].organisms):
                organism_docs[organism].pop()
        if removed:
            del self.records[count - removed:]
        for old, new in changed:
            doc = self.doc_of[old.url]
            docs.add(doc)
            self.records[doc] = new
            score(doc, old, new)
            for organism in set(old.organisms) - set(new.organisms):
                organism_docs[organism].remove(doc)
            for organism in set(new.organisms) - set(old.organisms):
                bisect.insort(organism_docs.setdefault(organism, []), doc)
        for record in added or ():
            self.doc_of[record.url] = len(self.records)
            score(len(self.records), None, record, last=True)
            for organism in dict.fromkeys(record.organisms):
                organism_docs.setdefault(organism, []).append(len(self.records))
            self.records.append(record)
        shards = {doc // DOCS_PER_SHARD for doc in docs}
        whole = set()  # shards made from the records: those where docs came or went
        if removed or added:  # from the shard of the first doc that came or went to the last one now
            whole.update(range((count - removed) // DOCS_PER_SHARD, -(-len(self.records) // DOCS_PER_SHARD)))
            shards |= whole
        old_terms = [name for _, name in self.manifest["termShards"]]
        old_docs = list(self.manifest["docShards"])
        self.drop_empty()
        written: dict[str, bytes] = {}
        term_files = self.cut(touched) if touched else [(first, name, b"") for first, name in self.manifest["termShards"]]
        for first, name, data in term_files:
            if data:
                written[f"{INDEX_DIR}/terms/{name}.bin"] = data
        term_files = [[first, name] for first, name, _ in term_files]
        doc_files = old_docs[:-(-len(self.records) // DOCS_PER_SHARD)]
        for shard in sorted(shards):
            start = shard * DOCS_PER_SHARD
            if self.rows_from_disk and shard not in whole:
                rows = self.shard_rows(old_docs[shard])
                if len(rows) != min(DOCS_PER_SHARD, len(self.records) - start):
                    raise Unusable(f"search/docs/{old_docs[shard]}.json does not hold its shard's rows")
                for doc in docs:
                    if start <= doc < start + DOCS_PER_SHARD:
                        rows[doc - start] = doc_row(self.records[doc], self.organism_ids)
            else:
                rows = [doc_row(r, self.organism_ids) for r in self.records[start:start + DOCS_PER_SHARD]]
            data = to_json(rows)
            if shard == len(doc_files):
                doc_files.append("")
            doc_files[shard] = content_name(data)
            written[f"{INDEX_DIR}/docs/{doc_files[shard]}.json"] = data
        old_organisms = [name for _, _, name in self.manifest["organisms"]]
        moved = {o for old, new in changed for o in set(old.organisms) ^ set(new.organisms)}
        moved |= {o for record in (*gone, *(added or ())) for o in record.organisms}
        organism_rows = self.organism_rows(moved, written)
        years = year_ranges(r.year for r in self.records) if removed or added or any(old.year != new.year for old, new in changed) else self.manifest["years"]
        self.manifest = {**self.manifest, "docs": len(self.records), "termShards": term_files, "docShards": doc_files,
                         "organisms": organism_rows, "years": years}
        written[f"{INDEX_DIR}/{MANIFEST}"] = to_json(self.manifest)
        kept_terms, kept_docs = {name for _, name in term_files}, set(doc_files)
        kept_organisms = {name for _, _, name in organism_rows}
        removed_files = [f"{INDEX_DIR}/terms/{name}.bin" for name in old_terms if name not in kept_terms]
        removed_files += [f"{INDEX_DIR}/docs/{name}.json" for name in old_docs if name not in kept_docs]
        removed_files += [f"{INDEX_DIR}/organisms/{name}.bin" for name in old_organisms if name not in kept_organisms]
        return SearchFiles(written, sorted(set(removed_files)))

    def shard_rows(self, name: str) -> list:
        """The rows of the doc shard file `name` as the last build wrote it."""
        try:
            data = (self.folder / "docs" / f"{name}.json").read_bytes()
            if content_name(data) != name:
                raise Unusable(f"search/docs/{name}.json does not hold what its name says")
            rows = json.loads(data)
        except (OSError, ValueError) as exc:
            raise Unusable(str(exc)) from exc
        if not isinstance(rows, list):
            raise Unusable(f"search/docs/{name}.json is not a list of rows")
        return rows

    def organism_rows(self, organisms: set[str], written: dict[str, bytes]) -> list[list]:
        """The manifest's [name, count, file] rows, the given organisms' doc lists made anew
        (search.organism_table); an organism the index does not have yet is a build's work."""
        if organisms - self.organism_ids.keys():
            raise Unusable("a new organism in the search index")
        rows = []
        for name, count, file in self.manifest["organisms"]:
            if name in organisms:
                docs = self.docs_by_organism().get(name)
                if not docs:
                    raise Unusable("an organism lost its last figure in the search index")
                data = varints(deltas(docs))
                count, file = len(docs), content_name(data)
                written[f"{INDEX_DIR}/organisms/{file}.bin"] = data
            rows.append([name, count, file])
        return rows

    def docs_by_organism(self) -> dict[str, list[int]]:
        """Each organism's docs, ascending (search.organism_table), kept up to date by update."""
        if self.organism_docs is None:
            self.organism_docs = {}
            for doc, record in enumerate(self.records):
                for organism in dict.fromkeys(record.organisms):
                    self.organism_docs.setdefault(organism, []).append(doc)
        return self.organism_docs

    def cut(self, touched: list[bytes]) -> list[tuple[str, str, bytes]]:
        """(first term, name, bytes or b"" if unchanged) of each term shard. Around each changed
        term, the entries are cut as search.term_shards cuts them, from the start of the old shard
        that held it until a shard starts where an old one started: the ends follow from the
        terms' names, so from there on the old shards are the new ones, up to the next changed
        term (a title's terms lie all over the alphabet: the shards between them stay)."""
        old = self.manifest["termShards"]
        old_keys = [_utf16(first) for first, _ in old]
        starts = {first: number for number, (first, _) in enumerate(old)}
        found: list[tuple[str, str, bytes]] = []
        done = 0  # the old shards before this one are in `found`, as they were or cut anew
        for key in sorted(set(touched)):
            shard = max(0, bisect.bisect_right(old_keys, key) - 1)
            if shard < done:
                continue  # in a run already cut anew
            found += [(first, name, b"") for first, name in old[done:shard]]
            start = bisect.bisect_left(self.terms, old_keys[shard], key=_utf16) if shard else 0
            done = len(old)
            for first, data in term_shards(islice(zip(self.terms, self.entries), start, None)):
                if starts.get(first, -1) > shard:
                    done = starts[first]  # in step with the old shards again
                    break
                found.append((first, content_name(data), data))
        return found + [(first, name, b"") for first, name in old[done:]]

    def set_score(self, term: str, doc: int, score: int, last: bool = False) -> None:
        """Give doc this score for term (0: take the doc out of the term's list). last: doc is
        higher than every other doc of the list (the entry is cut or extended at its end)."""
        key = _utf16(term)
        position = bisect.bisect_left(self.terms, key, key=_utf16)
        if position < len(self.terms) and self.terms[position] == term:
            if last and self.entries[position]:
                entry = at_end(self.entries[position], doc, score)
                if entry is not None:
                    self.entries[position] = entry
                    self.emptied = self.emptied or not entry
                    return
            values = decode_postings(self.entries[position])
        else:
            self.terms.insert(position, term)
            self.entries.insert(position, b"")
            values = []
        at = bisect.bisect_left(values, doc << 4)
        if at < len(values) and values[at] >> 4 == doc:
            del values[at]
        if score:
            values.insert(at, doc << 4 | score)
        self.entries[position] = encode_entry(term, values) if values else b""
        self.emptied = self.emptied or not values

    def drop_empty(self) -> None:
        if not self.emptied:
            return
        self.emptied = False
        kept = [i for i, entry in enumerate(self.entries) if entry]
        self.terms = [self.terms[i] for i in kept]
        self.entries = [self.entries[i] for i in kept]


def updated_files(folder: Path, records: Sequence[SearchRecord], doc_of: dict[str, int],
                  changed: list[tuple[SearchRecord, SearchRecord]]) -> SearchFiles | None:
    """The files that take the index in folder to the records once `changed` ((old, new) pairs
    that keep their doc ids, doc_of[old.url]) are applied; records: the records before, in doc
    id order, read only where the update needs them. None when a clean build must make it."""
    try:
        return LiveSearch(folder, records, doc_of, rows_from_disk=True).update(changed)
    except Unusable:
        return None
