"""The edit path of `serve`: after a save, bring the output up to date from the model the last
build left in memory (build.LiveSite), doing work in proportion to the edit.

It takes saves, additions and removals of record files and their tables that keep every other
figure's place from the oldest (the search index's doc ids, which the long listing pages hold):
any edit of a figure that keeps it between its neighbours in the site's order, a new figure
newer than all others (the usual case: a new paper), the removal of the newest ones. Then:

- only the chunks holding changed files are read; a record whose files kept their bytes is
  taken from the cache instead of being parsed (build.parse_chunk);
- the index is changed in place (index.update_index): the figures, and the lists they join or
  leave, made or emptied;
- the figures' pages and tables are rendered, and the pages that show their entry before and
  after (pages.pages_showing: home, their lists, browse pages); when counts change, the pages
  that count them; when figures come or go or list pages are made, emptied or renamed, every
  page that is neither a figure's nor a list's (pages.collection_page_jobs), the changed
  lists' and the redirects, and the pages left behind are removed. Each page is still
  compared by the key of its inputs, as a build compares it, and each file by its bytes;
- the feed and the search shards holding the figures' terms, doc rows and organisms are
  written again (search_live.py);
- the files go in with the journal a build commits with, and the manifest in memory is
  updated. What nobody looks at right after a save waits: serve runs WarmState.flush once
  the browser was told (the chunks' cache entries and download parts), and when no save came
  for a while, the downloads, JSON API, Analyse data and sitemaps (a commit of their own) and
  the manifest on disk.

Anything else returns None, and the caller runs build(): a template, static file, page or
config edit, a record with errors, a figure that moves in the site's order or changes its
file or aliases, an organism list made or emptied (the search index numbers organisms).
"""
from __future__ import annotations

import bisect
import os
import sys
import time
import traceback
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from . import cache
from .build import (BuildOptions, BuildReport, ChunkResult, LiveSite, LoadJob, Records, WarmState, chunk_key, rechunk,
                    chunk_stamp, existing_nav, pages_key, parse_chunk, record_inputs, shared_strings, CHUNK_ENTRIES)
from .discover import FIGURE_DIRS, role_of
from .index import IndexChange, IndexNames, figure_order, update_index
from .live_write import commit_edit
from .model import Figure, FigureSummary, SourceFiles
from .render import Renderer
from .reuse import search_records
from .search import SearchRecord, oldest_first
from .search_live import LiveSearch, Unusable



def apply_edit(options: BuildOptions, warm: WarmState, changed: frozenset[Path] | None) -> BuildReport | None:
    """Bring the output up to date after `changed` (files saved, added or removed since the last
    build), or None when the edit is not one this path takes (then run build())."""
    live = warm.live
    if live is None or not changed or options != live.options or warm.manifest is None or options.strict:
        return None
    started = time.perf_counter()
    live.pending |= changed  # with the saves since the last good build (one may have failed)
    files = file_changes(live, frozenset(live.pending))
    if files is None:
        return None
    try:
        report = edit(live, warm, files, started)
        if report is not None:
            live.pending.clear()
        else:
            live.names = None  # update_index may have left it half-changed
        return report
    except Exception:  # noqa: BLE001 - whatever went wrong, a build from the disk cache gets it right
        warm.live = None  # the model may be half-updated: the next build makes a new one
        if not isinstance(sys.exc_info()[1], (Unusable, FileNotFoundError)):  # a file removed since the save: read anew
            traceback.print_exc()
        return None


@dataclass(slots=True)
class FileChanges:
    """The record files and tables after the saves, and the chunks they fall in."""

    sources: SourceFiles
    chunks: list[tuple[Path, ...]]
    dirty: list[int]  # the new chunks to read
    origins: dict[int, set[int]]  # new chunk -> the old chunks its files were in
    gone: set[int]  # old chunks that dirty ones replace
    removed: list[str]  # absolute paths of the records and tables removed


