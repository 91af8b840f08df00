"""The static search index: tokens, the files written, queries resolved the way static/search.js
resolves them (a Python port below), filters, determinism and escaping."""
from __future__ import annotations

import json
import math
import random
import re
from array import array
from dataclasses import replace
from pathlib import Path

import pytest

import site_builder.search as search
from site_builder.model import Figure, GeneMention
from site_builder.search import SearchRecord, query_terms, search_record, terms, write_search_index

REPO = Path(__file__).resolve().parent.parent

RECORDS = [
    SearchRecord(
        url="figures/PMC100__fig1.html",
        title="Insulin signaling pathway in liver",
        caption="Hepatocytes lower glucose output; unlike BRCA1, FOXO1 moves to the cytoplasm.",
        year="2019",
        organisms=("Homo sapiens",),
        genes=("INSR", "IRS1", "AKT2", "FOXO1"),
        keywords=("diabetes", "gluconeogenesis"),
        pmcid="PMC100",
    ),
    SearchRecord(
        url="figures/PMC200__fig2.html",
        title="p53 response to DNA damage",
        caption="TP53 and MDM2 control checkpoint arrest; IL-6 and NF-κB rise after damage.",
        year="2021",
        organisms=("Mus musculus", "Homo sapiens"),
        genes=("TP53", "MDM2", "CDKN1A", "ATM", "IL6"),
        pmcid="PMC200",
    ),
    SearchRecord(
        url="figures/PMC300__fig1.html",
        title="Homologous recombination repair",
        caption="Double strand breaks are repaired by homologous recombination.",
        year="2008",
        organisms=("Homo sapiens",),
        genes=("BRCA1", "BRCA2", "RAD51", "PALB2"),
        pmcid="PMC300",
    ),
    SearchRecord(
        url="figures/PMC400__fig3.html",
        title="mTOR nutrient sensing",
        caption="Amino acids reach the lysosome, where TGF-β1 is not involved.",
        year="",
        organisms=("Saccharomyces cerevisiae",),
        genes=("MTOR", "RPTOR", "RHEB", "TSC2"),
        pmcid="PMC400",
    ),
    SearchRecord(
        url="figures/PMC500__fig1.html",
        title="Auxin transport in roots",
        caption="Gravitropism needs PIN1 and AUX1.",
        year="2021",
        organisms=(),
        genes=("PIN1", "AUX1", "TIR1", "ARF7"),
        pmcid="PMC500",
    ),
]


# --- a Python port of the browser's lookup (static/search.js) --------------------------------
def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


