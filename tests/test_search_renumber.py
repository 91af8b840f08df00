"""search_renumber: when figures come, go or move anywhere in the order, the search index on disk
is renumbered to the bytes a clean build writes (search.write_search_index)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from site_builder.search import SearchRecord, encode_postings, oldest_first, varints, write_search_index
from site_builder.search_live import Unusable
from site_builder import search_renumber, varint_arrays
from site_builder.search_renumber import decode_batch, encode_batch, renumbered_files

WORDS = ["TP53", "EGFR", "MAPK1", "insulin", "signaling", "apoptosis", "AKT", "β-catenin", "IL-6", "kinase"]
ORGANISMS = ["Homo sapiens", "Mus musculus", "Rattus norvegicus"]


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


records_st = st.builds(
    lambda n, words, genes, organisms, year, pmc: SearchRecord(
        f"figures/PMC{pmc}__f{n}.html", " ".join(words), year=year, organisms=tuple(organisms), genes=tuple(genes), pmcid=f"PMC{pmc}"),
    st.integers(0, 10**6), st.lists(st.sampled_from(WORDS), max_size=4), st.lists(st.sampled_from(WORDS), max_size=4, unique=True),
    st.lists(st.sampled_from(ORGANISMS), max_size=2, unique=True), st.sampled_from(["", "2019", "2020", "2021"]), st.integers(1, 50))


@settings(max_examples=60, deadline=None)
@given(st.lists(records_st, min_size=1, max_size=30, unique_by=lambda r: r.url), st.lists(records_st, max_size=5, unique_by=lambda r: r.url),
       st.sets(st.integers(0, 29), max_size=6), st.sets(st.integers(0, 29), max_size=4), st.data())
def test_renumbered_index_is_a_clean_builds(tmp_path_factory, before: list[SearchRecord], added: list[SearchRecord],
                                            removed: set[int], edited: set[int], data) -> None:
    """Figures removed, added (anywhere in the order), and edited in place or moved (a new year)."""
    root = tmp_path_factory.mktemp("renumber")
    write_search_index(before, root / "old", jobs=1, analysis=False)
    urls = {r.url for r in before}
    after = {r.url: r for n, r in enumerate(before) if n not in removed}
    changed = {}
    for n in sorted(edited):
        if n < len(before) and before[n].url in after:
            year = data.draw(st.sampled_from(["", "2018", "2020", "2022"]))
            record = SearchRecord(before[n].url, "edited " + before[n].title, year=year, organisms=("Danio rerio",), genes=("NEW1",))
            after[record.url] = changed[record.url] = record
    for record in added:
        if record.url not in urls:
            after[record.url] = changed[record.url] = record
    ordered = oldest_first(after.values())
    write_search_index(ordered, root / "clean", jobs=1, analysis=False)
    batch, search_renumber.BATCH_BYTES = search_renumber.BATCH_BYTES, data.draw(st.sampled_from([30, 4_000_000]))  # many batches, or one
    try:
        update = renumbered_files(root / "old" / "search", [r.url for r in ordered], changed)
    finally:
        search_renumber.BATCH_BYTES = batch
    result = {path: data for path, data in files(root / "old").items() if path not in update.removed}
    result.update(update.written)
    assert result == files(root / "clean")


def test_postings_decode_and_encode_as_search_does() -> None:
    lists = [[0 << 4 | 3, 5 << 4 | 1, 300 << 4 | 15, 70_000 << 4 | 2], [2 << 4 | 6], [9_000_000 << 4 | 1]]
    datas = [encode_postings(np.array(values, dtype=np.int64).astype("i")) for values in lists]
    entry, docs, scores = decode_batch(datas, [len(v) for v in lists])
    assert (docs << 4 | scores).tolist() == [v for values in lists for v in values]
    assert encode_batch(entry, docs, scores, 3) == datas


def test_files_that_are_not_the_last_builds_are_refused(tmp_path: Path) -> None:
    records = [SearchRecord(f"figures/f{n}.html", "TP53", year="2020", pmcid=f"PMC{n}") for n in range(5)]
    write_search_index(records, tmp_path, jobs=1, analysis=False)
    terms = next((tmp_path / "search" / "terms").iterdir())
    terms.write_bytes(terms.read_bytes() + b"x")
    with pytest.raises(Unusable):
        renumbered_files(tmp_path / "search", [r.url for r in oldest_first(records[1:])], {})


def test_figures_that_stayed_must_keep_their_order(tmp_path: Path) -> None:
    records = oldest_first([SearchRecord(f"figures/f{n}.html", "TP53", year="2020", pmcid=f"PMC{n}") for n in range(5)])
    write_search_index(records, tmp_path, jobs=1, analysis=False)
    urls = [r.url for r in records]
    with pytest.raises(Unusable):
        renumbered_files(tmp_path / "search", [urls[1], urls[0], *urls[2:]], {})


@given(st.lists(st.lists(st.integers(0, 2**40), max_size=20), max_size=10))
def test_varint_runs_round_trip(runs: list[list[int]]) -> None:
    values = np.array([v for r in runs for v in r], dtype=np.int64)
    run = np.repeat(np.arange(len(runs)), [len(r) for r in runs])
    datas = varint_arrays.encode(values, run, len(runs))
    assert datas == [varints(r) for r in runs]  # as search.varint writes them
    got_run, got = varint_arrays.decode(datas, [len(r) for r in runs])
    assert got.tolist() == values.tolist() and got_run.tolist() == run.tolist()