def file_changes(live: LiveSite, changed: frozenset[Path]) -> FileChanges | None:
    """None if a changed file is not a record or table (a page, a template, a static file, a
    folder), is a new symbolic link (discover's checks are a build's to make), or leaves a
    table without its record (a build reports it)."""
    where, sources = chunk_numbers(live), live.sources
    content = sources.content_dir
    added: list[Path] = []
    removed: set[Path] = set()
    tables: dict[str, dict[str, Path]] = {}  # figid -> its tables now, for the figids whose tables came or went
    gone_files: list[str] = []
    touched: set[int] = set()
    for path in changed:
        number = where.get(os.path.abspath(path))
        exists = os.path.isfile(path)
        if number is not None:
            touched.add(number)
            if exists:
                continue
        role = role_of(content, path)
        if role is None:
            return None
        kind, found, figid, table = role
        if kind == "other" or number is None and not exists:
            continue  # not an input, or one that came and went since the last build
        if number is None and os.path.islink(path):
            return None  # discover checks where a link leads
        if not exists:
            gone_files.append(os.path.abspath(path))
        if kind == "record":
            (added.append if exists else removed.add)(found)
            continue
        kinds = tables.setdefault(figid, dict(sources.tables.get(figid, {})))
        if exists:
            kinds[table] = found
        else:
            del kinds[table]
    records = {path.stem for path in added}
    for figid in tables:
        if not any(key in where for key in record_paths(content, figid)) and figid not in records:
            return None
        touched |= {where[key] for key in record_paths(content, figid) if key in where}
    if any(path.stem in sources.tables and tables.get(path.stem, True) for path in removed if path.stem not in records):
        return None
    new_tables = sources.tables
    if tables:
        new_tables = {**sources.tables, **tables}
        for figid in [figid for figid, kinds in tables.items() if not kinds]:
            del new_tables[figid]
    figures = sources.figures
    if added or removed:
        figures = tuple(sorted(set(figures) - removed | set(added))) if len(added) + len(removed) > 8 else tuple(
            merged_paths(figures, added, removed))
    chunks = rechunk(live.chunks, added, removed) if added or removed else live.chunks
    first = {chunk[0]: number for number, chunk in enumerate(live.chunks)}
    dirty, origins, kept = [], {}, set()
    for number, chunk in enumerate(chunks):
        old = first.get(chunk[0])
        if old is not None and old not in touched and live.chunks[old] == chunk:
            kept.add(old)
            continue
        dirty.append(number)
        origins[number] = {where[key] for key in map(os.path.abspath, chunk) if key in where}
    return FileChanges(replace(sources, figures=figures, tables=new_tables), chunks, dirty, origins,
                       set(range(len(live.chunks))) - kept, gone_files)


def merged_paths(paths: tuple[Path, ...], added: list[Path], removed: set[Path]) -> list[Path]:
    """The sorted paths once a few came and went (no sort of them all)."""
    found = list(paths)
    for path in removed:
        del found[bisect.bisect_left(found, path)]  # discover's sorted list holds it
    for path in added:
        bisect.insort(found, path)
    return found


def record_paths(content: Path, stem: str) -> list[str]:
    return [os.path.abspath(content / folder / f"{stem}.md") for folder in FIGURE_DIRS]


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


@dataclass(slots=True)
class Edit:
    """What the saves changed, figure by figure."""

    files: FileChanges
    results: list[ChunkResult]  # every chunk's, in the new order
    stamps: list[str]
    new: dict[int, tuple[ChunkResult, Records]]  # new chunk number -> what was read
    change: IndexChange
    before: list[FigureSummary]  # the changed figures' summaries as they were (removed ones too)
    pages: list[tuple[FigureSummary, Figure, str]]  # figures whose page changes: summary, record, its files' digest
    search_pairs: list[tuple[SearchRecord, SearchRecord]]
    added_search: list[SearchRecord]  # the added figures' search records, newest first


def edit(live: LiveSite, warm: WarmState, files: FileChanges, started: float) -> BuildReport | None:
    store = cache.ChunkStore(live.cache_dir, CHUNK_ENTRIES, memo=warm.entries)
    job = LoadJob(files.sources, Path.cwd(), live.config, store, True, live.code)
    old_records: dict[int, Records] = {}
    for number in files.gone:
        earlier = store.get(live.results[number].key, "records")
        if earlier is None:
            return None  # pruned by another process: a build reads the chunk anew
        old_records[number] = earlier
    first = {chunk[0]: number for number, chunk in enumerate(live.chunks)}
    results: list[ChunkResult | None] = [None] * len(files.chunks)
    stamps: list[str] = [""] * len(files.chunks)
    new: dict[int, tuple[ChunkResult, Records]] = {}
    for number, chunk in enumerate(files.chunks):
        if number not in files.origins:
            old = first[chunk[0]]
            results[number], stamps[number] = live.results[old], live.stamps[old]
            continue
        file_stamps_ = file_stamps(files.sources, chunk)
        inputs = [record_inputs(job, path) for path in chunk]
        key = chunk_key(job, inputs)
        origins = sorted(files.origins[number])
        if len(origins) == 1 and live.results[origins[0]].key == key:  # saved as it was
            files.gone.discard(origins[0])
            results[number], stamps[number] = live.results[origins[0]], live.stamps[origins[0]]
            continue
        known = merged([live.results[n] for n in origins], [old_records[n] for n in origins])
        result, records = parse_chunk(key, inputs, live.config, known)
        if result.errors or result.skipped:
            return None
        result = shared_strings(store, result)
        results[number], stamps[number] = result, chunk_stamp(job, chunk, file_stamps_)[0]
        new[number] = (result, records)
    if not new and not files.gone:
        return None  # nothing a page is made from changed (e.g. the file was saved as it was)
    found = figure_changes(live, files, new, old_records)
    if found is None:
        return None
    change, before, pages, search_pairs, added_search = found
    live.names = live.names or IndexNames.of(live.index)
    update = update_index(live.index, change, live_rank(live), live.names)
    if update is None:
        return None
    index, lists, reshaped = update
    for result, _ in new.values():  # the index holds the chunks' summaries themselves (build.kept_by)
        for summary in result.summaries:
            index.figures[summary.figid] = summary
    if "organisms" in reshaped:
        return None  # organisms are numbered by name in the search index: a build renumbers them
    the_edit = Edit(files, results, stamps, new, change, before, pages, search_pairs, added_search)
    prepare(live)
    report = commit_edit(live, warm, store, the_edit, index, lists, reshaped, started)
    warm.later.append(partial(prepare, live))  # what the next edit needs, once the browser was told
    return report