class Index:
    """Reads <site>/search/ and answers queries with the algorithm of static/search.js."""

    def __init__(self, site: Path):
        self.folder = site / "search"
        self.manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        self.docs = self.manifest["docs"]

    def shard_entries(self, index: int) -> dict[str, list[tuple[int, int]]]:
        data = (self.folder / "terms" / f"{self.manifest['termShards'][index][1]}.bin").read_bytes()
        entries, pos = {}, 0
        while pos < len(data):
            size, pos = read_varint(data, pos)
            term = data[pos:pos + size].decode("utf-8")
            pos += size
            count, pos = read_varint(data, pos)
            length, end = read_varint(data, pos)
            pos, doc, postings = end, -1, []
            for _ in range(count):
                value, pos = read_varint(data, pos)
                doc += value >> 4
                postings.append((doc, value & 15))
            assert pos == end + length
            entries[term] = postings
        return entries

    def shard_index(self, term: str) -> int:
        firsts = [utf16(first) for first, _ in self.manifest["termShards"]]
        return max((i for i, first in enumerate(firsts) if first <= utf16(term)), default=-1)

    def matches(self, term: str, prefix: bool) -> list[tuple[list[tuple[int, int]], float]]:
        first = self.shard_index(term)
        last = self.shard_index(term + "\uffff") if prefix else first
        found = []
        for index in range(max(first, 0), last + 1):
            for word, postings in self.shard_entries(index).items():
                if word == term or (prefix and word.startswith(term)):
                    found.append((postings, 1.0 if word == term else 0.5))
        return found

    def organism_ids(self, name: str) -> set[int]:
        row = next(row for row in self.manifest["organisms"] if row[0] == name)
        data = (self.folder / "organisms" / f"{row[2]}.bin").read_bytes()
        ids, pos, doc = set(), 0, -1
        while pos < len(data):
            gap, pos = read_varint(data, pos)
            doc += gap
            ids.add(doc)
        assert len(ids) == row[1]
        return ids

    def accept(self, organism: str, year: str):
        members = self.organism_ids(organism) if organism else None
        span = next((range(r[1], r[2]) for r in self.manifest["years"] if r[0] == year), None) if year else None
        return lambda doc: (members is None or doc in members) and (span is None or doc in span)

    def doc(self, doc: int) -> list:
        size = self.manifest["docsPerShard"]
        name = self.manifest["docShards"][doc // size]
        return json.loads((self.folder / "docs" / f"{name}.json").read_text(encoding="utf-8"))[doc % size]

    def ids(self, query: str, organism: str = "", year: str = "") -> list[int]:
        words, prefix = query_terms(query)
        accept = self.accept(organism, year)
        if not words:
            return [doc for doc in reversed(range(self.docs)) if accept(doc)] if organism or year else []  # newest first
        total = [0.0] * self.docs
        matched = [0] * self.docs
        for k, term in enumerate(words):
            best: dict[int, float] = {}
            for postings, weight in self.matches(term, prefix and k == len(words) - 1):
                idf = math.log(1 + self.docs / len(postings)) * weight
                for doc, score in postings:
                    if matched[doc] == k:
                        best[doc] = max(best.get(doc, 0.0), score * idf)
            for doc, score in best.items():
                matched[doc] = k + 1
                total[doc] += score
        found = [doc for doc in range(self.docs) if matched[doc] == len(words) and accept(doc)]
        return sorted(found, key=lambda doc: (-total[doc], -doc))  # ties: the newer (higher) id first

    def search(self, query: str, organism: str = "", year: str = "") -> list[str]:
        return [self.doc(doc)[0] for doc in self.ids(query, organism, year)]


def listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    write_search_index(RECORDS, out)
    return out


@pytest.fixture(scope="module")
def index(site) -> Index:
    return Index(site)


# --- tokens ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("IL-6", {"il6", "il"}),
    ("NF-κB", {"nfkb", "nf", "kb"}),
    ("TGF-β1", {"tgfb1", "tgf", "b1"}),
    ("p53", {"p53"}),
    ("Hypoxia-inducible factor 1-alpha", {"hypoxiainducible", "hypoxia", "inducible", "factor", "1alpha", "alpha"}),
    ("The role of TNF-α in the liver", {"role", "tnfa", "tnf", "liver"}),  # stop words and 1-letter words dropped
    ("Café, naïve T cells (Th17)", {"cafe", "naive", "cells", "th17"}),
    ("HLA\u2011A and CD3\u2010ε", {"hlaa", "hla", "cd3e", "cd3"}),  # non-breaking and Unicode hyphens
    ("<script>alert(1)</script>", {"script", "alert"}),
    ("", set()),
])
def test_index_terms(text, expected):
    assert terms(text) == expected


def test_gene_symbols_keep_stop_words():
    assert terms("AS IS", frozenset()) == {"as", "is"}
    assert terms("AS IS") == set()


@pytest.mark.parametrize("query, expected", [
    ("IL-6", (["il6"], True)),
    ("il6", (["il6"], True)),
    ("NF-kB", (["nfkb"], True)),
    ("nf-κb", (["nfkb"], True)),
    ("TGF-β1", (["tgfb1"], True)),
    ("p53", (["p53"], True)),
    ("il", (["il"], False)),  # too short to be a prefix
    ("insulin signaling ", (["insulin", "signaling"], False)),
    ("signaling in", (["signaling"], False)),  # the stop word is dropped, so no prefix
    ("the", (["the"], True)),  # nothing but stop words: kept
    ("tp53)", (["tp53"], False)),
    ("il-", (["il"], False)),
    ("a", ([], False)),
    ("", ([], False)),
])
def test_query_terms(query, expected):
    assert query_terms(query) == expected


