"""The edit path of `serve`: after a save, bring the output up to date from the model the last
build left in memory (build.LiveSite), doing work in proportion to the edit.

It takes edits of existing record files and their tables that keep every figure's place in
the site's order and every page's name: same figid, year, PMC id, journal, identifiers and
aliases. Title, caption, paper, notes and table rows may change, and so may organisms and
genes, as long as each list the figure joins already exists and each it leaves keeps others
(no page is made or removed). Then:

- only the changed records' chunks are read; a record whose files kept their bytes is taken
  from the cache instead of being parsed (build.parse_chunk);
- the new summaries replace the old ones in the index, and the organism and gene lists the
  figures left or joined get their new members;
- the figures' pages and tables are rendered, and the pages that show their entry before and
  after (pages.pages_showing: home, their lists, browse pages), and when organisms or genes
  changed, the pages that count them (pages.counting_page_jobs). Each page is still compared
  by the key of its inputs, as a build compares it, and each file by its bytes;
- the feed and the search shards holding the figures' terms, doc rows and organisms are
  written again (search_live.py);
- the files go in with the journal a build commits with, and the manifest in memory is
  updated. What nobody looks at right after a save waits: serve runs WarmState.flush once
  the browser was told (the chunks' cache entries and download parts), and when no save came
  for a while, the downloads, JSON API and Analyse data (a commit of their own) and the
  manifest on disk.

Anything else returns None, and the caller runs build(): a file added or removed, a template,
static file, page or config edit, a record with errors, a figure that moves in the site's
order, a list made or emptied.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from functools import partial
from pathlib import Path

from . import analysis, cache, downloads
from .build import (BuildOptions, BuildReport, ChunkResult, LiveSite, LoadJob, WarmState, chunk_key, chunk_stamp,
                    download_parts, existing_nav, figure_key, kept_by, outsized_records, parse_chunk, record_inputs, render_key,
                    search_key, search_records, shared_strings, CHUNK_ENTRIES)
from .model import FigureSummary, Listing
from .pages import counting_page_jobs, data_files, pages_showing
from .render import Renderer
from .search import INDEX_DIR as SEARCH_DIR, IndexWriter, SearchRecord, oldest_first
from .search_live import LiveSearch, Unusable
from .write import StagedSite, journal_path, stage_page

# What may change in a figure's summary while it keeps its place in every list and every page
# keeps its name (organisms and genes move it between lists that exist before and after).
EDITABLE = frozenset({"title", "caption_start", "lines", "known_organisms", "symbols", "gene_set_species"})
# What may change in its search record while its doc id stays.
SEARCH_EDITABLE = frozenset({"title", "caption", "genes", "keywords", "organisms", "gene_count", "gene_ids", "gene_organisms"})
LISTED = {"organisms": "known_organisms", "genes": "symbols"}  # SiteIndex lists -> the summary field naming them
COUNTED = ("known_organisms", "symbols", "gene_set_species")  # counted by pages.counting_page_jobs


Update = tuple[ChunkResult, tuple, str, set[str]]  # a chunk's new result, records, stamp, and its old records' digests


def apply_edit(options: BuildOptions, warm: WarmState, changed: frozenset[Path] | None) -> BuildReport | None:
    """Bring the output up to date after `changed` (files saved since the last build), or
    None when the edit is not one this path takes (then run build())."""
    live = warm.live
    if live is None or not changed or options != live.options or warm.manifest is None or options.strict:
        return None
    started = time.perf_counter()
    live.pending |= changed  # with the saves since the last good build (one may have failed)
    numbers = chunks_of(live, frozenset(live.pending))
    if numbers is None:
        return None
    try:
        report = edit(live, warm, numbers, started)
        if report is not None:
            live.pending.clear()
        return report
    except Exception:  # noqa: BLE001 - whatever went wrong, a build from the disk cache gets it right
        warm.live = None  # the model may be half-updated: the next build makes a new one
        if not isinstance(sys.exc_info()[1], Unusable):
            traceback.print_exc()
        return None


def chunks_of(live: LiveSite, changed: frozenset[Path]) -> set[int] | None:
    """The chunks holding the changed files, None if one is not an existing record or table."""
    where = chunk_numbers(live)
    found = set()
    for path in changed:
        number = where.get(os.path.abspath(path))
        if number is None or not os.path.isfile(path):
            return None
        found.add(number)
    return found


def chunk_numbers(live: LiveSite) -> dict[str, int]:
    """Absolute path of each record file and table -> its chunk (made once per build)."""
    if live.chunk_of is None:
        live.chunk_of = {}
        for number, paths in enumerate(live.chunks):
            for path in paths:
                live.chunk_of[os.path.abspath(path)] = number
                for table in live.sources.tables.get(path.stem, {}).values():
                    live.chunk_of[os.path.abspath(table)] = number
    return live.chunk_of


def edit(live: LiveSite, warm: WarmState, numbers: set[int], started: float) -> BuildReport | None:
    store = cache.ChunkStore(live.cache_dir, CHUNK_ENTRIES, memo=warm.entries)
    job = LoadJob(live.sources, Path.cwd(), live.config, store, True, live.code)
    updates: dict[int, Update] = {}
    for number in sorted(numbers):
        paths = live.chunks[number]
        stamps = file_stamps(live, paths)
        inputs = [record_inputs(job, path) for path in paths]
        key = chunk_key(job, inputs)
        old = live.results[number]
        if key == old.key:
            continue
        earlier = store.get(old.key, "records")
        if earlier is None:
            return None  # pruned by another process: a build reads the chunk anew
        result, records = parse_chunk(key, inputs, live.config, (old, earlier))
        if result.errors or result.skipped != old.skipped or not same_places(live, old, result):
            return None
        updates[number] = (result, records, chunk_stamp(job, paths, stamps)[0], {digest for digest, _ in earlier})
    if not updates:
        return None  # nothing a page is made from changed (e.g. the file was saved as it was)
    moves = list_moves(live, updates)
    if moves is None:
        return None
    return commit_edit(live, warm, store, updates, moves, started)


def file_stamps(live: LiveSite, paths: tuple[Path, ...]) -> dict[Path, tuple[int, int]]:
    """Stamps taken before the files are read: a file saved again meanwhile is read again next time."""
    stamps = {}
    for path in paths:
        for file in (path, *live.sources.tables.get(path.stem, {}).values()):
            stat = file.stat()
            stamps[file] = (stat.st_size, stat.st_mtime_ns)
    return stamps


def same_places(live: LiveSite, old: ChunkResult, new: ChunkResult) -> bool:
    """Whether every figure of the chunk keeps its place in the index, its pages' names and its
    search doc id and analysis data."""
    if len(old.summaries) != len(new.summaries):
        return False
    for before, after, search_before, search_after in zip(old.summaries, new.summaries, old.search, new.search):
        if before == after and search_before == search_after:
            continue
        if not kept_by(live.index, before):
            return False
        if differs(before, after, FigureSummary, EDITABLE) or differs(search_before, search_after, SearchRecord, SEARCH_EDITABLE):
            return False
    return True


Moves = dict[str, dict[str, tuple[set[str], set[str]]]]  # list kind -> key -> (figids leaving, figids joining)


def list_moves(live: LiveSite, updates: dict[int, Update]) -> Moves | None:
    """The figures that leave or join organism and gene lists, None if a list would be made or
    emptied (new pages, new names: a build's work)."""
    moves: Moves = {kind: {} for kind in LISTED}
    for number, (result, _, _, _) in updates.items():
        for before, after in zip(live.results[number].summaries, result.summaries):
            for kind, name in LISTED.items():
                old, new = set(getattr(before, name)), set(getattr(after, name))
                for key in old - new:
                    moves[kind].setdefault(key, (set(), set()))[0].add(before.figid)
                for key in new - old:
                    moves[kind].setdefault(key, (set(), set()))[1].add(after.figid)
    lists = live_lists(live)
    for kind, keys in moves.items():
        for key, (leaving, joining) in keys.items():
            listing = lists[kind].get(key)
            if listing is None or not set(listing.figids) - leaving | joining:
                return None
    return moves


def live_lists(live: LiveSite) -> dict[str, dict[str, Listing]]:
    if live.lists is None:
        live.lists = {kind: {listing.key: listing for listing in getattr(live.index, kind)} for kind in LISTED}
    return live.lists


def moved_lists(live: LiveSite, moves: Moves) -> dict[str, tuple[Listing, ...]]:
    """The index's organism and gene lists after the moves (same names and page names, new members)."""
    rank = live_rank(live)
    lists, changed = live_lists(live), {}
    for kind, keys in moves.items():
        if not keys:
            continue
        for key, (leaving, joining) in keys.items():
            listing = lists[kind][key]
            figids = sorted((set(listing.figids) - leaving) | joining, key=rank.__getitem__)
            lists[kind][key] = replace(listing, figids=tuple(figids))
        changed[kind] = tuple(lists[kind][listing.key] for listing in getattr(live.index, kind))
    return changed


def live_rank(live: LiveSite) -> dict[str, int]:
    """figid -> its place in the site's order (newest first), which these edits keep."""
    if live.rank is None:
        live.rank = {figid: number for number, figid in enumerate(live.index.newest_first)}
    return live.rank


def differs(before: object, after: object, kind: type, editable: frozenset[str]) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in kind.__slots__ if name not in editable)


