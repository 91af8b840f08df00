"""Static search: an inverted index of the figures, written as small files that static/search.js reads.

Layout under <output>/search/ (every file but the manifest is named by a hash of its bytes, so a
browser never mixes files of two builds):

    manifest.json           doc count, term shard table, organisms, years, tokenizer tables
    terms/<hash>.bin        a range of the sorted terms with their postings
    docs/<hash>.json        url, title, year and organisms of DOCS_PER_SHARD docs
    organisms/<hash>.bin    the doc ids of one organism (the organism filter)

Doc ids follow the site's order of figures from the oldest (year, then PMC id): the year filter
is an id range, ties in score list newer (higher) ids first, and a figure added to a collection
(usually the newest) takes the next id, so the ids of the others, and the listing pages naming
them, stay as they were. A term shard is a run of entries
``varint(len) term-utf8 varint(count) varint(len) postings``; a posting is
``varint(delta << 4 | score)`` with delta the gap to the previous doc id (the first id is counted
from -1). The score (1..15) adds the weights of the fields holding the term: gene symbol 6,
title 4, paper keyword 2, organism 2, caption 1. The browser multiplies it by the term's idf.

Tokens: NFKD, lower case, marks dropped, Greek letters spelled in Latin (β -> b, κ -> k), so
"TGF-β1" and "TGFB1" meet; a hyphenated word is indexed joined ("il6") and by its parts; tokens
are 2+ characters; free-text stop words are left out.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import string
import sys
import tempfile
import time
import unicodedata
from array import array
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from itertools import chain, repeat
from operator import and_, sub
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .analysis import write_analysis
from .model import Figure, Name, Names, newest_first_key
from .parallel import default_jobs, map_chunks

INDEX_DIR = "search"
FORMAT = 1
DOCS_PER_SHARD = 100
# A term shard closes after a term whose name hashes to 0 mod TERM_SHARD_SPLIT once it holds
# TERM_SHARD_BYTES (or at once when it holds TERM_SHARD_MAX; one term may exceed it alone): the
# ends follow from the terms' names, so an edit that makes an entry longer or shorter rewrites
# its own shard, not every shard after it (cut by size alone, a title edit rewrote ~280 of 345
# shards at 100k figures).
TERM_SHARD_BYTES = 40_000
TERM_SHARD_SPLIT = 16
TERM_SHARD_MAX = 4 * TERM_SHARD_BYTES
POSTINGS_CHUNK = 10_000  # docs scored per worker task (a smaller index is built in-process)
ENTRIES_CHUNK = 4000  # terms encoded per worker task
MIN_TERM = 2
PREFIX_MIN = 3  # the last word typed matches as a prefix once it has this many characters
# A term's score in a record adds the weights of the fields holding it; the weights sum to 15.
WEIGHT_GENE, WEIGHT_TITLE, WEIGHT_KEYWORD, WEIGHT_ORGANISM, WEIGHT_CAPTION = 6, 4, 2, 2, 1
# Without the title's weight (which the browser can check), only a gene symbol reaches WEIGHT_GENE:
# search.js lists the query's gene symbols in each result that way.
assert WEIGHT_KEYWORD + WEIGHT_ORGANISM + WEIGHT_CAPTION < WEIGHT_GENE

STOPWORDS = frozenset(
    "a an and are as at be been being but by can could did do does during for from had has have "
    "how however in into is it its may might not of on or our shown such than that the their "
    "them then there these they this those through thus to upon via was we were when where "
    "which while who whose with within without".split()
)
GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω", "abgdezhqiklmnxoprsstufcyw"))
HYPHENS = {"\u2010": "-", "\u2011": "-"}
FOLD = {**GREEK, **HYPHENS}  # single-character replacements after lower-casing (also sent to JS)


@dataclass(frozen=True, slots=True)
class SearchRecord:
    url: str  # site-relative, no leading slash: "figures/PMC1__x.html"
    title: str
    caption: str = ""
    year: Name = ""  # "" if unknown
    organisms: Names = ()
    genes: Names = ()
    keywords: Names = ()
    pmcid: str = ""  # orders figures of the same year, newest first
    # enrichment analysis (analysis.py): the gene set is genes[:gene_count] (-1: all of them);
    # gene_ids: array("I") of (position in genes, NCBI Gene ID) pairs from the genes table;
    # gene_organisms: the organisms of the table's rows
    gene_count: int = -1
    gene_ids: bytes = b""
    gene_organisms: Names = ()

@dataclass(frozen=True, slots=True)
class SearchIndexStats:
    records: int
    terms: int
    files: int
    bytes: int
    seconds: float


# --- tokens ----------------------------------------------------------------------------------
def _ascii_table() -> dict[int, str]:
    """Letters (lower-cased), digits and '-' stay; every other ASCII character becomes a space."""
    kept = string.ascii_letters + string.digits + "-"
    return {code: chr(code).lower() if chr(code) in kept else " " for code in range(128)}


class _FoldTable(dict):
    """str.translate table, filled on demand: marks dropped, FOLD applied, letters and digits
    kept, anything else a space."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] == "M":
            value = None
        elif char in FOLD:
            value = FOLD[char]
        else:
            value = char if category[0] in "LN" else " "
        self[code] = value
        return value


