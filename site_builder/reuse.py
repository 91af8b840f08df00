"""What a build takes over from the last build of the same output, and how it makes the search
files: kept as they are (the same records), updated on disk where every figure keeps its doc id
(search_live, as serve's edit path does), renumbered on disk where figures came, went or moved
(search_renumber), or made anew; and whether the last build's pages can
be carried over because every changed figure keeps its place (then only the pages showing it
are checked, pages.pages_showing)."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import analysis, cache, search_live
from .index import figure_lists, figure_order
from .model import FigureSummary, SiteIndex, newest_first_key
from .results import ChunkResult, get_result
from .search import INDEX_DIR as SEARCH_DIR, SearchRecord, files_made_by, oldest_first, write_search_index
from .write import StagedSite

if TYPE_CHECKING:
    from .build import SiteJob

ANALYSIS_FILES = f"{SEARCH_DIR}/{analysis.FOLDER}"  # the prefix of search/analysis.json and search/analysis/


def search_records(results: list[ChunkResult], index: SiteIndex) -> list[SearchRecord]:
    """The search records of the figures the index kept."""
    return [record for r in results for s, record in zip(r.summaries, r.search) if kept_by(index, s)]


def kept_by(index: SiteIndex, summary: FigureSummary) -> bool:
    """False for a record the index dropped (a duplicate figid, a reserved name)."""
    return index.figures.get(summary.figid) is summary


def search_key(code: str, results: list[ChunkResult], index: SiteIndex | None) -> str:
    """The search records follow from the chunks' content keys and which records the index kept
    (index None: all of them)."""
    return cache.digest(code, *(r.key + "".join("1" if index is None or kept_by(index, s) else "0" for s in r.summaries)
                                for r in results))


def keep_files(site: StagedSite, manifest: cache.Manifest, prefix: str = SEARCH_DIR + "/") -> None:
    """Keep the last build's files under prefix as they are."""
    for path, entry in manifest.files.items():
        if path.startswith(prefix):
            site.record(path, entry, False)


def plan_search(site: StagedSite, site_job: SiteJob, results: list[ChunkResult], before: list[ChunkResult] | None,
                index: SiteIndex, search: str) -> tuple[str, list[Callable[[], list[tuple[str, bytes]]]]]:
    """Keep or update the search files now, or return the jobs that make them anew (each makes
    (path, bytes) pairs: build.FilesJob); and the analysis key of the files under search/."""
    manifest = site_job.manifest
    if manifest is not None and manifest.search_key == search:
        keep_files(site, manifest)  # e.g. after a template edit: the records are the same
        return manifest.analysis_key, []
    analysis_key = updated_search(site, site_job, results, before, index)
    if analysis_key is not None:
        return analysis_key, []
    records = oldest_first(search_records(results, index))
    analysis_key = analysis.inputs_key(site_job.code, records)
    jobs = [renumbered_search(site_job, results, index, records) or partial(search_index_files, records)]
    if manifest is not None and manifest.analysis_key == analysis_key:
        keep_files(site, manifest, ANALYSIS_FILES)  # e.g. a title edit: genes and organisms are the same
    else:
        jobs.append(partial(analysis.analysis_files, records))
    return analysis_key, jobs


