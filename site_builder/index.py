"""Cross-record views, built once in one pass: organisms, genes, years, journals, redirects."""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from heapq import merge
from dataclasses import dataclass, replace
from typing import Collection, Iterable, Mapping, Sequence

from .model import Figure, FigureSummary, Listing, Page, Problem, SiteIndex, newest_first_key
from .text import slugify

RESERVED_PAGES = {"index", "search", "404", "about", "downloads", "statistics"}
RESERVED_FIGIDS = {"index"}  # figures/index.html lists all figures
# Folders the build fills itself; a redirect page inside one could overwrite a generated file.
GENERATED_FOLDERS = {"organisms", "genes", "gene-index", "years", "journals", "downloads", "static", "search", "json", "browse"}


# No two output paths may differ only in case: on macOS and Windows (case-insensitive by default)
# they are one file, and one page would overwrite the other. Names taken from data are compared
# by fold(); data names are ASCII (load.py), where casefold() is what those file systems do.
def fold(path: str) -> str:
    """The form in which two paths are one file on a case-insensitive file system."""
    return path.casefold()


# Stems that Windows reserves in every folder, with any extension ('CON.html' is the console).
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"{d}{n}" for d in ("COM", "LPT") for n in range(10))})
RESERVED_GENE_NAMES = WINDOWS_DEVICES | {"INDEX"}  # genes/index.html lists the genes
# Capitals, and ',' for ':' (not in a file name on Windows, nor in a relative link's first part,
# where it would name a scheme); a gene symbol holds no ',' (load.GENE_SYMBOL).
PAGE_NAME_CHARS = str.maketrans("abcdefghijklmnopqrstuvwxyz:", "ABCDEFGHIJKLMNOPQRSTUVWXYZ,")


def gene_page_name(symbol: str) -> str:
    """The file stem of a gene symbol's page in genes/ (static/figure.js has the same rule: genePage).

    The symbol in capitals, so the usual human (HGNC) symbol keeps its name: 'IL6' -> 'IL6'
    (a colon becomes ',': 'tRNA:Lys-TTT-1-1' -> 'TRNA,LYS-TTT-1-1~1.7-8').
    A symbol with lower-case letters adds '~' and their 1-based positions, runs as 'first-last'
    joined by '.': 'Il6' -> 'IL6~2', 'Trp53' -> 'TRP53~2-3', 'miR-21a' -> 'MIR-21A~1-2.7'.
    The name depends on the symbol alone (adding a record never renames a page), two symbols
    never share a name, and no two names differ only in case: case-insensitive file systems
    keep every page. A capitals-only name the folder or Windows reserves ('INDEX', 'CON') gets
    '~0'. Only ASCII letters change case (gene symbols are ASCII, see load.GENE_SYMBOL).
    """
    name = symbol.translate(PAGE_NAME_CHARS)
    runs: list[list[int]] = []
    for position, char in enumerate(symbol, 1):
        if "a" <= char <= "z":
            if runs and runs[-1][1] == position - 1:
                runs[-1][1] = position
            else:
                runs.append([position, position])
    if runs:
        return name + "~" + ".".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
    if name in RESERVED_GENE_NAMES:
        return name + "~0"
    return name


def figure_order(figure: FigureSummary) -> tuple:
    return newest_first_key(figure.year, figure.pmcid, figure.url)


LIST_KINDS = ("organisms", "genes", "years", "journals")  # the SiteIndex fields holding browse lists


def figure_lists(figure: FigureSummary) -> tuple[tuple[str, ...], ...]:
    """The keys of the lists a figure is in, one tuple per LIST_KINDS: organisms, genes, year, journal."""
    return (figure.known_organisms, figure.symbols, (figure.year,) if figure.year else (),
            (figure.journal_title,) if figure.journal_title else ())


