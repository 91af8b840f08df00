"""The Pagefind bundle written from custom records: files, fragments, filters, and a real query in Node."""
from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

import site_builder.search as search
from site_builder.search import SearchIndexStats, SearchRecord, record_html, write_search_index

RECORDS = [
    SearchRecord(
        url="figures/PMC100__fig1.html",
        title="Insulin signaling pathway in liver",
        content="Insulin signaling pathway in liver INSR IRS1 AKT2 FOXO1 hepatocytes glucose output, unlike BRCA1 Homo sapiens",
        year="2019",
        organisms=("Homo sapiens",),
        genes=("INSR", "IRS1", "AKT2", "FOXO1"),
    ),
    SearchRecord(
        url="figures/PMC200__fig2.html",
        title="p53 response to DNA damage",
        content="p53 response to DNA damage TP53 MDM2 CDKN1A ATM checkpoint arrest Mus musculus Homo sapiens",
        year="2021",
        organisms=("Mus musculus", "Homo sapiens"),
        genes=("TP53", "MDM2", "CDKN1A", "ATM"),
    ),
    SearchRecord(
        url="figures/PMC300__fig1.html",
        title="Homologous recombination repair",
        content="Homologous recombination repair BRCA1 BRCA2 RAD51 PALB2 double strand breaks Homo sapiens",
        year="2008",
        organisms=("Homo sapiens",),
        genes=("BRCA1", "BRCA2", "RAD51", "PALB2"),
    ),
    SearchRecord(
        url="figures/PMC400__fig3.html",
        title="mTOR nutrient sensing",
        content="mTOR nutrient sensing MTOR RPTOR RHEB TSC2 amino acids lysosome Saccharomyces cerevisiae",
        year="",
        organisms=("Saccharomyces cerevisiae",),
        genes=("MTOR", "RPTOR", "RHEB", "TSC2"),
    ),
    SearchRecord(
        url="figures/PMC500__fig1.html",
        title="Auxin transport in roots",
        content="Auxin transport in roots PIN1 AUX1 TIR1 ARF7 gravitropism Arabidopsis thaliana",
        year="2015",
        organisms=(),
        genes=("PIN1", "AUX1", "TIR1", "ARF7"),
    ),
]


def read_fragments(bundle: Path) -> dict[str, dict]:
    fragments = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        data = json.loads(raw[len(b"pagefind_dcd"):])
        fragments[data["url"]] = data
    return fragments


def bundle_listing(bundle: Path) -> dict[str, bytes]:
    return {str(p.relative_to(bundle)): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, SearchIndexStats]:
    out = tmp_path_factory.mktemp("site")
    return out, write_search_index(RECORDS, out)


def test_bundle_has_runtime_and_ui_assets(built):
    out, _ = built
    bundle = out / "pagefind"
    for name in ("pagefind.js", "pagefind-entry.json", "pagefind-ui.js", "pagefind-ui.css", "wasm.en.pagefind"):
        assert (bundle / name).is_file(), name
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == len(RECORDS)


def test_no_asset_is_fetched_from_elsewhere(built):
    out, _ = built
    for path in (out / "pagefind").glob("*.js"):
        text = path.read_text(encoding="utf-8")
        for cdn in ("unpkg.com", "jsdelivr", "cdnjs", "googleapis"):
            assert cdn not in text, (path.name, cdn)


def test_one_fragment_per_record_with_meta_and_filters(built):
    out, stats = built
    fragments = read_fragments(out / "pagefind")
    assert sorted(fragments) == sorted("/" + r.url for r in RECORDS)
    p53 = fragments["/figures/PMC200__fig2.html"]
    assert p53["meta"] == {"title": "p53 response to DNA damage", "year": "2021", "organisms": "Mus musculus, Homo sapiens"}
    assert p53["filters"] == {"organism": ["Mus musculus", "Homo sapiens"], "year": ["2021"]}
    assert "TP53" in p53["content"]
    no_year = fragments["/figures/PMC400__fig3.html"]
    assert "year" not in no_year["meta"] and "year" not in no_year["filters"]
    assert fragments["/figures/PMC500__fig1.html"]["filters"] == {"year": ["2015"]}
    assert len(list((out / "pagefind" / "filter").glob("*.pf_filter"))) == 2  # organism, year


def test_stats_describe_the_bundle(built):
    out, stats = built
    listing = bundle_listing(out / "pagefind")
    assert stats.records == len(RECORDS)
    assert stats.files == len(listing)
    assert stats.bytes == sum(len(b) for b in listing.values())
    assert stats.seconds > 0


def test_rebuild_replaces_stale_fragments(tmp_path):
    write_search_index(RECORDS, tmp_path)
    stats = write_search_index(RECORDS[:2], tmp_path)
    assert stats.records == 2
    assert sorted(read_fragments(tmp_path / "pagefind")) == sorted("/" + r.url for r in RECORDS[:2])


def is_filter_derived(name: str) -> bool:
    # Pagefind 1.5 writes filter values in HashMap order (random per process): the filter files,
    # and the pf_meta / entry file that name them by hash, may differ byte-wise between runs.
    return name.startswith("filter/") or name.endswith(".pf_meta") or name == "pagefind-entry.json"


