"""jsonld.py: the Dataset block of every corpus figure page, checked field by field with extruct,
and the script block that no record text can break out of."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import extruct
import pytest
import yaml

from conftest import CORPUS, REPO, minimal_fields, needs_corpus, record_text, write_record
from site_builder import jsonld
from site_builder.build import BuildOptions, build
from site_builder.config import CC0_URL, SiteConfig
from site_builder.load import GENE_SYMBOL, load_figure
from site_builder.model import Figure, GeneMention

CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)"')
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def raw_record(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))


def datasets(html: str, url: str) -> list[dict]:
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=False)["json-ld"]
    nodes = [node for block in data for node in block.get("@graph", [block])]
    return [node for node in nodes if node.get("@type") == "Dataset"]


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory) -> tuple[Path, SiteConfig]:
    output = tmp_path_factory.mktemp("jsonld") / "site"
    report = build(BuildOptions(project_dir=REPO, content_dir=CORPUS, output_dir=output))
    return output, report.config


def corpus_records() -> list[Path]:
    return sorted((CORPUS / "figures").glob("*.md")) if CORPUS.is_dir() else []


@needs_corpus
def test_corpus_has_the_records_this_test_expects() -> None:
    assert len(corpus_records()) >= 63


@needs_corpus
@pytest.mark.parametrize("record", corpus_records(), ids=lambda p: p.stem)
def test_dataset_block_of_every_corpus_figure(record: Path, corpus_site) -> None:
    site, config = corpus_site
    raw = raw_record(record)
    figid = raw["figid"]
    html = (site / "figures" / f"{figid}.html").read_text(encoding="utf-8")
    canonical = CANONICAL.search(html).group(1)
    found = datasets(html, canonical)
    assert len(found) == 1
    data = found[0]

    assert data["name"] == " ".join(raw["figtitle"].split()) and data["name"] != "CreativeWork"
    assert 50 <= len(data["description"]) <= jsonld.SUMMARY_DESCRIPTION
    assert data["url"] == canonical == config.site_url + f"figures/{figid}.html"
    assert canonical.startswith("https://")
    assert data["identifier"] == figid
    assert data["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert data["creator"]["name"]
    expected = list(dict.fromkeys(paper_keywords(raw) + gene_symbols(raw)))
    assert data["keywords"] == (expected or [data["name"]])  # the paper's keywords, then the genes, each once
    assert_citation(data.get("citation"), raw)
    assert data["includedInDataCatalog"]["@type"] == "DataCatalog" and data["includedInDataCatalog"]["url"] == config.site_url
    assert data["http://purl.org/dc/terms/conformsTo"]["@id"] == jsonld.DATASET_PROFILE  # Bioschemas
    # the page shows the organisms and image; the block does not repeat them (size)
    assert not {"mentions", "about", "image", "isPartOf"} & set(data)


def paper_keywords(raw: dict) -> list[str]:
    return [" ".join(k.split()) for k in (raw.get("keywords") or "").split("|") if k.strip()]  # each on one line


def gene_symbols(raw: dict) -> list[str]:
    """The record's gene symbols as the PFOCR pages list them: its genes table, else its
    inline genes (older records), else the words of its schema-jsonld block."""
    table = CORPUS / "data" / f"{raw['figid']}-genes.tsv"
    if table.exists():
        with table.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        known = [{k: v.strip() for k, v in row.items() if v and v.strip() != "NA"} for row in rows]  # NA: empty
        symbols = [row.get("ncbigene_symbol") or row.get("match") or "" for row in known]
    elif isinstance(raw.get("genes"), list) and raw["genes"]:
        symbols = [str(item.get("hgnc_symbol") or item.get("symbol") or "") for item in raw["genes"]]
    else:  # issue 14: a keyword that is one of the record's chemicals or diseases is no gene
        terms = annotation_terms(raw)
        symbols = [str(k).strip() for k in (raw.get("schema-jsonld") or {}).get("keywords") or []]
        symbols = [s for s in symbols if s.casefold() not in terms]
    return list(dict.fromkeys(s for s in symbols if s != "NA" and GENE_SYMBOL.match(s)))


def annotation_terms(raw: dict) -> set[str]:
    """Every word, match and name of the record's chemicals and diseases (tables or inline), folded."""
    terms: set[str] = set()
    for kind in ("chemicals", "diseases"):
        table = CORPUS / "data" / f"{raw['figid']}-{kind}.tsv"
        rows: list = []
        if table.exists():
            with table.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle, delimiter="\t"))
        elif isinstance(raw.get(kind), list):
            rows = [row for row in raw[kind] if isinstance(row, dict)]
        for row in rows:
            terms |= {str(row.get(column) or "").strip().casefold() for column in ("word", "match", "name")}
    return terms - {"", "na"}


@needs_corpus
def test_most_corpus_figures_name_their_genes_in_the_keywords(corpus_site) -> None:
    """Issue 14: 32 of 33 real records with genes had no gene symbol in their Dataset block."""
    site, config = corpus_site
    with_genes = [raw for raw in map(raw_record, corpus_records()) if gene_symbols(raw)]
    assert len(with_genes) >= 30
    for raw in with_genes:
        html = (site / "figures" / f"{raw['figid']}.html").read_text(encoding="utf-8")
        [data] = datasets(html, CANONICAL.search(html).group(1))
        assert set(gene_symbols(raw)) <= set(data["keywords"]), raw["figid"]