def figid_problem(figure: FigureSummary, by_id: Mapping[str, FigureSummary], by_fold: Mapping[str, str]) -> Problem | None:
    """Why a figure cannot have its page next to the figures already taken (by_fold: fold(figid) -> figid)."""
    if fold(figure.figid) in RESERVED_FIGIDS:
        message = f"figid {figure.figid!r} is taken by the page listing all figures; rename the record"
        return Problem(figure.source, figure.line_of("figid"), "figid", message)
    if figure.figid in by_id:
        first = by_id[figure.figid].source
        return Problem(figure.source, figure.line_of("figid"), "figid", f"duplicate figid {figure.figid!r}, also in {first}")
    if (twin := by_fold.get(fold(figure.figid))) is not None:
        # Figure URLs are stable (other databases link to them): neither page may be renamed,
        # and on macOS and Windows the two pages (and their tables) would be one file.
        message = (f"figid {figure.figid!r} differs only in case from {twin!r} in {by_id[twin].source}: "
                   "their pages would be one file on case-insensitive file systems (macOS, Windows); rename one record")
        return Problem(figure.source, figure.line_of("figid"), "figid", message)
    return None


def build_index(figures: Iterable[Figure | FigureSummary], pages: Iterable[Page] = ()) -> tuple[SiteIndex, list[Problem]]:
    problems: list[Problem] = []
    by_id: dict[str, FigureSummary] = {}
    by_fold: dict[str, str] = {}  # fold(figid) -> the figid that has it
    for figure in map(FigureSummary.of, figures):
        problem = figid_problem(figure, by_id, by_fold)
        if problem is not None:
            problems.append(problem)
            continue
        by_id[figure.figid] = figure
        by_fold[fold(figure.figid)] = figure.figid
    ordered = sorted(by_id.values(), key=figure_order)
    groups: tuple[dict[str, list[str]], ...] = tuple(defaultdict(list) for _ in LIST_KINDS)
    for figure in ordered:  # one pass; lists come out newest first
        for group, keys in zip(groups, figure_lists(figure)):
            for key in keys:
                group[key].append(figure.figid)
    page_list = tuple(sorted(pages, key=lambda p: p.slug))
    redirects, redirect_problems = collect_redirects(ordered, by_id, {fold(p.slug) for p in page_list})
    problems += redirect_problems + check_pages(page_list)
    index = SiteIndex(
        figures=by_id,
        newest_first=tuple(f.figid for f in ordered),
        **{kind: make_listings(kind, group) for kind, group in zip(LIST_KINDS, groups)},
        redirects=redirects,
        pages=page_list,
    )
    return index, problems


def name_order(name: str) -> tuple[str, str]:
    return name.casefold(), name


def listings_named(listings: Sequence[Listing], keys: Iterable[str]) -> list[Listing]:
    """The listings of these keys among listings in name_order (organisms, genes, journals),
    in that order: a binary search each, not a look at every listing (25k genes at 100k)."""
    found = []
    for key in sorted(keys, key=name_order):
        at = bisect_left(listings, name_order(key), key=lambda listing: name_order(listing.key))
        if at < len(listings) and listings[at].key == key:
            found.append(listings[at])
    return found


def make_listings(kind: str, groups: Mapping[str, Sequence[str]], reuse: Mapping[str, Listing] | None = None) -> tuple[Listing, ...]:
    """The listings of one LIST_KINDS kind from key -> figids (newest first). A gene page's name
    follows from the symbol alone, so an unchanged gene listing in `reuse` is taken as it is."""
    if kind == "genes":
        reuse = reuse or {}
        return tuple(listing if (listing := reuse.get(symbol)) is not None and listing.figids == tuple(groups[symbol])
                     else Listing(symbol, gene_page_name(symbol), tuple(groups[symbol])) for symbol in sorted(groups, key=name_order))
    if kind == "years":
        return tuple(Listing(y, y, tuple(ids)) for y, ids in sorted(groups.items(), reverse=True))
    return named_listings(groups, slugify)


def named_listings(groups: dict[str, list[str]], make_slug) -> tuple[Listing, ...]:
    """Listings sorted by name; a slug taken by an earlier name (in any case) gets a numeric suffix."""
    listings, used = [], {"index"}  # index.html of the folder lists the groups
    for name in sorted(groups, key=name_order):
        slug = base = make_slug(name)
        counter = 2
        while fold(slug) in used:
            slug, counter = f"{base}-{counter}", counter + 1
        used.add(fold(slug))
        listings.append(Listing(name, slug, tuple(groups[name])))
    return tuple(listings)


