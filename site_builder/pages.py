"""The pages that make the collection browsable, and the site's data files.

Each function takes the Renderer (model + config + templates) and yields output; every
cross-record view comes from the SiteIndex built once in index.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator

from . import charts, downloads, feeds, json_api, links, lists
from .index import gene_redirects, listings_named
from .model import FigureSummary, Listing
from .render import HOME_ENTRIES, ListEntry, Rendered, Renderer, list_name, number
from .links import ncbi_gene_search_url
from .species import MIN_GENES
from .text import slugify


PageJob = Callable[[], Rendered]


def render_site_pages(r: Renderer) -> Iterator[Rendered]:
    return (job() for job in site_page_jobs(r))


def site_page_jobs(r: Renderer) -> list[PageJob]:
    """Every page but the figure pages, as jobs that render one page each (workers share them out)."""
    index = r.index
    jobs: list[PageJob] = [organism_job(r, l) for l in index.organisms]
    jobs += [gene_job(r, l) for l in index.genes]
    jobs += [year_job(r, l) for l in index.years]
    jobs += [journal_job(r, l) for l in index.journals]
    jobs += [partial(r.gene_redirect_page, old, name) for old, name in gene_redirects(index.genes)]
    jobs += [partial(r.redirect_page, old_path, figid) for old_path, figid in index.redirects]
    return jobs + collection_page_jobs(r)


def collection_page_jobs(r: Renderer) -> list[PageJob]:
    """The pages that are neither a figure's, a list's nor a redirect: what a figure added or
    removed may change (home, counts, browse pages, the figure count in the search box ...)."""
    index = r.index
    jobs: list[PageJob] = [r.home, all_figures_job(r)]
    jobs += counting_page_jobs(r)
    jobs += [partial(r.content_page, page) for page in index.pages]
    jobs += [
        partial(r.simple, "search.html", "search.html", "Search", f"Search {len(index.figures)} pathway figures by gene, organism, title or caption."),
        partial(r.simple, "analyse.html", "analyse.html", "Analyse a gene list",
                "Find the published pathway figures that match a list of genes: an enrichment analysis in your browser."),
        partial(r.simple, "404.html", "404.html", "Page not found"),
        partial(json_api_page, r),
    ]
    return jobs + browse_page_jobs(r)


def counting_page_jobs(r: Renderer) -> list[PageJob]:
    """The pages that count figures per organism, gene, year or journal, or gene sets per
    species: group indexes, statistics, downloads. (An edit that changes a figure's organisms
    or genes makes them stale, and no other page but those listing the figure.)"""
    index = r.index
    jobs: list[PageJob] = [
        partial(r.group_index, "organisms", "Organisms", index.organisms, "Species named in the figures' papers, with the number of figures."),
        partial(r.group_index, "years", "Years", index.years, "Figures by the year their paper was published."),
        partial(r.group_index, "journals", "Journals", index.journals, "Figures by the journal that published their paper."),
        partial(r.simple, "downloads.html", "downloads.html", "Downloads", "The collection's data in formats other tools read.",
                files=downloads.catalogue(index), gene_sets=downloads.gene_set_catalogue(index), min_genes=MIN_GENES,
                api=json_api.DOCS_PAGE),
        partial(statistics_page, r),
    ]
    return jobs + gene_index_jobs(r)


def all_figures_job(r: Renderer) -> PageJob:
    everything = Listing("All figures", "index", r.index.newest_first)
    return partial(r.listing_page, "figures", everything, "All figures", "Every figure in the collection, newest first.")


def organism_job(r: Renderer, listing: Listing) -> PageJob:
    return partial(r.listing_page, "organisms", listing, listing.key)


def year_job(r: Renderer, listing: Listing) -> PageJob:
    return partial(r.listing_page, "years", listing, f"Figures from {listing.key}")


def journal_job(r: Renderer, listing: Listing) -> PageJob:
    return partial(r.listing_page, "journals", listing, listing.key)


def gene_job(r: Renderer, listing: Listing) -> PageJob:
    return partial(r.listing_page, "genes", listing, listing.key, external=("NCBI Gene", ncbi_gene_search_url(listing.key)),
                   shown=LIST_SHOWN["genes"])


LIST_JOBS = {"organisms": organism_job, "genes": gene_job, "years": year_job, "journals": journal_job}  # by index.LIST_KINDS
# A gene page lists this many newest figures in its HTML (static/listing.js shows the rest):
# ~50 genes per figure make gene pages the largest part of a site otherwise.
GENE_PAGE_SHOWN = 3
LIST_SHOWN = {"genes": GENE_PAGE_SHOWN}  # the entries a list's page shows (Renderer.shown_entries; others: per_page)


def long_lists(r: Renderer) -> dict[str, Listing]:
    """The listings whose pages show only their first entries, by their name in lists/."""
    found = {}
    for kind in LIST_JOBS:
        shown = r.shown_entries(LIST_SHOWN.get(kind, 0))
        found.update((list_name(kind, listing), listing) for listing in getattr(r.index, kind) if len(listing.figids) > shown)
    return found


def list_files(r: Renderer) -> list[tuple[str, bytes]]:
    """lists/: the long listings' figures as doc ids (lists.py)."""
    return lists.list_files({name: r.list_ids(listing) for name, listing in long_lists(r).items()})


