"""External links built from record identifiers (never taken verbatim from records)."""
from __future__ import annotations

import re
from urllib.parse import quote

from .config import SiteConfig
from .model import Figure


def image_url(config: SiteConfig, figure: Figure) -> str:
    """The figure's image ('' for a record without pmcid or filename: it has none)."""
    if not (figure.pmcid and figure.filename):
        return ""
    return config.image_url.format(pmcid=quote(figure.pmcid), filename=quote(figure.filename), figid=quote(figure.figid))


def edit_url(config: SiteConfig, figure: Figure) -> str:
    if not config.edit_url:
        return ""
    return config.edit_url.format(pmcid=quote(figure.pmcid), filename=quote(figure.filename), figid=quote(figure.figid))


def doi_url(doi: str) -> str:
    """SICI DOIs hold '<', '>' and '[': they are percent-encoded (not valid in a URL), doi.org decodes them."""
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def pmc_article_url(pmcid: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(pmcid)}/"


def pmc_figure_url(figure: Figure) -> str:
    """The figure at PMC: figlink is '/pmc/articles/PMC1/figure/F3/' (some real records lack the
    first '/')."""
    link = "/" + figure.figlink.removeprefix("/")
    if link.startswith("/pmc/articles/"):
        return "https://pmc.ncbi.nlm.nih.gov/articles/" + quote(link.removeprefix("/pmc/articles/"))
    return pmc_article_url(figure.pmcid) if figure.pmcid else ""


ENTREZ_SYNTAX = re.compile(r"[()\[\]:*\"#\s]")  # grouping, field tags, ranges, truncation: Entrez reads these


def ncbi_gene_search_url(symbol: str) -> str:
    """NCBI Gene's search for a symbol; one such as 'Rst(2)At' or 'tRNA:Thr-TGT-1-1' goes in
    double quotes (a phrase), which Entrez reads as it is, not as a group or a range."""
    term = f'"{symbol.replace(chr(34), "")}"' if ENTREZ_SYNTAX.search(symbol) else symbol
    return f"https://www.ncbi.nlm.nih.gov/gene/?term={quote(term)}"


def ndex_url(ndex_id: str) -> str:
    return f"https://www.ndexbio.org/viewer/networks/{quote(ndex_id)}"


def wikipathways_url(wpid: str) -> str:
    return f"https://www.wikipathways.org/pathways/{quote(wpid)}.html"
