"""Bulk downloads: GMT gene sets (one file per species with NCBI Gene IDs, and one of gene
symbols), the papers as JSON Lines (gzipped), the JSON API (json_api.py), and per-figure
annotation tables linked from each figure page."""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from . import json_api
from .config import SiteConfig
from .model import Figure, SiteIndex
from .species import HUMAN, common_name, gene_sets, species_row

TABLE_COLUMNS = {
    "genes": ("word", "symbol", "ncbigene_id", "organism", "source"),
    "chemicals": ("word", "mesh", "name", "chebi"),
    "diseases": ("word", "mesh", "name", "doid"),
}


@dataclass(frozen=True, slots=True)
class Download:
    path: str
    title: str
    description: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


# Each piece of data is in one download (GitHub Pages publishes at most 1 GB): titles, years,
# organisms and page URLs in the JSON API's getFigureInfo.json, genes in the GMT files, the
# papers and the figures' chemicals and diseases in the JSON Lines; captions on the figure pages.
# (The JSON Lines with every field and a metadata TSV took 61 MB at 100k figures; the JSON API
# and the per-species GMT files add ~65 MB.)
CATALOGUE = (
    Download("downloads/pfocr.gmt.gz", "Gene sets, gene symbols (GMT, gzip)",
             "One line per figure with genes: figure ID, page URL, then its gene symbols, all species together. "
             "R (clusterProfiler, fgsea) reads it as it is; unpack it (gunzip) for Enrichr or GSEA."),
    Download("downloads/figures.jsonl.gz", "Papers and annotations (JSON Lines, gzip)",
             "One JSON object per figure: figid, then its paper (papertitle, reftext, doi, journal, keywords), "
             "chemicals and diseases. Join on figid with getFigureInfo.json for titles, years, organisms and page "
             "URLs; the genes are in the GMT files and the captions on the figure pages."),
)


def catalogue(index: SiteIndex) -> tuple[Download, ...]:
    return CATALOGUE


# Enrichr and GSEA open a GMT file only unpacked. Every species' file is gzipped (~5x smaller)
# but these, the species most analyses are about, which GitHub Pages' 1 GB leaves room for.
PLAIN_GMT_SPECIES = (HUMAN, "Mus musculus")
GENE_SET_SOURCE = "PFOCR"  # the middle part of a gene set's name, as WikiPathways' GMT files have theirs


@dataclass(frozen=True, slots=True)
class GeneSetFile:
    """The GMT file of one species, as the downloads page lists it."""

    species: str
    common: str
    sets: int  # figures with a gene set for the species
    path: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def gzipped(self) -> bool:
        return self.path.endswith(".gz")


def gene_set_paths(species: Iterable[str]) -> dict[str, str]:
    """Species name -> its GMT file ('downloads/pfocr-Homo_sapiens.gmt'), in name order; a name
    that would make the file name of an earlier one (also up to case) gets a numeric suffix."""
    paths, used = {}, set()
    for name in sorted(set(species)):
        stem = base = re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_.") or "species"
        counter = 2
        while stem.casefold() in used:
            stem, counter = f"{base}-{counter}", counter + 1
        used.add(stem.casefold())
        paths[name] = f"downloads/pfocr-{stem}.gmt" + ("" if name in PLAIN_GMT_SPECIES else ".gz")
    return paths


def gene_set_catalogue(index: SiteIndex) -> tuple[GeneSetFile, ...]:
    """The per-species GMT files, most gene sets first (then by name)."""
    counts = Counter(name for figure in index.figures.values() for name in figure.gene_set_species)
    files = [GeneSetFile(name, common_name(name), counts[name], path) for name, path in gene_set_paths(counts).items()]
    return tuple(sorted(files, key=lambda f: (-f.sets, f.species)))


def figure_url(figure: Figure, config: SiteConfig) -> str:
    """A figure page's URL for the data files: absolute when the site's address is known (url, or
    an absolute base_url), else from the site's root ('/figures/X.html')."""
    return (config.site_url if config.absolute or config.url else config.base_path) + figure.url


def gene_set_name(figure: Figure) -> str:
    """'<figtitle>%PFOCR%<figid>' on one line; a '%' in the title would split the name wrongly."""
    return f"{clean(figure.title.replace('%', ' percent'))}%{GENE_SET_SOURCE}%{figure.figid}"


def table_name(figid: str, kind: str) -> str:
    """Gzipped: a 100k-figure site holds ~60k tables, 106 MB as plain text and ~45 MB gzipped,
    and GitHub Pages publishes at most 1 GB. R, pandas and desktop archivers open them as they are."""
    return f"{figid}-{kind}.tsv.gz"


def clean(value: str) -> str:
    return " ".join(value.split())


def table_rows(figure: Figure, kind: str) -> list[tuple[str, ...]]:
    columns = TABLE_COLUMNS[kind]
    return [tuple(clean(str(getattr(item, c if c != "symbol" else "symbol"))) for c in columns) for item in getattr(figure, kind)]


