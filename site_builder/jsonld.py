"""schema.org / Bioschemas JSON-LD for figure pages and the collection.

The records carry a `schema-jsonld` block with known defects (`name: CreativeWork`,
`license: CC0`); we build a corrected, richer block from the typed record instead.
"""
from __future__ import annotations

import json
from typing import Any

from .config import SiteConfig
from .links import doi_url, pmc_article_url
from .model import Figure
from .text import truncate

MIN_DESCRIPTION = 50
MAX_DESCRIPTION = 5000  # Google's Dataset rich results accept 50 to 5000 characters
# The page shows the whole caption; the JSON-LD carries its start (a 100k-figure site saves
# ~45 MB, and every figure page must stay small for GitHub Pages' 1 GB).
SUMMARY_DESCRIPTION = 200
DATASET_PROFILE = "https://bioschemas.org/profiles/Dataset/1.0-RELEASE"


def graph(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """One JSON-LD object for a page's blocks: they share one @context (one script, fewer bytes)."""
    if len(blocks) == 1:
        return blocks[0]
    return {"@context": "https://schema.org/", "@graph": [{k: v for k, v in b.items() if k != "@context"} for b in blocks]}


def to_script_json(data: Any) -> str:
    """JSON that is safe inside <script>: no '</script>', '<!--' or '&' can break out."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def describe(figure: Figure) -> str:
    """The caption, or a description composed from title and paper when the caption is short."""
    caption = " ".join(figure.caption.split())  # one line, as the page's meta description
    if len(caption) >= MIN_DESCRIPTION:
        return truncate(caption, MAX_DESCRIPTION)
    parts = [caption or figure.title]
    if figure.papertitle:
        parts.append(f'Pathway figure from the paper "{figure.papertitle.rstrip(".")}"')
    else:
        parts.append("Pathway figure")
    if figure.journal_title:
        parts.append(f"published in {figure.journal_title}" + (f" ({figure.year})" if figure.year else ""))
    text = ". ".join(p.rstrip(".") for p in parts[:1]) + ". " + " ".join(parts[1:]) + "."
    if len(text) < MIN_DESCRIPTION:
        text += " Genes, chemicals and diseases were identified by optical character recognition."
    return truncate(text, MAX_DESCRIPTION)


def catalog(config: SiteConfig) -> dict[str, Any]:
    return {"@type": "DataCatalog", "name": config.title, "url": config.site_url}


def figure_jsonld(figure: Figure, config: SiteConfig) -> dict[str, Any]:
    page_url = config.site_url + figure.url
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "http://purl.org/dc/terms/conformsTo": {"@id": DATASET_PROFILE, "@type": "CreativeWork"},
        "url": page_url,
        "name": figure.title,
        "description": truncate(describe(figure), SUMMARY_DESCRIPTION),
        "identifier": figure.figid,  # the paper's DOI and PMCID identify the citation
        "license": config.license_url,
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": config.creator},
        "keywords": keywords(figure),
        "includedInDataCatalog": catalog(config),
    }
    if citation := paper_citation(figure):
        data["citation"] = citation
    return data


def keywords(figure: Figure) -> list[str]:
    """The paper's keywords, then the figure's gene symbols (Google Dataset Search and other
    crawlers read them, as on the PFOCR pages), each once; the title when there are none."""
    return list(dict.fromkeys((*figure.keywords, *figure.symbols))) or [figure.title]


def paper_citation(figure: Figure) -> dict[str, Any] | None:
    if not (figure.papertitle or figure.doi or figure.pmcid):
        return None
    paper: dict[str, Any] = {"@type": "ScholarlyArticle"}
    if figure.papertitle:
        paper["name"] = figure.papertitle
    if figure.doi:
        paper["@id"] = doi_url(figure.doi)
    elif figure.pmcid:
        paper["url"] = pmc_article_url(figure.pmcid)
    if figure.pmcid:
        # the paper's, not the figure's: as a PropertyValue on the Dataset it took 70 bytes a page
        paper["identifier"] = figure.pmcid
    if figure.journal_title:
        paper["isPartOf"] = {"@type": "Periodical", "name": figure.journal_title}
    if figure.year:
        paper["datePublished"] = figure.year
    return paper


def website(config: SiteConfig) -> dict[str, Any]:
    return {
        "@context": "https://schema.org/",
        "@type": "WebSite",
        "name": config.title,
        "url": config.site_url,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": config.site_url + "search.html?q={search_term_string}"},
            "query-input": "required name=search_term_string",
        },
    }


def data_catalog(config: SiteConfig, figure_count: int) -> dict[str, Any]:
    return {
        "@context": "https://schema.org/",
        **catalog(config),
        "description": config.description,
        "license": config.license_url,
        "creator": {"@type": "Organization", "name": config.creator},
        "keywords": ["pathway figures", "genes", "optical character recognition", "text mining"],
        "size": f"{figure_count} figures",
    }
