"""downloads.py: GMT gene sets (all figures, and one file per species), papers as JSON Lines, per-figure tables."""
from __future__ import annotations

import dataclasses
import gzip
import json

from site_builder import downloads, species
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


def test_metadata_json_lines_hold_what_no_other_download_holds() -> None:
    rows = [json.loads(line) for line in gzip.decompress(files()["downloads/figures.jsonl.gz"]).decode().splitlines()]
    assert [r["figid"] for r in rows] == ["PMC2__b", "PMC1__a", "PMC3__c"]
    assert rows[0] == {"figid": "PMC2__b", "doi": "", "papertitle": "", "reftext": "", "journal": "", "keywords": [],
                       "chemicals": ["ATP"], "diseases": []}


def test_no_metadata_tsv() -> None:
    """Its columns are all in getFigureInfo.json (url, title, year, pmcid, organisms) or the JSON Lines (doi, journal)."""
    assert "downloads/figures.tsv.gz" not in files()


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


def test_catalogue_lists_every_download() -> None:
    listed = [d.path for d in downloads.catalogue(sample_index())] + [g.path for g in downloads.gene_set_catalogue(sample_index())]
    assert sorted(listed) == sorted(path for path in files() if path.startswith("downloads/"))


def test_gzip_parts_read_as_one_file_in_order() -> None:
    lines = gzip.decompress(files()["downloads/figures.jsonl.gz"]).decode().splitlines()
    assert [json.loads(line)["figid"] for line in lines] == ["PMC2__b", "PMC1__a", "PMC3__c"]


def test_no_figures_still_gives_valid_files() -> None:
    empty = dict(downloads.collection_files(lambda: [downloads.download_parts([], CONFIG)]))
    assert gzip.decompress(empty["downloads/figures.jsonl.gz"]) == b""
    assert gzip.decompress(empty["downloads/pfocr.gmt.gz"]) == b""
    assert json.loads(empty["json/getFigureInfo.json"]) == {"figureInfo": []}
    assert not [path for path in empty if path.startswith("downloads/pfocr-")]


# --- one GMT file per species, with NCBI Gene IDs --------------------------------------------


def genes(organism: str, *ids: str, organism_id: str = "", source: str = "ncbigene_symbol") -> tuple[GeneMention, ...]:
    return tuple(GeneMention(f"w{i}", f"G{i}", i, source, organism, organism_id) for i in ids)


def species_figures() -> list[Figure]:
    return [
        Figure("PMC10__a", "TNF\tsignalling\n50% of cells", year="2020",
               genes=genes("Homo sapiens", "7124", "7132", "7124", "4790", organism_id="9606")
               + genes("Mus musculus", "21926", "22163", organism_id="10090")),
        Figure("PMC11__b", "Mouse only", year="2021",
               genes=genes("Mus musculus", "21926", "22163", "18033", organism_id="10090")
               + genes("Danio rerio", "30122", "30123", "30124", organism_id="7955")),
        # an older record: genes matched against HGNC (human) inside the front matter, no organism given
        Figure("PMC12__c", "Older record", year="2001", genes=genes("", "5594", "5595", "1956", source="hgnc_symbol")),
        Figure("PMC13__d", "Two genes", year="2002", genes=genes("Homo sapiens", "1", "2")),
    ]


def species_files(config: SiteConfig = CONFIG) -> dict:
    figures = species_figures()
    parts = [downloads.download_parts(figures[:2], config), downloads.download_parts(figures[2:], config)]
    return dict(downloads.collection_files(lambda: iter(parts)))


def gmt_sets(text: str) -> dict[str, tuple[str, list[str]]]:
    lines = [line.split("\t") for line in text.splitlines()]
    assert all(len(cells) >= 2 + species.MIN_GENES for cells in lines)
    return {cells[0]: (cells[1], cells[2:]) for cells in lines}


