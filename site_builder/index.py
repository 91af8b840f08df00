"""Cross-record views, built once in one pass: organisms, genes, years, journals, redirects."""
from __future__ import annotations

from collections import defaultdict
from typing import Collection, Iterable, Mapping

from .model import Figure, FigureSummary, Listing, Page, Problem, SiteIndex, newest_first_key
from .text import slugify

RESERVED_PAGES = {"index", "search", "404", "about", "downloads", "statistics"}
RESERVED_FIGIDS = {"index"}  # figures/index.html lists all figures
# Folders the build fills itself; a redirect page inside one could overwrite a generated file.
GENERATED_FOLDERS = {"organisms", "genes", "gene-index", "years", "journals", "downloads", "static", "search", "json", "browse"}


def figure_order(figure: FigureSummary) -> tuple:
    return newest_first_key(figure.year, figure.pmcid, figure.url)


def build_index(figures: Iterable[Figure | FigureSummary], pages: Iterable[Page] = ()) -> tuple[SiteIndex, list[Problem]]:
    problems: list[Problem] = []
    by_id: dict[str, FigureSummary] = {}
    for figure in map(FigureSummary.of, figures):
        if figure.figid in RESERVED_FIGIDS:
            message = f"figid {figure.figid!r} is taken by the page listing all figures; rename the record"
            problems.append(Problem(figure.source, figure.line_of("figid"), "figid", message))
            continue
        if figure.figid in by_id:
            first = by_id[figure.figid].source
            problems.append(Problem(figure.source, figure.line_of("figid"), "figid", f"duplicate figid {figure.figid!r}, also in {first}"))
            continue
        by_id[figure.figid] = figure
    ordered = sorted(by_id.values(), key=figure_order)
    organisms: dict[str, list[str]] = defaultdict(list)
    genes: dict[str, list[str]] = defaultdict(list)
    years: dict[str, list[str]] = defaultdict(list)
    journals: dict[str, list[str]] = defaultdict(list)
    for figure in ordered:  # one pass; lists come out newest first
        for organism in figure.known_organisms:
            organisms[organism].append(figure.figid)
        for symbol in figure.symbols:
            genes[symbol].append(figure.figid)
        if figure.year:
            years[figure.year].append(figure.figid)
        if figure.journal_title:
            journals[figure.journal_title].append(figure.figid)
    page_list = tuple(sorted(pages, key=lambda p: p.slug))
    redirects, redirect_problems = collect_redirects(ordered, by_id, {p.slug for p in page_list})
    problems += redirect_problems + check_pages(page_list)
    index = SiteIndex(
        figures=by_id,
        newest_first=tuple(f.figid for f in ordered),
        organisms=named_listings(organisms, slugify),
        genes=named_listings(genes, lambda symbol: symbol),
        years=tuple(Listing(y, y, tuple(ids)) for y, ids in sorted(years.items(), reverse=True)),
        journals=named_listings(journals, slugify),
        redirects=redirects,
        pages=page_list,
    )
    return index, problems


def named_listings(groups: dict[str, list[str]], make_slug) -> tuple[Listing, ...]:
    """Listings sorted by name; a slug taken by an earlier name gets a numeric suffix."""
    listings, used = [], {"index"}  # index.html of the folder lists the groups
    for name in sorted(groups, key=lambda n: (n.casefold(), n)):
        slug = base = make_slug(name)
        counter = 2
        while slug in used:
            slug, counter = f"{base}-{counter}", counter + 1
        used.add(slug)
        listings.append(Listing(name, slug, tuple(groups[name])))
    return tuple(listings)


def collect_redirects(ordered: list[FigureSummary], by_id: dict[str, FigureSummary], page_slugs: Collection[str] = ()) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """Redirect pages by old path; a path that is (or could be) a real page is a problem."""
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for figure in ordered:
        for path in figure.redirect_from:
            key = "figid_alias" if path == f"/figures/{figure.figid_alias}" else "redirect_from"
            if path == f"/figures/{figure.figid}":
                continue  # a redirect to itself: harmless, nothing to write
            clash = page_clash(path, by_id, page_slugs)
            if clash or (path in owner and owner[path] != figure.figid):
                message = clash or f"{path!r} is also claimed by {by_id[owner[path]].source}"
                problems.append(Problem(figure.source, figure.line_of(key), key, message))
                continue
            owner[path] = figure.figid
    return tuple(sorted(owner.items())), problems


def page_clash(path: str, by_id: Mapping[str, FigureSummary], page_slugs: Collection[str]) -> str:
    """Why a redirect at `path` ('/figures/NAME') would overwrite a page of the site, or ''."""
    parts = path.strip("/").split("/")
    if parts[0] == "figures" and len(parts) == 2 and parts[1] in by_id:
        return f"{path!r} is the page of figure {parts[1]!r}"
    if parts[0] == "figures" and len(parts) > 1 and parts[1] == "index":
        return f"{path!r} is the page listing all figures"
    if parts[0] in GENERATED_FOLDERS and len(parts) > 1:
        return f"{path!r} is inside {parts[0]}/, which the site generates"
    if len(parts) == 1 and (parts[0] in RESERVED_PAGES or parts[0] in page_slugs):
        return f"{path!r} is the site page {parts[0]}.html"
    return ""


def check_pages(pages: tuple[Page, ...]) -> list[Problem]:
    return [
        Problem(page.source, 1, "", f"page name {page.slug!r} is taken by a built-in page; rename the file")
        for page in pages
        if page.slug in RESERVED_PAGES - {"about"}
    ]