def collect_redirects(ordered: Iterable[FigureSummary], by_id: Mapping[str, FigureSummary], page_slugs: Collection[str] = (), *,
                      folded_ids: Mapping[str, str] | None = None,
                      owner: dict[str, tuple[str, str]] | None = None) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """Redirect pages by old path; a path that is (or could be) a real page is a problem.

    page_slugs: fold(slug) of the content pages. Files are compared as case-insensitive file
    systems (macOS, Windows) compare them: two redirects one file apart in case clash.
    folded_ids (fold(figid) -> figid) and owner (fold(redirect file) -> (old path, figid), the
    claims made so far, to which this adds) let a caller check a few figures against a site.
    """
    problems: list[Problem] = []
    owner = {} if owner is None else owner
    claims = []
    folded_ids = {fold(figid): figid for figid in by_id} if folded_ids is None else folded_ids
    for figure in ordered:
        own_path = f"/figures/{figure.figid}"
        for path in figure.redirect_from:
            if path == own_path:
                continue  # a redirect to itself: harmless, nothing to write
            own_page = fold(path) == fold(own_path)  # written as a folder, see redirect_file
            clash = "" if own_page else page_clash(path, folded_ids, page_slugs)
            file = fold(redirect_file(path, figure.figid))
            claimed = owner.get(file)
            if clash or claimed:
                key = "figid_alias" if path == f"/figures/{figure.figid_alias}" else "redirect_from"
                message = clash or claim_clash(path, claimed, by_id)
                problems.append(Problem(figure.source, figure.line_of(key), key, message))
                continue
            owner[file] = (path, figure.figid)
            claims.append((path, figure.figid))
    return tuple(sorted(claims)), problems


def redirect_file(old_path: str, figid: str) -> str:
    """The file of a redirect page: '<old path>.html', or '<old path>/index.html' when the old
    path is the figure's own page in another case ('/figures/PMC1__GA1' of 'PMC1__ga1', as with
    graphical abstracts): as '.html' the two would be one file on macOS and Windows, and the
    redirect would replace the page. Hosts serve '/figures/PMC1__GA1' from the folder's
    index.html (GitHub Pages by a redirect to '/figures/PMC1__GA1/'); where names ignore case,
    '/figures/PMC1__GA1.html' is the figure's page itself."""
    if fold(old_path) == fold(f"/figures/{figid}"):
        return old_path.lstrip("/") + "/index.html"
    return old_path.lstrip("/") + ".html"


def claim_clash(path: str, claimed: tuple[str, str], by_id: Mapping[str, FigureSummary]) -> str:
    other, figid = claimed
    if other == path:
        return f"{path!r} is also claimed by {by_id[figid].source}"
    return f"{path!r} differs only in case from {other!r}, claimed by {by_id[figid].source} (one file on macOS and Windows)"


def page_clash(path: str, folded_ids: Mapping[str, str], page_slugs: Collection[str]) -> str:
    """Why a redirect at `path` ('/figures/NAME') would overwrite a page of the site, or ''.

    folded_ids: fold(figid) -> figid; page_slugs: fold(slug) of the content pages. Names are
    compared as a case-insensitive file system does: '/Figures/pmc1__A' is the page of 'PMC1__a'.
    """
    parts = fold(path).strip("/").split("/")
    if parts[0] == "figures" and len(parts) == 2 and parts[1] in folded_ids:
        figid = folded_ids[parts[1]]
        same = "" if path == f"/figures/{figid}" else " (file names differing only in case are one file on macOS and Windows)"
        return f"{path!r} is the page of figure {figid!r}{same}"
    if parts[0] == "figures" and len(parts) > 1 and parts[1] == "index":
        return f"{path!r} is the page listing all figures"
    if parts[0] in GENERATED_FOLDERS and len(parts) > 1:
        return f"{path!r} is inside {parts[0]}/, which the site generates"
    if len(parts) == 1 and (parts[0] in RESERVED_PAGES or parts[0] in page_slugs):
        return f"{path!r} is the site page {parts[0]}.html"
    return ""


def gene_redirects(genes: Iterable[Listing]) -> list[tuple[str, str]]:
    """(old page stem, new page stem) in genes/: the pages were named by the symbol as it is.

    An old name gets a redirect page unless it is one file with another page of genes/ on a
    case-insensitive file system: 'Il6' redirects to 'IL6~2' when the site has no 'IL6' (whose
    page is 'IL6'), and when no other symbol folds to 'il6' ('iL6'); names Windows reserves and
    'index' get none. Names already the same need nothing ('IL6').
    """
    listings = list(genes)
    taken = {fold(listing.slug) for listing in listings} | {"index"}
    wanted: dict[str, list[Listing]] = defaultdict(list)
    for listing in listings:
        # a symbol with ':' never had a page named by itself (it was no gene symbol then)
        if listing.slug != listing.key and listing.key.upper() not in WINDOWS_DEVICES and ":" not in listing.key:
            wanted[fold(listing.key)].append(listing)
    return sorted((group[0].key, group[0].slug) for folded, group in wanted.items() if len(group) == 1 and folded not in taken)