def tsv(columns: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    return "\t".join(columns) + "\n" + "".join("\t".join(row) + "\n" for row in rows)


def figure_tables(figure: Figure, data: bool = True) -> Iterator[tuple[str, bytes]]:
    """The figure's genes/chemicals/diseases tables as gzipped TSV files beside its page (linked
    from it); data=False: their paths only (with empty bytes)."""
    for kind, columns in TABLE_COLUMNS.items():
        if getattr(figure, kind):
            yield "figures/" + table_name(figure.figid, kind), gzipped(tsv(columns, table_rows(figure, kind))) if data else b""


def table_paths(figid: str) -> list[str]:
    """Where the tables of a figure would be, whichever it has."""
    return ["figures/" + table_name(figid, kind) for kind in TABLE_COLUMNS]


def gmt_line(figure: Figure, config: SiteConfig) -> str:
    return "\t".join((figure.figid, figure_url(figure, config), *figure.symbols)) + "\n"


def metadata(figure: Figure) -> dict:
    """The figure's line of the JSON Lines file: what no other download holds (see CATALOGUE)."""
    return {
        "figid": figure.figid, "doi": figure.doi, "papertitle": figure.papertitle, "reftext": figure.reftext,
        "journal": figure.journal_title, "keywords": list(figure.keywords),
        "chemicals": [c.word for c in figure.chemicals], "diseases": [d.word for d in figure.diseases],
    }


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


@dataclass(frozen=True, slots=True)
class DownloadParts:
    """The collection files' lines for a run of figures; parts join in order into the files.

    gzip members may follow one another in a file (RFC 1952), which gunzip, Python, R and
    pandas read as one stream: a changed chunk re-compresses only its own part."""

    gmt_gz: bytes
    jsonl_gz: bytes
    gene_sets: dict[str, str]  # species in PLAIN_GMT_SPECIES -> the GMT lines of its gene sets
    gene_sets_gz: dict[str, bytes]  # any other species -> its GMT lines, gzipped
    api_figures: tuple[json_api.FigureRow, ...]  # one per figure, for the JSON API
    api_species: tuple[json_api.SpeciesRow, ...]  # species of the genes tables' rows


def download_parts(figures: Iterable[Figure], config: SiteConfig) -> DownloadParts:
    figures = list(figures)
    jsonl = "".join(json.dumps(metadata(f), ensure_ascii=False, sort_keys=True) + "\n" for f in figures)
    sets: dict[str, list[str]] = {}
    for figure in figures:
        for species, ids in gene_sets(figure).items():
            sets.setdefault(species, []).append("\t".join((gene_set_name(figure), figure_url(figure, config), *ids)) + "\n")
    texts = {species: "".join(lines) for species, lines in sorted(sets.items())}
    return DownloadParts(
        gzipped("".join(gmt_line(f, config) for f in figures if f.symbols)) if figures else b"",
        gzipped(jsonl) if figures else b"",
        gene_sets={species: text for species, text in texts.items() if species in PLAIN_GMT_SPECIES},
        gene_sets_gz={species: gzipped(text) for species, text in texts.items() if species not in PLAIN_GMT_SPECIES},
        api_figures=tuple(json_api.figure_row(f, figure_url(f, config)) for f in figures),
        api_species=tuple(sorted({species_row(g) for f in figures for g in f.genes} - {("", "", "")})),
    )


def collection_files(parts: Callable[[], Iterable[DownloadParts]]) -> Iterator[tuple[str, str | bytes]]:
    """The whole-collection downloads, figures in file-name order (the JSON API sorts its own)."""
    yield from download_files(parts)
    yield from api_files(parts)


def download_files(parts: Callable[[], Iterable[DownloadParts]]) -> Iterator[tuple[str, str | bytes]]:
    """The files of downloads/: each part's gzip members and lines joined in order."""
    gmt, jsonl, sets = [], [], {}
    for part in parts():
        gmt.append(part.gmt_gz)
        jsonl.append(part.jsonl_gz)
        for name, data in (*part.gene_sets.items(), *part.gene_sets_gz.items()):
            sets.setdefault(name, []).append(data)
    yield "downloads/pfocr.gmt.gz", b"".join(gmt) or gzipped("")
    yield "downloads/figures.jsonl.gz", b"".join(jsonl) or gzipped("")
    del gmt, jsonl
    for name, path in gene_set_paths(sets).items():
        pieces = sets.pop(name)  # gzip members for a .gz file, text for the others
        yield path, b"".join(pieces) if path.endswith(".gz") else "".join(pieces)


def api_files(parts: Callable[[], Iterable[DownloadParts]]) -> Iterator[tuple[str, str | bytes]]:
    """The JSON API's files (json/) from the parts' rows."""
    figures: list[json_api.FigureRow] = []
    species: set[json_api.SpeciesRow] = set()
    for part in parts():
        figures += part.api_figures
        species.update(part.api_species)
    yield from json_api.api_files(figures, species)
