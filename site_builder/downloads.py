"""Bulk downloads: a GMT gene-set file, figure metadata as JSON Lines and TSV (gzipped),
and per-figure annotation tables linked from each figure page."""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .config import SiteConfig
from .model import Figure, SiteIndex

TABLE_COLUMNS = {
    "genes": ("word", "symbol", "ncbigene_id", "organism", "source"),
    "chemicals": ("word", "mesh", "name", "chebi"),
    "diseases": ("word", "mesh", "name", "doid"),
}
# The TSV leaves out the captions (long free text) and the gene lists, which the JSON Lines and
# GMT files hold: ~45 MB less at 100k figures, where the whole site must stay under 1 GB.
METADATA_COLUMNS = ("figid", "url", "title", "year", "pmcid", "doi", "journal", "organisms")


@dataclass(frozen=True, slots=True)
class Download:
    path: str
    title: str
    description: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


CATALOGUE = (
    Download("downloads/pfocr.gmt.gz", "Gene sets (GMT, gzip)",
             "One line per figure: figure ID, page URL, then its gene symbols. R (clusterProfiler, fgsea) reads it "
             "as it is; unpack it (gunzip) for Enrichr or GSEA."),
    Download("downloads/figures.jsonl.gz", "Figure metadata (JSON Lines, gzip)",
             "One JSON object per figure: title, caption, paper, organisms, genes, chemicals and diseases."),
    Download("downloads/figures.tsv.gz", "Figure metadata (TSV, gzip)",
             "One row per figure, tab-separated, organisms joined with '|'; the captions and genes are in the "
             "JSON Lines and GMT files. Opens in spreadsheets and R/pandas."),
)


def catalogue(index: SiteIndex) -> tuple[Download, ...]:
    return CATALOGUE


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


def figure_tables(figure: Figure) -> Iterator[tuple[str, bytes]]:
    """The figure's genes/chemicals/diseases tables as gzipped TSV files beside its page (linked from it)."""
    for kind, columns in TABLE_COLUMNS.items():
        if getattr(figure, kind):
            yield "figures/" + table_name(figure.figid, kind), gzipped(tsv(columns, table_rows(figure, kind)))


def gmt_line(figure: Figure, config: SiteConfig) -> str:
    return "\t".join((figure.figid, config.site_url + figure.url, *figure.symbols)) + "\n"


def metadata(figure: Figure, config: SiteConfig) -> dict:
    return {
        "figid": figure.figid, "url": config.site_url + figure.url, "title": figure.title,
        "caption": figure.caption, "year": figure.year, "pmcid": figure.pmcid, "doi": figure.doi,
        "papertitle": figure.papertitle, "reftext": figure.reftext, "journal": figure.journal_title,
        "organisms": list(figure.known_organisms), "genes": list(figure.symbols),
        "chemicals": [c.word for c in figure.chemicals], "diseases": [d.word for d in figure.diseases],
        "keywords": list(figure.keywords),
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
    tsv_gz: bytes


def download_parts(figures: Iterable[Figure], config: SiteConfig) -> DownloadParts:
    figures = list(figures)
    jsonl = "".join(json.dumps(metadata(f, config), ensure_ascii=False, sort_keys=True) + "\n" for f in figures)
    rows = (
        (f.figid, config.site_url + f.url, clean(f.title), f.year, f.pmcid, f.doi, clean(f.journal_title),
         "|".join(f.known_organisms))
        for f in figures
    )
    return DownloadParts(
        gzipped("".join(gmt_line(f, config) for f in figures if f.symbols)) if figures else b"",
        gzipped(jsonl) if figures else b"",
        gzipped("".join("\t".join(row) + "\n" for row in rows)) if figures else b"",
    )


def collection_files(parts: Callable[[], Iterable[DownloadParts]]) -> Iterator[tuple[str, str | bytes]]:
    """The whole-collection downloads, figures in file-name order; `parts` is read once per file,
    so the parts need not all be in memory at once."""
    yield "downloads/pfocr.gmt.gz", b"".join(p.gmt_gz for p in parts()) or gzipped("")
    yield "downloads/figures.jsonl.gz", b"".join(p.jsonl_gz for p in parts()) or gzipped("")
    yield "downloads/figures.tsv.gz", gzipped(tsv(METADATA_COLUMNS, ())) + b"".join(p.tsv_gz for p in parts())