def check_pages(pages: tuple[Page, ...]) -> list[Problem]:
    problems, seen = [], {}
    for page in pages:
        if fold(page.slug) in RESERVED_PAGES - {"about"}:
            problems.append(Problem(page.source, 1, "", f"page name {page.slug!r} is taken by a built-in page; rename the file"))
        elif fold(page.slug) in seen:
            other = seen[fold(page.slug)]
            problems.append(Problem(page.source, 1, "", f"page name {page.slug!r} differs only in case from {other.slug!r} "
                                    f"({other.source}): one file on macOS and Windows; rename one"))
        else:
            seen[fold(page.slug)] = page
    return problems


# --- changing an index in place (serve's edit path, live.py) -----------------------------------


@dataclass(slots=True)
class IndexNames:
    """What checking new figures against an index takes, kept from one edit to the next:
    fold(figid) -> figid, and the redirect claims (fold(redirect file) -> (old path, figid))."""

    folded_ids: dict[str, str]
    owner: dict[str, tuple[str, str]]

    @classmethod
    def of(cls, index: SiteIndex) -> "IndexNames":
        return cls({fold(figid): figid for figid in index.figures},
                   {fold(redirect_file(path, figid)): (path, figid) for path, figid in index.redirects})


@dataclass(frozen=True, slots=True)
class IndexChange:
    removed: frozenset[str]  # figids
    added: tuple[FigureSummary, ...]
    replaced: Mapping[str, FigureSummary]  # figid -> its new summary (same page, aliases and source)


def update_index(index: SiteIndex, change: IndexChange, rank: Mapping[str, int],
                 names: IndexNames) -> tuple[SiteIndex, dict[str, set[str]], set[str]] | None:
    """The index after `change`, as build_index would make it from the changed figures; per
    LIST_KINDS the keys whose listing changed (made, emptied, other members or name); and the
    kinds whose keys or page names changed (reshaped). Figures may come, go or move anywhere
    in the order (then doc ids move: see kept_doc_ids).

    rank: figid -> its place in index.newest_first. None when a new figure's names clash (a
    build's work, which reports the problem); then `names` must be made anew."""
    removed, replaced = change.removed, change.replaced
    figures = dict(index.figures)
    for figid in removed:
        del figures[figid]
        names.folded_ids.pop(fold(figid), None)
    if removed:
        names.owner = {name: claim for name, claim in names.owner.items() if claim[1] not in removed}
    figures.update(replaced)
    added = sorted(change.added, key=figure_order)
    for figure in added:
        if figid_problem(figure, figures, names.folded_ids) or f"figures/{fold(figure.figid)}.html" in names.owner:
            return None
        figures[figure.figid] = figure
        names.folded_ids[fold(figure.figid)] = figure.figid
    claims, problems = collect_redirects(added, figures, {fold(p.slug) for p in index.pages},
                                         folded_ids=names.folded_ids, owner=names.owner)
    if problems:
        return None
    redirects = index.redirects
    if removed or claims:
        redirects = tuple(sorted([r for r in redirects if r[1] not in removed] + list(claims)))
    moved = {figid for figid, new in replaced.items() if figure_order(new) != figure_order(index.figures[figid])}
    kept = index.newest_first[len(removed):]
    if not moved and set(index.newest_first[:len(removed)]) == removed and (
            not added or not kept or figure_order(added[-1]) < figure_order(figures[kept[0]])):
        newest_first, place = tuple(f.figid for f in added) + kept, None  # the newest came or went: doc ids stay
    else:
        newest_first = placed_in_order([figid for figid in index.newest_first if figid not in removed and figid not in moved],
                                       [*added, *(replaced[figid] for figid in moved)], figures)
        place = {figid: number for number, figid in enumerate(newest_first)}
    lists, changed, reshaped = moved_listings(index, change, added, figures, rank, place, moved)
    return replace(index, figures=figures, newest_first=newest_first, redirects=redirects, **lists), changed, reshaped


