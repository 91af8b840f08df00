"""Listing pages name the figures past their first page by a list in lists/ (site_builder/lists.py),
whose search doc ids static/listing.js decodes, reading titles from the search index's doc files.
The two orders must agree: a listing's ids, looked up in the built index, are its figures newest
first. An edit updates lists/ as a build from scratch writes it."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from conftest import minimal_fields, write_record
from site_builder import lists
from site_builder.build import BuildOptions, build
from site_builder.search_live import read_varint


def decode_shard(data: bytes) -> dict[str, list[int]]:
    """The decoder of static/listing.js, in Python: list name -> ids, ascending."""
    found, pos = {}, 0
    while pos < len(data):
        size, pos = read_varint(data, pos)
        name = data[pos:pos + size].decode("utf-8")
        pos += size
        count, pos = read_varint(data, pos)
        _, pos = read_varint(data, pos)
        ids, previous = [], -1
        for _ in range(count):
            gap, pos = read_varint(data, pos)
            previous += gap
            ids.append(previous)
        found[name] = ids
    return found


def decode_files(files: dict[str, bytes]) -> dict[str, list[int]]:
    """Every list of lists/ files (path -> bytes), checking that the table names them in order."""
    table = lists.read_table(files[lists.TABLE])
    found: dict[str, list[int]] = {}
    for number, (first, shard) in enumerate(table):
        entries = decode_shard(files[lists.shard_path(shard)])
        assert next(iter(entries)) == first
        if number + 1 < len(table):
            assert all(name.encode("utf-16-be") < table[number + 1][0].encode("utf-16-be") for name in entries)
        found.update(entries)
    assert len(files) == len(table) + 1  # no file the table does not name
    return found


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
id_lists = st.lists(st.integers(0, 3_000_000), min_size=1, max_size=40, unique=True).map(sorted)


@given(st.dictionaries(names, id_lists, max_size=300))
def test_list_files_round_trip(chosen: dict[str, list[int]]) -> None:
    assert decode_files(dict(lists.list_files(chosen))) == chosen


@given(st.dictionaries(names, id_lists, max_size=200), st.dictionaries(names, id_lists, max_size=40), st.sets(names, max_size=40))
def test_an_update_writes_what_a_build_writes(old: dict[str, list[int]], new: dict[str, list[int]], dropped: set[str]) -> None:
    """updated_files from the last build's files gives the files list_files makes from scratch,
    writing only the shards whose lists changed."""
    now = {name: ids for name, ids in {**old, **new}.items() if name not in dropped}
    before = dict(lists.list_files(old))
    written, removed = lists.updated_files(lists.read_table(before[lists.TABLE]), old, now, now.__getitem__,
                                           {name for name in new if old.get(name) != new[name]})
    after = {path: data for path, data in before.items() if path not in removed} | dict(written)
    assert after == dict(lists.list_files(now))
    assert set(removed) <= set(before) and not set(removed) & {path for path, _ in written}
    unchanged = {lists.shard_path(shard) for _, shard in lists.read_table(before[lists.TABLE])} & set(after)
    assert not unchanged & {path for path, _ in written}  # a shard that is still there is not written again


@given(st.dictionaries(names, st.lists(st.integers(0, 59), min_size=1, max_size=30, unique=True).map(sorted), max_size=60),
       st.permutations(range(60)), st.sets(st.integers(0, 59), max_size=10), st.dictionaries(names, id_lists, max_size=10))
def test_renumbered_lists_are_what_a_build_writes(old: dict, shuffled: list[int], gone: set[int], fresh: dict) -> None:
    """After doc ids moved (figures `gone`, the others renumbered in any order: a figure that moved
    past others), renumbered_files gives the files list_files makes from the new ids; the lists in
    `fresh` (changed or new) come from ids_of."""
    new_of_old = [-1 if old_id in gone else new for old_id, new in enumerate(shuffled)]
    mapped = {name: sorted(new_of_old[i] for i in ids if new_of_old[i] >= 0) for name, ids in old.items()}
    now = {name: ids for name, ids in {**mapped, **fresh}.items() if ids}
    before = dict(lists.list_files(old))
    written = lists.renumbered_files(lists.read_table(before[lists.TABLE]), lambda shard: before[lists.shard_path(shard)],
                                     new_of_old, now, fresh.__getitem__, set(fresh))
    assert dict(written) == dict(lists.list_files(now))


def test_renumbering_refuses_a_shard_that_is_not_what_its_name_says() -> None:
    before = dict(lists.list_files({"a": [1, 2]}))
    with pytest.raises(ValueError):
        lists.renumbered_files(lists.read_table(before[lists.TABLE]), lambda shard: b"\x01a\x01\x01\x02", [0, 1, 2], ["a"], None, set())


def test_a_table_naming_a_path_outside_lists_is_refused() -> None:
    with pytest.raises(ValueError):
        lists.read_table(b'[["genes/A", "../../../etc/passwd"]]')


def test_ids_must_ascend() -> None:
    with pytest.raises(ValueError):
        lists.list_files({"genes/A": [3, 2]})


def test_a_table_that_does_not_match_is_refused() -> None:
    table = lists.read_table(dict(lists.list_files({"a": [1], "b": [2]}))[lists.TABLE])
    with pytest.raises(ValueError):
        lists.updated_files(table, ["x"], ["x"], lambda name: [1], set())


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


def site_lists(site: Path) -> dict[str, list[int]]:
    return decode_files({f"{lists.FOLDER}/{path.name}": path.read_bytes() for path in (site / lists.FOLDER).iterdir()})


@pytest.mark.parametrize("page", ["figures/index.html", "organisms/homo-sapiens.html", "genes/TP53.html"])
def test_listing_ids_name_its_figures_in_the_search_index(site: Path, page: str) -> None:
    text = (site / page).read_text(encoding="utf-8")
    rest = re.search(r'<div class="rest" data-list="([^"]+)" data-total="([0-9]+)"', text)
    name, total = unescape(rest.group(1)), int(rest.group(2))
    urls = search_urls(site)
    ids = list(range(len(urls)))[::-1] if name == lists.ALL else site_lists(site)[name][::-1]  # newest first
    entries = re.search(r'<ol class="entries">(.*?)</ol>', text, re.S).group(1)
    listed = ["figures/" + href.split("/")[-1] for href in re.findall(r'<li><a href="([^"]+)"', entries)]
    assert len(ids) == total == 7
    assert [urls[i] for i in ids[: len(listed)]] == listed  # the static part is the list's start
    assert [urls[i] for i in ids] == urls[::-1]  # every figure is Homo sapiens and TP53: the whole index, newest first


def test_short_listings_have_no_list(site: Path) -> None:
    assert set(site_lists(site)) == {"organisms/homo-sapiens", "genes/TP53", "years/2020"}  # 4 of 7 figures are from 2020
    assert 'class="rest"' not in (site / "years/2021.html").read_text(encoding="utf-8")


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


def test_a_figure_removed_from_the_middle_leaves_the_other_listing_pages_as_they_were(tmp_path: Path) -> None:
    """Doc ids move when a figure in the middle of the order goes; the pages do not name them,
    so only lists/ and the pages that listed the figure change."""
    (tmp_path / "site.yml").write_text("title: T\nurl: https://example.org\nper_page: 3\n", encoding="utf-8")
    content = tmp_path / "content"
    for number in range(8):
        fields = minimal_fields(f"PMC{100 + number}__f{number}", year=str(2000 + number), organisms=["Homo sapiens"])
        fields["schema-jsonld"] = {"keywords": ["TP53"] + (["EGFR"] if number != 4 else [])}
        write_record(content, fields)
    options = BuildOptions(project_dir=tmp_path, content_dir=content, output_dir=tmp_path / "site", jobs=1)
    build(options)
    pages = ("genes/TP53.html", "genes/EGFR.html")
    before = {page: (tmp_path / "site" / page).read_bytes() for page in pages}
    lists_before = site_lists(tmp_path / "site")
    (content / "figures" / "PMC104__f4.md").unlink()
    build(options)
    after = {page: (tmp_path / "site" / page).read_bytes() for page in pages}
    assert after["genes/EGFR.html"] == before["genes/EGFR.html"]  # figure 4 was not in it
    assert after["genes/TP53.html"] != before["genes/TP53.html"]  # 7 figures now
    lists_after = site_lists(tmp_path / "site")
    assert lists_before["genes/EGFR"] == [0, 1, 2, 3, 5, 6, 7] and lists_after["genes/EGFR"] == list(range(7))