def commit_edit(live: LiveSite, warm: WarmState, store: cache.ChunkStore,
                updates: dict[int, Update], moves: Moves, started: float) -> BuildReport:
    manifest = warm.manifest
    results = list(live.results)
    figures = dict(live.index.figures)
    changed: list[tuple[FigureSummary, object, str]] = []  # (new summary, record, record digest)
    before_edit: list[FigureSummary] = []
    search_pairs: list[tuple[SearchRecord, SearchRecord]] = []
    for number, (result, records, _, old_digests) in updates.items():
        for kind, value in (("records", records), ("result", result)):
            store.remember(result.key, kind, value)
            warm.unwritten.append((store, result.key, kind, value))
        old = results[number]
        result = shared_strings(store, result)
        results[number] = result
        for before, after, search_before, search_after, (digest, figure) in zip(
                old.summaries, result.summaries, old.search, result.search, records):
            if kept_by(live.index, before):
                figures[after.figid] = after  # the index holds the chunk's summaries themselves (build.kept_by)
            if digest not in old_digests:  # its files changed (a table's rows may show on its page only)
                changed.append((after, figure, digest))
                before_edit.append(before)
                search_pairs.append((search_before, search_after))
    index = replace(live.index, figures=figures, **moved_lists(live, moves))
    live.analysis_stale |= any(analysis_fields(old) != analysis_fields(new) for old, new in search_pairs)
    config = existing_nav(live.config, index)
    prepare(live)
    # the same lists: the same page names, so the same render keys for the chunks' old results
    renderer = Renderer(live.env, config, index, live.site_key, manifest.keys, lists_of=live.renderer)
    search = live.search
    output = live.output
    cache.forget_manifest(live.cache_dir, output)  # until flush saves the new one
    with StagedSite(output, journal_path(live.cache_dir, output), manifest.files) as site:
        site.carry_over(manifest.files, manifest.keys)
        chunks = dict(manifest.chunks)
        for number, (result, _, _, _) in updates.items():
            chunks.pop(render_key(renderer, live.results[number]), None)
        write_figures(site, renderer, changed)
        for number, (result, records, _, _) in updates.items():
            chunks[render_key(renderer, result)] = tuple((path, *site.files[path]) for path in chunk_files(index, records))
        counted = any(getattr(b, name) != getattr(a, name) for b, (a, _, _) in zip(before_edit, changed) for name in COUNTED)
        write_pages(site, renderer, before_edit + [summary for summary, _, _ in changed], counted)
        for path, data in data_files(renderer, urls=False):
            site.write(path, data)
        update = search.update(search_pairs)
        for path, data in update.written.items():
            site.write(path, data)
        for path in update.removed:
            site.drop(path)
        site.commit()
    for number in updates:
        forget_chunk(warm, live.results[number].key)
    chunk_keys = {stamp: key for stamp, key in manifest.chunk_keys.items() if stamp not in {live.stamps[n] for n in updates}}
    for number, (result, _, stamp, _) in updates.items():
        live.stamps[number] = stamp
        chunk_keys[stamp] = result.key
    live.results, live.index = results, index
    warnings = [*live.config_warnings, *(p for r in results for p in r.warnings), *outsized_records(index)]
    warm.manifest = cache.Manifest(manifest.output, "", time.time(), site.files, chunks, tuple(warnings), len(index.figures),
                                   site.keys, "", chunk_keys, manifest.started_at)  # search_key: see write_downloads
    warm.unsaved = True
    new_chunks = [(result.key, records) for result, records, _, _ in updates.values()]
    warm.later.append(partial(store_download_parts, live, warm, store, new_chunks))
    warm.when_idle = partial(write_collection_files, live, warm, partial(download_parts, results, index, store, config))
    report = BuildReport(config=live.config, output=output, figures=len(index.figures), pages=len(site.files),
                         warnings=warnings, written=len(site.staged), removed=len(site.removed()),
                         edited=True)
    report.seconds = time.perf_counter() - started
    return report


