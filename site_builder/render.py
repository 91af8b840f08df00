"""Jinja environment and context builders: the model in, (output path, HTML) out.

Python prepares every value a template shows; templates only lay it out. Links are relative
(`root` is '../' per folder level), so a site works at a domain root, under a sub-path and
from disk alike. Rendering never changes the model.
"""
from __future__ import annotations

import hashlib
import re
import weakref
from array import array
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, NamedTuple, Sequence

import jinja2
from jinja2 import meta
from markupsafe import Markup, escape

from . import analysis, charts, downloads, jsonld, links, lists
from .config import SiteConfig
from .index import gene_page_name, redirect_file
from .model import Figure, Listing, Page, SiteIndex
from .text import truncate


@dataclass(frozen=True, slots=True)
class Rendered:
    path: str  # output path relative to the site root, '/' separated
    text: str
    key: str = ""  # digest of everything the page was rendered from ('' when not tracked)
    unchanged: bool = False  # the output already holds this page (same key): text is empty


HOME_ENTRIES = 10  # the newest figures the home page lists

# A caption longer than this is folded: its first sentence shows, the rest opens on demand.
CAPTION_FOLD = 600
CAPTION_LEAD_MAX = 320  # the shown part ends at a sentence end before this many characters
CAPTION_LEAD_MIN = 60

# width and height of a figure image: records do not give an image's size, so the page reserves
# a 4:3 box as wide as the page's column (76rem) until the image loads; CSS (.zoom img) then
# takes the image's own ratio without enlarging or distorting it. Explicit sizes spare a
# layout jump from a collapsed box (Lighthouse: unsized-images).
IMAGE_BOX = (1200, 900)

DESCRIPTION_MAX = 160  # characters of a page's meta description (what search results show)

# Breadcrumb parent of the pages in each folder: (label, index page).
SECTIONS = {
    "figures": ("Figures", "figures/index.html"),
    "organisms": ("Organisms", "organisms/index.html"),
    "genes": ("Genes", "genes/index.html"),
    "gene-index": ("Genes", "genes/index.html"),
    "years": ("Years", "years/index.html"),
    "journals": ("Journals", "journals/index.html"),
}
# The small label above a listing's heading, naming what the listing is about.
KICKERS = {"organisms": "Organism", "genes": "Gene", "journals": "Journal"}


class ListEntry(NamedTuple):
    """A figure in a list, as templates read it (e.title). Attributes, not a dict: Jinja tries
    getattr before [] and a dict fails it, at a cost paid ~50 times per figure (gene pages)."""

    href: str
    title: str
    meta: str
    organisms: str


# Script files (under static/) loaded only by the pages that use them.
LISTING_JS = "static/listing.js"
FIGURE_JS = "static/figure.js"  # gene links, tables on demand, image zoom


@dataclass(frozen=True, slots=True)
class ListingInputs:
    """Everything a listing page is made of (besides the site: templates, config, code). The
    page is rendered from these alone, and its key is their digest: the one declaration of
    what makes the page stale. Cheap to gather for every listing of a 100k-figure site."""

    path: str
    kind: str
    heading: str
    intro: str
    total: int
    entries: tuple[tuple[str, str, str, str], ...]  # (href, title, meta, organisms) of the figures in the HTML
    rest: str  # the name of its list in lists/ (lists.py) when the HTML shows only its first entries, else ""
    external: tuple[str, str] | None = None  # a link beside the count, e.g. to NCBI Gene

    def key(self, site_inputs: str) -> str:
        return digest_parts(site_inputs, "listing.html", self.path, self.kind, self.heading, self.intro, str(self.total),
                            repr(self.entries), self.rest, repr(self.external))


