"""Static search: an inverted index of the figures, written as small files that static/search.js reads.

Layout under <output>/search/ (every file but the manifest is named by a hash of its bytes, so a
browser never mixes files of two builds):

    manifest.json           doc count, term shard table, organisms, years, tokenizer tables
    terms/<hash>.bin        a range of the sorted terms with their postings
    docs/<hash>.json        url, title, year and organisms of DOCS_PER_SHARD docs
    organisms/<hash>.bin    the doc ids of one organism (the organism filter)

Doc ids follow newest-first order (year, then PMC id), so the year filter is an id range and ties
in score list newer figures first. A term shard is a run of entries
``varint(len) term-utf8 varint(count) varint(len) postings``; a posting is
``varint(delta << 4 | score)`` with delta the gap to the previous doc id (the first id is counted
from -1). The score (1..15) adds field weights: gene symbol 6, title 4, paper keyword 2,
organism 2, caption 1 per occurrence up to 3. The browser multiplies it by the term's idf.

Tokens: NFKD, lower case, marks dropped, Greek letters spelled in Latin (β -> b, κ -> k), so
"TGF-β1" and "TGFB1" meet; a hyphenated word is indexed joined ("il6") and by its parts; tokens
are 2+ characters; free-text stop words are left out.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .model import Figure, SiteIndex

INDEX_DIR = "search"
FORMAT = 1
DOCS_PER_SHARD = 100
TERM_SHARD_BYTES = 48_000  # a shard closes once it holds this much; one term may exceed it alone
MIN_TERM = 2
PREFIX_MIN = 3  # the last word typed matches as a prefix once it has this many characters
MAX_SCORE = 15
WEIGHT_GENE, WEIGHT_TITLE, WEIGHT_KEYWORD, WEIGHT_ORGANISM, CAPTION_MAX = 6, 4, 2, 2, 3

STOPWORDS = frozenset(
    "a an and are as at be been being but by can could did do does during for from had has have "
    "how however in into is it its may might not of on or our shown such than that the their "
    "them then there these they this those through thus to upon via was we were when where "
    "which while who whose with within without".split()
)
GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω", "abgdezhqiklmnxoprsstufcyw"))
HYPHENS = {"\u2010": "-", "\u2011": "-"}
FOLD = {**GREEK, **HYPHENS}  # single-character replacements after lower-casing (also sent to JS)
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # letters and digits, hyphen-joined (JS: [\p{L}\p{N}])


@dataclass(frozen=True, slots=True)
class SearchRecord:
    url: str  # site-relative, no leading slash: "figures/PMC1__x.html"
    title: str
    caption: str = ""
    year: str = ""  # "" if unknown
    organisms: tuple[str, ...] = ()
    genes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    pmcid: str = ""  # orders figures of the same year, newest first


@dataclass(frozen=True, slots=True)
class SearchIndexStats:
    records: int
    terms: int
    files: int
    bytes: int
    seconds: float


# --- tokens ----------------------------------------------------------------------------------
class _FoldTable(dict):
    """str.translate table built on demand: marks dropped, FOLD applied, anything else kept."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value = None if unicodedata.category(char).startswith("M") else FOLD.get(char, char)
        self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).lower().translate(_FOLD_TABLE)