_ASCII_TABLE = _ascii_table()
_ASCII_BYTES = bytes(ord(_ASCII_TABLE[code].lower()) for code in range(128)) + bytes(128)
_FOLD_TABLE = _FoldTable(_ASCII_TABLE)
_SHORT = frozenset(string.ascii_lowercase + string.digits)  # one-character words


def fold(text: str) -> str:
    """Lower case, marks dropped, Greek letters in Latin; every character but a letter, a digit or
    a hyphen becomes a space."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_BYTES).decode("ascii")
    return unicodedata.normalize("NFKD", text).lower().translate(_FOLD_TABLE)


def words(text: str) -> list[str]:
    """Runs of letters, digits and hyphens, folded."""
    return fold(text).split()


def terms(text: str, stopwords: frozenset[str] = STOPWORDS) -> set[str]:
    """The distinct index terms of a text: a hyphenated word gives its joined form and its parts."""
    folded = fold(text)
    if "-" in folded:
        found = set(folded.replace("-", " ").split()).union(folded.replace("-", "").split())
    else:
        found = set(folded.split())
    found -= stopwords
    found -= _SHORT
    if not text.isascii():
        found = {word for word in found if len(word) >= MIN_TERM}
    return found


def query_terms(query: str) -> tuple[list[str], bool]:
    """What the browser looks up for a query: (terms, whether the last one may match as a prefix).

    The reference for static/search.js. A hyphenated word is looked up joined ("IL-6" -> "il6");
    stop words are dropped unless the query has nothing else; the last word matches as a prefix
    when it has PREFIX_MIN characters and the query does not end in a space or punctuation.
    """
    joined = [word.replace("-", "") for word in words(query)]
    joined = [word for word in joined if len(word) >= MIN_TERM]
    kept = [word for word in joined if word not in STOPWORDS] or joined
    ends_in_word = fold(query[-1:]).strip(" -") != ""
    prefix = ends_in_word and bool(kept) and kept[-1] == joined[-1] and len(kept[-1]) >= PREFIX_MIN
    return kept, prefix


NO_STOPWORDS: frozenset[str] = frozenset()  # gene symbols and organisms are searched as they are


def term_scores(record: SearchRecord) -> dict[str, int]:
    """Each term of the record with its score: the sum of the weights of the fields holding it."""
    scores = dict.fromkeys(terms(record.caption), WEIGHT_CAPTION)
    get = scores.get
    for field_terms, weight in (
        (terms(record.title), WEIGHT_TITLE),
        (terms(" ".join(record.genes), NO_STOPWORDS), WEIGHT_GENE),
        (terms(" ".join(record.organisms), NO_STOPWORDS), WEIGHT_ORGANISM),
        (terms(" ".join(record.keywords)), WEIGHT_KEYWORD),
    ):
        for term in field_terms:
            scores[term] = get(term, 0) + weight
    return scores


# --- encoding --------------------------------------------------------------------------------
def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_TWO_BYTES = 1 << 14
_SHORT_VARINTS = [varint(value) for value in range(_TWO_BYTES)]  # the one- and two-byte varints


def varints(values: Iterable[int]) -> bytes:
    return b"".join(map(varint, values))


class Postings:
    """Per-term posting lists; docs must be added in id order."""

    def __init__(self) -> None:
        self.lists: defaultdict[str, array] = defaultdict(partial(array, "i"))  # doc << 4 | score

    def add(self, doc: int, scores: dict[str, int]) -> None:
        lists, shifted = self.lists, doc << 4
        for term, score in scores.items():
            lists[term].append(shifted | score)

    def extend(self, later: dict[str, bytes]) -> None:
        """Append the lists of later docs (as from as_bytes)."""
        for term, data in later.items():
            self.lists[term].frombytes(data)

    def as_bytes(self) -> dict[str, bytes]:
        return {term: values.tobytes() for term, values in self.lists.items()}


def build_postings(records: list[SearchRecord], jobs: int) -> Postings:
    """The postings of all records, scored in forked workers by runs of doc ids."""
    postings = Postings()
    for later in map_chunks(_postings_of, records, range(len(records)), jobs=jobs, chunk_size=POSTINGS_CHUNK):
        postings.extend(later)
    return postings


def _postings_of(records: list[SearchRecord], docs: range) -> dict[str, bytes]:
    postings = Postings()
    for doc in docs:
        postings.add(doc, term_scores(records[doc]))
    return postings.as_bytes()


def term_entries(postings: Postings, jobs: int) -> Iterator[tuple[str, bytes]]:
    """(term, encoded entry) in the order the browser searches them (UTF-16 code units)."""
    ordered = sorted(postings.lists, key=_utf16)
    for entries in map_chunks(_entries_of, postings.lists, ordered, jobs=jobs, chunk_size=ENTRIES_CHUNK):
        yield from entries


def entry_bytes(name: bytes, count: int, data: bytes) -> bytes:
    """An entry of a term shard (and of a lists/ shard): varint(len) name, varint(count), varint(len) data."""
    return b"".join((varint(len(name)), name, varint(count), varint(len(data)), data))


def _entries_of(lists: dict[str, array], names: list[str]) -> list[tuple[str, bytes]]:
    return [(term, entry_bytes(term.encode("utf-8"), len(lists[term]), encode_postings(lists[term]))) for term in names]


def encode_postings(values: array) -> bytes:
    """varint(gap << 4 | score) per posting, the gap counted from the previous doc id (first: from -1).

    values hold doc << 4 | score, so value - (previous value & -16) is gap << 4 | score.
    """
    previous_docs = chain((-1 << 4,), map(and_, values, repeat(-16)))
    coded = list(map(sub, values, previous_docs))
    largest = max(coded)
    if largest < 0x80:
        return bytes(coded)
    if largest < _TWO_BYTES:
        return b"".join(map(_SHORT_VARINTS.__getitem__, coded))
    return b"".join([_SHORT_VARINTS[value] if value < _TWO_BYTES else varint(value) for value in coded])


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


def term_shards(entries: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    """(first term, shard bytes): consecutive runs of entries, cut where ends_term_shard says."""
    first, parts, size = "", [], 0
    for term, entry in entries:
        if not parts:
            first = term
        parts.append(entry)
        size += len(entry)
        if ends_term_shard(term, size):
            yield first, b"".join(parts)
            parts, size = [], 0
    if parts:
        yield first, b"".join(parts)


def ends_term_shard(term: str, size: int) -> bool:
    """Whether a shard holding `size` bytes closes after this term (see TERM_SHARD_SPLIT)."""
    if size < TERM_SHARD_BYTES:
        return False
    if size >= TERM_SHARD_MAX:
        return True
    return name_hash(term) % TERM_SHARD_SPLIT == 0


def name_hash(name: str) -> int:
    """A number that follows from a name alone: where shards end (term shards, lists.py)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=4).digest(), "big")