def updated_search(site: StagedSite, site_job: SiteJob, results: list[ChunkResult], before: list[ChunkResult] | None,
                   index: SiteIndex) -> str | None:
    """When every figure keeps its doc id, write only the search files whose bytes change (as
    serve's edit path does, search_live) instead of the whole index, reading the search records
    of the chunks read again only; returns the analysis key of the files under search/ (None:
    nothing was done)."""
    manifest = site_job.manifest
    if manifest is None or len(index.figures) != sum(len(r.summaries) for r in results):
        return None  # no last build, or the index dropped a figure (a duplicate figid)
    if before is None or manifest.search_key != search_key(site_job.code, before, None):
        return None  # the files on disk are not those of these records
    changed = changed_records(before, results)
    if changed is None:
        return None
    last = len(index.newest_first) - 1
    place = {figid: number for number, figid in enumerate(index.newest_first)}
    doc_of = {old.url: last - place[summary.figid] for summary, old, _ in changed}
    pairs = [(old, new) for _, old, new in changed]
    update = search_live.updated_files(site_job.output / SEARCH_DIR, DocRecords(index, before, results), doc_of, pairs)
    if update is None:
        return None
    if manifest.analysis_key and all(analysis.record_inputs(old) == analysis.record_inputs(new) for old, new in pairs):
        analysis_key, made = manifest.analysis_key, update.written
    else:
        records = oldest_first(search_records(results, index))
        analysis_key, made = analysis.inputs_key(site_job.code, records), {**update.written, **dict(analysis.analysis_files(records))}
    keep_analysis = analysis_key == manifest.analysis_key
    removed = set(update.removed)
    for path, entry in manifest.files.items():
        if path.startswith(SEARCH_DIR + "/") and path not in removed and path not in made and (
                keep_analysis or not path.startswith(ANALYSIS_FILES)):
            site.record(path, entry, False)
    for path, data in made.items():
        site.write(path, data)
    return analysis_key


def renumbered_search(site_job: SiteJob, results: list[ChunkResult], index: SiteIndex,
                      records: list[SearchRecord]) -> Callable[[], list[tuple[str, bytes]]] | None:
    """When figures came, went or moved in the order (doc ids move), a job that renumbers the
    search files on disk (search_renumber): the records of the chunks that the last build did not
    have are scored, the others keep their postings and rows. None when the last build's chunks
    (read from the cache where this build has none of the same content) are not those its search
    files were made from, or its index dropped a figure: then a clean build makes the index."""
    manifest = site_job.manifest
    if manifest is None or not manifest.search_key or len(index.figures) != sum(len(r.summaries) for r in results):
        return None
    current = {result.key: result for result in results}
    old = [current.get(key) or get_result(site_job.store, key) for key in manifest.chunk_keys.values()]
    if None in old or search_key(site_job.code, old, None) != manifest.search_key:
        return None
    old_keys = set(manifest.chunk_keys.values())
    fresh = {record.url: record for result in results if result.key not in old_keys
             for summary, record in zip(result.summaries, result.search) if kept_by(index, summary)}
    return partial(renumbered_search_files, site_job.output / SEARCH_DIR, records, fresh)


def renumbered_search_files(folder: Path, records: list[SearchRecord], fresh: dict[str, SearchRecord]) -> list[tuple[str, bytes]]:
    """Worker: the search files but the Analyse data, renumbered from those in folder; made
    anew from the records (doc id order) if those files turn out not to be the last build's."""
    from . import search_renumber  # here: numpy is loaded only when doc ids move (~0.1 s)

    try:
        return list(search_renumber.renumbered_files(folder, [record.url for record in records], fresh).written.items())
    except search_live.Unusable:
        return search_index_files(records)


def changed_records(before: list[ChunkResult], results: list[ChunkResult]) -> list[tuple[FigureSummary, SearchRecord, SearchRecord]] | None:
    """(summary, old record, new record) of each figure whose search record changed, when every
    figure keeps its doc id: the chunks read again hold the same figures, each with its place in
    the site's order (None otherwise)."""
    changed = []
    for old_result, new_result in zip(before, results):
        if old_result is new_result:
            continue  # not read again, or the same bytes
        if [s.figid for s in old_result.summaries] != [s.figid for s in new_result.summaries]:
            return None
        for summary, old, new in zip(new_result.summaries, old_result.search, new_result.search):
            if old.url != new.url or newest_first_key(old.year, old.pmcid, old.url) != newest_first_key(new.year, new.pmcid, new.url):
                return None
            if old != new:
                changed.append((summary, old, new))
    return changed