# --- the files ----------------------------------------------------------------------------------
def test_manifest_describes_the_index(index):
    manifest = index.manifest
    assert manifest["format"] == search.FORMAT
    assert manifest["docs"] == len(RECORDS)
    assert manifest["tokens"] == {
        "fold": search.FOLD, "minLength": search.MIN_TERM, "prefixMin": search.PREFIX_MIN,
        "stopwords": sorted(search.STOPWORDS),
    }
    assert [row[:2] for row in manifest["organisms"]] == [["Homo sapiens", 3], ["Mus musculus", 1], ["Saccharomyces cerevisiae", 1]]


def test_docs_are_oldest_first_with_year_ranges(index):
    urls = [index.doc(doc)[0] for doc in range(index.docs)]
    # no year, 2008, 2019, then 2021 (PMC200 before PMC500: the newer PMC id last)
    assert urls == ["figures/PMC400__fig3.html", "figures/PMC300__fig1.html", "figures/PMC100__fig1.html",
                    "figures/PMC200__fig2.html", "figures/PMC500__fig1.html"]
    assert index.manifest["years"] == [["2021", 3, 5], ["2019", 2, 3], ["2008", 1, 2]]
    assert index.doc(3) == ["figures/PMC200__fig2.html", "p53 response to DNA damage", "2021", [1, 0]]


def test_files_are_named_by_their_content(site):
    for path in (site / "search").rglob("*.*"):
        if path.name not in ("manifest.json", "analysis.json"):  # the fixed names the pages start from
            assert path.stem == search.content_name(path.read_bytes()), path


def test_stats_describe_the_files(tmp_path):
    stats = write_search_index(RECORDS, tmp_path)
    files = listing(tmp_path / "search")
    assert (stats.records, stats.files, stats.bytes) == (len(RECORDS), len(files), sum(map(len, files.values())))
    assert stats.terms == len({t for r in RECORDS for t in search.term_scores(r)})


# --- queries ------------------------------------------------------------------------------------
@pytest.mark.parametrize("query, expected", [
    ("FOXO1", ["figures/PMC100__fig1.html"]),  # gene symbol
    ("foxo1", ["figures/PMC100__fig1.html"]),
    ("recombination", ["figures/PMC300__fig1.html"]),  # title word
    ("lysosome", ["figures/PMC400__fig3.html"]),  # caption word
    ("gluconeogenesis", ["figures/PMC100__fig1.html"]),  # paper keyword
    ("Mus musculus", ["figures/PMC200__fig2.html"]),  # organism
    ("IL-6", ["figures/PMC200__fig2.html"]),
    ("IL6", ["figures/PMC200__fig2.html"]),
    ("NF-kB", ["figures/PMC200__fig2.html"]),
    ("TGFB1", ["figures/PMC400__fig3.html"]),  # written TGF-β1 in the caption
    ("p53 damage", ["figures/PMC200__fig2.html"]),  # every word must match
    ("p53 auxin", []),
    ("nothing-like-this", []),
])
def test_query_finds(index, query, expected):
    assert index.search(query) == expected


def test_gene_symbol_outranks_a_caption_mention(index):
    # BRCA1 is a gene of PMC300 and only a caption word of PMC100 (which is newer)
    assert index.search("BRCA1") == ["figures/PMC300__fig1.html", "figures/PMC100__fig1.html"]


def test_last_word_matches_as_a_prefix(index):
    assert index.search("recombin") == ["figures/PMC300__fig1.html"]
    assert index.search("recombin ") == []  # a finished word must match whole
    assert index.search("homologous recomb") == ["figures/PMC300__fig1.html"]
    assert index.search("gravitrop") == ["figures/PMC500__fig1.html"]


