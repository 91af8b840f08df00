"""Gene-set enrichment data for the Analyse page and the related figures (static/analyse-worker.js).

The question is PFOCR's main use: "which published pathway figures match my list of genes?".
The browser answers it with the hypergeometric test, so the build writes, beside the search
index (under <output>/search/, reusing its doc ids and its docs/ files for titles and URLs):

    analysis.json         the organisms (figures, background genes, member file), all figures
                          (figures, background genes), the sizes file and the gene shard table
    analysis/<hash>.bin   sizes: varint(number of genes) of every doc, in doc id order
    analysis/<hash>.bin   an organism's members: varint gaps between the doc ids of its figures
                          that have genes (the first counted from -1)
    analysis/<hash>.bin   gene shards: runs of the sorted keys with their postings, cut where a
                          hash of a key says so (below)

The model. A figure's gene set is its distinct gene symbols (the genes table wins over the
record's keywords, as in the GMT download), compared without regard to case: the key of a
symbol is ``symbol.upper()``. A figure belongs to the organisms of its paper and those of its
genes table's rows. For an organism, the figures tested are its figures with genes and the
background is every key they hold. NCBI Gene IDs (unique across species) name keys, from the
genes tables.

A gene shard entry, the key front-coded against the previous entry of the shard:

    varint(shared prefix length) varint(suffix length) suffix-utf8 varint(count << 2 | spelling)

count > 0, a gene symbol: spelling 0 = the key itself, 1 = first letter then lower case
("Trp53"), 2 = lower case, 3 = ``varint(len) spelling-utf8`` follows; then its postings: one
byte b, varint(length in bytes), then the ``count`` gaps between the doc ids holding it (the
first counted from -1), each gap g Rice-coded with parameter b: (g - 1) >> b one bits, a zero
bit, then the low b bits of g - 1, most significant bit first; the last byte is padded with
zero bits. b = floor(log2(ln 2 * docs / count)), at least 0 (near the best for gaps of that
mean): about 3/4 the size of varint gaps.
count == 0, an NCBI Gene ID (digits): ``varint(number of keys)`` then each key it names,
``varint(len) key-utf8``.

Shard boundaries are content-defined, so that a change to a gene rewrites its shard and
seldom a neighbour, never all later ones (the incremental build rewrites only changed files):
a shard ends after an entry once it holds SHARD_BYTES // 2 and the number of the first 8 bytes
of blake2b(key-utf8) (big-endian) modulo SHARD_BYTES // 2 is below the entry's size in bytes
(its key's and the rest's: one cut per SHARD_BYTES // 2 bytes on average, after the first
half), or once it holds 2 * SHARD_BYTES. Shards of about one mean size keep down the bytes of
the few large files a query touches: at 100k figures a 200-gene list touches about 125 of the
~200 shards, ~3.9 MB (12 kB shards: 170 files, 2.4 MB; requests cost more than bytes).

Organisms are per figure rather than per table row, and every figure's genes are counted once:
per-row organisms would repeat the genes of a figure naming several species (at 10k generated
figures, 7.4 MB instead of ~1 MB). Search's term postings do not fit: their terms are folded
(hyphens, Greek letters, words split at hyphens) and their scores do not say which field held a
term, so gene sets would not be exact. Their doc ids and doc files are shared.
"""
from __future__ import annotations

import hashlib
import math
from array import array
from collections import defaultdict
from itertools import chain
from operator import sub
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, TypeVar

if TYPE_CHECKING:
    from .search import IndexWriter, SearchRecord

FORMAT = 3
SHARD_BYTES = 30_000  # a gene shard's mean size (one gene may exceed it alone)
FOLDER = "analysis"  # under search/: the shards, beside their manifest
MANIFEST = f"{FOLDER}.json"
GIVE_WAY_DOCS = 2000  # records between two give_way calls (~0.1 s at most)
T = TypeVar("T")
# Every figure page loads it: related figures (from this data) and the citation (from the page).
FIGURE_SCRIPT = "static/figure-tools.js"


def gene_key(symbol: str) -> str:
    """Symbols are matched in any case; static/analyse-worker.js uses toUpperCase()."""
    return symbol.upper()


def set_symbols(record: "SearchRecord") -> tuple[str, ...]:
    return record.genes if record.gene_count < 0 else record.genes[:record.gene_count]


def record_inputs(record: "SearchRecord") -> tuple:
    """What the analysis files take from a record: an edit that changes none of it leaves them."""
    return set_symbols(record), record.gene_ids, record.organisms, record.gene_organisms


