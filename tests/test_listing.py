"""Listing pages name the figures past their first page by search doc id (render.encode_ids);
static/listing.js decodes them and reads titles from the search index's doc files. The two
orders must agree: a listing's ids, looked up in the built index, are its figures newest first."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from conftest import minimal_fields, write_record
from site_builder.build import BuildOptions, build
from site_builder.render import encode_ids


def decode_ids(text: str) -> list[int]:
    """The decoder of static/listing.js, in Python."""
    ids, previous = [], -1
    for run in text.split(","):
        gap, _, extra = run.partition("+")
        first = previous + 1 + int(gap, 36)
        last = first + (int(extra, 36) if extra else 0)
        ids.extend(range(first, last + 1))
        previous = last
    return ids


def test_runs_and_gaps() -> None:
    assert encode_ids([0, 1, 2, 7, 9, 10]) == "0+2,4,1+1"
    assert encode_ids(range(100_000)) == "0+255r"
    assert encode_ids([40]) == "14"


@given(st.sets(st.integers(0, 2_000_000), min_size=1, max_size=300))
def test_encoding_round_trips(ids: set[int]) -> None:
    ordered = sorted(ids)
    assert decode_ids(encode_ids(ordered)) == ordered


def test_ids_must_ascend() -> None:
    with pytest.raises(ValueError):
        encode_ids([3, 2])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("listing")
    (root / "site.yml").write_text("title: T\nurl: https://example.org\nper_page: 3\n", encoding="utf-8")
    content = root / "content"
    # same years and PMC ids in places, figids that sort differently from their page URLs
    for number, (year, pmcid) in enumerate([("2020", 5), ("2020", 5), ("2021", 1), ("", 9), ("2019", 7), ("2020", 12), ("2020", 5)]):
        fields = minimal_fields(f"PMC{pmcid}__f{'-' * (number % 2)}{number}", year=year, organisms=["Homo sapiens"])
        fields["schema-jsonld"] = {"keywords": ["TP53"]}
        write_record(content, fields)
    build(BuildOptions(project_dir=root, content_dir=content, output_dir=root / "site", jobs=1))
    return root / "site"


def search_urls(site: Path) -> list[str]:
    manifest = json.loads((site / "search" / "manifest.json").read_text(encoding="utf-8"))
    urls = []
    for name in manifest["docShards"]:
        urls += [row[0] for row in json.loads((site / "search" / "docs" / f"{name}.json").read_text(encoding="utf-8"))]
    return urls


@pytest.mark.parametrize("page", ["figures/index.html", "organisms/homo-sapiens.html", "genes/TP53.html"])
def test_listing_ids_name_its_figures_in_the_search_index(site: Path, page: str) -> None:
    text = (site / page).read_text(encoding="utf-8")
    ids = decode_ids(unescape(re.search(r'data-ids="([^"]+)"', text).group(1)))[::-1]  # newest first
    urls = search_urls(site)
    entries = re.search(r'<ol class="entries">(.*?)</ol>', text, re.S).group(1)
    listed = ["figures/" + href.split("/")[-1] for href in re.findall(r'<li><a href="([^"]+)"', entries)]
    assert len(ids) == 7
    assert [urls[i] for i in ids[: len(listed)]] == listed  # the static part is the list's start
    assert [urls[i] for i in ids] == urls[::-1]  # every figure is Homo sapiens and TP53: the whole index, newest first


def test_a_new_newest_figure_leaves_the_other_long_listings_as_they_were(tmp_path: Path) -> None:
    """Doc ids count from the oldest figure: adding the newest takes the next id, so a long
    listing that does not include it keeps its bytes (no rewrite, no redeploy)."""
    (tmp_path / "site.yml").write_text("title: T\nurl: https://example.org\nper_page: 3\n", encoding="utf-8")
    content = tmp_path / "content"
    for number in range(7):
        fields = minimal_fields(f"PMC{100 + number}__f{number}", year=str(2000 + number), organisms=["Homo sapiens"])
        fields["schema-jsonld"] = {"keywords": ["TP53"]}
        write_record(content, fields)
    options = BuildOptions(project_dir=tmp_path, content_dir=content, output_dir=tmp_path / "site", jobs=1)
    build(options)
    before = {page: (tmp_path / "site" / page).read_bytes() for page in ("genes/TP53.html", "organisms/homo-sapiens.html", "figures/index.html")}
    newest = minimal_fields("PMC900__new", year="2030")
    newest["schema-jsonld"] = {"keywords": ["NEW"]}
    write_record(content, newest)
    build(options)
    after = {page: (tmp_path / "site" / page).read_bytes() for page in before}
    assert after["genes/TP53.html"] == before["genes/TP53.html"]
    assert after["organisms/homo-sapiens.html"] == before["organisms/homo-sapiens.html"]
    assert after["figures/index.html"] != before["figures/index.html"]  # it lists the new figure