def test_exact_word_outranks_prefix_completions(tmp_path):
    records = [SearchRecord("a.html", "TP53BP1 binding", year="2022"), SearchRecord("b.html", "TP53 binding", year="2020")]
    write_search_index(records, tmp_path)
    assert Index(tmp_path).search("tp53") == ["b.html", "a.html"]


def test_filters(index):
    assert index.search("", organism="Homo sapiens") == [
        "figures/PMC200__fig2.html", "figures/PMC100__fig1.html", "figures/PMC300__fig1.html"]
    assert index.search("", year="2021") == ["figures/PMC500__fig1.html", "figures/PMC200__fig2.html"]
    assert index.search("", organism="Homo sapiens", year="2021") == ["figures/PMC200__fig2.html"]
    assert index.search("BRCA1", organism="Homo sapiens", year="2008") == ["figures/PMC300__fig1.html"]
    assert index.search("BRCA1", year="2021") == []
    assert index.search("") == []


def test_many_small_shards_give_the_same_answers(tmp_path, monkeypatch, index):
    monkeypatch.setattr(search, "TERM_SHARD_BYTES", 40)
    monkeypatch.setattr(search, "TERM_SHARD_SPLIT", 2)
    monkeypatch.setattr(search, "DOCS_PER_SHARD", 2)
    write_search_index(RECORDS, tmp_path)
    small = Index(tmp_path)
    assert len(small.manifest["termShards"]) > 10 and len(small.manifest["docShards"]) == 3
    for query in ("FOXO1", "BRCA1", "recomb", "homo sapiens", "il-6", "p53 damage", "a", "zzz", "aaa"):
        assert small.search(query) == index.search(query), query