def pages_showing(r: Renderer, figure: FigureSummary, in_place: bool = False) -> list[PageJob]:
    """The jobs of the pages that show a figure's entry (title, year, organisms) without
    being its own page: home, the lists it is in, the browse pages of its identifiers. An edit
    of the figure that keeps its place in every list touches no other page but its own (and
    the feed and the data files, see data_files). in_place: the figure keeps its place in every
    list (reuse.same_place), so only the pages whose HTML holds its entry can change: a list's
    page shows its first entries and names its list in lists/ for the others (a gene page shows
    GENE_PAGE_SHOWN)."""
    index = r.index

    def shows(figids: tuple[str, ...], shown: int = 0) -> bool:
        return not in_place or figure.figid in figids[:r.shown_entries(shown)]

    jobs: list[PageJob] = [r.home] if not in_place or figure.figid in index.newest_first[:HOME_ENTRIES] else []
    jobs += [all_figures_job(r)] if shows(index.newest_first) else []
    jobs += [organism_job(r, l) for l in listings_named(index.organisms, set(figure.known_organisms)) if shows(l.figids)]
    jobs += [year_job(r, l) for l in index.years if l.key == figure.year and shows(l.figids)]
    jobs += [journal_job(r, l) for l in listings_named(index.journals, {figure.journal_title} - {""}) if shows(l.figids)]
    jobs += [gene_job(r, l) for l in listings_named(index.genes, set(figure.symbols)) if shows(l.figids, GENE_PAGE_SHOWN)]
    jobs += [job for browse in BROWSE if getattr(figure, browse.field)
             for job in browse_jobs(r, browse, figure.figid if in_place else None)]
    return jobs


def unique_jobs(jobs: list[PageJob]) -> list[PageJob]:
    """Each page's job once (several figures' pages_showing name the same pages)."""
    return list({job_key(job): job for job in jobs}.values())


def job_key(job: PageJob):
    """Equal for two jobs of the same page: the same function with the same arguments (a job
    whose arguments cannot be hashed is its own)."""
    key = (job.func, job.args, tuple(job.keywords.items())) if isinstance(job, partial) else job
    try:
        hash(key)
    except TypeError:
        return id(job)
    return key


def statistics_page(r: Renderer) -> Rendered:
    return r.simple("statistics.html", "statistics.html", "Statistics", "The collection at a glance.",
                    charts=charts.statistics_charts(r.index), counts=charts.headline_counts(r.index))


def json_api_page(r: Renderer) -> Rendered:
    return r.simple("json_api.html", json_api.DOCS_PAGE, "JSON API",
                    "JSON files with every figure's key metadata, its organisms and the collection's counts.",
                    files=json_api.FILES, downloads="../downloads.html")


@dataclass(frozen=True, slots=True)
class Browse:
    """A browse page of the figures linked to another database, as PFOCR has them."""

    slug: str  # browse/<slug>.html, then browse/<slug>-2.html ...
    title: str
    intro: str
    field: str  # the FigureSummary field holding the identifier
    link: Callable[[str], str]  # identifier -> URL
    label: Callable[[str], str]  # identifier -> link text


BROWSE = (
    Browse("wikipathways", "Figures translated to WikiPathways",
           "Pathway figures that curators have translated into WikiPathways models; each links its model.",
           "wpid", links.wikipathways_url, lambda wpid: f"{wpid} at WikiPathways"),
    Browse("ndex", "Figures deposited at NDEx",
           "Pathway figures converted to the Cytoscape CX format and deposited at NDEx; each links its network.",
           "ndex", links.ndex_url, lambda uuid: "Network at NDEx"),
)
BROWSE_PAGES = tuple(f"browse/{b.slug}.html" for b in BROWSE)  # first pages, linked from the home page


def browse_path(browse: Browse, page: int) -> str:
    return f"browse/{browse.slug}.html" if page == 1 else f"browse/{browse.slug}-{page}.html"