def prepare(live: LiveSite) -> None:
    """Make what the edit path needs besides the build's model (serve runs it right after a
    build, while nobody waits): where each record is, the page names, the search index."""
    config = existing_nav(live.config, live.index)
    chunk_numbers(live)
    if live.renderer is None:
        live.renderer = Renderer(live.env, config, live.index, live.site_key)
    if live.search is None:
        live.search = LiveSearch(live.output / "search", oldest_first(search_records(live.results, live.index)))


def write_figures(site: StagedSite, renderer: Renderer, changed: list[tuple[FigureSummary, object, str]]) -> None:
    """The changed figures' pages and tables (a table the record no longer has is removed)."""
    for _, figure, digest in changed:
        site.record_all([stage_page(site.staging, site.previous, renderer.figure_page(figure, figure_key(renderer, digest, figure)))])
        tables = dict(downloads.figure_tables(figure))
        for path in downloads.table_paths(figure.figid):
            if path in tables:
                site.write(path, tables[path])
            else:
                site.drop(path)


def chunk_files(index, records) -> list[str]:
    """The files of a chunk's figures (build.render_chunks writes them): a figure's page and tables,
    unless the index dropped the record (a duplicate figid)."""
    paths = []
    for _, figure in records:
        kept = index.figures.get(figure.figid)
        if kept is not None and kept.source == figure.source:
            paths.append(figure.url)
            paths += [path for path, _ in downloads.figure_tables(figure, data=False)]
    return paths