def tokens(text: str, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Index tokens of a text, repeats kept: a hyphenated word gives its joined form and its parts."""
    text = fold(text)
    words = WORD.findall(text)
    if "-" in text:
        words = _expand_hyphenated(words)
    return [word for word in words if len(word) >= MIN_TERM and word not in stopwords]


def _expand_hyphenated(words: list[str]) -> list[str]:
    expanded = []
    for word in words:
        if "-" in word:
            parts = word.split("-")
            expanded.append("".join(parts))
            expanded.extend(parts)
        else:
            expanded.append(word)
    return expanded


def query_terms(query: str) -> tuple[list[str], bool]:
    """What the browser looks up for a query: (terms, whether the last one may match as a prefix).

    Reference for static/search.js. A hyphenated word is looked up joined; stop words are dropped
    unless the query has nothing else.
    """
    words = ["".join(word.split("-")) for word in WORD.findall(fold(query))]
    words = [word for word in words if len(word) >= MIN_TERM]
    kept = [word for word in words if word not in STOPWORDS] or words
    prefix = bool(kept) and len(kept[-1]) >= PREFIX_MIN and bool(re.search(r"[^\W_]$", query)) and kept[-1] == words[-1]
    return kept, prefix


def term_scores(record: SearchRecord) -> dict[str, int]:
    """Each token of the record with its field-weighted score (1..MAX_SCORE)."""
    scores = {term: min(count, CAPTION_MAX) for term, count in Counter(tokens(record.caption)).items()}
    fields = (
        (record.title, STOPWORDS, WEIGHT_TITLE),
        (" ".join(record.genes), frozenset(), WEIGHT_GENE),
        (" ".join(record.organisms), frozenset(), WEIGHT_ORGANISM),
        (" ".join(record.keywords), STOPWORDS, WEIGHT_KEYWORD),
    )
    for text, stopwords, weight in fields:
        for term in set(tokens(text, stopwords)):
            scores[term] = min(scores.get(term, 0) + weight, MAX_SCORE)
    return scores


# --- encoding --------------------------------------------------------------------------------
def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varints(values: Iterable[int]) -> bytes:
    out = bytearray()
    for value in values:
        out += varint(value)
    return bytes(out)


class Postings:
    """Per-term posting lists, varint-encoded as docs are added in id order."""

    def __init__(self) -> None:
        self.lists: dict[str, list] = {}  # term -> [last doc id, count, bytearray]

    def add(self, doc: int, scores: dict[str, int]) -> None:
        lists = self.lists
        for term, score in scores.items():
            entry = lists.get(term)
            if entry is None:
                entry = lists[term] = [-1, 0, bytearray()]
            value = ((doc - entry[0]) << 4) | score
            entry[0] = doc
            entry[1] += 1
            if value < 0x80:
                entry[2].append(value)
            else:
                entry[2] += varint(value)

    def entries(self) -> Iterable[tuple[str, bytes]]:
        """(term, encoded entry) in the order the browser searches them (UTF-16 code units)."""
        for term in sorted(self.lists, key=_utf16):
            _, count, data = self.lists[term]
            name = term.encode("utf-8")
            yield term, b"".join((varint(len(name)), name, varint(count), varint(len(data)), data))


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


def term_shards(postings: Postings) -> Iterable[tuple[str, bytes]]:
    """(first term, shard bytes): consecutive runs of entries of about TERM_SHARD_BYTES."""
    first, parts, size = "", [], 0
    for term, entry in postings.entries():
        if not parts:
            first = term
        parts.append(entry)
        size += len(entry)
        if size >= TERM_SHARD_BYTES:
            yield first, b"".join(parts)
            parts, size = [], 0
    if parts:
        yield first, b"".join(parts)


def to_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def content_name(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


# --- the index -------------------------------------------------------------------------------
def leading_number(text: str) -> int:
    digits = re.match(r"(?:PMC)?([0-9]{1,18})", text)
    return int(digits.group(1)) if digits else 0


def newest_first(records: Iterable[SearchRecord]) -> list[SearchRecord]:
    ordered = sorted(records, key=lambda r: (-leading_number(r.year), -leading_number(r.pmcid), r.url))
    for previous, record in zip(ordered, ordered[1:]):
        if previous.url == record.url:
            raise ValueError(f"duplicate search record url {record.url!r}")
    return ordered


def check_url(url: str) -> None:
    if not url or url.startswith("/") or "://" in url or "\\" in url or any(p in (".", "..") for p in url.split("/")):
        raise ValueError(f"search record url must be site-relative without '..': {url!r}")


class IndexWriter:
    """Writes content-named files into one folder and keeps count of them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files = 0
        self.bytes = 0

    def write(self, subdir: str, data: bytes, suffix: str) -> str:
        name = content_name(data)
        path = self.folder / subdir / f"{name}{suffix}"
        if not path.exists():  # identical content shares one file
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            self.files += 1
            self.bytes += len(data)
        return name

    def write_manifest(self, manifest: dict) -> None:
        data = to_json(manifest)
        (self.folder / "manifest.json").write_bytes(data)
        self.files += 1
        self.bytes += len(data)


def organism_table(records: list[SearchRecord]) -> tuple[list[str], dict[str, list[int]]]:
    docs: dict[str, list[int]] = {}
    for doc, record in enumerate(records):
        for organism in dict.fromkeys(record.organisms):
            docs.setdefault(organism, []).append(doc)
    return sorted(docs), docs


def year_ranges(records: list[SearchRecord]) -> list[list]:
    """[[year, first id, end id], ...] newest first; records are in newest-first order."""
    ranges: list[list] = []
    for doc, record in enumerate(records):
        if not record.year:
            continue
        if ranges and ranges[-1][0] == record.year:
            ranges[-1][2] = doc + 1
        else:
            ranges.append([record.year, doc, doc + 1])
    return ranges


def doc_row(record: SearchRecord, organism_ids: dict[str, int]) -> list:
    return [record.url, record.title, record.year, [organism_ids[o] for o in dict.fromkeys(record.organisms)]]


def write_files(records: list[SearchRecord], writer: IndexWriter) -> int:
    """Write terms, docs and organism files and the manifest; returns the number of terms."""
    postings = Postings()
    for doc, record in enumerate(records):
        postings.add(doc, term_scores(record))
    terms = [[first, writer.write("terms", data, ".bin")] for first, data in term_shards(postings)]
    organisms, organism_docs = organism_table(records)
    organism_ids = {name: i for i, name in enumerate(organisms)}
    docs = [
        writer.write("docs", to_json([doc_row(r, organism_ids) for r in records[start:start + DOCS_PER_SHARD]]), ".json")
        for start in range(0, len(records), DOCS_PER_SHARD)
    ]
    organism_rows = [
        [name, len(organism_docs[name]), writer.write("organisms", varints(deltas(organism_docs[name])), ".bin")]
        for name in organisms
    ]
    writer.write_manifest({
        "format": FORMAT,
        "docs": len(records),
        "docsPerShard": DOCS_PER_SHARD,
        "docShards": docs,
        "termShards": terms,
        "organisms": organism_rows,
        "years": year_ranges(records),
        "tokens": {"fold": FOLD, "minLength": MIN_TERM, "prefixMin": PREFIX_MIN, "stopwords": sorted(STOPWORDS)},
    })
    return len(postings.lists)


def deltas(ids: list[int]) -> Iterable[int]:
    previous = -1
    for doc in ids:
        yield doc - previous
        previous = doc


def write_search_index(records: Iterable[SearchRecord], output_dir: Path) -> SearchIndexStats:
    """Write output_dir/search/, replacing an earlier index only once the new one is complete."""
    started = time.perf_counter()
    ordered = newest_first(records)
    for record in ordered:
        check_url(record.url)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".search-new-", dir=output_dir))
    try:
        fresh.chmod(0o755)  # mkdtemp makes it private; it becomes a public folder
        writer = IndexWriter(fresh)
        terms = write_files(ordered, writer)
        replace_dir(fresh, output_dir / INDEX_DIR)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return SearchIndexStats(len(ordered), terms, writer.files, writer.bytes, round(time.perf_counter() - started, 3))


def replace_dir(fresh: Path, target: Path) -> None:
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=".search-old-", dir=target.parent))
        target.rename(old / target.name)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        fresh.rename(target)


# --- from the site -------------------------------------------------------------------------------
def search_record(figure: Figure) -> SearchRecord:
    genes = tuple(dict.fromkeys([g.symbol for g in figure.genes if g.symbol] + list(figure.gene_symbols)))
    return SearchRecord(
        url=figure.url,
        title=figure.title,
        caption=figure.caption,
        year=figure.year,
        organisms=figure.known_organisms,
        genes=genes,
        keywords=figure.keywords,
        pmcid=figure.pmcid,
    )


def search_records(index: SiteIndex) -> list[SearchRecord]:
    """One record per figure holding only what people search for."""
    return [search_record(index.figures[figid]) for figid in index.newest_first]