def placed_in_order(staying: list[str], coming: list[FigureSummary], figures: Mapping[str, FigureSummary]) -> tuple[str, ...]:
    """The figids `staying` (in order) with those `coming` put in their places: a binary search
    each when they are few (a few sort keys, not one per figure), else a merge."""
    coming = sorted(coming, key=figure_order)
    if len(coming) * 64 > len(staying):
        return tuple(figid for _, figid in merge(((figure_order(figures[f]), f) for f in staying),
                                                 ((figure_order(f), f.figid) for f in coming)))
    for figure in coming:
        at = bisect_left(staying, figure_order(figure), key=lambda figid: figure_order(figures[figid]))
        staying.insert(at, figure.figid)
    return tuple(staying)


def kept_doc_ids(before: SiteIndex, newest_first: Sequence[str], change: IndexChange) -> bool:
    """Whether every figure that stayed keeps its search doc id (its place from the oldest): the
    figures removed were the newest and those added are newer than all others."""
    return tuple(newest_first[len(change.added):]) == before.newest_first[len(change.removed):]


def moved_listings(index: SiteIndex, change: IndexChange, added: list[FigureSummary], figures: Mapping[str, FigureSummary],
                   rank: Mapping[str, int], place_after: Mapping[str, int] | None = None,
                   moved: Collection[str] = ()) -> tuple[dict[str, tuple[Listing, ...]], dict[str, set[str]], set[str]]:
    """The listings of each kind after the change (only those of a kind it touches), the keys
    changed, and the kinds whose keys or page names changed. place_after: each figure's place in
    the new order, when figures came or went elsewhere than at the newest end or moved (`moved`)."""
    moves: list[dict[str, tuple[set[str], set[str]]]] = [{} for _ in LIST_KINDS]  # key -> (figids leaving, joining)
    before = [(figid, index.figures[figid]) for figid in (*change.removed, *change.replaced)]
    after = [(figid, figures[figid]) for figid in change.replaced] + [(f.figid, f) for f in added]
    for side, pairs in ((0, before), (1, after)):
        for figid, figure in pairs:
            for kind_moves, keys in zip(moves, figure_lists(figure)):
                for key in keys:
                    kind_moves.setdefault(key, (set(), set()))[side].add(figid)
    newest = {figure.figid: number for number, figure in enumerate(added)}
    shift = len(added) - len(change.removed)
    place = place_after.__getitem__ if place_after is not None else (
        lambda figid: newest[figid] if figid in newest else rank[figid] + shift)  # noqa: E731
    lists, changed, reshaped = {}, {}, set()
    for kind, kind_moves in zip(LIST_KINDS, moves):
        kind_moves = {key: (leaving, joining) for key, (leaving, joining) in kind_moves.items()
                      if leaving != joining or any(figid not in change.replaced or figid in moved for figid in joining)}
        if not kind_moves:
            continue  # the same figures, in their places (a title edit: 25k gene listings not looked at)
        listings = {listing.key: listing for listing in getattr(index, kind)}
        groups: dict[str, tuple[str, ...]] = {}
        for key, (leaving, joining) in kind_moves.items():
            old = listings[key].figids if key in listings else ()
            if place_after is None and leaving <= change.removed and joining <= newest.keys():  # the newest go, newer ones come
                groups[key] = tuple(sorted(joining, key=place)) + old[len(leaving):]
            else:
                groups[key] = tuple(sorted((set(old) - leaving) | joining, key=place))
        groups = {key: figids for key, figids in groups.items() if figids != (listings[key].figids if key in listings else ())}
        if not groups:
            continue
        changed[kind] = set(groups)
        if all(bool(figids) == (key in listings) for key, figids in groups.items()):
            # every page keeps its name: only the members change
            lists[kind] = tuple(replace(listing, figids=groups[listing.key]) if listing.key in groups else listing
                                for listing in getattr(index, kind))
            continue
        members = {key: listing.figids for key, listing in listings.items()}
        members.update(groups)
        lists[kind] = make_listings(kind, {key: figids for key, figids in members.items() if figids}, listings)
        reshaped.add(kind)  # lists made or emptied, and the names they give or take from others
        changed[kind] |= {l.key for l in lists[kind] if l.key in listings and listings[l.key].slug != l.slug}
    return lists, changed, reshaped