class DocRecords(Sequence):
    """The search records of the last build (`before`) of the figures this build's index kept,
    in doc id order (every figure keeps its doc id: changed_records); each chunk's are read when
    one of them is first used (search_live.LiveSearch reads few), and an update's new records
    are kept aside."""

    def __init__(self, index: SiteIndex, before: list[ChunkResult], results: list[ChunkResult]):
        self.index, self.before, self.results = index, before, results
        self.replaced: dict[int, SearchRecord] = {}
        self.places: dict[str, tuple[ChunkResult, int]] | None = None

    def __len__(self) -> int:
        return len(self.index.newest_first)

    def __getitem__(self, doc):
        if isinstance(doc, slice):
            return [self[number] for number in range(*doc.indices(len(self)))]
        if not 0 <= doc < len(self):
            raise IndexError(doc)
        if doc in self.replaced:
            return self.replaced[doc]
        if self.places is None:
            self.places = {summary.figid: (old, number) for old, new in zip(self.before, self.results)
                           for number, summary in enumerate(new.summaries) if kept_by(self.index, summary)}
        result, number = self.places[self.index.newest_first[len(self) - 1 - doc]]
        return result.search[number]

    def __setitem__(self, doc: int, record: SearchRecord) -> None:
        self.replaced[doc] = record


def previous_results(store: cache.ChunkStore, manifest: cache.Manifest | None, results: list[ChunkResult],
                     fresh: frozenset[int]) -> list[ChunkResult] | None:
    """The chunk results of the last build, when it had the same chunks of record files: a chunk
    read again here whose content key is new is matched to the last build's by its records'
    files (None: one is not, or most chunks are new, e.g. after an upgrade, when reading them
    would cost more than it saves)."""
    if manifest is None:
        return None
    old_keys = set(manifest.chunk_keys.values())
    changed = [number for number in sorted(fresh) if results[number].key not in old_keys]  # the others: same bytes
    if len(changed) > len(results) // 2 + 1:
        return None
    by_files = {}  # the last build's chunks that this one does not have, by their records' files
    for key in old_keys - {result.key for result in results}:
        old = get_result(store, key)
        if old is None or not (files := record_files(old)):
            return None
        by_files[files] = old
    if len(by_files) != len(changed):
        return None  # e.g. every record of a chunk deleted: that chunk has no match here
    before = list(results)
    for number in changed:
        old = by_files.get(record_files(results[number]))
        if old is None:
            return None
        before[number] = old
    return before


def record_files(result: ChunkResult) -> frozenset[str]:
    return frozenset(s.source for s in result.summaries) | frozenset(result.skipped)


def figures_in_place(site_job: SiteJob, index: SiteIndex, results: list[ChunkResult],
                     before: list[ChunkResult] | None) -> list[FigureSummary] | None:
    """When the site, its pages and static files are those of the last build and every figure
    keeps its place in every list: the changed figures' summaries, before and after. Only the
    pages that show them can then change (pages.pages_showing, the rule of serve's edit path).
    None: every page is checked."""
    manifest = site_job.manifest
    if before is None or not manifest.fingerprint or manifest.site_key != site_job.site_key or (
            manifest.other_key != site_job.other_key) or not manifest.figures == len(index.figures) == sum(len(r.summaries) for r in results):
        return None
    shown = []
    for number in site_job.fresh:
        old, new = before[number].summaries, results[number].summaries
        if len(old) != len(new):
            return None
        for a, b in zip(old, new):
            if a != b:
                if not same_place(a, b):
                    return None
                shown += [a, b]
    return shown


def same_place(a: FigureSummary, b: FigureSummary) -> bool:
    """The same figure at the same place in the same lists, with the same old URLs and gene sets."""
    return (a.figid, a.source, figure_order(a), figure_lists(a), a.redirect_from, a.figid_alias, a.gene_set_species, a.wpid, a.ndex) == (
        b.figid, b.source, figure_order(b), figure_lists(b), b.redirect_from, b.figid_alias, b.gene_set_species, b.wpid, b.ndex)


def search_index_files(records: list[SearchRecord]) -> list[tuple[str, bytes]]:
    """The search index's files (without the Analyse data), made in one process."""
    return files_made_by(lambda folder: write_search_index(records, folder, jobs=1, analysis=False))
