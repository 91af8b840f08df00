"""Jinja environment and context builders: the model in, (output path, HTML) out.

Python prepares every value a template shows; templates only lay it out. Links are relative
(`root` is '../' per folder level), so a site works at a domain root, under a sub-path and
from disk alike. Rendering never changes the model.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from pathlib import Path
from typing import Any, Iterator, Sequence

import jinja2
from markupsafe import Markup

from . import jsonld, links
from .config import SiteConfig
from .model import Figure, Listing, Page, SiteIndex
from .text import truncate


@dataclass(frozen=True, slots=True)
class Rendered:
    path: str  # output path relative to the site root, '/' separated
    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    """One row of a figure page's mention table, with its links prepared."""

    word: str
    name: str
    name_url: str
    ident: str
    ident_url: str
    extra: str = ""
    extra_url: str = ""


def make_environment(template_dirs: Sequence[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


class Renderer:
    """Renders every page kind for one (index, config) pair."""

    def __init__(self, env: jinja2.Environment, config: SiteConfig, index: SiteIndex):
        self.env, self.config, self.index = env, config, index
        self.organism_slugs = {listing.key: listing.slug for listing in index.organisms}

    # --- shared pieces -----------------------------------------------------------------
    def page(self, template: str, path: str, title: str, description: str = "", **context: Any) -> Rendered:
        root = "../" * path.count("/")
        canonical = self.config.site_url + (path.removesuffix("index.html") if path.endswith("index.html") else path)
        base = {
            "site": self.config,
            "root": root,
            "path": path,
            "title": title,
            "description": truncate(" ".join((description or self.config.description).split()), 200),
            "canonical": canonical,
            "nav": [(link.title, link.url if "://" in link.url else root + link.url, link.url == path) for link in self.config.nav],
            "jsonld": [],
            "og_type": "website",
            "og_image": "",
        }
        base.update(context)
        base["jsonld"] = [Markup(jsonld.to_script_json(block)) for block in base["jsonld"]]
        return Rendered(path, self.env.get_template(template).render(base))

    def figures(self, figids: Sequence[str]) -> list[Figure]:
        return [self.index.figures[figid] for figid in figids]

    # --- figure pages ------------------------------------------------------------------
    def figure_page(self, figure: Figure) -> Rendered:
        config = self.config
        crumbs = [("Home", ""), ("Figures", "figures/"), (figure.title, figure.url)]
        image = links.image_url(config, figure) if figure.pmcid and figure.filename else ""
        return self.page(
            "figure.html",
            figure.url,
            figure.title,
            jsonld.describe(figure),
            figure=figure,
            image=image,
            alt=truncate(f"Pathway figure: {figure.title}", 250),
            paper=paper_links(figure),
            organisms=[(name, self.organism_href(name)) for name in figure.known_organisms],
            genes=gene_rows(figure),
            symbols=figure.symbols,
            chemicals=[term_row(t, "chebi") for t in figure.chemicals],
            diseases=[term_row(t, "doid") for t in figure.diseases],
            resources=resource_links(figure),
            tables=[(f"{kind.title()} (TSV)", f"{figure.figid}-{kind}.tsv") for kind in ("genes", "chemicals", "diseases") if getattr(figure, kind)],
            edit_url=links.edit_url(config, figure),
            og_type="article",
            og_image=image,
            jsonld=[jsonld.figure_jsonld(figure, config), jsonld.breadcrumbs(config, crumbs)],
        )

    def organism_href(self, name: str) -> str:
        return f"../organisms/{self.organism_slugs[name]}.html"

    def redirect_page(self, old_path: str, figid: str) -> Rendered:
        path = old_path.lstrip("/") + ".html"
        target = "../" * path.count("/") + f"figures/{figid}.html"
        figure = self.index.figures[figid]
        return Rendered(
            path,
            self.env.get_template("redirect.html").render(
                target=target, canonical=self.config.site_url + figure.url, title=figure.title, site=self.config
            ),
        )

    # --- listings ----------------------------------------------------------------------
    def listing_pages(self, kind: str, listing: Listing, heading: str, intro: str = "", external: tuple[str, str] | None = None) -> Iterator[Rendered]:
        per_page = self.config.per_page
        pages = max(1, ceil(len(listing.figids) / per_page))
        for number in range(1, pages + 1):
            path = listing_path(kind, listing.slug, number)
            chunk = listing.figids[(number - 1) * per_page : number * per_page]
            yield self.page(
                "listing.html",
                path,
                heading if number == 1 else f"{heading} (page {number})",
                intro or f"{len(listing.figids)} pathway figures: {heading}.",
                heading=heading,
                intro=intro,
                total=len(listing.figids),
                entries=[self.entry(f) for f in self.figures(chunk)],
                pager=pager(kind, listing.slug, number, pages, path),
                external=external,
            )

    def entry(self, figure: Figure) -> dict[str, str]:
        return {
            "href": figure.figid + ".html",
            "title": figure.title,
            "year": figure.year,
            "organisms": ", ".join(figure.known_organisms[:3]),
        }

    def group_index(self, kind: str, title: str, listings: Sequence[Listing], intro: str, path: str = "", letters: Sequence[tuple[str, str, bool]] = ()) -> Rendered:
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
        )

    # --- site pages --------------------------------------------------------------------
    def home(self) -> Rendered:
        index = self.index
        counts = {
            "figures": len(index.figures),
            "organisms": len(index.organisms),
            "genes": len(index.genes),
            "journals": len(index.journals),
        }
        return self.page(
            "home.html",
            "index.html",
            self.config.title,
            self.config.description,
            counts=counts,
            entries=[self.entry(f) for f in self.figures(index.newest_first[:10])],
            jsonld=[jsonld.website(self.config), jsonld.data_catalog(self.config, counts["figures"])],
        )

    def content_page(self, page: Page) -> Rendered:
        return self.page("page.html", f"{page.slug}.html", page.title, page.description, body=Markup(page.body_html))

    def simple(self, template: str, path: str, title: str, description: str = "", **context: Any) -> Rendered:
        return self.page(template, path, title, description, **context)


def listing_path(kind: str, slug: str, number: int) -> str:
    return f"{kind}/{slug}.html" if number == 1 else f"{kind}/{slug}/{number}.html"


def listing_href(from_path: str, kind: str, slug: str) -> str:
    """Link from a page in `kind/` (or deeper) to a listing's first page."""
    depth = from_path.count("/") - 1
    return "../" * depth + f"{slug}.html"


def pager(kind: str, slug: str, number: int, pages: int, path: str) -> list[tuple[str, str, bool]]:
    """(label, href, current) for each page of a listing; hrefs relative to `path`."""
    if pages == 1:
        return []
    root = "../" * path.count("/")
    return [(str(n), root + listing_path(kind, slug, n), n == number) for n in range(1, pages + 1)]


def paper_links(figure: Figure) -> list[tuple[str, str]]:
    found = []
    if figure.doi:
        found.append((f"DOI {figure.doi}", links.doi_url(figure.doi)))
    if figure.pmcid:
        found.append((f"{figure.pmcid} at PubMed Central", links.pmc_article_url(figure.pmcid)))
        found.append(("Europe PMC", links.europepmc_url(figure.pmcid)))
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


def gene_rows(figure: Figure) -> list[Mention]:
    rows, seen = [], set()
    for gene in figure.genes:
        key = (gene.word, gene.symbol, gene.ncbigene_id)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            Mention(
                word=gene.word,
                name=gene.symbol,
                name_url=f"../genes/{gene.symbol}.html" if gene.symbol else "",
                ident=gene.ncbigene_id,
                ident_url=links.ncbi_gene_url(gene.ncbigene_id) if gene.ncbigene_id else "",
                extra=gene.organism,
            )
        )
    return rows


def term_row(term, second: str) -> Mention:
    other = getattr(term, second)
    other_url = links.chebi_url(other) if second == "chebi" else links.doid_url(other)
    return Mention(
        word=term.word,
        name=term.name,
        name_url="",
        ident=term.mesh,
        ident_url=links.mesh_url(term.mesh) if term.mesh else "",
        extra=f"{second.upper()}:{other}" if other else "",
        extra_url=other_url if other else "",
    )
