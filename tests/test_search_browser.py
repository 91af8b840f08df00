"""The search page in a real browser (Debian chromium driven by Playwright) over the example site
served by a plain static HTTP server: queries from the URL and the header box, filters, the URL
kept in step, paging, escaping, a site under a sub-path, axe, and no console errors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from screenshots import CHROMIUM, build_example_site, local_only, serve
from site_builder.search import SearchRecord, query_terms, write_search_index

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

TNF_BOTH = "figures/PMC9900001__ijms-25-01234-g002.html"  # Homo sapiens, Mus musculus
TNF_HUMAN = "figures/PMC9900001__ijms-25-01234-g005.html"  # Homo sapiens
STATUS = "#search-status"


class Page:
    """A browser page that records console errors and uncaught exceptions of the local site
    (requests elsewhere, such as figure images, are aborted on purpose)."""

    def __init__(self, browser, base: str, **context):
        self.context = browser.new_context(**context)
        local_only(self.context, base)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.errors: list[str] = []
        self.page.on("console", self.on_console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base = base

    def on_console(self, message) -> None:
        if message.type == "error" and message.location.get("url", "").startswith(self.base):
            self.errors.append(f"{message.text} ({message.location['url']})")

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_function(f"document.querySelector('{STATUS}').textContent !== ''")

    def wait_for_status(self, text: str) -> None:
        self.page.wait_for_function(
            f"document.querySelector('{STATUS}').textContent.includes({json.dumps(text)}) && "
            "!document.querySelector('#search-results').hasAttribute('aria-busy')"
        )

    def results(self) -> list[str]:
        return self.page.evaluate("[...document.querySelectorAll('#search-results li a')].map(a => a.getAttribute('href'))")

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def tab(browser, base):
    page = Page(browser, base)
    yield page
    page.close()
    assert page.errors == []


def test_gene_symbol_from_the_url_finds_its_figures(tab):
    tab.open("search.html?q=TNF")
    tab.wait_for_status("2 figures found")
    assert tab.results() == [TNF_BOTH, TNF_HUMAN]
    assert tab.page.input_value("#search-q") == "TNF"
    first = tab.page.locator("#search-results li").first
    assert "2024" in first.locator(".search-meta").text_content()
    assert first.locator(".search-meta i").all_text_contents() == ["Homo sapiens", "Mus musculus"]
    first.locator("a").click()
    tab.page.wait_for_url("**/" + TNF_BOTH)


def test_organism_filter_narrows_results_and_is_kept_in_the_url(tab):
    tab.open("search.html?q=TNF")
    tab.wait_for_status("2 figures found")
    tab.page.select_option("#search-organism", "Mus musculus")
    tab.wait_for_status("1 figure found")
    assert tab.results() == [TNF_BOTH]
    assert tab.page.url.endswith("search.html?q=TNF&organism=Mus+musculus")
    tab.page.reload()
    tab.wait_for_status("1 figure found")
    assert tab.page.input_value("#search-organism") == "Mus musculus"
    assert tab.results() == [TNF_BOTH]


def test_filters_alone_list_figures_newest_first(tab):
    tab.open("search.html?year=2022")  # a link from before the year range: a range of one year
    tab.wait_for_status("2 figures found")
    assert tab.page.input_value("#search-from") == "2022" == tab.page.input_value("#search-to")
    assert tab.page.url.endswith("search.html?from=2022&to=2022")
    tab.page.select_option("#search-organism", "Homo sapiens")
    tab.wait_for_status("1 figure found")
    assert tab.results() == ["figures/PMC9408851__ijms-23-09365-g003.html"]
    to = tab.page.locator("#search-to option").all_text_contents()
    assert to[0] == "Latest" and to[1].startswith("2024 (")
    start = tab.page.locator("#search-from option").all_text_contents()
    assert start[0] == "Earliest" and start[-1].startswith("2024 (") and start[1] < start[-1]


def years_of_results(tab) -> list[int]:
    return [int(t.split()[0]) for t in tab.page.locator("#search-results .search-meta").all_text_contents()]


def test_year_range_filters_and_is_kept_in_the_url(tab):
    tab.open("search.html")
    years = sorted({int(o.split()[0]) for o in tab.page.locator("#search-to option").all_text_contents()[1:]})
    assert len(years) >= 3
    low, high = years[1], years[-2]
    tab.page.select_option("#search-from", str(low))
    tab.page.select_option("#search-to", str(high))
    tab.page.wait_for_function(f"location.search === '?from={low}&to={high}'")
    tab.page.wait_for_function("!document.querySelector('#search-results').hasAttribute('aria-busy')")
    found = years_of_results(tab)
    assert found and all(low <= year <= high for year in found)
    assert low in found and high in found
    tab.page.reload()
    tab.page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
    assert years_of_results(tab) == found
    tab.open(f"search.html?from={high}&to={low}")  # the wrong way round: the same range
    tab.page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
    assert years_of_results(tab) == found
    tab.open(f"search.html?from={high}")  # open-ended
    tab.page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
    assert all(year >= high for year in years_of_results(tab))
    assert max(years) in years_of_results(tab)


def test_query_gene_symbols_are_highlighted_in_the_results(tab):
    tab.open("search.html?q=tnf")
    tab.wait_for_status("2 figures found")
    both, human = tab.page.locator("#search-results li").all()
    # TNF is a gene of the first figure (its longer symbols, TNFRSF1A..., are not listed then) and
    # in its title; the second has it only as a paper keyword: no gene line
    assert both.locator(".search-genes mark").all_text_contents() == ["TNF"]
    assert both.locator("a mark").all_text_contents() == ["TNF-α"]  # as the title writes it
    assert human.locator(".search-genes").count() == 0
    tab.open("search.html?q=ripk")  # a prefix only: the symbols it begins
    tab.page.wait_for_function("document.querySelectorAll('#search-results .search-genes').length > 0")
    genes = tab.page.locator("#search-results li").first.locator(".search-genes mark").all_text_contents()
    assert set(genes) >= {"RIPK1", "RIPK3"}


def test_words_that_are_not_gene_symbols_are_marked_in_titles_only(tab):
    tab.open("search.html?q=necroptosis")
    tab.page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
    assert tab.page.locator("#search-results .search-genes").count() == 0
    marks = tab.page.locator("#search-results a mark").all_text_contents()
    assert marks and all(m.lower() == "necroptosis" for m in marks)


def test_typing_searches_and_updates_the_url(tab):
    tab.open("search.html")
    assert "Type a gene symbol" in tab.page.text_content(STATUS)
    tab.page.fill("#search-q", "IL-6")
    tab.wait_for_status("1 figure found")
    assert tab.results() == [TNF_BOTH]
    assert tab.page.url.endswith("search.html?q=IL-6")
    tab.page.fill("#search-q", "nf-κb")  # NF-κB as typed with or without the Greek letter
    tab.wait_for_status("2 figures found")
    tab.page.fill("#search-q", "qwertyuiop")
    tab.wait_for_status("No figures found")
    assert tab.results() == []


def test_header_box_on_another_page_submits_to_the_search_page(tab):
    tab.page.goto(tab.base + TNF_BOTH)
    tab.page.fill("form.find input", "STAT3")
    tab.page.press("form.find input", "Enter")
    tab.page.wait_for_url("**/search.html?q=STAT3")
    tab.wait_for_status("1 figure found")
    assert tab.results() == ["figures/PMC9408851__ijms-23-09365-g003.html"]


def test_the_form_is_labelled_and_the_count_is_announced(tab):
    tab.open("search.html?q=signaling")
    for control in ("search-q", "search-organism", "search-from", "search-to"):
        assert tab.page.locator(f"label[for={control}]").is_visible()
    assert tab.page.get_attribute(STATUS, "role") == "status"
    assert tab.page.locator("#search-results").get_attribute("aria-label") == "Search results"


def test_tokenizer_matches_the_python_reference(tab):
    tab.open("search.html")
    queries = ["IL-6", "NF-κB ", "TGF-β1", "p53", "The role of TNF-α", "signaling in", "Café naïve",
               "HLA\u2011A", "tp53)", "a", "", "İstanbul µM", "ﬁbrosis", "IL-", "  x  yy  "]
    from_js = tab.page.evaluate(
        "qs => window.siteSearch.ready.then(() => qs.map(q => { const r = window.siteSearch.queryTerms(q); return [r.terms, r.prefix]; }))",
        queries,
    )
    assert from_js == [list(query_terms(q)) for q in queries]


def test_phone_layout_has_no_horizontal_scroll(browser, base):
    phone = Page(browser, base, viewport={"width": 360, "height": 740})
    phone.open("search.html?q=signaling")
    phone.wait_for_status("figures found")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.close()
    assert phone.errors == []


# --- axe ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_page_has_no_serious_axe_violations(browser, base, scheme):
    from test_accessibility import axe_script, describe, run_axe

    page = Page(browser, base, color_scheme=scheme)
    page.open("search.html?q=signaling&organism=Mus+musculus")
    page.wait_for_status("figures found")
    violations = [v for v in run_axe(page.page, axe_script()) if v["impact"] in ("serious", "critical")]
    page.close()
    assert not violations, describe(violations)


# --- an index of made-up records: escaping and paging ----------------------------------------------
@pytest.fixture(scope="module")
def made_up_site(example_site, tmp_path_factory) -> Path:
    """The example site's search page and assets over an index of 45 made-up records."""
    root = tmp_path_factory.mktemp("made-up")
    shutil.copy(example_site / "search.html", root / "search.html")
    shutil.copytree(example_site / "static", root / "static")
    records = [
        SearchRecord(
            url=f"figures/PMC{1000 + n}__f{n}.html",
            title=f'Kinase cascade {n} <img src=x onerror="window.hacked=1"><script>window.hacked=2</script>',
            caption="MAPK1 relays the signal.",
            year=str(2000 + n % 5),
            organisms=("<b>Homo</b> sapiens",),
            genes=("MAPK1",),
            pmcid=f"PMC{1000 + n}",
        )
        for n in range(45)
    ]
    write_search_index(records, root)
    return root


