"""downloads.py: GMT gene sets, metadata as JSON Lines and TSV (gzipped), per-figure tables."""
from __future__ import annotations

import gzip
import json

from site_builder import downloads
from site_builder.config import SiteConfig
from site_builder.index import build_index
from site_builder.model import Figure, GeneMention, TermMention

CONFIG = SiteConfig(url="https://pfocr.example.org", base_url="/")


def sample_figures() -> list[Figure]:
    return [
        Figure("PMC2__b", "Newer\tfigure", caption="Line one\nline two\ttab", pmcid="PMC2", year="2022",
               organisms=("Homo sapiens", "NA"), genes=(GeneMention("p53", "TP53", "7157", organism="Homo sapiens"),
                                                        GeneMention("AKT", "AKT1", "207"), GeneMention("p53 again", "TP53", "7157")),
               chemicals=(TermMention("ATP", mesh="D000255", name="adenosine triphosphate", chebi="15422"),)),
        Figure("PMC1__a", "Older", pmcid="PMC1", year="2001", gene_symbols=("EGFR",)),
        Figure("PMC3__c", "No genes", pmcid="PMC3", year="2000"),
    ]


def sample_index():
    return build_index(sample_figures())[0]


def files() -> dict:
    """The collection files from two parts (as two chunks of records give them)."""
    figures = sample_figures()
    parts = [downloads.download_parts(figures[:1], CONFIG), downloads.download_parts(figures[1:], CONFIG)]
    return dict(downloads.collection_files(lambda: iter(parts)))


def gmt() -> str:
    return gzip.decompress(files()["downloads/pfocr.gmt.gz"]).decode()


def test_gmt_is_figid_tab_url_tab_symbols() -> None:
    assert gmt() == (
        "PMC2__b\thttps://pfocr.example.org/figures/PMC2__b.html\tTP53\tAKT1\n"
        "PMC1__a\thttps://pfocr.example.org/figures/PMC1__a.html\tEGFR\n"
    )


def test_gmt_lines_have_no_stray_tabs_or_empty_genes() -> None:
    for line in gmt().splitlines():
        cells = line.split("\t")
        assert len(cells) >= 3 and all(cells) and cells[1].startswith("https://")


def test_metadata_json_lines() -> None:
    rows = [json.loads(line) for line in gzip.decompress(files()["downloads/figures.jsonl.gz"]).decode().splitlines()]
    assert [r["figid"] for r in rows] == ["PMC2__b", "PMC1__a", "PMC3__c"]
    assert rows[0]["genes"] == ["TP53", "AKT1"] and rows[0]["organisms"] == ["Homo sapiens"]
    assert rows[0]["chemicals"] == ["ATP"] and rows[0]["caption"] == "Line one\nline two\ttab"


def test_metadata_tsv_cells_are_one_line() -> None:
    lines = gzip.decompress(files()["downloads/figures.tsv.gz"]).decode().splitlines()
    assert lines[0].split("\t") == list(downloads.METADATA_COLUMNS)
    assert lines[1].split("\t") == [
        "PMC2__b", "https://pfocr.example.org/figures/PMC2__b.html", "Newer figure", "2022", "PMC2", "", "",
        "Homo sapiens",
    ]
    assert all(len(line.split("\t")) == len(downloads.METADATA_COLUMNS) for line in lines)


def test_gzip_output_is_reproducible() -> None:
    assert files()["downloads/figures.jsonl.gz"] == files()["downloads/figures.jsonl.gz"]
    assert files()["downloads/figures.jsonl.gz"][4:8] == b"\0\0\0\0"  # no timestamp in the header


def test_per_figure_tables() -> None:
    tables = {path: gzip.decompress(data).decode() for figure in sample_figures() for path, data in downloads.figure_tables(figure)}
    assert sorted(tables) == ["figures/PMC2__b-chemicals.tsv.gz", "figures/PMC2__b-genes.tsv.gz"]
    assert tables["figures/PMC2__b-genes.tsv.gz"] == (
        "word\tsymbol\tncbigene_id\torganism\tsource\n"
        "p53\tTP53\t7157\tHomo sapiens\t\n"
        "AKT\tAKT1\t207\t\t\n"
        "p53 again\tTP53\t7157\t\t\n"
    )
    assert tables["figures/PMC2__b-chemicals.tsv.gz"] == "word\tmesh\tname\tchebi\nATP\tD000255\tadenosine triphosphate\t15422\n"


def test_catalogue_lists_the_collection_files() -> None:
    assert [d.path for d in downloads.catalogue(sample_index())] == list(files())


def test_gzip_parts_read_as_one_file_in_order() -> None:
    lines = gzip.decompress(files()["downloads/figures.tsv.gz"]).decode().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["figid", "PMC2__b", "PMC1__a", "PMC3__c"]


def test_no_figures_still_gives_valid_files() -> None:
    empty = dict(downloads.collection_files(lambda: [downloads.download_parts([], CONFIG)]))
    assert gzip.decompress(empty["downloads/figures.jsonl.gz"]) == b""
    assert gzip.decompress(empty["downloads/pfocr.gmt.gz"]) == b""
    assert gzip.decompress(empty["downloads/figures.tsv.gz"]).decode().split("\t")[0] == "figid"