def test_scale_of_a_generated_corpus(tmp_path):
    """A few thousand generated figures: every figure is found by its first gene symbol and title."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from search_scale import generated_records

    records = generated_records(2000, seed=3)
    stats = write_search_index(records, tmp_path, jobs=2)
    built = Index(tmp_path)
    assert stats.records == 2000 and built.docs == 2000
    sample = random.Random(1).sample(records, 15)
    for record in sample:
        assert record.url in built.search(record.genes[0] + " "), record.genes[0]
        title = " ".join(re.findall(r"\b[A-Za-z]{5,}\b", record.title)[:3])
        if title:
            assert record.url in built.search(title + " "), title


# --- determinism and safety ----------------------------------------------------------------------
def test_same_records_in_any_order_give_the_same_files(tmp_path):
    write_search_index(RECORDS, tmp_path / "a")
    shuffled = RECORDS[:]
    random.Random(7).shuffle(shuffled)
    write_search_index(shuffled, tmp_path / "b")
    write_search_index(list(reversed(RECORDS)), tmp_path / "c")
    a = listing(tmp_path / "a" / "search")
    assert a == listing(tmp_path / "b" / "search") == listing(tmp_path / "c" / "search")


def test_worker_processes_give_the_same_files(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "POSTINGS_CHUNK", 2)
    monkeypatch.setattr(search, "ENTRIES_CHUNK", 7)
    write_search_index(RECORDS, tmp_path / "one", jobs=1)
    write_search_index(RECORDS, tmp_path / "two", jobs=2)
    assert listing(tmp_path / "one" / "search") == listing(tmp_path / "two" / "search")


def test_rebuild_replaces_the_previous_index(tmp_path):
    write_search_index(RECORDS, tmp_path)
    stale = tmp_path / "search" / "terms" / "stale.bin"
    stale.write_bytes(b"x")
    write_search_index(RECORDS[:2], tmp_path)
    assert not stale.exists()
    assert Index(tmp_path).docs == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["search"]  # no scratch left behind


def test_no_records_give_an_empty_index(tmp_path):
    stats = write_search_index([], tmp_path)
    assert stats.records == 0
    empty = Index(tmp_path)
    assert empty.manifest["docs"] == 0 and empty.manifest["termShards"] == [] and empty.search("tp53") == []


def test_duplicate_url_is_refused(tmp_path):
    with pytest.raises(ValueError, match="duplicate"):
        write_search_index([RECORDS[0], replace(RECORDS[1], url=RECORDS[0].url)], tmp_path)


@pytest.mark.parametrize("url", ["/figures/x.html", "../x.html", "figures/../../x.html", "https://e.org/x.html", "",
                                 "javascript:alert(1)", "figures\\x.html"])
def test_url_must_stay_inside_the_site(tmp_path, url):
    with pytest.raises(ValueError):
        write_search_index([SearchRecord(url, "t")], tmp_path)


def test_markup_in_titles_is_kept_as_data(tmp_path):
    title = '<img src=x onerror="alert(1)"> & <script>alert(2)</script>'
    write_search_index([SearchRecord("figures/x.html", title, organisms=("<b>Homo</b>",))], tmp_path)
    built = Index(tmp_path)
    assert built.doc(0)[1] == title  # plain text in JSON; the page sets it with textContent
    assert built.manifest["organisms"][0][0] == "<b>Homo</b>"
    assert built.search("script alert") == ["figures/x.html"]


def test_search_js_writes_text_not_markup():
    script = (REPO / "static" / "search.js").read_text(encoding="utf-8")
    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink
    assert not re.search(r"https?://", script), "nothing may be fetched from elsewhere"


def test_search_page_loads_only_local_assets():
    page = (REPO / "templates" / "search.html").read_text(encoding="utf-8")
    assert "pagefind" not in page.lower()
    assert not re.search(r"(src|href)=\"https?://", page)
    assert "<noscript>" in page


# --- records from the site ----------------------------------------------------------------------
def test_search_record_of_a_figure():
    figure = Figure(
        figid="PMC9__f1", title="Wnt signaling", caption="CTNNB1 enters the nucleus.", pmcid="PMC9", year="2020",
        organisms=("NA", "Danio rerio"), keywords=("zebrafish", "fin"), gene_symbols=("AXIN2",),
        genes=(GeneMention("beta-catenin", "CTNNB1", "1499", "", "Danio rerio"), GeneMention("x", "")),
    )
    assert search_record(figure) == SearchRecord(
        url="figures/PMC9__f1.html", title="Wnt signaling", caption="CTNNB1 enters the nucleus.", year="2020",
        organisms=("Danio rerio",), genes=("CTNNB1", "AXIN2"), keywords=("zebrafish", "fin"), pmcid="PMC9",
        # the gene set for the analysis: the table's genes (not the keywords), with their IDs and organisms
        gene_count=1, gene_ids=array("I", [0, 1499]).tobytes(), gene_organisms=("Danio rerio",),
    )


def test_an_edit_rewrites_the_term_shards_of_its_terms_only(tmp_path, monkeypatch):
    """Shard ends follow the terms' names (search.ends_term_shard): a title edit that adds terms
    at both ends of the alphabet rewrites the shards they land in, not those between them."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from search_scale import generated_records

    from site_builder.search_live import updated_files

    monkeypatch.setattr(search, "TERM_SHARD_BYTES", 1500)
    monkeypatch.setattr(search, "TERM_SHARD_MAX", 6000)
    records = search.oldest_first(generated_records(400, seed=5))
    write_search_index(records, tmp_path, jobs=1, analysis=False)
    shards = json.loads((tmp_path / "search" / "manifest.json").read_text())["termShards"]
    old = records[200]
    new = replace(old, title=f"Aardvark {old.title} zymurgy")
    files = updated_files(tmp_path / "search", records, {r.url: doc for doc, r in enumerate(records)}, [(old, new)])
    rewritten = [path for path in files.written if path.startswith("search/terms/")]
    assert len(shards) > 30 and 2 <= len(rewritten) <= 4, (len(shards), rewritten)
    fresh = tmp_path / "fresh"
    write_search_index(records[:200] + [new] + records[201:], fresh, jobs=1, analysis=False)
    made = {path.relative_to(fresh).as_posix() for path in (fresh / "search" / "terms").iterdir()}
    kept = {f"search/terms/{name}.bin" for _, name in shards} - set(files.removed)
    assert made == kept | set(rewritten)  # the same shards as a clean build's