def test_titles_with_markup_are_shown_as_text(browser, made_up_site):
    with serve(made_up_site) as base:
        page = Page(browser, base)
        page.open("search.html?q=mapk1")
        page.wait_for_status("45 figures found")
        first = page.page.locator("#search-results li").first
        assert "<script>window.hacked=2</script>" in first.locator("a").text_content()
        assert first.locator(".search-meta i").text_content() == "<b>Homo</b> sapiens"
        assert page.page.locator("#search-results img, #search-results script, #search-results b").count() == 0
        assert page.page.evaluate("window.hacked") is None
        page.close()
    assert page.errors == []


def test_more_results_are_added_twenty_at_a_time(browser, made_up_site):
    with serve(made_up_site) as base:
        page = Page(browser, base)
        page.open("search.html?q=kinase")
        page.wait_for_status("45 figures found")
        assert len(page.results()) == 20
        more = page.page.locator("#search-more")
        more.click()
        page.page.wait_for_function("document.querySelectorAll('#search-results li').length === 40")
        focused = page.page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == page.results()[20], "focus moves to the first added result"
        more.click()
        page.page.wait_for_function("document.querySelectorAll('#search-results li').length === 45")
        assert more.is_hidden()
        assert len(set(page.results())) == 45
        page.close()
    assert page.errors == []


