"""build.rechunk: the chunks after files come and go, made again only around them, are the
chunks chunk_paths makes of all the files (property test, with small chunks so that cuts by
count happen too)."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings, strategies as st

from site_builder import build as build_module

NAMES = [f"PMC{number}__f{number % 5}.md" for number in range(400)]


@settings(max_examples=300, deadline=None)
@given(st.sets(st.sampled_from(NAMES), max_size=120), st.data(), st.sampled_from([(4, 6), (8, 20), (256, 1024)]))
def test_rechunk_gives_the_chunks_of_chunk_paths(before, data, sizes):
    target, largest = sizes
    saved = build_module.CHUNK_TARGET, build_module.CHUNK_MAX
    build_module.CHUNK_TARGET, build_module.CHUNK_MAX = target, largest
    try:
        paths = sorted(Path("content/figures") / name for name in before)
        removed = set(data.draw(st.lists(st.sampled_from(paths), max_size=5), label="removed")) if paths else set()
        added = data.draw(st.lists(st.sampled_from([n for n in NAMES if n not in before]), max_size=5, unique=True), label="added")
        added_paths = [Path("content/figures") / name for name in added]
        after = sorted(set(paths) - removed | set(added_paths))
        assert build_module.rechunk(build_module.chunk_paths(paths), added_paths, removed) == build_module.chunk_paths(after)
    finally:
        build_module.CHUNK_TARGET, build_module.CHUNK_MAX = saved
