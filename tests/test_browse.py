"""Browse pages of the figures linked to WikiPathways models and NDEx networks (as PFOCR has them),
and where the site links them and the new downloads from."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CORPUS, minimal_fields, needs_corpus, write_record, write_table
from site_builder.build import BuildOptions, build
from site_builder.errors import BuildError
from site_builder.pages import pager_links


def build_site(tmp_path: Path, records: list[dict], config: str = "per_page: 2\n") -> Path:
    content = tmp_path / "content"
    for fields in records:
        write_record(content, fields)
    (tmp_path / "site.yml").write_text("url: https://pfocr.example.org\n" + config)
    build(BuildOptions(project_dir=tmp_path, content_dir=content, output_dir=tmp_path / "site", jobs=1))
    return tmp_path / "site"


def entries(html: str) -> list[tuple[str, str]]:
    """(figure link, external link) of each entry of a browse page."""
    return re.findall(r'<li><a href="\.\./figures/([^"]+)">.*?<a href="([^"]+)">', html, re.S)


def test_wikipathways_page_lists_figures_with_a_model_newest_first_in_pages(tmp_path: Path) -> None:
    records = [minimal_fields(f"PMC{n}__f", year=str(2000 + n), wpid=f"WP{n}") for n in range(1, 6)]
    records.append(minimal_fields("PMC9__none", year="2020"))
    site = build_site(tmp_path, records)
    first = (site / "browse/wikipathways.html").read_text()
    assert entries(first) == [("PMC5__f.html", "https://www.wikipathways.org/pathways/WP5.html"),
                              ("PMC4__f.html", "https://www.wikipathways.org/pathways/WP4.html")]
    assert "5 figures, newest first: 1–2." in first
    assert entries((site / "browse/wikipathways-3.html").read_text()) == [
        ("PMC1__f.html", "https://www.wikipathways.org/pathways/WP1.html")]
    assert not (site / "browse/wikipathways-4.html").exists()
    assert '<a href="wikipathways-2.html">Next</a>' in first and 'aria-current="page">1</a>' in first
    empty = (site / "browse/ndex.html").read_text()
    assert "No figures yet." in empty and entries(empty) == []


def test_pager_shows_first_last_and_neighbours() -> None:
    links = pager_links(6, 12, lambda n: f"p{n}.html")
    assert [label for label, _, _ in links] == ["Previous", "1", "…", "4", "5", "6", "7", "8", "…", "12", "Next"]
    assert ("6", "p6.html", True) in links and pager_links(1, 1, str) == []


def test_home_sitemap_and_downloads_link_the_new_pages(tmp_path: Path) -> None:
    site = build_site(tmp_path, [minimal_fields("PMC1__f", ndex="e93dea57-deb4-11ea-99da-0ac135e8bacf")])
    home = (site / "index.html").read_text()
    assert 'href="browse/wikipathways.html"' in home and 'href="browse/ndex.html"' in home
    sitemap = (site / "sitemap-1.xml").read_text()
    for url in ("browse/wikipathways.html", "browse/ndex.html", "json/"):
        assert f"<loc>https://pfocr.example.org/{url}</loc>" in sitemap
    assert entries((site / "browse/ndex.html").read_text()) == [
        ("PMC1__f.html", "https://www.ndexbio.org/viewer/networks/e93dea57-deb4-11ea-99da-0ac135e8bacf")]


def test_downloads_page_links_each_species_gmt(tmp_path: Path) -> None:
    header = ["organism_id", "organism_name", "organism_group", "word", "ncbigene_symbol", "ncbigene_id"]
    content = tmp_path / "content"
    write_table(content, "PMC1__f", "genes", [header] + [["10090", "Mus musculus", "Rodents", f"g{i}", f"G{i}", str(i)] for i in range(1, 5)])
    site = build_site(tmp_path, [minimal_fields("PMC1__f")])
    page = (site / "downloads.html").read_text()
    assert '<a href="downloads/pfocr-Mus_musculus.gmt" download><i>Mus musculus</i> (mouse)</a>' in page
    assert "1 gene set<" in page and (site / "downloads/pfocr-Mus_musculus.gmt").is_file()
    assert 'href="downloads/figures.tsv.gz"' not in page and not (site / "downloads/figures.tsv.gz").exists()


def test_redirects_cannot_take_the_new_folders(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="inside browse/"):
        build_site(tmp_path, [minimal_fields("PMC1__f", redirect_from=["/browse/ndex"])])


@needs_corpus
def test_corpus_ndex_page_links_both_networks(tmp_path: Path) -> None:
    deposited = {}
    for path in sorted((CORPUS / "figures").glob("*.md")):
        found = re.search(r"^ndex: (\S+)$", path.read_text(encoding="utf-8"), re.M)
        if found and found.group(1) != "''":
            deposited[path.stem] = found.group(1)
    assert len(deposited) == 2
    (tmp_path / "site.yml").write_text("url: https://pfocr.wikipathways.org\n")
    build(BuildOptions(project_dir=tmp_path, content_dir=CORPUS, output_dir=tmp_path / "site", jobs=1))
    listed = entries((tmp_path / "site/browse/ndex.html").read_text())
    assert sorted(listed) == sorted((f"{figid}.html", f"https://www.ndexbio.org/viewer/networks/{uuid}") for figid, uuid in deposited.items())
