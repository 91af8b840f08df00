"""static/figure.js names gene pages as site_builder.index.gene_page_name does (issue 12): the
links it makes from a figure page's gene symbols reach the pages the build wrote."""
from __future__ import annotations

import pytest

from screenshots import CHROMIUM, launch, local_only
from site_builder.index import gene_page_name
from test_case_insensitive import TRICKY

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

FIGURE = "figures/PMC9900001__ijms-25-01234-g002.html"  # human and mouse genes: TNF and Tnf, RELA and Rela


@pytest.fixture(scope="module")
def page(base):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context()
        local_only(context, base)
        page = context.new_page()
        page.goto(base + FIGURE)
        yield page
        browser.close()


def test_javascript_and_python_name_gene_pages_alike(page) -> None:
    names = page.evaluate("symbols => symbols.map(window.siteFigure.genePage)", TRICKY)
    assert names == [gene_page_name(symbol) for symbol in TRICKY]


def test_case_twins_link_to_their_own_pages(page, base) -> None:
    links = {a["text"]: a["href"] for a in page.locator("ul.genes a").evaluate_all(
        "links => links.map(a => ({text: a.textContent, href: a.getAttribute('href')}))")}
    assert links["TNF"] == "../genes/TNF.html" and links["Tnf"] == "../genes/TNF~2-3.html"
    assert links["RELA"] == "../genes/RELA.html" and links["Rela"] == "../genes/RELA~2-4.html"
    for symbol, href in links.items():  # every page exists and is that symbol's
        response = page.request.get(base + "figures/" + href)
        assert response.status == 200 and f"<h1>{symbol}</h1>" in response.text(), symbol