def assert_citation(paper: dict | None, raw: dict) -> None:
    if not (raw.get("papertitle") or raw.get("doi")):
        return
    assert paper["@type"] == "ScholarlyArticle"
    if raw.get("doi"):
        assert paper["@id"] == f"https://doi.org/{raw['doi']}"
    if raw.get("pmcid"):
        assert paper["identifier"] == raw["pmcid"]
    if raw.get("papertitle"):
        assert paper["name"] == " ".join(raw["papertitle"].split())
    if raw.get("journal_title"):
        assert paper["isPartOf"] == {"@type": "Periodical", "name": raw["journal_title"]}
    if raw.get("year"):
        assert paper["datePublished"] == str(raw["year"])


# --- the script block ----------------------------------------------------------------------------
BREAKOUT = 'Caption </script><!-- <script>alert(1)</script> & "quotes" \u2028 end'


def test_caption_cannot_break_out_of_the_script_block(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_record(content, minimal_fields("PMC1__x", caption=BREAKOUT, figtitle="</SCRIPT >title", filename="x.jpg"))
    report = build(BuildOptions(project_dir=REPO, content_dir=content, output_dir=tmp_path / "site", jobs=1))
    html = (tmp_path / "site" / "figures" / "PMC1__x.html").read_text(encoding="utf-8")
    [dataset] = [json.loads(text) for text in SCRIPT.findall(html)]  # one script: the Dataset
    figure = load_figure((content / "figures" / "PMC1__x.md").read_bytes(), "x/PMC1__x.md").figure
    assert dataset == jsonld.figure_jsonld(figure, report.config)
    one_line = " ".join(BREAKOUT.split())  # the description is one line, as the meta description
    assert dataset["description"] == one_line and dataset["name"] == "</SCRIPT >title"
    found = datasets(html, report.config.site_url)
    assert len(found) == 1 and found[0]["description"] == one_line


def test_the_description_is_one_line() -> None:
    """Real record PMC3174480: a caption with a run of 25 spaces kept them in JSON-LD only."""
    figure = load_figure(record_text(minimal_fields(caption="The Hpo/RASSF" + " " * 25 + "complexes\n and more " * 5)).encode(), "PMC1__f1.md").figure
    assert jsonld.describe(figure) == " ".join(figure.caption.split())


def test_script_json_escapes_markup_characters() -> None:
    text = jsonld.to_script_json({"a": "</script><!-- & >"})
    assert text == '{"a":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u003e"}'
    assert json.loads(text) == {"a": "</script><!-- & >"}


# --- unit checks -----------------------------------------------------------------------------------
CONFIG = SiteConfig(url="https://pfocr.example.org", base_url="/pfocr/")


def test_short_caption_gets_a_composed_description() -> None:
    figure = Figure("PMC1__x", "Wnt signaling", caption="Wnt.", papertitle="A paper.", journal_title="Cell", year="2020")
    assert jsonld.describe(figure) == 'Wnt. Pathway figure from the paper "A paper" published in Cell (2020).'
    assert len(jsonld.describe(Figure("PMC1__x", "T"))) >= 50


def test_description_is_at_most_5000_characters() -> None:
    figure = Figure("PMC1__x", "T", caption="word " * 10_000)
    assert 4000 < len(jsonld.describe(figure)) <= 5000
    assert len(jsonld.describe(Figure("PMC1__x", "T", caption="Intro " + "x" * 10_000))) == 5000


def test_minimal_figure_block() -> None:
    data = jsonld.figure_jsonld(Figure("PMC1__x", "Title"), CONFIG)
    assert data["url"] == "https://pfocr.example.org/pfocr/figures/PMC1__x.html"
    assert data["identifier"] == "PMC1__x" and data["keywords"] == ["Title"] and data["license"] == CC0_URL
    assert "citation" not in data and "image" not in data and "mentions" not in data


def test_keywords_are_the_papers_then_the_gene_symbols_and_the_description_is_the_caption_start() -> None:
    genes = (GeneMention("p53", "TP53", "7157"), GeneMention("Wnt", "wnt"), GeneMention("Il6", "Il6"), GeneMention("IL-6", "IL6"),
             GeneMention("p53", "TP53", "7157"))
    figure = Figure("PMC1__x", "T", caption="Long caption. " * 50, keywords=("wnt", "cancer"), genes=genes,
                    organisms=("Homo sapiens",), pmcid="PMC1", filename="a.jpg")
    data = jsonld.figure_jsonld(figure, CONFIG)
    # each once, in the figure's order; the mouse Il6 and the human IL6 are two genes
    assert data["keywords"] == ["wnt", "cancer", "TP53", "Il6", "IL6"]
    assert data["description"].startswith("Long caption. Long caption.") and len(data["description"]) <= 200
    assert not {"mentions", "about", "image"} & set(data)


def test_gene_keywords_from_the_schema_jsonld_block_when_there_is_no_genes_table() -> None:
    figure = Figure("PMC1__x", "T", gene_symbols=("TP53", "EGFR"))
    assert jsonld.figure_jsonld(figure, CONFIG)["keywords"] == ["TP53", "EGFR"]


def test_sici_doi_is_percent_encoded_in_urls() -> None:
    figure = Figure("PMC1__x", "T", doi="10.1002/(SICI)1097-4636(199605)31:1<1::AID-JBM1>3.0.CO;2-O")
    data = jsonld.figure_jsonld(figure, CONFIG)
    assert data["citation"]["@id"] == "https://doi.org/10.1002/(SICI)1097-4636(199605)31:1%3C1::AID-JBM1%3E3.0.CO;2-O"
