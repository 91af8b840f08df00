"""Gene-set enrichment data for the Analyse page and the related figures (static/analyse-worker.js).

The question is PFOCR's main use: "which published pathway figures match my list of genes?".
The browser answers it with the hypergeometric test, so the build writes, beside the search
index (under <output>/search/, reusing its doc ids and its docs/ files for titles and URLs):

    analysis.json              per organism: figures tested, background size, gene shard table;
                               the file of gene-set sizes
    analysis/<hash>.bin        sizes: varint(number of genes) of every doc, in doc id order
    analysis/<hash>.bin        gene shards: a run of the sorted keys of one organism

A figure's gene set is its distinct gene symbols (the genes table wins over the record's
keywords, as in the GMT download), compared without regard to case: the key of a symbol is
``symbol.upper()``. A figure belongs to each organism it names. The background of an organism
is every key its figures hold; the figures tested are those of the organism with at least one
gene. A shard entry is

    varint(len) key-utf8 varint(count) ...

count > 0: a gene symbol: ``varint(len) display-utf8`` (0 when the display spelling is the key)
then ``varint(len) postings``, varint gaps between the doc ids holding it (the first counted
from -1). count == 0: an NCBI Gene ID (digits): ``varint(number of keys)`` then each symbol key
it names, ``varint(len) key-utf8``.

Search's term postings do not fit: their terms are folded (hyphens, Greek letters, words split
at hyphens) and their scores do not say which field held the term, so the gene sets would not
be exact. The doc ids and doc files are shared.
"""
from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from .search import IndexWriter, SearchRecord

FORMAT = 1
SHARD_BYTES = 12_000  # a shard closes once it holds this much (one gene may exceed it alone)
MANIFEST = "analysis.json"


def gene_key(symbol: str) -> str:
    """Symbols are matched in any case; static/analyse-worker.js uses toUpperCase()."""
    return symbol.upper()


def set_symbols(record: "SearchRecord") -> tuple[str, ...]:
    """The symbols of the figure's gene set, as spelled in the record."""
    return record.genes if record.gene_count < 0 else record.genes[:record.gene_count]


def gene_set(record: "SearchRecord") -> list[str]:
    """The distinct keys of a figure's genes, in the record's order."""
    return list(dict.fromkeys(gene_key(symbol) for symbol in set_symbols(record)))


def gene_ids(record: "SearchRecord") -> Iterator[tuple[str, str]]:
    """(NCBI Gene ID, key) pairs of the figure's genes table."""
    ids = array("I")
    ids.frombytes(record.gene_ids)
    for symbol, number in zip(record.genes, ids):
        if number:
            yield str(number), gene_key(symbol)


class OrganismGenes:
    """One organism's genes: key -> doc ids, the spellings seen, NCBI IDs -> keys."""

    def __init__(self) -> None:
        self.docs: defaultdict[str, list[int]] = defaultdict(list)
        self.spellings: defaultdict[str, Counter] = defaultdict(Counter)
        self.ids: defaultdict[str, set[str]] = defaultdict(set)
        self.figures = 0  # figures with at least one gene

    def add(self, doc: int, record: "SearchRecord", keys: list[str]) -> None:
        if not keys:
            return
        self.figures += 1
        for key in keys:
            self.docs[key].append(doc)
        for symbol in set_symbols(record):
            self.spellings[gene_key(symbol)][symbol] += 1
        for number, key in gene_ids(record):
            self.ids[number].add(key)

    def display(self, key: str) -> str:
        """The spelling most figures use (ties: the first in code point order)."""
        counts = self.spellings[key]
        return min(counts, key=lambda spelling: (-counts[spelling], spelling))

    def entries(self) -> Iterator[tuple[str, bytes]]:
        from .search import varint, varints, deltas, _utf16

        keys = {**{key: None for key in self.docs}, **{number: None for number in self.ids if number not in self.docs}}
        for key in sorted(keys, key=_utf16):
            name = key.encode("utf-8")
            if key in self.docs:
                display = self.display(key)
                shown = b"" if display == key else display.encode("utf-8")
                postings = varints(deltas(self.docs[key]))
                parts = (varint(len(name)), name, varint(len(self.docs[key])), varint(len(shown)), shown,
                         varint(len(postings)), postings)
            else:
                targets = sorted(self.ids[key], key=_utf16)
                parts = (varint(len(name)), name, varint(0), varint(len(targets)),
                         *(varint(len(t.encode("utf-8"))) + t.encode("utf-8") for t in targets))
            yield key, b"".join(parts)


def shards(entries: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    first, parts, size = "", [], 0
    for key, entry in entries:
        if not parts:
            first = key
        parts.append(entry)
        size += len(entry)
        if size >= SHARD_BYTES:
            yield first, b"".join(parts)
            parts, size = [], 0
    if parts:
        yield first, b"".join(parts)


def organism_genes(records: list["SearchRecord"]) -> dict[str, OrganismGenes]:
    """records in doc id order."""
    found: defaultdict[str, OrganismGenes] = defaultdict(OrganismGenes)
    for doc, record in enumerate(records):
        keys = gene_set(record)
        for organism in dict.fromkeys(record.organisms):
            found[organism].add(doc, record, keys)
    return found


def write_analysis(records: list["SearchRecord"], writer: "IndexWriter") -> dict:
    """Write the sizes and gene shards; returns the manifest (also written as analysis.json)."""
    from .search import to_json, varints

    sizes = writer.write("analysis", varints(len(gene_set(record)) for record in records), ".bin")
    organisms = []
    for name, genes in sorted(organism_genes(records).items()):
        if not genes.figures:
            continue
        table = [[first, writer.write("analysis", data, ".bin")] for first, data in shards(genes.entries())]
        organisms.append([name, genes.figures, len(genes.docs), table])
    manifest = {"format": FORMAT, "docs": len(records), "sizes": sizes, "organisms": organisms}
    writer.write_named(MANIFEST, to_json(manifest))
    return manifest
