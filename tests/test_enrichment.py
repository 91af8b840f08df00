"""The GMT downloads of the corpus, read by a real enrichment library (gseapy) as users load them."""
from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import gseapy
import pytest

from conftest import CORPUS, needs_corpus
from site_builder.build import BuildOptions, build

pytestmark = needs_corpus
FIGURE = "PMC10003241__ijms-24-04893-g003"  # "Metabolic Features of Osteoblasts ...": 69 human genes


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("enrichment")
    (project / "site.yml").write_text("url: https://pfocr.wikipathways.org\n")
    build(BuildOptions(project_dir=project, content_dir=CORPUS, output_dir=project / "site", jobs=1))
    return project / "site"


def human_gene_ids(figid: str) -> list[str]:
    """The figure's distinct human NCBI Gene IDs, read straight from its corpus genes table."""
    with open(CORPUS / "data" / f"{figid}-genes.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return list(dict.fromkeys(r["ncbigene_id"] for r in rows if r["organism_name"] == "Homo sapiens" and r["ncbigene_id"] != "NA"))


def test_gseapy_finds_the_figure_of_a_gene_list(site: Path) -> None:
    """Ten genes of one figure and two unknown IDs: enrichment ranks that figure first, 10 of its genes found."""
    genes = human_gene_ids(FIGURE)
    gmt = site / "downloads" / "pfocr-Homo_sapiens.gmt"
    sets = gseapy.read_gmt(str(gmt))
    name = next(n for n in sets if n.endswith(f"%PFOCR%{FIGURE}"))
    assert sets[name] == genes
    result = gseapy.enrich(gene_list=genes[:10] + ["999999991", "999999992"], gene_sets=str(gmt), background=None,
                           outdir=None, no_plot=True).results.sort_values("P-value")
    best = result.iloc[0]
    assert best["Term"] == name
    assert best["Overlap"] == f"10/{len(genes)}"
    assert best["Adjusted P-value"] < 1e-6


def test_every_gmt_loads_and_names_its_figures(site: Path) -> None:
    figids = {f["figid"] for f in json.loads((site / "json/getFigureInfo.json").read_text())["figureInfo"]}
    files = sorted((site / "downloads").glob("pfocr-*.gmt*"))
    assert {f.name for f in files} >= {"pfocr-Homo_sapiens.gmt", "pfocr-Mus_musculus.gmt", "pfocr-Drosophila_melanogaster.gmt.gz"}
    for path in files:
        plain = path
        if path.suffix == ".gz":
            plain = path.parent.parent / path.stem  # gunzip, as a user would, to a '.gmt' gseapy accepts
            plain.write_bytes(gzip.decompress(path.read_bytes()))
        raw = plain.read_text(encoding="utf-8").splitlines()
        sets = gseapy.read_gmt(str(plain))
        assert len(sets) == len(raw) > 0, path.name
        for line in raw:
            name, url, *ids = line.split("\t")
            title, source, figid = name.split("%")
            assert title and source == "PFOCR" and figid in figids
            assert url == f"https://pfocr.wikipathways.org/figures/{figid}.html"
            assert len(set(ids)) == len(ids) >= 3 and all(i.isdigit() for i in ids)