def merged(results: list[ChunkResult], records: list[Records]) -> tuple[ChunkResult, Records]:
    """One (result, records) of several chunks' (what parse_chunk may take records from)."""
    result = ChunkResult("", (), tuple(p for r in results for p in r.warnings), (),
                         tuple(s for r in results for s in r.summaries), tuple(s for r in results for s in r.search))
    return result, tuple(pair for chunk in records for pair in chunk)


def figure_changes(live: LiveSite, files: FileChanges, new: dict[int, tuple[ChunkResult, Records]],
                   old_records: dict[int, Records]):
    """(IndexChange, summaries before, pages to render, search pairs, added search records) by
    figid; None when a figure changes its file, aliases or redirects, or a figid is taken twice."""
    old = {}
    for number in files.gone:
        result = live.results[number]
        for summary, search, (digest, _) in zip(result.summaries, result.search, old_records[number]):
            old[summary.figid] = (summary, search, digest)
    now = {}
    for result, records in new.values():
        for summary, search, (digest, figure) in zip(result.summaries, result.search, records):
            if summary.figid in now:
                return None  # a duplicate figid: the build reports it
            now[summary.figid] = (summary, search, digest, figure)
    removed = frozenset(old.keys() - now.keys())
    added = [now[figid] for figid in now.keys() - old.keys()]
    replaced, before, pages, search_pairs = {}, [], [], []
    for figid in now.keys() & old.keys():
        (was, search_was, digest_was), (summary, search, digest, figure) = old[figid], now[figid]
        if (was.source, was.redirect_from, was.figid_alias) != (summary.source, summary.redirect_from, summary.figid_alias):
            return None
        if digest == digest_was:
            continue
        if summary != was:
            replaced[figid] = summary
        before.append(was)
        pages.append((summary, figure, digest))
        if search != search_was:
            search_pairs.append((search_was, search))
    before += [old[figid][0] for figid in removed]
    pages += [(summary, figure, digest) for summary, _, digest, figure in added]
    change = IndexChange(removed, tuple(summary for summary, *_ in added), replaced)
    by_age = sorted(added, key=lambda found: figure_order(found[0]), reverse=True)  # oldest first: doc id order
    return change, before, pages, search_pairs, [search for _, search, _, _ in by_age]


def file_stamps(sources: SourceFiles, paths: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Stamps taken before the files are read: a file saved again meanwhile is read again next time."""
    stamps = {}
    for path in paths:
        for file in (path, *sources.tables.get(path.stem, {}).values()):
            stat = file.stat()
            stamps[str(file)] = (stat.st_size, stat.st_mtime_ns)
    return stamps


def live_rank(live: LiveSite) -> dict[str, int]:
    """figid -> its place in the site's order (newest first)."""
    if live.rank is None:
        live.rank = {figid: number for number, figid in enumerate(live.index.newest_first)}
    return live.rank


def prepare(live: LiveSite) -> None:
    """Make what the edit path needs besides the build's model (serve runs it right after a
    build, while nobody waits): where each record is, the page names, the search index."""
    config = existing_nav(live.config, live.index)
    chunk_numbers(live)
    live_rank(live)
    live.names = live.names or IndexNames.of(live.index)
    if live.renderer is None:
        live.renderer = Renderer(live.env, config, live.index, pages_key(live.code, live.config))
        for name in live.env.list_templates():  # compiled now rather than on the first save
            live.env.get_template(name)
    if live.search is None:
        live.search = LiveSearch(live.output / "search", oldest_first(search_records(live.results, live.index)))
        live.search.docs_by_organism()


