"""The writing half of serve's edit path (live.py reads the saves and changes the index):
commit the edit's pages, search shards and manifest with the build's journal, remove what the
edit left behind, and do the collection-wide work when serve is idle."""
from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from . import analysis, cache, downloads, feeds
from . import lists as list_files
from .build import (BuildReport, LiveSite, WarmState, download_parts, existing_nav, figure_key, outsized_records, pages_key, render_key,
                    CHUNK_ENTRIES)
from .results import result_entries
from .reuse import ANALYSIS_FILES, same_place, search_key
from .index import figure_lists, gene_redirects, kept_doc_ids, redirect_file
from .model import FigureSummary, SiteIndex
from .pages import LIST_JOBS, collection_page_jobs, counting_page_jobs, data_files, long_lists, pages_showing, unique_jobs
from .render import Renderer, list_name
from .search import SearchRecord
from .search_live import Unusable
from .write import StagedSite, content_hash, journal_path, stage_page

if TYPE_CHECKING:
    from .live import Edit


def commit_edit(live: LiveSite, warm: WarmState, store: cache.ChunkStore, change: Edit, index: SiteIndex,
                lists: dict[str, set[str]], reshaped: set[str], started: float) -> BuildReport:
    manifest, files = warm.manifest, change.files
    results = change.results
    for result, records in change.new.values():
        for kind, value in (("records", records), ("result", result)):
            store.remember(result.key, kind, value)
        for kind, value in (("records", records), *result_entries(result)):
            warm.unwritten.append((store, result.key, kind, value))
    removed, added = change.change.removed, change.change.added
    renumbered = not kept_doc_ids(live.index, index.newest_first, change.change)  # search doc ids move
    live.analysis_stale |= bool(removed or added or renumbered) or any(analysis.record_inputs(a) != analysis.record_inputs(b) for a, b in change.search_pairs)
    config = existing_nav(live.config, index)
    # the same organism and gene pages: the figure pages link them by the same names
    renderer = Renderer(live.env, config, index, pages_key(live.code, live.config), manifest.keys, lists_of=None if "genes" in reshaped else live.renderer)
    structural = bool(removed or added or reshaped)
    shape = Reshape(live.index, lists, reshaped, added, removed)
    output = live.output
    cache.forget_manifest(live.cache_dir, output)  # until flush saves the new one
    with StagedSite(output, journal_path(live.cache_dir, output), manifest.files) as site, ThreadPoolExecutor(1) as beside:
        # lists/ is made in a thread of its own: it is mostly numpy, which lets the pages and the search index go on
        lists_made = beside.submit(list_changes, live.renderer, renderer, lists, manifest.files, output, renumbered) \
            if any(lists.values()) or renumbered else None
        site.carry_over(manifest.files, manifest.keys)
        chunks = dict(manifest.chunks)
        for number in files.gone:
            chunks.pop(render_key(live.renderer, live.results[number]), None)
        write_figures(site, renderer, change.pages)
        for number, (result, records) in change.new.items():
            chunks[render_key(renderer, results[number])] = tuple(chunk_files(index, records))
        counted = bool(removed or added) or any(
            figure_lists(before) != figure_lists(after) or before.gene_set_species != after.gene_set_species
            for before in change.before if (after := index.figures.get(before.figid)) is not None)
        jobs = showing_jobs(renderer, change.before, [summary for summary, _, _ in change.pages])
        if structural:
            jobs += structure_jobs(shape, renderer)
        elif counted:
            jobs += counting_page_jobs(renderer)
        written = write_pages(site, jobs)
        for path, data in data_files(renderer, urls=False):
            site.write(path, data)
        live.sitemaps_stale |= structural or renumbered  # the search engines' files follow when serve is idle
        if renumbered:
            from .search_renumber import renumber_live  # numpy, loaded only when doc ids move

            update = renumber_live(live.search, [record for _, record in change.search_pairs] + change.added_search,
                                   [index.figures[figid].url for figid in reversed(index.newest_first)])
        else:
            update = live.search.update(change.search_pairs, len(removed), change.added_search)
        for path, data in update.written.items():
            site.write(path, data)
        for path in update.removed:
            site.drop(path)
        if lists_made is not None:
            new_lists, old_lists = lists_made.result()
            for path, data in new_lists:
                site.write(path, data)
            for path in old_lists:
                site.drop(path)
        for path in dropped_files(shape, index, manifest.files) if structural else ():
            if path not in written:
                site.drop(path)
        site.commit()
    for number in files.gone:
        forget_chunk(warm, live.results[number].key)
    gone_stamps = {live.stamps[n] for n in files.gone}
    chunk_keys = {stamp: key for stamp, key in manifest.chunk_keys.items() if stamp not in gone_stamps}
    for number in change.new:
        chunk_keys[change.stamps[number]] = results[number].key
    if len(files.chunks) != len(live.chunks):
        live.chunk_of = None  # the chunks' numbers moved: made again once the browser was told (prepare)
    else:
        for key in files.removed:
            live.chunk_of.pop(key, None)
        for number in files.dirty:
            for path in files.chunks[number]:
                for file in (path, *files.sources.tables.get(path.stem, {}).values()):
                    live.chunk_of[os.path.abspath(file)] = number
    if removed or added or change.change.replaced:
        live.rank = None
    if live.outsized != [] or any(lists.values()) or len(index.figures) != len(live.index.figures):
        live.outsized = outsized_records(index)  # else none still: the same lists, as many pages (25k gene lists not looked at)
    live.sources, live.chunks, live.stamps, live.results, live.index = files.sources, files.chunks, change.stamps, results, index
    live.renderer = renderer
    warnings = [*live.config_warnings, *(p for r in results for p in r.warnings), *live.outsized]
    warm.manifest = cache.Manifest(manifest.output, "", time.time(), site.files, chunks, tuple(warnings), len(index.figures),
                                   site.keys, "", chunk_keys, manifest.started_at,  # search_key: see write_collection_files
                                   "" if live.analysis_stale else manifest.analysis_key, manifest.site_key, manifest.other_key)
    warm.unsaved = True
    new_chunks = [(result.key, records) for result, records in change.new.values()]
    warm.later.append(partial(store_download_parts, live, warm, store, new_chunks))
    warm.when_idle = partial(write_collection_files, live, warm, partial(download_parts, results, index, store, config))
    report = BuildReport(config=live.config, output=output, figures=len(index.figures), pages=len(site.files),
                         warnings=warnings, written=len(site.staged), removed=len(site.removed()), edited=True)
    report.seconds = time.perf_counter() - started
    return report


