"""Gene-set enrichment data for the Analyse page and the related figures (static/analyse-worker.js).

The question is PFOCR's main use: "which published pathway figures match my list of genes?".
The browser answers it with the hypergeometric test, so the build writes, beside the search
index (under <output>/search/, reusing its doc ids and its docs/ files for titles and URLs):

    analysis.json              per organism: figures tested, background size, sizes file, gene shard table
    analysis/<hash>.bin        an organism's gene-set sizes: varint(doc id gap) varint(number of genes)
                               for each figure with genes of the organism, in doc id order
    analysis/<hash>.bin        gene shards: a run of the sorted keys of one organism

A figure's gene set for an organism is the distinct gene symbols of its genes table's rows of
that organism (NCBI Gene IDs are per species, so is the table); a row without an organism, or a
record without a table (symbols from its keywords), counts for each organism the figure names.
Symbols are compared without regard to case: the key of a symbol is ``symbol.upper()``. The
background of an organism is every key its figures hold; the figures tested are those with at
least one gene of it. A shard entry is

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
# Every figure page loads it: related figures (from this data) and the citation (from the page).
FIGURE_SCRIPT = "static/figure-tools.js"
SHARD_BYTES = 12_000  # a shard closes once it holds this much (one gene may exceed it alone)
MANIFEST = "analysis.json"


def gene_key(symbol: str) -> str:
    """Symbols are matched in any case; static/analyse-worker.js uses toUpperCase()."""
    return symbol.upper()


def organism_sets(record: "SearchRecord") -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """(organism, [(symbol, NCBI Gene ID or 0), ...]) for each organism the figure has genes of:
    its genes table's rows by organism; without a table, all its genes for each of its organisms."""
    if record.gene_sets is None:
        pairs = [(symbol, 0) for symbol in record.genes]
        for organism in dict.fromkeys(record.organisms):
            yield organism, pairs
        return
    for organism, positions, ids in record.gene_sets:
        where, numbers = array("H"), array("I")
        where.frombytes(positions)
        numbers.frombytes(ids)
        yield organism, [(record.genes[i], number) for i, number in zip(where, numbers)]


class OrganismGenes:
    """One organism's genes: key -> doc ids, the spellings seen, NCBI IDs -> keys, gene-set sizes."""

    def __init__(self) -> None:
        self.docs: defaultdict[str, list[int]] = defaultdict(list)
        self.spellings: defaultdict[str, Counter] = defaultdict(Counter)
        self.ids: defaultdict[str, set[str]] = defaultdict(set)
        self.sizes: list[tuple[int, int]] = []  # (doc, number of genes), docs with at least one gene

    def add(self, doc: int, pairs: list[tuple[str, int]]) -> None:
        keys = dict.fromkeys(gene_key(symbol) for symbol, _ in pairs)
        if not keys:
            return
        self.sizes.append((doc, len(keys)))
        for key in keys:
            self.docs[key].append(doc)
        for symbol, number in pairs:
            self.spellings[gene_key(symbol)][symbol] += 1
            if number:
                self.ids[str(number)].add(gene_key(symbol))

    def display(self, key: str) -> str:
        """The spelling most figures use (ties: the first in code point order)."""
        counts = self.spellings[key]
        return min(counts, key=lambda spelling: (-counts[spelling], spelling))

    def sizes_bytes(self) -> bytes:
        from .search import varint

        out, previous = bytearray(), -1
        for doc, size in self.sizes:
            out += varint(doc - previous) + varint(size)
            previous = doc
        return bytes(out)

    def entries(self) -> Iterator[tuple[str, bytes]]:
        from .search import _utf16, deltas, varint, varints

        keys = set(self.docs).union(self.ids)
        for key in sorted(keys, key=_utf16):
            name = key.encode("utf-8")
            if key in self.docs:  # a symbol (an ID that is also a symbol stays a symbol)
                display = self.display(key)
                shown = b"" if display == key else display.encode("utf-8")
                postings = varints(deltas(self.docs[key]))
                parts = [varint(len(name)), name, varint(len(self.docs[key])), varint(len(shown)), shown,
                         varint(len(postings)), postings]
            else:
                targets = sorted(self.ids[key], key=_utf16)
                parts = [varint(len(name)), name, varint(0), varint(len(targets))]
                parts += [varint(len(t.encode("utf-8"))) + t.encode("utf-8") for t in targets]
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
        for organism, pairs in organism_sets(record):
            found[organism].add(doc, pairs)
    return found


def write_analysis(records: list["SearchRecord"], writer: "IndexWriter") -> dict:
    """Write each organism's sizes and gene shards; returns the manifest (written as analysis.json):
    {"format", "docs", "organisms": [[name, figures, background genes, sizes file, [[first key, shard file], ...]], ...]}."""
    from .search import to_json

    organisms = []
    for name, genes in sorted(organism_genes(records).items()):
        if not genes.sizes:
            continue
        sizes = writer.write("analysis", genes.sizes_bytes(), ".bin")
        table = [[first, writer.write("analysis", data, ".bin")] for first, data in shards(genes.entries())]
        organisms.append([name, len(genes.sizes), len(genes.docs), sizes, table])
    manifest = {"format": FORMAT, "docs": len(records), "organisms": organisms}
    writer.write_named(MANIFEST, to_json(manifest))
    return manifest
