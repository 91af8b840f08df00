"""A reader lands on a figure page from a search engine: what Chromium shows them."""
from __future__ import annotations

import pytest

from screenshots import CHROMIUM, launch, local_only

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

FIGURE = "figures/PMC9900001__ijms-25-01234-g002.html"


@pytest.fixture(scope="module")
def page(base):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        local_only(context, base)
        page = context.new_page()
        page.goto(base + FIGURE)
        yield page
        browser.close()


def test_title_is_the_heading_and_the_document_title(page) -> None:
    heading = page.locator("h1").inner_text()
    assert heading.startswith("TNF-α–induced NF-κB activation, inflammasome priming and necroptosis")
    assert page.title().startswith(heading)


def test_figure_image_from_europe_pmc_with_alt_text(page) -> None:
    image = page.locator("figure img").first
    assert image.get_attribute("src") == "https://europepmc.org/articles/PMC9900001/bin/ijms-25-01234-g002.jpg"
    # a short alt: the heading above names the figure and its caption (the figcaption) describes it
    assert image.get_attribute("alt") == "Pathway figure"
    assert page.locator("figure figcaption").inner_text().strip()
    assert image.is_visible()


def test_organisms_link_to_their_pages(page) -> None:
    links = {a.inner_text(): a.get_attribute("href") for a in page.locator("a[href*='organisms/']").all()}
    assert links.get("Homo sapiens") == "../organisms/homo-sapiens.html"
    assert links.get("Mus musculus") == "../organisms/mus-musculus.html"


def test_gene_symbols_become_links_to_pages_that_exist(page) -> None:
    links = page.locator("ul.genes a")
    assert links.count() >= 10
    assert page.locator("ul.genes a[href='../genes/TNFRSF1A.html']").inner_text() == "TNFRSF1A"
    for href in links.evaluate_all("links => links.map(a => a.href)"):
        assert page.request.head(href).status == 200, href


def test_genes_table_opens_from_the_tsv_with_gene_pages_and_ncbi(page) -> None:
    section = page.locator("section", has=page.locator("#h-genes"))
    assert section.locator("a[download]").get_attribute("href").endswith("-genes.tsv.gz")
    section.locator("summary").click()
    row = section.locator("table tr", has_text="TNFR1").first
    assert row.locator("a[href='../genes/TNFRSF1A.html']").inner_text() == "TNFRSF1A"
    assert row.locator("a[href='https://www.ncbi.nlm.nih.gov/gene/7132']").inner_text() == "7132"
    assert page.locator("table").first.locator("tbody tr").count() >= 10
