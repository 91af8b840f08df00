"""The pages that make the collection browsable, and the site's data files.

Each function takes the Renderer (model + config + templates) and yields output; every
cross-record view comes from the SiteIndex built once in index.py.
"""
from __future__ import annotations

from typing import Iterator

from . import charts, downloads, feeds
from .model import Listing
from .render import Rendered, Renderer
from .text import slugify


def render_site_pages(r: Renderer) -> Iterator[Rendered]:
    index, config = r.index, r.config
    yield r.home()
    everything = Listing("All figures", "index", index.newest_first)
    yield from r.listing_pages("figures", everything, "All figures", "Every figure in the collection, newest first.")
    yield r.group_index("organisms", "Organisms", index.organisms, "Species named in the figures' papers, with the number of figures.")
    for listing in index.organisms:
        yield from r.listing_pages("organisms", listing, listing.key)
    yield from gene_pages(r)
    yield r.group_index("years", "Years", index.years, "Figures by the year their paper was published.")
    for listing in index.years:
        yield from r.listing_pages("years", listing, f"Figures from {listing.key}")
    yield r.group_index("journals", "Journals", index.journals, "Figures by the journal that published their paper.")
    for listing in index.journals:
        yield from r.listing_pages("journals", listing, listing.key)
    for old_path, figid in index.redirects:
        yield r.redirect_page(old_path, figid)
    for page in index.pages:
        yield r.content_page(page)
    yield r.simple("search.html", "search.html", "Search", f"Search {len(index.figures)} pathway figures by gene, organism, title or caption.")
    yield r.simple("404.html", "404.html", "Page not found")
    yield r.simple("downloads.html", "downloads.html", "Downloads", "The collection's data in formats other tools read.",
                   files=downloads.catalogue(index))
    yield r.simple("statistics.html", "statistics.html", "Statistics", "The collection at a glance.",
                   charts=charts.statistics_charts(index), counts=charts.headline_counts(index))


POPULAR_GENES = 40  # the genes index shows this many most-mentioned symbols as tags


def gene_letter(symbol: str) -> str:
    first = symbol[:1].upper()
    return first if first.isalpha() else "0-9"


def gene_pages(r: Renderer) -> Iterator[Rendered]:
    """The genes index links to one page per first character; each lists its symbols."""
    from .links import ncbi_gene_search_url

    by_letter: dict[str, list[Listing]] = {}
    for listing in r.index.genes:
        by_letter.setdefault(gene_letter(listing.key), []).append(listing)
    letters = sorted(by_letter, key=lambda l: (l == "0-9", l))
    intro = f"{len(r.index.genes)} gene symbols found in the figures. Pick the first character of a symbol."
    popular = sorted(r.index.genes, key=lambda g: (-len(g.figids), g.key))[:POPULAR_GENES]
    yield r.group_index(
        "genes", "Genes", [], intro,
        letters=[(l, f"../gene-index/{slugify(l)}.html", False) for l in letters],
        popular=[(g.key, f"{g.slug}.html", len(g.figids)) for g in popular],
    )
    for letter in letters:
        path = f"gene-index/{slugify(letter)}.html"
        yield r.page(
            "groups.html", path, f"Genes: {letter}", f"Gene symbols starting with {letter}.",
            heading=f"Genes starting with {letter}",
            intro=f"{len(by_letter[letter])} symbols; the number of figures mentioning each is shown beside it.",
            letters=[(l, f"{slugify(l)}.html", l == letter) for l in letters],
            groups=[(g.key, f"../genes/{g.slug}.html", len(g.figids)) for g in by_letter[letter]],
        )
    for listing in r.index.genes:
        yield from r.listing_pages("genes", listing, listing.key, external=("NCBI Gene", ncbi_gene_search_url(listing.key)))


def data_files(r: Renderer) -> Iterator[tuple[str, str]]:
    yield from feeds.sitemaps(r.index, r.config)
    yield "robots.txt", feeds.robots(r.config)
    yield "feed.xml", feeds.atom_feed(r.index, r.config)
