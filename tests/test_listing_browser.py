"""Long listings in Chromium: a listing page holds its newest figures, static/listing.js pages
through the rest (doc ids from lists/, titles from the search index's doc files)."""
from __future__ import annotations

import pytest

from conftest import REPO, minimal_fields, write_record
from screenshots import CHROMIUM, launch, local_only, serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

FIGURES = 23  # per_page 10: three pages of "Homo sapiens"; every figure mentions TP53


def figid(number: int) -> str:
    return f"PMC{1000 + number}__f{number}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from site_builder.build import BuildOptions, build

    root = tmp_path_factory.mktemp("listing")
    (root / "site.yml").write_text("title: Listing test\nurl: https://example.org\nper_page: 10\n", encoding="utf-8")
    content = root / "content"
    for number in range(FIGURES):
        fields = minimal_fields(figid(number), figtitle=f"Figure number {number}", year=str(2000 + number),
                                organisms=["Homo sapiens"] + (["Mus musculus"] * (number % 2)))
        fields["schema-jsonld"] = {"keywords": ["TP53", f"GENE{number}"] + (["FEW"] if number < 5 else [])}
        write_record(content, fields)
    build(BuildOptions(project_dir=root, content_dir=content, output_dir=root / "site", jobs=1))
    return root / "site"


@pytest.fixture(scope="module")
def browser_page(site):
    from playwright.sync_api import sync_playwright

    with serve(site) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        local_only(context, base)
        page = context.new_page()
        yield page, base
        browser.close()


def titles(page) -> list[str]:
    return page.locator("ol.entries > li > a").all_inner_texts()


def newest_first(numbers) -> list[str]:
    return [f"Figure number {n}" for n in numbers]


def test_first_page_is_static_and_the_pager_pages_through_the_rest(browser_page) -> None:
    page, base = browser_page
    page.goto(base + "organisms/homo-sapiens.html")
    page.evaluate("window.siteListing.ready")
    assert titles(page) == newest_first(range(22, 12, -1))
    page.get_by_role("link", name="2", exact=True).click()
    page.wait_for_function("document.querySelector('ol.entries > li > a').textContent === 'Figure number 12'")
    assert titles(page) == newest_first(range(12, 2, -1))
    assert page.url.endswith("#page=2")
    assert "Figures 11–20 of 23" in page.locator("div.rest p").inner_text()
    page.get_by_role("link", name="Next").click()
    page.wait_for_function("document.querySelectorAll('ol.entries > li').length === 3")
    assert titles(page) == newest_first(range(2, -1, -1))
    # an entry links to its figure and shows the year and organisms, like the static entries
    entry = page.locator("ol.entries > li").first
    assert entry.locator("a").get_attribute("href") == f"../figures/{figid(2)}.html"
    assert entry.locator("span.m").inner_text() == "2002 · Homo sapiens"


def test_a_page_number_in_the_address_opens_that_page(browser_page) -> None:
    page, base = browser_page
    page.goto(base + "organisms/homo-sapiens.html#page=3")
    page.evaluate("window.siteListing.ready")
    assert titles(page) == newest_first(range(2, -1, -1))
    assert page.locator("nav.pager a[aria-current='page']").inner_text() == "3"


def test_gene_page_shows_the_newest_then_all_on_request(browser_page) -> None:
    page, base = browser_page
    page.goto(base + "genes/TP53.html")
    page.evaluate("window.siteListing.ready")
    assert len(titles(page)) == 3
    page.get_by_role("button", name="Show all 23 figures").click()
    page.wait_for_function("document.querySelectorAll('ol.entries > li').length === 10")
    assert titles(page) == newest_first(range(22, 12, -1))
    assert page.locator("nav.pager a").count() >= 3


def test_a_list_of_one_page_has_no_pager(browser_page) -> None:
    page, base = browser_page
    page.goto(base + "genes/FEW.html")
    page.evaluate("window.siteListing.ready")
    page.get_by_role("button", name="Show all 5 figures").click()
    page.wait_for_function("document.querySelectorAll('ol.entries > li').length === 5")
    assert page.locator("nav.pager").count() == 0


def test_the_skip_link_does_not_reset_the_list(browser_page) -> None:
    page, base = browser_page
    page.goto(base + "organisms/homo-sapiens.html#page=2")
    page.evaluate("window.siteListing.ready")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Skip to content" goes to #main
    page.wait_for_timeout(300)
    assert page.url.endswith("#main")
    assert titles(page) == newest_first(range(12, 2, -1))


def test_an_index_of_another_build_asks_for_a_reload(browser_page) -> None:
    page, base = browser_page

    def renumbered(route):  # as if a figure had been removed: every doc moved down by one
        rows = route.fetch().json()
        route.fulfill(json=rows[1:] + rows[:1])

    page.route("**/search/docs/*.json", renumbered)
    try:
        page.goto(base + "organisms/homo-sapiens.html")
        page.evaluate("window.siteListing.ready")
        page.get_by_role("link", name="2", exact=True).click()
        page.wait_for_function("document.querySelector('div.rest p').textContent.includes('reload it')")
        assert titles(page) == newest_first(range(22, 12, -1))  # the first page stays
    finally:
        page.unroute("**/search/docs/*.json")


def test_the_list_of_every_figure_pages_through_the_index(browser_page) -> None:
    page, base = browser_page
    page.goto(base + "figures/index.html#page=3")
    page.evaluate("window.siteListing.ready")
    assert titles(page) == newest_first(range(2, -1, -1))


def test_lists_of_another_build_ask_for_a_reload(browser_page) -> None:
    page, base = browser_page
    page.route("**/lists/index.json", lambda route: route.fulfill(json=[]))  # as if TP53 were short now
    try:
        page.goto(base + "genes/TP53.html")
        page.evaluate("window.siteListing.ready")
        page.get_by_role("button", name="Show all 23 figures").click()
        page.wait_for_function("document.querySelector('div.rest p').textContent.includes('reload it')")
        assert len(titles(page)) == 3  # the static part stays
    finally:
        page.unroute("**/lists/index.json")


def test_short_listing_has_no_script(site) -> None:
    text = (site / "genes" / "GENE3.html").read_text(encoding="utf-8")
    assert "listing.js" not in text and 'class="rest"' not in text
    assert (REPO / "static" / "listing.js").is_file()