def write_pages(site: StagedSite, renderer: Renderer, summaries: list[FigureSummary], counts: bool) -> None:
    """The pages that show the figures (as they were and as they are), and with counts, the
    pages that count figures per organism or gene."""
    done: set[str] = set()
    jobs = [job for summary in summaries for job in pages_showing(renderer, summary)]
    for job in jobs + (counting_page_jobs(renderer) if counts else []):
        page = job()
        if page.path not in done:
            done.add(page.path)
            site.record_all([stage_page(site.staging, site.previous, page)])


def forget_chunk(warm: WarmState, key: str) -> None:
    """Drop a replaced chunk's entries from memory (serve's memory stays flat)."""
    for kind in (*CHUNK_ENTRIES, "shared"):
        warm.entries.pop((key, kind), None)


def store_download_parts(live: LiveSite, warm: WarmState, store: cache.ChunkStore, new_chunks: list[tuple[str, tuple]]) -> None:
    """The download parts of the chunks an edit made ((key, records) each), for the cache."""
    for key, records in new_chunks:
        value = downloads.download_parts([figure for _, figure in records], live.config)
        store.remember(key, "downloads", value)
        warm.unwritten.append((store, key, "downloads", value))


class GiveWay(Exception):
    """A save is waiting: the idle work stops before its commit."""


def write_collection_files(live: LiveSite, warm: WarmState, parts, interrupted=lambda: False) -> bool:
    """The collection's downloads and JSON API (and the Analyse page's data when genes or
    organisms changed) after edits: a commit of their own, once the pages are in place and no
    save came for a while (at 100k figures they take seconds to make, and nobody looks at
    them right after a save)."""
    manifest = warm.manifest
    try:
        with StagedSite(live.output, journal_path(live.cache_dir, live.output), manifest.files) as site:
            site.carry_over(manifest.files, manifest.keys)
            for path, data in downloads.collection_files(parts):
                site.write(path, data)
                if interrupted():
                    raise GiveWay
            if live.analysis_stale:
                write_analysis_files(site, live.search.records)
            if interrupted():
                raise GiveWay
            site.commit()
    except GiveWay:
        return False  # nothing was committed: done the next time serve is idle
    live.analysis_stale = False
    manifest.files = site.files
    manifest.search_key = search_key(live.code, live.results, live.index)
    return True


def write_analysis_files(site: StagedSite, records: list[SearchRecord]) -> None:
    """search/analysis* as a build writes them from the records in doc id order."""
    with tempfile.TemporaryDirectory(prefix="site-builder-analysis-") as scratch:
        analysis.write_analysis(records, IndexWriter(Path(scratch)))
        made = {}
        for path in sorted(Path(scratch).rglob("*")):
            if path.is_file():
                made[f"{SEARCH_DIR}/{path.relative_to(scratch).as_posix()}"] = path.read_bytes()
    for path in [p for p in site.files if p.startswith(f"{SEARCH_DIR}/{analysis.MANIFEST.split('.')[0]}") and p not in made]:
        site.drop(path)
    for path, data in made.items():
        site.write(path, data)


def analysis_fields(record: SearchRecord) -> tuple:
    """What the analysis files take from a record (an edit that changes none leaves them)."""
    return analysis.set_symbols(record), record.gene_ids, record.organisms, record.gene_organisms
