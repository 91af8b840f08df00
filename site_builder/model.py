"""Plain typed data shared by every stage. Nothing here touches the disk."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Iterator, Mapping

from .species import gene_sets


NAMES = "names"
# Names that repeat across figures (gene symbols, organisms, keywords): the cache writes each
# entry's distinct names once and reads them back as one string object per name (codec.py).
# At 100k figures the summaries and search records hold ~10M of them, ~100k distinct.
Names = Annotated[tuple[str, ...], NAMES]
NAME = "name"
# One such name (a year, a journal, a field name), written and read the same way.
Name = Annotated[str, NAME]


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping that, unlike MappingProxyType, pickles (for worker processes)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[Any, Any] | None = None):
        self._data = dict(data or {})

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple:
        return (FrozenMap, (self._data,))


EMPTY_MAPPING: Mapping[str, Any] = FrozenMap()


@dataclass(frozen=True, slots=True)
class GeneMention:
    word: str  # the text the OCR read in the figure
    symbol: str  # the matched gene symbol (NCBI Gene / HGNC)
    ncbigene_id: str = ""
    source: str = ""
    organism: str = ""
    organism_id: str = ""  # NCBI Taxonomy ID of the organism (genes table column)
    organism_group: str = ""  # PFOCR's group of the organism: Primates, Rodents, Bacteria, ...


@dataclass(frozen=True, slots=True)
class TermMention:
    """A chemical or disease mention: OCR word plus its MeSH/ChEBI/DOID match."""

    word: str
    mesh: str = ""  # "D001920" (without the "mesh:" prefix)
    name: str = ""
    chebi: str = ""  # "35366" (without the "chebi:" prefix)
    doid: str = ""


@dataclass(frozen=True, slots=True)
class Figure:
    figid: str
    title: str
    caption: str = ""
    source: str = ""  # content path, for messages
    pmcid: str = ""
    filename: str = ""
    figlink: str = ""
    number: str = ""
    figtype: str = ""
    papertitle: str = ""
    reftext: str = ""
    year: Name = ""
    doi: str = ""
    journal_title: Name = ""
    journal_nlm_ta: str = ""
    publisher_name: str = ""
    organisms: tuple[str, ...] = ()
    organisms_ner: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # the paper's keywords
    gene_symbols: tuple[str, ...] = ()  # from schema-jsonld keywords (older data)
    automl_pathway: float | None = None
    figid_alias: str = ""
    redirect_from: tuple[str, ...] = ()
    ndex: str = ""
    wpid: str = ""
    genes: tuple[GeneMention, ...] = ()
    chemicals: tuple[TermMention, ...] = ()
    diseases: tuple[TermMention, ...] = ()
    body_html: str = ""
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY_MAPPING)
    lines: tuple[tuple[Name, int], ...] = ()  # (field, line in the source file) for messages

    def line_of(self, key: str) -> int:
        """The line of a field in the source file (1 when unknown), for problem messages."""
        return dict(self.lines).get(key, 1)

    @property
    def url(self) -> str:
        return f"figures/{self.figid}.html"

    @property
    def symbols(self) -> tuple[str, ...]:
        """Distinct gene symbols of the figure: the genes table wins over keywords."""
        if self.genes:
            return tuple(dict.fromkeys(g.symbol for g in self.genes if g.symbol))
        return self.gene_symbols

    @property
    def known_organisms(self) -> tuple[str, ...]:
        return tuple(o for o in self.organisms if o and o != "NA")


def newest_first_key(year: str, pmcid: str, url: str) -> tuple:
    """The one order of figures on every list and in the search index (whose doc ids the
    listing pages use): newest year first, then newest PMC id, then page URL (always unique)."""
    return (-whole_number(year), year, -whole_number(pmcid.removeprefix("PMC")), url)


def whole_number(text: str) -> int:
    """'2021' -> 2021; anything but plain ASCII digits -> 0 (sorts last)."""
    return int(text) if 0 < len(text) <= 18 and text.isascii() and text.isdigit() else 0


FEED_CAPTION = 500  # characters of a caption the Atom feed shows


SUMMARY_LINES = frozenset({"figid", "figid_alias", "redirect_from"})  # 100k figures' every field line took ~200 MB


@dataclass(frozen=True, slots=True)
class FigureSummary:
    """What the cross-record pages (listings, feeds, charts, redirects) need of a figure.

    The main process holds one of these per figure; full records stay in the workers and the
    record cache, which keeps memory flat at 100k figures.
    """

    figid: str
    title: str
    year: Name = ""
    pmcid: str = ""
    journal_title: Name = ""
    known_organisms: Names = ()
    symbols: Names = ()
    redirect_from: tuple[str, ...] = ()
    figid_alias: str = ""
    caption_start: str = ""  # the first FEED_CAPTION characters, '…' added when cut
    source: str = ""
    lines: tuple[tuple[Name, int], ...] = ()  # of the fields in SUMMARY_LINES (what the index's problems name)
    wpid: str = ""
    ndex: str = ""
    gene_set_species: Names = ()  # species of its gene sets in the per-species GMT files

    @classmethod
    def of(cls, figure: "Figure | FigureSummary") -> "FigureSummary":
        if isinstance(figure, FigureSummary):
            return figure
        caption = figure.caption
        start = caption[:FEED_CAPTION] + ("…" if len(caption) > FEED_CAPTION else "")
        return cls(
            figure.figid, figure.title, figure.year, figure.pmcid, figure.journal_title, figure.known_organisms,
            figure.symbols, figure.redirect_from, figure.figid_alias, start, figure.source,
            tuple((sys.intern(key), line) for key, line in figure.lines if key in SUMMARY_LINES),
            # one string object per species in a chunk: equal names then pickle (and load) once
            figure.wpid, figure.ndex, tuple(map(sys.intern, gene_sets(figure))),
        )

    def line_of(self, key: str) -> int:
        return dict(self.lines).get(key, 1)

    @property
    def url(self) -> str:
        return f"figures/{self.figid}.html"


@dataclass(frozen=True, slots=True)
class Page:
    """A markdown page from content/pages (About, ...)."""

    slug: str
    title: str
    description: str
    body_html: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class SourceFiles:
    """What discover found: every input path, resolved once."""

    content_dir: Path
    figures: tuple[Path, ...] = ()
    tables: Mapping[str, Mapping[str, Path]] = field(default_factory=lambda: EMPTY_MAPPING)  # figid -> kind -> path
    pages: tuple[Path, ...] = ()
    static: tuple[tuple[Path, str], ...] = ()  # (source path, output relative path)
    problems: tuple["Problem", ...] = ()  # files left out: symlinks out of the site, names not UTF-8


@dataclass(frozen=True, slots=True)
class Problem:
    """A content error or warning, located in a file."""

    path: str
    line: int
    field: str
    message: str
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Listing:
    """One browse group: an organism, gene, year or journal and its figures."""

    key: str  # display name
    slug: str  # output file stem
    figids: tuple[str, ...]  # newest first


@dataclass(frozen=True, slots=True)
class SiteIndex:
    figures: Mapping[str, FigureSummary]  # figid -> summary (full records are rendered in workers)
    newest_first: tuple[str, ...]
    organisms: tuple[Listing, ...]
    genes: tuple[Listing, ...]
    years: tuple[Listing, ...]
    journals: tuple[Listing, ...]
    redirects: tuple[tuple[str, str], ...]  # (old path, figid)
    pages: tuple[Page, ...] = ()
