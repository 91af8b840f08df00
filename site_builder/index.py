"""Cross-record views, built once in one pass: organisms, genes, years, journals, redirects."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .model import Figure, Listing, Page, Problem, SiteIndex
from .text import slugify

RESERVED_PAGES = {"index", "search", "404", "about", "downloads", "statistics"}


def newest_first_key(figure: Figure) -> tuple:
    """Sort key: newest year first, then newest PMC id, then figid (always unique)."""
    pmc_number = int(figure.pmcid[3:]) if figure.pmcid[3:].isdigit() else 0
    return (-int(figure.year or 0), -pmc_number, figure.figid)


def build_index(figures: Iterable[Figure], pages: Iterable[Page] = ()) -> tuple[SiteIndex, list[Problem]]:
    problems: list[Problem] = []
    by_id: dict[str, Figure] = {}
    for figure in figures:
        if figure.figid in by_id:
            first = by_id[figure.figid].source
            problems.append(Problem(figure.source, 1, "figid", f"duplicate figid {figure.figid!r}, also in {first}"))
            continue
        by_id[figure.figid] = figure
    ordered = sorted(by_id.values(), key=newest_first_key)
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
    redirects, redirect_problems = collect_redirects(ordered, by_id)
    page_list = tuple(sorted(pages, key=lambda p: p.slug))
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


def collect_redirects(ordered: list[Figure], by_id: dict[str, Figure]) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for figure in ordered:
        for path in figure.redirect_from:
            target = path.removeprefix("/figures/") if path.startswith("/figures/") else None
            if target in by_id or path == f"/figures/{figure.figid}":
                if target != figure.figid:
                    problems.append(Problem(figure.source, 1, "redirect_from", f"{path!r} is the page of figure {target!r}"))
                continue
            if path in owner and owner[path] != figure.figid:
                other = by_id[owner[path]].source
                problems.append(Problem(figure.source, 1, "redirect_from", f"{path!r} is also claimed by {other}"))
                continue
            owner[path] = figure.figid
    return tuple(sorted(owner.items())), problems


def check_pages(pages: tuple[Page, ...]) -> list[Problem]:
    return [
        Problem(page.source, 1, "", f"page name {page.slug!r} is taken by a built-in page; rename the file")
        for page in pages
        if page.slug in RESERVED_PAGES - {"about"}
    ]
