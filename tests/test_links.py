"""Every internal link and asset of a built site resolves: on disk, and over HTTP under a sub-path."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from linkcheck import broken_links_on_disk, crawl
from site_builder.build import BuildOptions, build

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


def build_site(output: Path, content: Path | None = None, base_url: str | None = None) -> Path:
    build(BuildOptions(project_dir=REPO, content_dir=content, output_dir=output, base_url=base_url))
    return output


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("example") / "site")


def test_example_site_has_no_broken_links(example_site: Path) -> None:
    assert broken_links_on_disk(example_site) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
def test_corpus_site_has_no_broken_links(tmp_path: Path) -> None:
    site = build_site(tmp_path / "site", content=CORPUS)
    assert len(list((site / "figures").glob("PMC*.html"))) >= 63
    assert broken_links_on_disk(site) == []


def test_link_checker_finds_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<a href="missing.html">x</a><img src="static/x.png" alt="">')
    assert broken_links_on_disk(tmp_path) == ["index.html: missing.html", "index.html: static/x.png"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def served_under_repo(tmp_path: Path):
    """The site built for https://user.github.io/repo/, served by a plain HTTP server at /repo/."""
    root = tmp_path / "www"
    site = build_site(root / "repo", base_url="https://user.github.io/repo/")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}/repo/"
    server.shutdown()


def test_sub_path_site_has_no_broken_links_over_http(served_under_repo) -> None:
    site, prefix = served_under_repo
    redirects = [prefix + p.relative_to(site).as_posix() for p in site.glob("figures/*.html") if "refresh" in p.read_text()]
    assert redirects, "the example site has redirect pages"
    seeds = [prefix + "index.html", prefix + "404.html", prefix + "sitemap.xml", *redirects]  # robots.txt names the sitemap
    visited, broken = crawl(prefix, seeds)
    assert broken == []
    must_visit = ["static/site.css", "static/figure.js", "search.html", "sitemap.xml", "feed.xml", "downloads/pfocr.gmt.gz"]
    assert [p for p in must_visit if prefix + p not in visited] == []
    assert any(url.endswith(".tsv.gz") for url in visited)


def test_sub_path_urls_in_search_engine_files(served_under_repo) -> None:
    site, _ = served_under_repo
    assert "https://user.github.io/repo/figures/" in (site / "sitemap-1.xml").read_text()
    assert "Sitemap: https://user.github.io/repo/sitemap.xml" in (site / "robots.txt").read_text()
    page = next(site.glob("figures/PMC9408851__ijms-23-09365-g003.html")).read_text()
    assert '<link rel="canonical" href="https://user.github.io/repo/figures/PMC9408851__ijms-23-09365-g003.html">' in page


@pytest.mark.parametrize("figlink", ["/pmc/articles/PMC8065335/figure/Fig5/", "pmc/articles/PMC8065335/figure/Fig5/"])
def test_the_figure_at_pmc_link_takes_figlink_with_or_without_its_first_slash(figlink: str) -> None:
    from site_builder.links import pmc_figure_url
    from site_builder.model import Figure

    figure = Figure(figid="PMC8065335__f5", title="T", pmcid="PMC8065335", figlink=figlink)
    assert pmc_figure_url(figure) == "https://pmc.ncbi.nlm.nih.gov/articles/PMC8065335/figure/Fig5/"


@pytest.mark.parametrize(("symbol", "term"), [
    ("TP53", "TP53"), ("H1-0", "H1-0"), ("l(3)mbt", '"l(3)mbt"'), ("Rst(2)At", '"Rst(2)At"'),
    ("tRNA:Thr-TGT-1-1", '"tRNA:Thr-TGT-1-1"'), ("E(spl)m[4]", '"E(spl)m[4]"'),
])
def test_a_gene_symbol_with_entrez_syntax_is_searched_at_ncbi_as_a_phrase(symbol: str, term: str) -> None:
    """Entrez reads '(' as grouping and ':' as a range: 'Rst(2)At' unquoted searched something else."""
    from urllib.parse import parse_qs, urlsplit

    from site_builder.links import ncbi_gene_search_url
    url = ncbi_gene_search_url(symbol)
    assert url.startswith("https://www.ncbi.nlm.nih.gov/gene/?term=")
    assert parse_qs(urlsplit(url).query)["term"] == [term]
