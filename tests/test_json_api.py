"""json_api.py: the JSON API files of pfocr.wikipathways.org, same paths and shapes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CORPUS, needs_corpus, write_record, write_table, minimal_fields
from site_builder import downloads
from site_builder.build import BuildOptions, build
from site_builder.config import SiteConfig
from site_builder.load import load_figure
from site_builder.model import Figure, GeneMention

CONFIG = SiteConfig(url="https://pfocr.example.org", base_url="/")
GENES_HEADER = ["organism_id", "organism_name", "organism_group", "word", "match", "ncbigene_symbol", "ncbigene_id", "source"]


def sample_figures() -> list[Figure]:
    return [
        Figure("PMC3__zeta", "Third\ttitle", pmcid="PMC3", number="F1", year="2022", figid_alias="PMC3__F1",
               organisms=("Mus musculus", "Homo sapiens"), organisms_ner=("Homo sapiens", "NA"),
               genes=(GeneMention("p53", "TP53", "7157", organism="Homo sapiens", organism_id="9606", organism_group="Primates"),
                      GeneMention("Trp53", "Trp53", "22059", organism="Mus musculus"))),
        Figure("PMC1__alpha", "First", pmcid="PMC1", year="2001", figid_alias="PMC1__F9", organisms=("Homo sapiens",),
               genes=(GeneMention("x", "X", "1", organism="Unknown species", organism_id="12345", organism_group="Bacteria"),)),
        Figure("PMC2__beta", "No alias", pmcid="PMC2", year="2010", organisms=("Weird organism",)),
    ]


def api(figures: list[Figure] | None = None, split: int = 1) -> dict[str, object]:
    figures = sample_figures() if figures is None else figures
    parts = [downloads.download_parts(figures[:split], CONFIG), downloads.download_parts(figures[split:], CONFIG)]
    found = dict(downloads.collection_files(lambda: iter(parts)))
    return {path: found[path] for path in found if path.startswith("json/")}


def test_paths_are_those_of_pfocr() -> None:
    assert sorted(api()) == ["json/getCounts.json", "json/getFigureInfo.json", "json/listFiguresByOrganism.json",
                             "json/listOrganisms.json"]


def test_figure_info_sorted_by_alias_then_figid() -> None:
    info = json.loads(api()["json/getFigureInfo.json"])
    assert [f["figid"] for f in info["figureInfo"]] == ["PMC1__alpha", "PMC2__beta", "PMC3__zeta"]  # PMC1__F9 < PMC2__beta < PMC3__F1
    assert info["figureInfo"][2] == {
        "figid": "PMC3__zeta", "url": "https://pfocr.example.org/figures/PMC3__zeta.html", "pmcid": "PMC3", "number": "F1",
        "figtitle": "Third title", "year": "2022", "organisms": "Mus musculus, Homo sapiens", "organisms_ner": "Homo sapiens",
    }


def test_figures_by_organism() -> None:
    listed = json.loads(api()["json/listFiguresByOrganism.json"])
    assert listed == {"organisms": [
        {"latin": "Homo_sapiens", "common": "human", "figures": [{"figid": "PMC1__alpha"}, {"figid": "PMC3__zeta"}]},
        {"latin": "Mus_musculus", "common": "mouse", "figures": [{"figid": "PMC3__zeta"}]},
        {"latin": "Weird_organism", "common": "", "figures": [{"figid": "PMC2__beta"}]},
    ]}


def test_organisms_from_the_genes_tables() -> None:
    """Taxonomy ID and group as the tables give them, else from the table of well-known species."""
    assert json.loads(api()["json/listOrganisms.json"]) == {"organisms_by_ner": [
        {"organism_id": "10090", "organism_name": "Mus musculus", "organism_group": "Rodents"},
        {"organism_id": "12345", "organism_name": "Unknown species", "organism_group": "Bacteria"},
        {"organism_id": "9606", "organism_name": "Homo sapiens", "organism_group": "Primates"},
    ]}


def test_counts_are_strings() -> None:
    assert json.loads(api()["json/getCounts.json"]) == {"figures": "3", "organisms": "3"}


def test_files_do_not_depend_on_how_records_are_chunked() -> None:
    assert api(split=0) == api(split=1) == api(split=3)
    for text in api().values():
        assert isinstance(text, str) and text.endswith("\n")
        json.loads(text)


def test_no_figures() -> None:
    found = api([], split=0)
    assert json.loads(found["json/getFigureInfo.json"]) == {"figureInfo": []}
    assert json.loads(found["json/listFiguresByOrganism.json"]) == {"organisms": []}
    assert json.loads(found["json/listOrganisms.json"]) == {"organisms_by_ner": []}
    assert json.loads(found["json/getCounts.json"]) == {"figures": "0", "organisms": "0"}


def test_genes_table_taxonomy_columns_are_read() -> None:
    table = "\t".join(GENES_HEADER) + "\n" + "\t".join(["7955", "Danio rerio", "Vertebrates", "tp53", "TP53", "tp53", "30590", "ncbigene_symbol"]) + "\n"
    record = "---\nfigid: PMC1__x\nfigtitle: T\n---\n"
    figure = load_figure(record.encode(), "figures/PMC1__x.md", {"genes": ("data/PMC1__x-genes.tsv", table.encode())}).figure
    assert figure is not None
    assert (figure.genes[0].organism_id, figure.genes[0].organism, figure.genes[0].organism_group) == ("7955", "Danio rerio", "Vertebrates")


# --- built sites ---------------------------------------------------------------------------


def test_build_publishes_the_api_and_its_page(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_record(content, minimal_fields("PMC1__f1", organisms=["Homo sapiens"], figid_alias="PMC1__F1"))
    write_table(content, "PMC1__f1", "genes", [GENES_HEADER, ["9606", "Homo sapiens", "Primates", "p53", "TP53", "TP53", "7157", "s"]])
    (tmp_path / "site.yml").write_text("url: https://pfocr.example.org\nbase_url: /sub/\n")
    build(BuildOptions(project_dir=tmp_path, content_dir=content, output_dir=tmp_path / "site", jobs=1))
    site = tmp_path / "site"
    info = json.loads((site / "json/getFigureInfo.json").read_text())
    assert info["figureInfo"][0]["url"] == "https://pfocr.example.org/sub/figures/PMC1__f1.html"
    page = (site / "json/index.html").read_text()
    for name in ("getFigureInfo.json", "listFiguresByOrganism.json", "listOrganisms.json", "getCounts.json"):
        assert f'href="{name}"' in page and (site / "json" / name).is_file()
    assert 'href="json/index.html"' in (site / "downloads.html").read_text()
    assert "https://pfocr.example.org/sub/json/" in (site / "sitemap-1.xml").read_text()


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("corpus") / "site"
    project = output.parent
    (project / "site.yml").write_text("url: https://pfocr.wikipathways.org\n")
    build(BuildOptions(project_dir=project, content_dir=CORPUS, output_dir=output, jobs=1))
    return output


@needs_corpus
def test_corpus_api(corpus_site: Path) -> None:
    records = sorted((CORPUS / "figures").glob("*.md"))
    info = json.loads((corpus_site / "json/getFigureInfo.json").read_text())["figureInfo"]
    assert len(info) == len(records) and json.loads((corpus_site / "json/getCounts.json").read_text())["figures"] == str(len(records))
    assert len({f["figid"] for f in info}) == len(info)
    assert all(f["url"] == f"https://pfocr.wikipathways.org/figures/{f['figid']}.html" for f in info)
    organisms = json.loads((corpus_site / "json/listOrganisms.json").read_text())["organisms_by_ner"]
    assert {"organism_id": "9606", "organism_name": "Homo sapiens", "organism_group": "Primates"} in organisms
    assert {"organism_id": "511145", "organism_name": "Escherichia coli str. K-12 substr. MG1655", "organism_group": "Bacteria"} in organisms
    by_organism = json.loads((corpus_site / "json/listFiguresByOrganism.json").read_text())["organisms"]
    human = next(o for o in by_organism if o["latin"] == "Homo_sapiens")
    assert human["common"] == "human" and len(human["figures"]) > 10
