"""feeds.py: sitemaps split at a limit, robots.txt, and the Atom feed (SOURCE_DATE_EPOCH aware)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from site_builder import feeds
from site_builder.config import SiteConfig
from site_builder.index import build_index
from site_builder.model import Figure, GeneMention, Page

CONFIG = SiteConfig(url="https://pfocr.example.org", base_url="/p/")
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def figures(count: int) -> list[Figure]:
    return [
        Figure(f"PMC{n}__f", f"Figure {n} & <friends>", caption=f"Caption {n}", pmcid=f"PMC{n}", year=str(2000 + n % 20),
               organisms=("Homo sapiens",), genes=(GeneMention("p53", "TP53", "7157"),), journal_title="Cell")
        for n in range(1, count + 1)
    ]


def index_of(count: int, pages=()):
    return build_index(figures(count), pages)[0]


@pytest.fixture(autouse=True)
def no_source_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def test_site_urls_list_every_indexable_page() -> None:
    urls = list(feeds.site_urls(index_of(2, [Page("about", "About", "", "")])))
    assert urls[:9] == ["", "figures/", "organisms/", "genes/", "years/", "journals/", "search.html", "downloads.html", "statistics.html"]
    assert "about.html" in urls and "organisms/homo-sapiens.html" in urls and "genes/TP53.html" in urls
    assert "years/2001.html" in urls and "journals/cell.html" in urls
    assert urls[-2:] == ["figures/PMC2__f.html", "figures/PMC1__f.html"]  # newest first
    assert len(urls) == len(set(urls))


def test_sitemap_split_at_a_small_limit() -> None:
    index = index_of(12)
    files = dict(feeds.sitemaps(index, CONFIG, limit=10))
    urls = list(feeds.site_urls(index))
    parts = [f"sitemap-{n}.xml" for n in range(1, (len(urls) + 9) // 10 + 1)]
    assert sorted(files) == sorted(parts + ["sitemap.xml"])
    listed = [loc.text for part in parts for loc in ET.fromstring(files[part]).iter(f"{SM}loc")]
    assert listed == ["https://pfocr.example.org/p/" + u for u in urls]
    assert all(len(list(ET.fromstring(files[p]).iter(f"{SM}url"))) <= 10 for p in parts)
    root = ET.fromstring(files["sitemap.xml"])
    assert root.tag == f"{SM}sitemapindex"
    assert [loc.text for loc in root.iter(f"{SM}loc")] == [f"https://pfocr.example.org/p/{p}" for p in parts]


def test_one_sitemap_part_when_under_the_limit() -> None:
    files = dict(feeds.sitemaps(index_of(3), CONFIG))
    assert sorted(files) == ["sitemap-1.xml", "sitemap.xml"]


def test_robots_points_at_the_sitemap() -> None:
    assert feeds.robots(CONFIG) == "User-agent: *\nAllow: /\n\nSitemap: https://pfocr.example.org/p/sitemap.xml\n"


def test_atom_feed_is_valid_xml_newest_first_and_escaped() -> None:
    index = index_of(60)
    root = ET.fromstring(feeds.atom_feed(index, CONFIG))
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == feeds.FEED_SIZE
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        f"https://pfocr.example.org/p/figures/{figid}.html" for figid in index.newest_first[: feeds.FEED_SIZE]
    ]
    first = index.figures[index.newest_first[0]]
    assert entries[0].find(f"{ATOM}title").text == first.title and "<friends>" in first.title
    assert entries[0].find(f"{ATOM}updated").text == f"{first.year}-01-01T00:00:00Z"
    assert root.find(f"{ATOM}updated").text == "2019-01-01T00:00:00Z"  # the newest year without SOURCE_DATE_EPOCH
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://pfocr.example.org/p/feed.xml"


def test_long_caption_summary_is_cut() -> None:
    figure = Figure("PMC1__f", "T", caption="x" * 600, year="2020")
    root = ET.fromstring(feeds.atom_feed(build_index([figure])[0], CONFIG))
    assert root.find(f"{ATOM}entry/{ATOM}summary").text == "x" * 500 + "…"


def test_source_date_epoch_sets_the_feed_date_and_clamps_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1262304000")  # 2010-01-01
    root = ET.fromstring(feeds.atom_feed(index_of(20), CONFIG))
    assert root.find(f"{ATOM}updated").text == "2010-01-01T00:00:00Z"
    dates = [e.text for e in root.iter(f"{ATOM}updated")]
    assert max(dates) == "2010-01-01T00:00:00Z" and "2005-01-01T00:00:00Z" in dates


@pytest.mark.parametrize("value", ["", "soon", "-5", "1e9", "99999999999999999999", "١٢٣"])
def test_invalid_source_date_epoch_is_ignored(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert feeds.build_time(index_of(3)) == "2003-01-01T00:00:00Z"


def test_empty_site_feed() -> None:
    root = ET.fromstring(feeds.atom_feed(build_index([])[0], CONFIG))
    assert root.find(f"{ATOM}updated").text == "1970-01-01T00:00:00Z" and root.findall(f"{ATOM}entry") == []


def test_quote_in_site_url_stays_inside_the_attribute() -> None:
    config = SiteConfig(base_url='https://x.org/a"b/')
    root = ET.fromstring(feeds.atom_feed(index_of(1), config))
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == 'https://x.org/a"b/feed.xml'