def inputs_key(code: str, records: Iterable["SearchRecord"]) -> str:
    """A digest of what the analysis files are made of (records in doc id order; a record's
    url is not in the files, only its place): a build whose records keep it keeps the files."""
    h = hashlib.blake2b(f"{code}\0{FORMAT}".encode(), digest_size=16)
    for record in records:
        h.update(repr(record_inputs(record)).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def gene_set(record: "SearchRecord") -> list[str]:
    """The distinct keys of a figure's genes, in the record's order."""
    return list(dict.fromkeys(gene_key(symbol) for symbol in set_symbols(record)))


def member_organisms(record: "SearchRecord") -> list[str]:
    return list(dict.fromkeys(record.organisms + record.gene_organisms))


def gene_ids(record: "SearchRecord") -> Iterator[tuple[int, str]]:
    """(NCBI Gene ID, key) pairs of the figure's genes table."""
    pairs = array("I")
    pairs.frombytes(record.gene_ids)
    for i in range(0, len(pairs), 2):
        yield pairs[i + 1], gene_key(record.genes[pairs[i]])


def spelling_code(key: str, spelling: str) -> int:
    if spelling == key:
        return 0
    if key.isascii() and spelling == key[:1] + key[1:].lower():
        return 1
    if key.isascii() and spelling == key.lower():
        return 2
    return 3


_UNARY = ["1" * q + "0" for q in range(64)]
_LOW_BITS: dict[int, list[str]] = {}  # Rice parameter -> the low bits of every value below 2 ** b


def rice_parameter(count: int, docs: int) -> int:
    return max(0, int(math.log2(docs / count * math.log(2)))) if docs > count else 0


def rice(gaps: Iterable[int], b: int) -> bytes:
    """Gaps >= 1, Rice-coded with parameter b (see the module's docstring)."""
    low = _LOW_BITS.get(b)
    if low is None:
        low = _LOW_BITS[b] = [format(r, "b").zfill(b) if b else "" for r in range(1 << b)]
    mask, unary = (1 << b) - 1, _UNARY
    bits = "".join([(unary[(g - 1) >> b] if (g - 1) >> b < 64 else "1" * ((g - 1) >> b) + "0") + low[(g - 1) & mask] for g in gaps])
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def cut_here(name: bytes) -> int:
    """A number of the key alone, that says where shards end (see the module's docstring)."""
    return int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big")


class Collection:
    """Everything the files hold, gathered in one pass over the records (doc id order)."""

    def __init__(self, records: list["SearchRecord"], give_way: Callable[[], None] = lambda: None):
        """give_way: called every GIVE_WAY_DOCS records (serve's idle work raises there when a save waits)."""
        self.docs: dict[str, array] = {}  # key -> doc ids
        self.spellings: dict[str, str] = {}  # key -> how it is shown: the key itself if any figure writes it so, else the first seen
        self.ids: dict[int, str | tuple[str, ...]] = {}  # NCBI Gene ID -> key (rarely several)
        self.sizes = array("H")
        self.count = len(records)  # docs
        self.members: defaultdict[str, array] = defaultdict(lambda: array("i"))
        docs, spellings = self.docs, self.spellings
        for doc, record in enumerate(records):
            if doc % GIVE_WAY_DOCS == 0:
                give_way()
            symbols = set_symbols(record)
            keys = {}
            for symbol in symbols:
                key = symbol.upper()
                if key in keys:
                    continue
                keys[key] = None
                found = docs.get(key)
                if found is None:
                    docs[key] = array("i", (doc,))
                    spellings[key] = symbol
                else:
                    found.append(doc)
                    if symbol == key:
                        spellings[key] = key
            for symbol in symbols:  # a later spelling equal to the key wins
                if symbol not in keys and symbol.upper() == symbol:
                    spellings[symbol] = symbol
            self.sizes.append(min(len(keys), 65535))
            if not keys:
                continue
            for organism in member_organisms(record):
                self.members[organism].append(doc)
            if record.gene_ids:
                for number, key in gene_ids(record):
                    known = self.ids.get(number)
                    if known is None:
                        self.ids[number] = key
                    elif key != known and (isinstance(known, str) or key not in known):
                        self.ids[number] = tuple(sorted({*((known,) if isinstance(known, str) else known), key}))

    def background(self) -> dict[str, int]:
        """organism -> how many keys its figures hold. Figures naming the same organisms share a
        group: a key counts for the organisms of the groups of its figures."""
        groups: dict[tuple[str, ...], int] = {(): 0}
        organisms_of: dict[int, tuple[str, ...]] = {}
        for organism, docs in sorted(self.members.items()):
            for doc in docs:
                organisms_of[doc] = organisms_of.get(doc, ()) + (organism,)
        group_of = [0] * len(self.sizes)
        for doc, names in organisms_of.items():
            group_of[doc] = groups.setdefault(names, len(groups))
        names_of = list(groups)
        counts: defaultdict[str, int] = defaultdict(int)
        seen: dict[frozenset, tuple[str, ...]] = {}
        for docs in self.docs.values():
            found = frozenset(map(group_of.__getitem__, docs))
            if found not in seen:
                seen[found] = tuple(set().union(*(names_of[g] for g in found)))
            for organism in seen[found]:
                counts[organism] += 1
        return counts

    def entries(self) -> Iterator[tuple[str, bytes]]:
        """(key, entry without its key) in the order the browser compares keys (UTF-16 units)."""
        from .search import _utf16, varint

        keys = list(self.docs) + [str(number) for number in self.ids if str(number) not in self.docs]
        for key in sorted(keys, key=_utf16):
            if key in self.docs:
                docs, spelling = self.docs[key], self.spellings[key]
                code = spelling_code(key, spelling)
                shown = varint(len(spelling.encode("utf-8"))) + spelling.encode("utf-8") if code == 3 else b""
                b = rice_parameter(len(docs), self.count)
                coded = rice(map(sub, docs, chain((-1,), docs)), b)
                yield key, b"".join([varint(len(docs) << 2 | code), shown, bytes((b,)), varint(len(coded)), coded])
            else:
                targets = self.ids[int(key)]
                targets = (targets,) if isinstance(targets, str) else targets
                yield key, b"".join([varint(0), varint(len(targets)), *(varint(len(t.encode("utf-8"))) + t.encode("utf-8") for t in targets)])


def shards(entries: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    """(first key, shard bytes), keys front-coded against the previous key of their shard; a
    shard ends where the module's docstring says."""
    from .search import varint

    half = max(1, SHARD_BYTES // 2)
    minimum, maximum = half, 2 * SHARD_BYTES
    first, parts, size, previous = "", [], 0, b""
    for key, entry in entries:
        name = key.encode("utf-8")
        if not parts:
            first, previous = key, b""
        shared = 0
        while shared < min(len(name), len(previous)) and name[shared] == previous[shared]:
            shared += 1
        while shared and (name[shared] & 0xC0) == 0x80:  # never split a character
            shared -= 1
        part = varint(shared) + varint(len(name) - shared) + name[shared:] + entry
        parts.append(part)
        size += len(part)
        previous = name
        if size >= maximum or (size >= minimum and cut_here(name) % half < len(name) + len(entry)):
            yield first, b"".join(parts)
            parts, size = [], 0
    if parts:
        yield first, b"".join(parts)


def given_way(items: Iterable[T], give_way: Callable[[], None]) -> Iterator[T]:
    for item in items:
        give_way()
        yield item


def analysis_files(records: list["SearchRecord"], give_way: Callable[[], None] = lambda: None) -> list[tuple[str, bytes]]:
    """search/analysis* as a build writes them from the records in doc id order: (output path, bytes)."""
    from .search import INDEX_DIR, IndexWriter, files_made_by

    made = files_made_by(lambda folder: write_analysis(records, IndexWriter(folder), give_way))
    return [(f"{INDEX_DIR}/{path}", data) for path, data in made]


def write_analysis(records: list["SearchRecord"], writer: "IndexWriter", give_way: Callable[[], None] = lambda: None) -> dict:
    """Write the analysis files; returns the manifest (written as analysis.json). give_way is
    called between steps and may raise to stop (serve's idle work, when a save waits)."""
    from .search import deltas, to_json, varints

    data = Collection(records, give_way)
    give_way()
    background = data.background()
    give_way()
    organisms = [
        [name, len(docs), background[name], writer.write(FOLDER, varints(deltas(docs)), ".bin")]
        for name, docs in sorted(data.members.items())
    ]
    manifest = {
        "format": FORMAT,
        "docs": len(records),
        "all": [sum(1 for size in data.sizes if size), len(data.docs)],
        "organisms": organisms,
        "sizes": writer.write(FOLDER, varints(data.sizes), ".bin"),
        "genes": [[first, writer.write(FOLDER, shard, ".bin")] for first, shard in given_way(shards(data.entries()), give_way)],
    }
    writer.write_named(MANIFEST, to_json(manifest))
    return manifest