def list_changes(before: Renderer, after: Renderer, changed: dict[str, set[str]], files: dict, output,
                 renumbered: bool = False) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The files of lists/ to write and to remove when the lists `changed` (list kind -> keys) did,
    or all of them when doc ids moved (renumbered). Unusable when lists/ is not what the last
    build wrote."""
    now = long_lists(after)
    data = (output / list_files.TABLE).read_bytes()
    if tuple(files.get(list_files.TABLE, ())) != (content_hash(data), len(data)):
        raise Unusable(f"{list_files.TABLE} is not the last build's")
    names = {list_name(kind, listing) for kind, keys in changed.items() for listing in getattr(after.index, kind) if listing.key in keys}
    try:
        table = list_files.read_table(data)
        if not renumbered:
            return list_files.updated_files(table, long_lists(before), now, lambda name: after.list_ids(now[name]), names & now.keys())
        written = list_files.renumbered_files(table, lambda shard: (output / list_files.shard_path(shard)).read_bytes(),
                                              new_doc_ids(before, after), now, lambda name: after.list_ids(now[name]), names)
    except ValueError as error:
        raise Unusable(str(error)) from None
    paths = {path for path, _ in written}
    return written, [path for path in files if path.startswith(list_files.FOLDER + "/") and path not in paths]


def new_doc_ids(before: Renderer, after: Renderer) -> list[int]:
    """Each old search doc id's new one (-1: the figure went)."""
    found = [-1] * len(before.doc_ids)
    for figid, old in before.doc_ids.items():
        found[old] = after.doc_ids.get(figid, -1)
    return found


def showing_jobs(renderer: Renderer, before: list[FigureSummary], after: list[FigureSummary]) -> list:
    """pages_showing of the changed figures' summaries before and after the edit; a figure that
    keeps its place (same_place) changes only the pages whose HTML holds its entry."""
    now = {summary.figid: summary for summary in after}
    in_place = {s.figid for s in before if s.figid in now and same_place(s, now[s.figid])}
    return [job for summary in (*before, *after) for job in pages_showing(renderer, summary, summary.figid in in_place)]


@dataclass(slots=True)
class Reshape:
    """How a structural edit changes the site's pages besides the figures' own."""

    before: SiteIndex
    lists: dict[str, set[str]]  # list kind -> keys whose list changed
    reshaped: set[str]  # list kinds whose keys or page names changed
    added: tuple[FigureSummary, ...]
    removed: frozenset[str]

    def gene_redirects(self, after: SiteIndex) -> tuple[set, set]:
        """The redirects of gene pages to their new names, before and after (they follow the symbols)."""
        if "genes" not in self.reshaped:
            return set(), set()
        return set(gene_redirects(self.before.genes)), set(gene_redirects(after.genes))

    def browse_changed(self) -> bool:
        return any(figure.wpid or figure.ndex for figure in (*self.added, *(self.before.figures[f] for f in self.removed)))