# --- a site under a sub-path -------------------------------------------------------------------------
def test_site_served_under_a_sub_path(browser, tmp_path):
    build_example_site(tmp_path / "www" / "repo", base_url="https://user.github.io/repo/")
    with serve(tmp_path / "www") as server:
        page = Page(browser, server)
        page.open("repo/search.html?q=TNF")
        page.wait_for_status("2 figures found")
        hrefs = page.page.evaluate("[...document.querySelectorAll('#search-results a')].map(a => a.href)")
        assert hrefs == [server + "repo/" + TNF_BOTH, server + "repo/" + TNF_HUMAN]
        page.close()
    assert page.errors == []


def test_missing_index_is_reported_on_the_page(browser, base):
    page = Page(browser, base)
    page.context.route("**/search/manifest.json", lambda route: route.fulfill(status=404, body="missing"))
    page.open("search.html?q=TNF")
    assert "Search is not available" in page.page.text_content(STATUS)
    assert page.page.locator("#search-form").is_visible()
    page.close()
    assert [e for e in page.errors if "404" not in e] == []  # only the failed request itself


def test_matched_genes_are_named_as_typed_not_by_the_folded_index_terms(browser, example_site, tmp_path):
    """The index folds symbols ('H1-0' -> 'h10', 'E(spl)mdelta-HLH' -> 'spl', 'mdeltahlh'); the
    result's gene line named them so ('H10', 'SPL, MDELTAHLH') on real records."""
    shutil.copy(example_site / "search.html", tmp_path / "search.html")
    shutil.copytree(example_site / "static", tmp_path / "static")
    genes = ("H1-0", "E(spl)mdelta-HLH", "Pc", "TP53", "TP53BP1")
    write_search_index([SearchRecord(url="figures/PMC1__f1.html", title="A fly pathway", caption="", year="2020",
                                     genes=genes, pmcid="PMC1")], tmp_path)
    with serve(tmp_path) as base:
        page = Page(browser, base)
        for query, expected in [("H1-0", ["H1-0"]), ("E(spl)mdelta-HLH", ["E(spl)mdelta-HLH"]), ("Pc", ["Pc"]),
                                ("tp53,", ["TP53"]), ("h1-0 Pc", ["H1-0", "Pc"]), ("tp53b", ["TP53BP1"])]:
            page.open("search.html?q=" + quote(query))
            page.wait_for_status("1 figure found")
            assert page.page.locator("#search-results .search-genes mark").all_text_contents() == expected, query
        page.close()
    assert page.errors == []