def digest_parts(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Caption:
    """A figure caption ready to lay out: `rest` is empty when the caption is shown whole."""

    lead: str
    rest: str = ""


@dataclass(frozen=True, slots=True)
class Annotations:
    """One annotation section of a figure page: tags, and the TSV table they come from."""

    heading: str
    id: str
    labels: tuple[str, ...]
    slugs: Mapping[str, str]  # label -> its gene page's name where it differs from the label
    table: str = ""  # the TSV file beside the page, '' when there is none
    linked: bool = False

    @property
    def tags(self) -> list[tuple[str, str]]:
        """(label, gene page name when it differs from the label, else '')."""
        return [(label, self.slugs.get(label, "")) for label in self.labels]

    @property
    def items(self) -> Markup:
        """The tags as list items, what figure.html shows (tag_items)."""
        return tag_items(self.labels, self.slugs)


NO_SLUGS: Mapping[str, str] = {}


def tag_items(labels: Sequence[str], slugs: Mapping[str, str] = NO_SLUGS) -> Markup:
    """The tags of a figure page as list items: '<li>label', or '<li data-slug="name">label'
    for a gene whose page is named otherwise (static/figure.js links them).

    A figure names ~50 genes; as a Jinja loop they took a third of the figure page's template
    time. Here the labels are escaped in one pass: joined by NUL, which no record's text holds
    (load.py removes control characters; a label that holds one anyway takes the long way)."""
    if slugs and any(slugs.get(label) for label in labels):
        return Markup("".join(f'<li data-slug="{escape(slugs[label])}">{escape(label)}' if slugs.get(label)
                              else f"<li>{escape(label)}" for label in labels))
    if not labels:
        return Markup("")
    joined = "\0".join(labels)
    if joined.count("\0") != len(labels) - 1:
        return Markup("").join(Markup("<li>") + label for label in labels)
    return Markup("<li>" + str(escape(joined)).replace("\0", "<li>"))


def group_items(groups: Sequence[tuple[str, str, int]]) -> Markup:
    """The list items of a group index ('<li><a href>name</a> <span class="n">count</span></li>'
    a line each), what groups.html shows: the journals index lists thousands, and each edit
    that changes a count renders it again; as a Jinja loop it took most of an edit's time."""
    return Markup("".join(f'<li><a href="{escape(href)}">{escape(name)}</a> <span class="n">{count:,}</span></li>\n'
                          for name, href, count in groups))


def template_texts_key(env: jinja2.Environment, template: str) -> str:
    """A digest of the texts of a template and of every template it extends, includes or
    imports, by name (all the environment's templates when a name is not a constant). Kept
    per environment: serve makes a Renderer for every save."""
    keys = TEXTS_KEYS.setdefault(env, {})
    if template not in keys:
        names = template_closure(env, template)
        keys[template] = digest_parts(*(part for name in sorted(names) for part in (name, env.loader.get_source(env, name)[0])))
    return keys[template]


TEXTS_KEYS: "weakref.WeakKeyDictionary[jinja2.Environment, dict[str, str]]" = weakref.WeakKeyDictionary()


def template_closure(env: jinja2.Environment, template: str) -> set[str]:
    names, pending, known = set(), [template], set(env.list_templates())
    while pending:
        name = pending.pop()
        if name in names:
            continue
        names.add(name)
        text, filename, _ = env.loader.get_source(env, name)
        referenced = list(meta.find_referenced_templates(env.parse(text, name, filename)))  # errors name the file
        if None in referenced:  # a name computed when rendering: any template may be used
            return known
        pending += [name for name in referenced if name in known]  # `ignore missing`, or a list's fallbacks
    return names


class SnapshotLoader(jinja2.BaseLoader):
    """Templates as the build read them (name -> (text, file)): what is rendered is what was
    hashed into the pages' keys, and errors still name the template's file."""

    def __init__(self, templates: Mapping[str, tuple[str, str]]):
        self.templates = templates

    def get_source(self, environment: jinja2.Environment, name: str) -> tuple[str, str, Any]:
        if name not in self.templates:
            raise jinja2.TemplateNotFound(name)
        text, filename = self.templates[name]
        return text, filename, lambda: True

    def list_templates(self) -> list[str]:
        return sorted(self.templates)


def make_environment(templates: Mapping[str, tuple[str, str]] | Sequence[Path]) -> jinja2.Environment:
    """templates: the texts a build read (discover.snapshot_templates), or folders to read from."""
    if isinstance(templates, Mapping):
        loader: jinja2.BaseLoader = SnapshotLoader(templates)
    else:
        loader = jinja2.FileSystemLoader([str(d) for d in templates])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        auto_reload=False,  # templates do not change during a build; no stat per page
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = number
    env.filters["group_items"] = group_items
    return env


def number(value: int) -> str:
    """12345 -> '12,345' (counts on the home and statistics pages)."""
    return f"{value:,}"


class Renderer:
    """Renders every page kind for one (index, config) pair."""

    def __init__(self, env: jinja2.Environment, config: SiteConfig, index: SiteIndex,
                 pages_key: str = "", previous_keys: Mapping[str, str] | None = None, *, lists_of: "Renderer | None" = None):
        """pages_key digests the code and config (build.pages_key); with previous_keys (path ->
        key of the page the output holds), a page whose inputs did not change is not rendered
        again. A page's key holds the texts of the templates it is made with (template_key), so
        a template edit renders again only the pages that use it. lists_of: a renderer of an
        index whose organisms and genes have the same names and page names (their members may
        differ): its page names are reused."""
        self.env, self.config, self.index = env, config, index
        self.pages_key, self.previous_keys = pages_key, previous_keys or {}
        self.template_keys: dict[str, str] = {}
        self.template_inputs: dict[str, str] = {}
        if lists_of is not None:
            self.organism_slugs, self.gene_slugs = lists_of.organism_slugs, lists_of.gene_slugs
            return
        self.organism_slugs = {listing.key: listing.slug for listing in index.organisms}
        # static/figure.js names a gene's page by the symbol (gene_page_name); a page named otherwise
        # would be marked in the HTML (data-slug). index.py names every gene page by that rule.
        self.gene_slugs = {listing.key: listing.slug for listing in index.genes if listing.slug != gene_page_name(listing.key)}

    # --- shared pieces -----------------------------------------------------------------
    def page(self, template: str, path: str, title: str, description: str = "", *, inputs_key: str = "", **context: Any) -> Rendered:
        """Render a page; inputs_key (a digest of what the page is made from) saves computing one."""
        # 404.html is served for missing pages at any depth: its links start at the site's base path.
        root = self.config.base_path if path == "404.html" else "../" * path.count("/")
        canonical = self.config.site_url + (path.removesuffix("index.html") if path.endswith("index.html") else path)
        base = {
            "site": self.config,
            "root": root,
            "path": path,
            "title": title,
            "description": truncate(" ".join((description or self.config.description).split()), DESCRIPTION_MAX),
            "canonical": canonical,
            "nav": [(link.title, link.url if "://" in link.url else root + link.url, nav_current(link.url, path)) for link in self.config.nav],
            "jsonld": [],
            "feed_link": path == "index.html",  # feed readers find the feed from the home page
            "og_image": "",
            "scripts": (),  # paths under the site root, loaded with defer
            "show_find": path != "search.html",  # the search page has its own box
            "kicker": "",
            "italic": False,  # species names are set in italics
            "dense": False,  # short group names (years) sit in narrower columns
        }
        base.update(context)
        if "crumbs" not in context:
            base["crumbs"] = breadcrumbs(path, root, str(context.get("heading", title)))
        base["jsonld"] = Markup(jsonld.to_script_json(jsonld.graph(base["jsonld"]))) if base["jsonld"] else ""
        key = inputs_key or (self.page_key(template, base) if self.pages_key else "")
        if key and self.previous_keys.get(path) == key:
            return Rendered(path, "", key, unchanged=True)
        return Rendered(path, self.env.get_template(template).render(base), key)

    def page_key(self, template: str, context: dict[str, Any]) -> str:
        """The page's inputs: its templates and context (the site config is in template_key)."""
        shown = repr(sorted((name, value) for name, value in context.items() if name != "site"))
        return hashlib.blake2b(f"{self.template_key(template)}\0{template}\0{shown}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def template_key(self, template: str) -> str:
        """What every page of a template is made with: the code, the config (pages_key) and the
        texts of the template and of those it extends, includes or imports."""
        key = self.template_keys.get(template)
        if key is None:
            key = self.template_keys[template] = digest_parts(self.pages_key, template_texts_key(self.env, template))
        return key

    def inputs_of(self, template: str) -> str:
        """template_key and the config as rendered (its nav follows the site's pages, so it can
        differ from the config in pages_key)."""
        key = self.template_inputs.get(template)
        if key is None:
            key = self.template_inputs[template] = digest_parts(self.template_key(template), repr(self.config))
        return key

    @cached_property
    def site_inputs(self) -> str:
        """What every figure page is made with besides its own inputs (build.render_key)."""
        return self.inputs_of("figure.html")

    def figures(self, figids: Sequence[str]) -> list[Figure]:
        return [self.index.figures[figid] for figid in figids]

    # --- figure pages ------------------------------------------------------------------
    def figure_page(self, figure: Figure, inputs_key: str = "") -> Rendered:
        """inputs_key: a digest of the record's files, the site and the organism slugs (see build.py)."""
        if inputs_key and self.previous_keys.get(figure.url) == inputs_key:
            return Rendered(figure.url, "", inputs_key, unchanged=True)
        config = self.config
        image = links.image_url(config, figure)
        annotations = self.annotations(figure)
        notes, notes_titled = notes_html(figure.body_html)
        scripts = [FIGURE_JS] if image or any(a.linked or a.table for a in annotations) else []
        return self.page(
            "figure.html",
            figure.url,
            figure.title,
            jsonld.describe(figure),
            inputs_key=inputs_key,
            figure=figure,
            meta=figure_meta(figure),
            image=image,
            image_box=IMAGE_BOX,
            # the h1 above gives the title and the caption below describes the figure
            alt="Pathway figure" if figure.caption.strip() else truncate(figure.title, 250),
            caption=split_caption(figure.caption),
            paper=paper_links(figure),
            organisms=[(name, self.organism_href(name)) for name in figure.known_organisms],
            annotations=annotations,
            notes=notes,
            notes_titled=notes_titled,
            keywords=tag_items(figure.keywords),  # the paper's keywords as list items
            scripts=scripts or [analysis.FIGURE_SCRIPT],  # figure.js loads figure-tools.js itself
            resources=resource_links(figure),
            edit_url=links.edit_url(config, figure),
            # No trail (Home > Figures > figid): shown, it would add ~19 MB to a 100k-figure site, and
            # the header's "Browse" is marked as the current section already. Nor as a BreadcrumbList
            # in the JSON-LD: it would repeat the URL's path, which search results show anyway, for
            # ~260 bytes a page (26 MB at 100k figures; the Dataset's gene keywords need them).
            crumbs=[],
            og_image=image,
            jsonld=[jsonld.figure_jsonld(figure, config)],
        )

    def organism_href(self, name: str) -> str:
        return f"../organisms/{self.organism_slugs[name]}.html"

    def annotations(self, figure: Figure) -> list[Annotations]:
        """The genes (linked to their pages), chemicals and diseases of a figure, as tags.

        Their full tables (word read, identifiers, organism) are the TSV files linked from the
        page; static/figure.js shows one as a table on demand. Repeating every table in the HTML
        would take ~300 MB of a 100k-figure site.
        """
        def table(kind: str) -> str:
            return downloads.table_name(figure.figid, kind) if getattr(figure, kind) else ""

        found = []
        symbols = figure.symbols
        if symbols:
            found.append(Annotations("Genes", "h-genes", symbols, self.gene_slugs, table("genes"), linked=True))
        for heading, kind, anchor in (("Chemicals", "chemicals", "h-chem"), ("Diseases", "diseases", "h-dis")):
            names = tuple(dict.fromkeys(term.name or term.word for term in getattr(figure, kind)))
            if names:
                found.append(Annotations(heading, anchor, names, NO_SLUGS, table(kind)))
        return found

    def redirect_page(self, old_path: str, figid: str) -> Rendered:
        """The page at a figure's old URL ('/figures/PMC1__F3'): it sends the reader to the figure."""
        return self.moved(redirect_file(old_path, figid), self.index.figures[figid].url, figid)

    def gene_redirect_page(self, old_name: str, name: str) -> Rendered:
        """genes/<symbol>.html, the page's name before index.gene_page_name: it sends the reader on."""
        return self.moved(f"genes/{old_name}.html", f"genes/{name}.html", old_name)

    def moved(self, path: str, target: str, label: str) -> Rendered:
        """A redirect page at `path` to the site page `target` (both site-relative).

        An instant meta refresh, which search engines take as a permanent redirect: the page has
        neither 'noindex' nor a canonical link (Google advises against sending both signals, and
        the redirect is the stronger one). With shorter links and text, 100k figure redirects
        take ~28 MB instead of 46 MB. Its inputs are the two paths and the label (and the site)."""
        key = digest_parts(self.inputs_of("redirect.html"), path, target, label) if self.pages_key else ""
        if key and self.previous_keys.get(path) == key:
            return Rendered(path, "", key, unchanged=True)
        folder, here = path.rpartition("/")[0], target.rpartition("/")[0]
        href = target.rpartition("/")[2] if folder == here else "../" * path.count("/") + target
        return Rendered(path, self.env.get_template("redirect.html").render(target=href, name=label, site=self.config), key)

    # --- listings ----------------------------------------------------------------------
    @cached_property
    def doc_ids(self) -> dict[str, int]:
        """figid -> its doc id in the search index: the site's order from the oldest figure."""
        last = len(self.index.newest_first) - 1
        return {figid: last - number for number, figid in enumerate(self.index.newest_first)}

    def listing_page(self, kind: str, listing: Listing, heading: str, intro: str = "",
                     external: tuple[str, str] | None = None, shown: int = 0) -> Rendered:
        """One page per listing: its newest `shown` figures (default per_page) in the HTML.

        A longer listing names its list in lists/ (lists.py), which holds its figures as search
        doc ids; static/listing.js pages through them, newest first, with the search index's doc
        files. Static pages for every 100 figures would not fit: a 100k-figure site names each
        figure on ~50 gene pages.
        """
        inputs = self.listing_inputs(kind, listing, heading, intro, external, shown)
        key = inputs.key(self.inputs_of("listing.html")) if self.pages_key else ""
        if key and self.previous_keys.get(inputs.path) == key:
            return Rendered(inputs.path, "", key, unchanged=True)
        return self.render_listing(inputs, key)

    def listing_inputs(self, kind: str, listing: Listing, heading: str, intro: str,
                       external: tuple[str, str] | None, shown: int) -> ListingInputs:
        shown = self.shown_entries(shown)
        total = len(listing.figids)
        rest = "" if total <= shown else lists.ALL if kind == "figures" else list_name(kind, listing)
        entries = tuple(self.entry(f) for f in self.figures(listing.figids[:shown]))
        return ListingInputs(f"{kind}/{listing.slug}.html", kind, heading, intro, total, entries, rest, external)

    def list_ids(self, listing: Listing) -> array:
        """A listing's figures as search doc ids, ascending (oldest first)."""
        return array("I", map(self.doc_ids.__getitem__, reversed(listing.figids)))

    def shown_entries(self, shown: int = 0) -> int:
        """How many of a listing's figures its page shows as entries: `shown` (default per_page),
        at most per_page; the others it names by doc id."""
        return min(shown or self.config.per_page, self.config.per_page)

    def render_listing(self, inputs: ListingInputs, key: str) -> Rendered:
        rest = {"list": inputs.rest, "per_page": self.config.per_page} if inputs.rest else None
        return self.page(
            "listing.html",
            inputs.path,
            inputs.heading,
            inputs.intro or f"{inputs.total} pathway figures: {inputs.heading}.",
            inputs_key=key,
            heading=inputs.heading,
            intro=inputs.intro,
            total=inputs.total,
            entries=list(map(ListEntry._make, inputs.entries)),
            rest=rest,
            scripts=[LISTING_JS] if rest else [],
            external=inputs.external,
            kicker=KICKERS.get(inputs.kind, ""),
            italic=inputs.kind == "organisms",
        )

    def entry(self, figure: Figure) -> tuple[str, str, str, str]:
        """(href, title, meta, organisms) of a figure in a list; see ListEntry."""
        organisms = figure.known_organisms
        shown = ", ".join(organisms[:3]) + (f" +{len(organisms) - 3}" if len(organisms) > 3 else "")
        # a figure is listed ~50 times: its journal is on its page and journal listing
        return figure.figid + ".html", figure.title, figure.year, shown

    def group_index(self, kind: str, title: str, listings: Sequence[Listing], intro: str, path: str = "", letters: Sequence[tuple[str, str, bool]] = (), **context: Any) -> Rendered:
        path = path or f"{kind}/index.html"
        return self.page(
            "groups.html",
            path,
            title,
            intro,
            heading=title,
            intro=intro,
            groups=[(l.key, listing_href(path, kind, l.slug), len(l.figids)) for l in listings],
            letters=letters,
            italic=kind == "organisms",
            dense=kind == "years",
            **context,
        )

    # --- site pages --------------------------------------------------------------------
    def home(self) -> Rendered:
        index = self.index
        stats = [
            (number(len(index.figures)), "figures", "figures/index.html"),
            (number(len(index.organisms)), "organisms", "organisms/index.html"),
            (number(len(index.genes)), "gene symbols", "genes/index.html"),
            (number(len(index.journals)), "journals", "journals/index.html"),
        ]
        years = charts.years_chart(index, "c-home-years", "Figures per year", height=120)
        return self.page(
            "home.html",
            "index.html",
            self.config.title,
            self.config.description,
            stats=stats,
            chart=years if years.rows else None,
            entries=[ListEntry(*self.entry(f)) for f in self.figures(index.newest_first[:HOME_ENTRIES])],
            jsonld=[jsonld.website(self.config), jsonld.data_catalog(self.config, len(index.figures))],
        )

    def content_page(self, page: Page) -> Rendered:
        # the page's title is its h1: headings in the body start at h2
        return self.page("page.html", f"{page.slug}.html", page.title, page.description, body=Markup(demote_headings(page.body_html, 2)))

    def simple(self, template: str, path: str, title: str, description: str = "", **context: Any) -> Rendered:
        return self.page(template, path, title, description, **context)


def nav_current(url: str, path: str) -> str:
    """aria-current of a main-navigation link: 'page' on its own page, 'true' anywhere in its section."""
    if url == path:
        return "page"
    folder, _, name = path.partition("/")
    return "true" if name and folder in SECTIONS and SECTIONS[folder][1] == url else ""


def breadcrumbs(path: str, root: str, current: str) -> list[tuple[str, str]]:
    """(label, href) from Home to the page; the page itself comes last with href ''.

    Top-level pages have none (the main navigation is enough); a folder's index page sits
    under Home; any other page sits under its folder's index (SECTIONS).
    """
    folder, _, name = path.partition("/")
    if not name or folder not in SECTIONS:
        return []
    trail = [("Home", root + "index.html")]
    label, index_path = SECTIONS[folder]
    if index_path != path:
        trail.append((label, root + index_path))
    return trail + [(current, "")]


def list_name(kind: str, listing: Listing) -> str:
    """A long listing's name in lists/: its page's path without ".html"."""
    return f"{kind}/{listing.slug}"


def listing_href(from_path: str, kind: str, slug: str) -> str:
    """Link from a page in `kind/` (or deeper) to a listing's first page."""
    depth = from_path.count("/") - 1
    return "../" * depth + f"{slug}.html"


def figure_meta(figure: Figure) -> str:
    """'Figure 2 · 2024 · Journal' under a figure's title."""
    return " · ".join(part for part in (figure_label(figure.figtype, figure.number), figure.year, figure.journal_title) if part)


FIGURE_ID = re.compile(r"[A-Za-z]{1,3}(\d+[A-Za-z]?)")  # PMC's figure ids: F2, S1 (a scheme), SF1, GA1


def figure_label(figtype: str, number: str) -> str:
    """'Figure 2' of figtype 'Figure' and number 'F2' (PMC's id of the figure), 'Scheme 1' of
    'S1'; a number that names its type ('Figure 2') or is no such id is shown as it is."""
    if not figtype:
        return ""
    if number.casefold().startswith(figtype.casefold()):
        return number
    short = FIGURE_ID.fullmatch(number)
    return f"{figtype} {short.group(1) if short else number}".strip()


SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9(\[])")  # not ";": a lead ended "(synthesis phase);" (PMC6263441)


def split_caption(caption: str, fold: int = CAPTION_FOLD) -> Caption:
    """Short captions are shown whole; a long one shows its first sentence and folds the rest.

    The split is at the first sentence end between CAPTION_LEAD_MIN and CAPTION_LEAD_MAX
    characters, so lead + " " + rest reads as the original caption. Else it is at a word
    break, and an ellipsis ends the lead and starts the rest, which shows the cut.
    """
    text = " ".join(caption.split())
    if len(text) <= fold:
        return Caption(text)
    ends = (m.end() for m in SENTENCE_END.finditer(text, CAPTION_LEAD_MIN - 1, CAPTION_LEAD_MAX))
    cut = next(ends, 0)
    if cut:
        return Caption(text[:cut].rstrip(), text[cut:].lstrip())
    space = text.rfind(" ", CAPTION_LEAD_MIN, CAPTION_LEAD_MAX)  # no sentence end early on
    cut = space if space > 0 else CAPTION_LEAD_MAX
    return Caption(text[:cut].rstrip() + "…", "…" + text[cut:].lstrip())


HEADING_TAG = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def demote_headings(html: str, top: int) -> str:
    """Shift every heading in `html` by one amount so that the highest becomes h<top>."""
    levels = [int(level) for _, level in HEADING_TAG.findall(html)]
    if not levels:
        return html
    shift = top - min(levels)
    return HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{max(1, min(6, int(m.group(2)) + shift))}", html)


def notes_html(body_html: str) -> tuple[Markup, bool]:
    """Curator notes under the figure page's h2: (html with headings moved below h2, titled).

    `titled` is True when the notes start with their own heading, which then becomes the
    section's h2 (no doubled "Curator notes"); otherwise the page adds the h2 and the notes'
    headings start at h3. The model's HTML is not changed; a new string is returned.
    """
    body = body_html.strip()
    if not body:
        return Markup(""), False
    titled = HEADING_TAG.match(body) is not None
    return Markup(demote_headings(body, 2 if titled else 3)), titled


def paper_links(figure: Figure) -> list[tuple[str, str]]:
    found = []
    if figure.doi:
        found.append((f"DOI {figure.doi}", links.doi_url(figure.doi)))
    if figure.pmcid:
        found.append(("PubMed Central", links.pmc_article_url(figure.pmcid)))
    if figure.figlink or figure.pmcid:
        found.append(("This figure at PMC", links.pmc_figure_url(figure)))
    return found


def resource_links(figure: Figure) -> list[tuple[str, str]]:
    found = []
    if figure.ndex:
        found.append(("Network at NDEx", links.ndex_url(figure.ndex)))
    if figure.wpid:
        found.append((f"{figure.wpid} at WikiPathways", links.wikipathways_url(figure.wpid)))
    return found