def test_same_records_in_any_order_give_the_same_bundle(tmp_path):
    write_search_index(RECORDS, tmp_path / "a")
    write_search_index(list(reversed(RECORDS)), tmp_path / "b")
    a = bundle_listing(tmp_path / "a" / "pagefind")
    b = bundle_listing(tmp_path / "b" / "pagefind")
    assert {k: v for k, v in a.items() if not is_filter_derived(k)} == {
        k: v for k, v in b.items() if not is_filter_derived(k)
    }

    def filter_contents(listing):  # same values, maybe in another order
        return sorted(bytes(sorted(gzip.decompress(v))) for k, v in listing.items() if k.startswith("filter/"))

    assert filter_contents(a) == filter_contents(b)


def test_duplicate_url_is_refused(tmp_path):
    with pytest.raises(ValueError, match="duplicate"):
        write_search_index([RECORDS[0], RECORDS[0]], tmp_path)


def test_callable_from_inside_an_event_loop(tmp_path):
    async def inside():
        return write_search_index(RECORDS[:1], tmp_path / "one"), write_search_index([], tmp_path / "none")

    one, none = asyncio.run(inside())
    assert (one.records, none.records) == (1, 0)
    assert (tmp_path / "none" / "pagefind" / "pagefind.js").is_file()


NODE_QUERY = textwrap.dedent(
    """
    import { readFile } from "node:fs/promises";
    import { pathToFileURL, fileURLToPath } from "node:url";
    const bundle = pathToFileURL(process.argv[2] + "/").href;
    // Node's fetch has no file: support; serve the bundle from disk the way a static host would.
    globalThis.fetch = async (url) => new Response(await readFile(fileURLToPath(new URL(String(url).split("?")[0], bundle))));
    const pagefind = await import(bundle + "pagefind.js");
    await pagefind.options({ baseUrl: "/repo/" });
    const out = {};
    for (const term of process.argv.slice(3)) {
      const search = await pagefind.search(term);
      out[term] = await Promise.all(search.results.map(async (r) => (await r.data()).url));
    }
    const filtered = await pagefind.search(null, { filters: { organism: "Mus musculus" } });
    out["filter:organism=Mus musculus"] = await Promise.all(filtered.results.map(async (r) => (await r.data()).url));
    console.log(JSON.stringify(out));
    """
)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_node_query_finds_record_by_gene_title_word_and_filter(built, tmp_path):
    out, _ = built
    script = tmp_path / "query.mjs"
    script.write_text(NODE_QUERY)
    run = subprocess.run(
        ["node", str(script), str(out / "pagefind"), "BRCA1", "recombination", "FOXO1"],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    # BRCA1 is a gene of PMC300 (weighted) and only a caption word of PMC100
    assert found["BRCA1"] == ["/repo/figures/PMC300__fig1.html", "/repo/figures/PMC100__fig1.html"]
    assert found["recombination"] == ["/repo/figures/PMC300__fig1.html"]
    assert found["FOXO1"] == ["/repo/figures/PMC100__fig1.html"]
    assert found["filter:organism=Mus musculus"] == ["/repo/figures/PMC200__fig2.html"]


def test_record_html_escapes_and_weights_without_indexing_twice():
    record = SearchRecord(
        url="figures/x.html",
        title='A <b>"bold"</b> & title',
        content='A <b>"bold"</b> & title about TP53, (MDM2) and TP53x <script>',
        year="",
        organisms=('Homo "sapiens"',),
        genes=("TP53", "MDM2"),
    )
    page = record_html(record)
    assert "<script>" not in page and "<b>\"bold\"</b>" not in page
    assert '<h1>A &lt;b&gt;"bold"&lt;/b&gt; &amp; title</h1>' in page
    assert page.count('data-pagefind-weight="5"') == 2  # "TP53," and "(MDM2)", not "TP53x"
    assert 'data-title="A &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; title"' in page
    assert 'data-v="Homo &quot;sapiens&quot;"' in page
    assert 'data-sort="0"' in page and "data-year" not in page


@pytest.mark.parametrize("url", ["/figures/x.html", "../x.html", "figures/../../x.html", "https://e.org/x.html"])
def test_url_must_stay_inside_the_site(tmp_path, url):
    with pytest.raises(ValueError):
        write_search_index([SearchRecord(url, "t", "t", "", (), ())], tmp_path)


def test_directory_urls_keep_their_trailing_slash(tmp_path):
    write_search_index([SearchRecord("genes/TP53/", "TP53", "TP53 tumor protein", "", (), ("TP53",))], tmp_path)
    assert list(read_fragments(tmp_path / "pagefind")) == ["/genes/TP53/"]


def test_no_records_still_gives_the_scripts(tmp_path):
    stats = write_search_index([], tmp_path)
    assert stats.records == 0
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css"):
        assert (tmp_path / "pagefind" / name).is_file()


def test_failed_build_keeps_the_previous_bundle(tmp_path, monkeypatch):
    write_search_index(RECORDS, tmp_path)
    before = bundle_listing(tmp_path / "pagefind")
    monkeypatch.setattr(search, "get_executable", lambda: Path("/bin/false"))
    with pytest.raises(search.SearchIndexError):
        write_search_index(RECORDS[:1], tmp_path)
    assert bundle_listing(tmp_path / "pagefind") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pagefind"]  # no scratch left behind