def structure_jobs(shape: Reshape, r: Renderer) -> list:
    """When figures come or go, or lists are made, emptied or renamed: the pages that are neither
    a figure's nor a list's (counts, browse pages ...), the changed lists' pages and the new
    redirect pages."""
    jobs = collection_page_jobs(r)
    for kind, keys in shape.lists.items():
        jobs += [LIST_JOBS[kind](r, listing) for listing in getattr(r.index, kind) if listing.key in keys]
    old, new = shape.gene_redirects(r.index)
    jobs += [partial(r.gene_redirect_page, name, slug) for name, slug in sorted(new - old)]
    added = {figure.figid for figure in shape.added}
    jobs += [partial(r.redirect_page, path, figid) for path, figid in r.index.redirects if figid in added]
    return jobs


def dropped_files(shape: Reshape, after: SiteIndex, files: dict) -> list[str]:
    """What a structural edit may leave behind: the removed figures' pages, tables and redirects,
    the pages of lists emptied or renamed, gene redirects gone, and browse and gene index pages
    past the new last one (those are all written again, see structure_jobs)."""
    before, removed = shape.before, shape.removed
    paths = []
    for figid in removed:
        paths += [f"figures/{figid}.html", *downloads.table_paths(figid)]
    if removed:
        paths += [redirect_file(path, figid) for path, figid in before.redirects if figid in removed]
    for kind in shape.reshaped:
        slugs = {listing.key: listing.slug for listing in getattr(after, kind)}
        paths += [f"{kind}/{l.slug}.html" for l in getattr(before, kind) if l.key in shape.lists[kind] and slugs.get(l.key) != l.slug]
    old, new = shape.gene_redirects(after)
    paths += [f"genes/{name}.html" for name, _ in old - new]
    folders = ("gene-index/",) * ("genes" in shape.reshaped) + ("browse/",) * shape.browse_changed()
    if folders:
        paths += [path for path in files if path.startswith(folders)]
    return paths


SITEMAP = re.compile(r"sitemap-[0-9]+\.xml")


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


def write_pages(site: StagedSite, jobs: list) -> set[str]:
    """Render each job once (several figures' pages_showing name the same pages) and stage its
    page when its key or bytes changed; returns the paths."""
    done: set[str] = set()
    for job in unique_jobs(jobs):
        page = job()
        if page.path not in done:
            done.add(page.path)
            site.record_all([stage_page(site.staging, site.previous, page)])
    return done


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

    def each_part():  # a save waits for one chunk's part at most, not for a whole file
        for part in parts():
            if interrupted():
                raise GiveWay
            yield part

    try:
        with StagedSite(live.output, journal_path(live.cache_dir, live.output), manifest.files) as site:
            site.carry_over(manifest.files, manifest.keys)
            written = set()
            for path, data in downloads.collection_files(each_part):
                site.write(path, data)
                written.add(path)
                if interrupted():
                    raise GiveWay
            if live.sitemaps_stale:
                for path, data in feeds.sitemaps(live.index, live.config):
                    site.write(path, data)
                    written.add(path)
                if interrupted():
                    raise GiveWay
            for path in [p for p in site.files if collection_file(p, live.sitemaps_stale) and p not in written]:
                site.drop(path)  # e.g. the gene sets of a species no figure has any more
            analysis_key = manifest.analysis_key
            if live.analysis_stale and not interrupted():
                write_analysis_files(site, live.search.records, interrupted)
                analysis_key = analysis.inputs_key(live.code, live.search.records)
            if interrupted():
                raise GiveWay
            site.commit()
    except GiveWay:
        return False  # nothing was committed: done the next time serve is idle
    live.analysis_stale = live.sitemaps_stale = False
    manifest.files = site.files
    manifest.search_key = search_key(live.code, live.results, live.index)
    manifest.analysis_key = analysis_key
    return True


def collection_file(path: str, sitemaps: bool) -> bool:
    """Whether the idle commit makes the file: the downloads and the JSON API (not its page), and
    with sitemaps, the sitemaps (not their index, sitemap.xml, which always exists)."""
    return path.startswith("downloads/") or path.startswith("json/") and not path.endswith(".html") or (
        sitemaps and SITEMAP.fullmatch(path) is not None)


def write_analysis_files(site: StagedSite, records: list[SearchRecord], interrupted=lambda: False) -> None:
    """search/analysis* as a build writes them from the records in doc id order (GiveWay
    when interrupted() says a save waits)."""

    def give_way() -> None:
        if interrupted():
            raise GiveWay

    made = dict(analysis.analysis_files(records, give_way))
    for path in [p for p in site.files if p.startswith(ANALYSIS_FILES) and p not in made]:
        site.drop(path)
    for path, data in made.items():
        site.write(path, data)