def browse_page_jobs(r: Renderer) -> list[PageJob]:
    """Every figure with the identifier, newest first, per_page at a time (the first page always exists)."""
    return [job for browse in BROWSE for job in browse_jobs(r, browse)]


def browse_jobs(r: Renderer, browse: Browse, only: str | None = None) -> list[PageJob]:
    """only: the job of the page showing this figure alone."""
    figids = tuple(f for f in r.index.newest_first if getattr(r.index.figures[f], browse.field))
    pages = max(1, -(-len(figids) // r.config.per_page))
    numbers = range(1, pages + 1) if only not in figids else [figids.index(only) // r.config.per_page + 1]
    return [partial(browse_page, r, browse, figids, page, pages) for page in numbers]


def browse_page(r: Renderer, browse: Browse, figids: tuple[str, ...], page: int, pages: int) -> Rendered:
    per_page = r.config.per_page
    shown = r.figures(figids[(page - 1) * per_page : page * per_page])
    title = browse.title if page == 1 else f"{browse.title}, page {page}"
    return r.page(
        "browse.html", browse_path(browse, page), title, browse.intro,
        heading=browse.title, intro=browse.intro, total=len(figids),
        first=(page - 1) * per_page + 1, last=(page - 1) * per_page + len(shown),
        entries=[browse_entry(r, browse, figure) for figure in shown],
        pager=pager_links(page, pages, lambda number: browse_path(browse, number).removeprefix("browse/")),
    )


def browse_entry(r: Renderer, browse: Browse, figure: FigureSummary) -> dict[str, str]:
    identifier = getattr(figure, browse.field)
    return {**ListEntry(*r.entry(figure))._asdict(), "link": browse.link(identifier), "link_label": browse.label(identifier)}


def pager_links(current: int, pages: int, href: Callable[[int], str]) -> list[tuple[str, str, bool]]:
    """(label, href, current) of the page links: previous, first, last and two either side of the
    current page, next; a gap is ("…", "", False). No links for a single page."""
    if pages <= 1:
        return []
    found: list[tuple[str, str, bool]] = []
    if current > 1:
        found.append(("Previous", href(current - 1), False))
    shown = 0
    for page in range(1, pages + 1):
        if page in (1, pages) or abs(page - current) <= 2:
            if page - shown > 1:
                found.append(("…", "", False))
            found.append((str(page), href(page), page == current))
            shown = page
    if current < pages:
        found.append(("Next", href(current + 1), False))
    return found


POPULAR_GENES = 40  # the genes index shows this many most-mentioned symbols as tags


def gene_letter(symbol: str) -> str:
    first = symbol[:1].upper()
    return first if first.isalpha() else "0-9"


def gene_index_jobs(r: Renderer) -> list[PageJob]:
    """The genes index links to one page per first character; each lists its symbols."""
    by_letter: dict[str, list[Listing]] = {}
    for listing in r.index.genes:
        by_letter.setdefault(gene_letter(listing.key), []).append(listing)
    letters = sorted(by_letter, key=lambda l: (l == "0-9", l))
    intro = f"{number(len(r.index.genes))} gene symbols found in the figures. Pick the first character of a symbol."
    popular = sorted(r.index.genes, key=lambda g: (-len(g.figids), g.key))[:POPULAR_GENES]
    jobs: list[PageJob] = [partial(
        r.group_index, "genes", "Genes", [], intro,
        letters=[(l, f"../gene-index/{slugify(l)}.html", False) for l in letters],
        popular=[(g.key, f"{g.slug}.html", len(g.figids)) for g in popular],
    )]
    for letter in letters:
        jobs.append(partial(
            r.page, "groups.html", f"gene-index/{slugify(letter)}.html", f"Genes: {letter}", f"Gene symbols starting with {letter}.",
            heading=f"Genes starting with {letter}",
            intro=f"{len(by_letter[letter])} symbols; the number of figures mentioning each is shown beside it.",
            letters=[(l, f"{slugify(l)}.html", l == letter) for l in letters],
            groups=[(g.key, f"../genes/{g.slug}.html", len(g.figids)) for g in by_letter[letter]],
        ))
    return jobs


def data_files(r: Renderer, *, urls: bool = True) -> Iterator[tuple[str, str]]:
    """The sitemaps, robots.txt and the feed; urls=False: the feed only (the others follow the
    site's pages and config alone, which an edit that keeps every figure in place leaves as they were)."""
    if urls:
        yield from feeds.sitemaps(r.index, r.config)
        yield "robots.txt", feeds.robots(r.config)
    yield "feed.xml", feeds.atom_feed(r.index, r.config)