def test_one_gmt_per_species_named_as_in_wikipathways_releases() -> None:
    found = species_files()
    human = gmt_sets(found["downloads/pfocr-Homo_sapiens.gmt"])
    assert human == {
        "TNF signalling 50 percent of cells%PFOCR%PMC10__a": ("https://pfocr.example.org/figures/PMC10__a.html", ["7124", "7132", "4790"]),
        "Older record%PFOCR%PMC12__c": ("https://pfocr.example.org/figures/PMC12__c.html", ["5594", "5595", "1956"]),
    }
    mouse = gmt_sets(found["downloads/pfocr-Mus_musculus.gmt"])
    assert list(mouse) == ["Mouse only%PFOCR%PMC11__b"]  # PMC10__a has two mouse genes only
    fish = gmt_sets(gzip.decompress(found["downloads/pfocr-Danio_rerio.gmt.gz"]).decode())
    assert fish == {"Mouse only%PFOCR%PMC11__b": ("https://pfocr.example.org/figures/PMC11__b.html", ["30122", "30123", "30124"])}
    assert sorted(p for p in found if p.startswith("downloads/pfocr-")) == [
        "downloads/pfocr-Danio_rerio.gmt.gz", "downloads/pfocr-Homo_sapiens.gmt", "downloads/pfocr-Mus_musculus.gmt",
    ]


def test_gene_set_names_have_one_percent_pair_and_no_tabs() -> None:
    name = downloads.gene_set_name(Figure("PMC1__x", "A\t50%\r\ninhibition  of  %X"))
    assert name == "A 50 percent inhibition of percentX%PFOCR%PMC1__x"
    assert name.split("%") == ["A 50 percent inhibition of percentX", "PFOCR", "PMC1__x"]


def test_figure_urls_are_absolute_only_when_the_site_address_is_known() -> None:
    figure = Figure("PMC1__x", "T")
    assert downloads.figure_url(figure, SiteConfig(url="https://pfocr.example.org", base_url="/pfocr/")) == \
        "https://pfocr.example.org/pfocr/figures/PMC1__x.html"
    assert downloads.figure_url(figure, SiteConfig(base_url="https://user.github.io/repo/")) == \
        "https://user.github.io/repo/figures/PMC1__x.html"
    assert downloads.figure_url(figure, SiteConfig(base_url="/repo/")) == "/repo/figures/PMC1__x.html"
    relative = species_files(SiteConfig(base_url="/"))
    assert {url for url, _ in gmt_sets(relative["downloads/pfocr-Homo_sapiens.gmt"]).values()} == {
        "/figures/PMC10__a.html", "/figures/PMC12__c.html"}
    assert gzip.decompress(relative["downloads/pfocr.gmt.gz"]).decode().split("\t")[1] == "/figures/PMC10__a.html"


def test_gene_set_catalogue_counts_the_sets_of_each_species() -> None:
    index = build_index(species_figures())[0]
    assert [(g.species, g.common, g.sets, g.path) for g in downloads.gene_set_catalogue(index)] == [
        ("Homo sapiens", "human", 2, "downloads/pfocr-Homo_sapiens.gmt"),
        ("Danio rerio", "zebrafish", 1, "downloads/pfocr-Danio_rerio.gmt.gz"),
        ("Mus musculus", "mouse", 1, "downloads/pfocr-Mus_musculus.gmt"),
    ]


def test_species_file_names_are_safe_and_distinct() -> None:
    paths = downloads.gene_set_paths(["Escherichia coli str. K-12 substr. MG1655", "A b", "A_b", "a/b", "..."])
    assert paths["Escherichia coli str. K-12 substr. MG1655"] == "downloads/pfocr-Escherichia_coli_str._K-12_substr._MG1655.gmt.gz"
    # in name order; distinct also where file names differ only in case (macOS, Windows)
    assert [paths[name] for name in ("A b", "A_b", "a/b")] == [
        "downloads/pfocr-A_b.gmt.gz", "downloads/pfocr-A_b-2.gmt.gz", "downloads/pfocr-a_b-3.gmt.gz"]
    assert paths["..."] == "downloads/pfocr-species.gmt.gz"
    assert len(set(paths.values())) == len(paths)


def test_download_parts_are_plain_data() -> None:
    """The build caches them per chunk in a data-only format: str, bytes, tuples and dicts with str keys."""
    def plain(value) -> bool:
        if isinstance(value, (str, bytes, int, float, bool)):
            return True
        if isinstance(value, tuple):
            return all(map(plain, value))
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        return False

    part = downloads.download_parts(species_figures(), CONFIG)
    assert all(plain(getattr(part, f.name)) for f in dataclasses.fields(part))