def to_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def content_name(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


# --- the index -------------------------------------------------------------------------------
def oldest_first(records: Iterable[SearchRecord]) -> list[SearchRecord]:
    """Doc id order: the site's order of figures reversed (one year's records together), so a
    listing page names its figures by doc id, from the highest."""
    ordered = sorted(records, key=lambda r: newest_first_key(r.year, r.pmcid, r.url), reverse=True)
    for previous, record in zip(ordered, ordered[1:]):
        if previous.url == record.url:
            raise ValueError(f"duplicate search record url {record.url!r}")
    return ordered


def check_url(url: str) -> None:
    parts = url.split("/")
    if not url or url.startswith("/") or ":" in parts[0] or "\\" in url or any(p in (".", "..") for p in parts):
        raise ValueError(f"search record url must be site-relative, without a scheme or '..': {url!r}")


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
        self.write_named("manifest.json", to_json(manifest))

    def write_named(self, name: str, data: bytes) -> None:
        """A file with a fixed name (a manifest, fetched without caching)."""
        (self.folder / name).write_bytes(data)
        self.files += 1
        self.bytes += len(data)


def organism_table(organisms: Iterable[Iterable[str]]) -> tuple[list[str], dict[str, list[int]]]:
    """The organism names in order and each one's docs, from each doc's organisms (doc id order)."""
    docs: dict[str, list[int]] = {}
    for doc, names in enumerate(organisms):
        for organism in dict.fromkeys(names):
            docs.setdefault(organism, []).append(doc)
    return sorted(docs), docs


def year_ranges(years: Iterable[str]) -> list[list]:
    """[[year, first id, end id], ...] newest first, from each doc's year (doc id order: oldest first)."""
    ranges: list[list] = []
    for doc, year in enumerate(years):
        if not year:
            continue
        if ranges and ranges[-1][0] == year:
            ranges[-1][2] = doc + 1
        else:
            ranges.append([year, doc, doc + 1])
    return ranges[::-1]


def doc_row(record: SearchRecord, organism_ids: dict[str, int]) -> list:
    return [record.url, record.title, record.year, [organism_ids[o] for o in dict.fromkeys(record.organisms)]]


def write_files(records: list[SearchRecord], writer: IndexWriter, jobs: int, analysis: bool = True) -> int:
    """Write terms, docs and organism files and the manifest (and the Analyse page's data
    unless analysis is False); returns the number of terms."""
    postings = build_postings(records, jobs)
    term_files = [[first, writer.write("terms", data, ".bin")] for first, data in term_shards(term_entries(postings, jobs))]
    organisms, organism_docs = organism_table(r.organisms for r in records)
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
        "termShards": term_files,
        "organisms": organism_rows,
        "years": year_ranges(r.year for r in records),
        "tokens": {"fold": FOLD, "minLength": MIN_TERM, "prefixMin": PREFIX_MIN, "stopwords": sorted(STOPWORDS)},
        # the browser tells a gene symbol's score from the others' (search.js, matchedGenes)
        "weights": {"gene": WEIGHT_GENE, "title": WEIGHT_TITLE},
    })
    if analysis:
        write_analysis(records, writer)
    return len(postings.lists)


def deltas(ids: list[int]) -> Iterable[int]:
    previous = -1
    for doc in ids:
        yield doc - previous
        previous = doc


def write_search_index(records: Iterable[SearchRecord], output_dir: Path, *, jobs: int | None = None,
                       analysis: bool = True) -> SearchIndexStats:
    """Write output_dir/search/, replacing an earlier index only once the new one is complete.

    jobs: worker processes for scoring and encoding (default: one per CPU). analysis=False
    leaves out the Analyse page's data (the caller keeps the files it has)."""
    started = time.perf_counter()
    ordered = oldest_first(records)
    for record in ordered:
        check_url(record.url)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".search-new-", dir=output_dir))
    try:
        fresh.chmod(0o755)  # mkdtemp makes it private; it becomes a public folder
        writer = IndexWriter(fresh)
        term_count = write_files(ordered, writer, default_jobs() if jobs is None else jobs, analysis)
        replace_dir(fresh, output_dir / INDEX_DIR)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return SearchIndexStats(len(ordered), term_count, writer.files, writer.bytes, round(time.perf_counter() - started, 3))


def files_made_by(make: Callable[[Path], object]) -> list[tuple[str, bytes]]:
    """The files make(folder) writes into an empty scratch folder: (path under it, bytes), in path order."""
    with tempfile.TemporaryDirectory(prefix="site-builder-files-") as scratch:
        make(Path(scratch))
        return [(path.relative_to(scratch).as_posix(), path.read_bytes()) for path in sorted(Path(scratch).rglob("*")) if path.is_file()]


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
    """What people search a figure by: genes from its table and its schema-jsonld keywords.

    The first gene_count genes are the figure's gene set for enrichment analysis (its symbols:
    the table's when it has one), with the table's NCBI Gene IDs and organisms."""
    table = tuple(dict.fromkeys(g.symbol for g in figure.genes if g.symbol))
    genes = tuple(dict.fromkeys(table + tuple(figure.gene_symbols)))
    position = {symbol: i for i, symbol in enumerate(table)}
    pairs: dict[tuple[int, int], None] = {}
    for gene in figure.genes:
        if gene.symbol and gene.ncbigene_id.isdigit() and 0 < int(gene.ncbigene_id) < 1 << 32:
            pairs[position[gene.symbol], int(gene.ncbigene_id)] = None
    organisms = dict.fromkeys(sys.intern(g.organism) for g in figure.genes if g.symbol and g.organism and g.organism != "NA")
    return SearchRecord(
        url=figure.url,
        title=figure.title,
        caption=figure.caption,
        year=figure.year,
        organisms=figure.known_organisms,
        genes=genes,
        keywords=figure.keywords,
        pmcid=figure.pmcid,
        gene_count=len(table) if figure.genes else -1,
        gene_ids=array("I", [n for pair in pairs for n in pair]).tobytes(),
        gene_organisms=tuple(organisms),
    )
