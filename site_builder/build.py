"""Orchestration only: config -> discover -> load -> index -> render -> write.

Record files are cut into chunks (in file-name order, at content-defined boundaries so that an
added or deleted record only moves its own chunk). Two passes run in worker processes:

1. load: each chunk's records are parsed and validated (or taken from the cache, keyed by the
   files' bytes) into a ChunkResult: problems, compact summaries for the index, search records
   and the chunk's part of the download files. The full records go to the cache.
2. render: once the index exists, each chunk's figure pages and tables are rendered from its
   cached records, unless the chunk's render key (records + templates + config + code) is the
   one the output already holds.

The main process holds summaries only, builds the index in one pass, renders the cross-record
pages and writes what changed (write.StagedSite).
"""
from __future__ import annotations

import bisect
import gc
import importlib.resources
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import cache, downloads, lists
from . import pages as site_pages
from .config import SiteConfig, load_config
from .discover import Stamps, discover_stamped, snapshot_templates
from .errors import BuildError, CacheUnreadable
from .index import build_index
from .load import LoadResult, load_figure, load_page
from .model import Figure, FigureSummary, Page, Problem, SiteIndex, SourceFiles
from .parallel import Lane, default_jobs, map_chunks, map_lanes
from .progress import Progress
from .render import Renderer, make_environment
from .results import CHUNK_ENTRIES, ChunkResult, Records, get_result, result_entries
from .reuse import figures_in_place, keep_files, kept_by, plan_search, previous_results, search_key
from .search import SearchRecord, search_record
from .write import (MARKER, Entry, OutputRules, StagedFile, StagedSite, WriteStats, check_output_dir, claim_output, journal_path,
                    recover_interrupted_swap, stage_data, stage_file, stage_page)

# The built-in theme (templates/, static/) lives at the top of the repository. A wheel (pip, pipx,
# `pip install git+...`) installs it inside the package, where importlib.resources finds it;
# an editable install or a run from the checkout reads the checkout's own folders.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_THEME = Path(str(importlib.resources.files(__package__)))
CHUNK_TARGET = 256  # records per chunk on average
CHUNK_MAX = 1024
PAGE_CHUNK = 400  # listing and index pages per worker task
RACY_SECONDS = 2.0  # a file changed this close to the last build is read again, whatever its stamp


@dataclass(frozen=True, slots=True)
class BuildOptions:
    project_dir: Path = Path(".")
    content_dir: Path | None = None
    output_dir: Path | None = None
    config_path: Path | None = None
    base_url: str | None = None
    strict: bool = False
    keep_going: bool = False
    jobs: int = 0  # 0: one worker per available core
    clean: bool = False  # ignore the cache and write every file
    cache_dir: Path | None = None  # default: <project>/.site-cache
    progress: bool = False  # progress bars on stderr
    force: bool = False  # replace an output folder that site-builder did not make


@dataclass(slots=True)
class LiveSite:
    """The model of the last good build, kept by `serve` for its edit path (live.py): the
    inputs found, each chunk's files, stamp and result, the index, the templates compiled."""

    options: BuildOptions
    config: SiteConfig  # as read (existing_nav applies the site's pages)
    config_warnings: tuple[Problem, ...]
    code: str
    site_key: str
    env: Any  # the jinja2 environment the pages were rendered with
    sources: SourceFiles
    chunks: list[tuple[Path, ...]]
    stamps: list[str]  # chunk_stamp of each chunk
    results: list[ChunkResult]
    index: SiteIndex
    output: Path
    cache_dir: Path
    search: Any = None  # search_live.LiveSearch, made on the first edit that needs it
    chunk_of: dict[str, int] | None = None  # absolute path of a record or table -> its chunk (live.chunk_numbers)
    pending: set[Path] = field(default_factory=set)  # files saved since this build (live.apply_edit)
    renderer: Any = None  # a render.Renderer of the build's index: its page names (made on the first edit)
    rank: dict[str, int] | None = None  # figid -> its place in the site's order (live.live_rank)
    names: Any = None  # index.IndexNames: the folded figids and redirect claims (made on the first figure added)
    analysis_stale: bool = False  # an edit changed the Analyse page's data; written when idle
    sitemaps_stale: bool = False  # an edit added or removed pages; the sitemaps are written when idle
    other_stamps: str = ""  # other_inputs_key of the pages and static files the last build found
    outsized: list[Problem] | None = None  # outsized_records(index) of the last edit (None: not made yet)


@dataclass(slots=True)
class WarmState:
    """What a long-running caller (`serve`) keeps in memory from one build to the next, so that
    a rebuild reads from disk only what changed: the cache entries it used, the manifest of
    the output and the model (`live`). Only the process that made it may use it; the disk
    cache stays the reference: `unsaved` says the manifest on disk is behind (see flush)."""

    entries: dict[tuple[str, str], object] = field(default_factory=dict)
    manifest: cache.Manifest | None = None
    live: LiveSite | None = None
    unloaded: tuple[SourceFiles, Stamps] | None = None  # what an up-to-date check that left the model unloaded found (build's load_model)
    unsaved: bool = False
    unwritten: list[tuple[cache.ChunkStore, str, str, object]] = field(default_factory=list)  # (store, key, kind, value)
    later: list[Any] = field(default_factory=list)  # what an edit left to do after the browser was told (callables)
    when_idle: Any = None  # the last edit's collection-wide work (a callable): the downloads and JSON API

    def flush(self, idle: bool = True, interrupted: Any = lambda: False, final: bool = False) -> None:
        """Finish what an edit left for later. serve runs it once the browser was told (the
        cache entries, the download parts of the chunks it changed) and, with idle, when no
        save came for a while: then also the work whose cost follows the site's size (at
        100k figures, the downloads and JSON API take seconds, the manifest ~2 s), once for
        any number of edits; interrupted() says a save is waiting: the idle work stops (and
        is done the next time). A build runs it all first. final (serve stops): the manifest
        also gets the inputs' fingerprint when they are what the output was made from
        (verified_fingerprint)."""
        try:
            while self.later:
                self.later.pop(0)()
            for store, key, kind, value in self.unwritten:
                store.put(key, kind, value)
            self.unwritten.clear()
            if not idle:
                return
            if self.when_idle is not None:
                if not self.when_idle(interrupted):
                    return
                self.when_idle = None
        except CacheUnreadable:  # the cache lost what the edits relied on (pruned, removed by hand)
            self.forget()
            raise
        if interrupted():
            return
        if final and self.live is not None and self.manifest is not None and not self.manifest.fingerprint:
            found = verified_fingerprint(self.live)
            if found is not None:
                self.manifest.fingerprint, self.manifest.started_at = found
                self.unsaved = True
        if self.unsaved and self.live is not None and self.manifest is not None:
            cache.save_manifest(self.live.cache_dir, self.live.output, self.manifest)
        self.unsaved = False

    def forget(self) -> None:
        """Drop the model and the work edits left: the next build starts from the disk."""
        self.later, self.unwritten, self.when_idle = [], [], None
        self.live = self.manifest = self.unloaded = None
        self.unsaved = False


@dataclass(slots=True)
class BuildReport:
    config: SiteConfig
    output: Path
    figures: int = 0
    pages: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    stats: WriteStats = field(default_factory=WriteStats)
    seconds: float = 0.0
    written: int = 0  # files whose bytes changed (all of them on a clean build)
    removed: int = 0
    up_to_date: bool = False  # nothing changed since the last build: nothing was done
    edited: bool = False  # done by serve's edit path (live.apply_edit), not a build


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything read and validated from the content folder (tests and small tools)."""

    figures: tuple[Figure, ...]
    pages: tuple[Page, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadJob:
    """State shared (by fork) with the load workers."""

    sources: SourceFiles
    display_root: Path
    config: SiteConfig
    store: cache.ChunkStore
    reuse: bool  # False with --clean: parse every record again (and refresh the cache)
    code: str


@dataclass(frozen=True, slots=True)
class RenderJob:
    """State shared (by fork) with the render workers."""

    renderer: Renderer
    staging: Path
    previous: dict[str, Entry] | None
    store: cache.ChunkStore


def theme_dirs(project_dir: Path, name: str) -> list[Path]:
    """The project's own folder first (it overrides file by file), then the built-in theme:
    the installed package's copy, or else the checkout's (never both: a stray `static/` in
    site-packages must not end up in the site)."""
    installed = INSTALLED_THEME / name
    candidates = [project_dir / name, installed if installed.is_dir() else PACKAGE_ROOT / name]
    found: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in found]:
            found.append(folder)
    return found


def resolve_config(options: BuildOptions) -> tuple[SiteConfig, list[Problem]]:
    config_path = options.config_path or options.project_dir / "site.yml"
    if options.config_path is not None and not options.config_path.exists():
        raise BuildError([Problem(str(options.config_path), 0, "", "config file not found")])
    overrides = {"base_url": options.base_url}
    if options.output_dir is not None:
        overrides["output"] = str(options.output_dir)
    return load_config(config_path, overrides)


def display_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- chunks and loading -------------------------------------------------------------------


def chunk_paths(paths: Sequence[Path]) -> list[tuple[Path, ...]]:
    """Runs of record files in name order, cut where a file name's hash says so."""
    chunks: list[tuple[Path, ...]] = []
    current: list[Path] = []
    for path in paths:
        if current and (starts_chunk(path) or len(current) >= CHUNK_MAX):
            chunks.append(tuple(current))
            current = []
        current.append(path)
    if current:
        chunks.append(tuple(current))
    return chunks


def starts_chunk(path: Path) -> bool:
    return zlib.crc32(path.name.encode("utf-8")) % CHUNK_TARGET == 0


def rechunk(chunks: list[tuple[Path, ...]], added: Sequence[Path], removed: set[Path]) -> list[tuple[Path, ...]]:
    """chunk_paths of the files once `added` came and `removed` went, made again only around
    them: the cuts before the chunk that starts by its name ahead of the first change, and from
    the first one after the last change that starts by its name, stay where they are."""
    if not chunks or not (added or removed):
        return chunk_paths(sorted(added)) if not chunks else chunks
    firsts = [chunk[0] for chunk in chunks]
    places = [max(0, bisect.bisect_right(firsts, path) - 1) for path in (*added, *removed)]
    low, high = min(places), max(places)
    while low > 0 and (not starts_chunk(firsts[low]) or firsts[low] in removed):
        low -= 1
    while high + 1 < len(chunks) and not starts_chunk(firsts[high + 1]):
        high += 1
    region = sorted({path for chunk in chunks[low:high + 1] for path in chunk if path not in removed} | set(added))
    return chunks[:low] + chunk_paths(region) + chunks[high + 1:]


def record_inputs(job: LoadJob, path: Path) -> tuple[str, bytes, dict[str, tuple[str, bytes]]]:
    name = display_name(path, job.display_root)
    tables = {
        kind: (display_name(table, job.display_root), table.read_bytes())
        for kind, table in sorted(job.sources.tables.get(path.stem, {}).items())
    }
    return name, path.read_bytes(), tables


def load_chunks(job: LoadJob, chunks: Sequence[tuple[Path, ...]]) -> list[ChunkResult]:
    """Worker: each chunk from the cache, or parsed (its records then go to the cache for rendering)."""
    results = []
    for paths in chunks:
        inputs = [record_inputs(job, path) for path in paths]
        key = chunk_key(job, inputs)
        found = get_result(job.store, key) if job.reuse else None
        if found is not None and job.store.has(key):
            job.store.touch([key])
            results.append(found)
            continue
        result, figures = parse_chunk(key, inputs, job.config)
        job.store.put(key, "records", figures)
        job.store.put(key, "downloads", downloads.download_parts([f for _, f in figures], job.config))
        for kind, value in result_entries(result):
            job.store.put(key, kind, value)
        results.append(result)
    return results


RecordInputs = tuple[str, bytes, dict[str, tuple[str, bytes]]]  # (name, bytes, kind -> (table name, bytes))


def chunk_key(job: LoadJob, inputs: Sequence[RecordInputs]) -> str:
    """A chunk's content key: its files' names and bytes, the code and the site URL."""
    return cache.digest(job.code, job.config.site_url, *(
        part for name, data, tables in inputs for part in (name, data, *(p for t in tables.values() for p in t))
    ))




def shared_strings(store: cache.ChunkStore, result: ChunkResult) -> ChunkResult:
    """One string object per gene symbol, organism, year and journal in the summaries the index
    keeps: chunks parsed here or in a worker bring copies (5M symbol strings at 100k figures,
    ~250 MB; the cache's codec reads names as one object each already). A result kept in
    memory (serve) is done once."""
    if store.memo is not None and store.memo.get((result.key, "shared")) is result:
        return result

    def names(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(map(sys.intern, values))

    summaries = tuple(
        replace(s, symbols=names(s.symbols), known_organisms=names(s.known_organisms), year=sys.intern(s.year),
                journal_title=sys.intern(s.journal_title), lines=tuple((sys.intern(k), v) for k, v in s.lines))
        for s in result.summaries
    )
    search = result.search
    if store.memo is not None:  # serve keeps the search records too: the same strings, once
        search = tuple(
            replace(r, genes=s.symbols if r.genes == s.symbols else names(r.genes),
                    organisms=s.known_organisms if r.organisms == s.known_organisms else names(r.organisms),
                    title=s.title if r.title == s.title else r.title, year=s.year if r.year == s.year else r.year,
                    gene_organisms=names(r.gene_organisms), keywords=names(r.keywords))
            for s, r in zip(summaries, result.search)
        )
    shared = replace(result, summaries=summaries, search=search)
    store.remember(result.key, "result", shared)
    store.remember(result.key, "shared", shared)
    return shared


def parse_chunk(key: str, inputs: Sequence[RecordInputs], config: SiteConfig,
                known: tuple[ChunkResult, Records] | None = None) -> tuple[ChunkResult, Records]:
    """known: an earlier result and records of the chunk; a record whose files kept their
    bytes is taken from them (with its summary, search record and warnings) instead of being
    parsed again."""
    errors, warnings, skipped, digests = [], [], [], []
    figures: list[tuple[Figure, FigureSummary | None, SearchRecord | None]] = []
    earlier = {digest: (figure, summary, search) for (digest, figure), summary, search
               in zip(known[1], known[0].summaries, known[0].search)} if known else {}
    for name, data, tables in inputs:
        digest = cache.digest(name, data, *(part for table in tables.values() for part in table))
        if digest in earlier:
            files = {name, *(table_name for table_name, _ in tables.values())}
            warnings += [problem for problem in known[0].warnings if problem.path in files]
            figures.append(earlier[digest])
            digests.append(digest)
            continue
        loaded = load_figure(data, name, tables)
        errors += loaded.errors
        warnings += loaded.warnings
        if loaded.figure is None:
            skipped.append(name)
        else:
            figures.append((loaded.figure, None, None))
            digests.append(digest)
    result = ChunkResult(
        key, tuple(errors), tuple(warnings), tuple(skipped),
        summaries=tuple(summary or FigureSummary.of(f) for f, summary, _ in figures),
        search=tuple(search or search_record(f) for f, _, search in figures),
    )
    return result, tuple(zip(digests, (f for f, _, _ in figures)))


def read_content(sources: SourceFiles, display_root: Path, jobs: int = 1) -> Loaded:
    """Load and validate every record and page, all in memory (for tests and small tools)."""
    figures, errors, warnings, skipped = [], [], [], []
    for path in sources.figures:
        name = display_name(path, display_root)
        tables = {kind: (display_name(t, display_root), t.read_bytes()) for kind, t in sources.tables.get(path.stem, {}).items()}
        result: LoadResult = load_figure(path.read_bytes(), name, tables)
        errors += result.errors
        warnings += result.warnings
        if result.figure is not None:
            figures.append(result.figure)
        else:
            skipped.append(name)
    pages, page_errors = read_pages(sources, display_root)
    errors += list(sources.problems) + page_errors + orphan_tables(sources, {f.stem for f in sources.figures}, display_root)
    return Loaded(tuple(figures), tuple(pages), tuple(errors), tuple(warnings), tuple(skipped))


def read_pages(sources: SourceFiles, display_root: Path) -> tuple[list[Page], list[Problem]]:
    pages, errors = [], []
    for path in sources.pages:
        page, problems = load_page(path.read_bytes(), display_name(path, display_root))
        errors += problems
        if page is not None:
            pages.append(page)
    return pages, errors


OUTSIZED_PAGES = 500  # a record that alone adds more pages than this ...
OUTSIZED_SHARE = 0.05  # ... and more than this share of the site's pages is worth a warning


def outsized_records(index: SiteIndex) -> list[Problem]:
    """Records that alone add a large share of the site (say, a genes table of 100k rows
    that makes 100k gene pages): a warning, since such a record is more likely a mistake."""
    own_genes = Counter(listing.figids[0] for listing in index.genes if len(listing.figids) == 1)
    pages = len(index.figures) + len(index.genes) + len(index.organisms) + len(index.years) + len(index.journals)
    problems = []
    for figid, count in sorted(own_genes.items()):
        if count > OUTSIZED_PAGES and count > OUTSIZED_SHARE * pages:
            summary = index.figures[figid]
            problems.append(Problem(summary.source, summary.line_of("figid"), "genes",
                                    f"this record alone adds {count:,} gene pages ({count / pages:.0%} of the site's pages); "
                                    "check its genes table"))
    return problems


def orphan_tables(sources: SourceFiles, figids: set[str], display_root: Path) -> list[Problem]:
    return [
        Problem(display_name(path, display_root), 1, "", f"table for unknown figure {figid!r} (no figures/{figid}.md)")
        for figid, tables in sources.tables.items()
        if figid not in figids
        for path in tables.values()
    ]


# --- rendering figure pages in workers -----------------------------------------------------


def figure_inputs(renderer: Renderer, figure: Figure | FigureSummary) -> list[str]:
    """What a figure page is made of besides its own files and the site (templates, config,
    code): its organisms' page names and its genes' page names where they differ from the
    symbols. The one declaration of these inputs: chunk keys and page keys both use it."""
    slugs = [f"{o}={renderer.organism_slugs.get(o, '')}" for o in figure.known_organisms]
    if not renderer.gene_slugs:  # the usual case: every gene page has its rule's name (~5M lookups saved at 100k)
        return slugs
    return slugs + [f"{g}={renderer.gene_slugs[g]}" for g in figure.symbols if g in renderer.gene_slugs]


def render_key(renderer: Renderer, result: ChunkResult) -> str:
    """A chunk's figure pages' inputs: its files, the site as rendered (templates, code, config
    with its nav) and each figure's other inputs."""
    return cache.digest(renderer.site_inputs, result.key, *(part for s in result.summaries for part in (s.figid, *figure_inputs(renderer, s))))


def figure_key(renderer: Renderer, record_digest: str, figure: Figure) -> str:
    """A figure page's inputs: its record's files, the site and its other inputs."""
    return cache.digest(renderer.site_inputs, record_digest, *figure_inputs(renderer, figure))


def render_chunks(job: RenderJob, chunks: Sequence[tuple[str, ChunkResult]]) -> list[tuple[str, list[StagedFile]]]:
    """Worker: write the figure pages and tables of each chunk (only files whose bytes changed)."""
    done = []
    for key, result in chunks:
        files = []
        for digest, figure in job.store.require(result.key, "records"):
            kept = job.renderer.index.figures.get(figure.figid)
            if kept is None or kept.source != figure.source:
                continue  # dropped by the index (a duplicate figid): its page belongs to the first
            page = job.renderer.figure_page(figure, figure_key(job.renderer, digest, figure))
            files.append(stage_page(job.staging, job.previous, page))
            for path, data in downloads.figure_tables(figure):
                entry, staged = stage_file(job.staging, job.previous, path, data)
                files.append((path, entry, staged, ""))
        done.append((key, files))
    return done


@dataclass(frozen=True, slots=True)
class FilesJob:
    """Work that makes several files (the search index, the downloads): a task of its own among
    the page jobs, so that it runs on one core while the other renders pages."""

    make: Callable[[], Iterable[tuple[str, str | bytes]]]


def render_pages(state: tuple[list[site_pages.PageJob | FilesJob], Path, dict[str, Entry] | None],
                 numbers: Sequence[int]) -> list[StagedFile]:
    """Worker: render and stage a run of the site's other pages (listings, indexes, home ...)."""
    page_jobs, staging, previous = state
    files = []
    for number in numbers:
        job = page_jobs[number]
        if isinstance(job, FilesJob):
            files += [stage_data(staging, previous, path, data) for path, data in job.make()]
        else:
            files.append(stage_page(staging, previous, job()))
    return files


def page_tasks(page_jobs: list[site_pages.PageJob | FilesJob]) -> list[list[int]]:
    """The page jobs' numbers in worker tasks: each FilesJob alone, first (the longest), then
    runs of PAGE_CHUNK pages."""
    alone = [[n] for n, job in enumerate(page_jobs) if isinstance(job, FilesJob)]
    pages = [n for n, job in enumerate(page_jobs) if not isinstance(job, FilesJob)]
    return alone + [pages[start:start + PAGE_CHUNK] for start in range(0, len(pages), PAGE_CHUNK)]


# --- the build -------------------------------------------------------------------------------


def build(options: BuildOptions, *, check_only: bool = False, warm: WarmState | None = None,
          load_model: bool = True) -> BuildReport:
    """Bring the output up to date (build_pass); when the cache fails it (an entry that does not
    read: the cache is untrusted input), build again without it, as --clean does."""
    collecting = gc.isenabled()
    try:
        return build_pass(options, check_only=check_only, warm=warm, load_model=load_model)
    except CacheUnreadable as failure:
        if options.clean:
            raise
        if warm is not None:
            warm.forget()
        report = build_pass(replace(options, clean=True), check_only=check_only, warm=warm, load_model=load_model)
        report.warnings.insert(0, replace(failure.errors[0], message=failure.errors[0].message + "; built again without the cache"))
        return report
    finally:
        gc.enable() if collecting else gc.disable()  # build_pass holds it off while it makes the model


def model_made() -> None:
    """The model (the files found, every chunk's summaries, the index: ~20M objects at 100k
    figures, no reference cycles) is made with the garbage collector off, which would otherwise
    walk it again and again as it grows (~0.5-1 s of a build at 100k); once made, it is moved
    out of the collector's sight, as serve does after each build (and forked workers then
    leave the pages that hold it shared)."""
    gc.freeze()
    gc.enable()


def build_pass(options: BuildOptions, *, check_only: bool = False, warm: WarmState | None = None,
               load_model: bool = True) -> BuildReport:
    """Bring the output up to date. warm: serve's state between builds, which then holds the
    model of this build (warm.live); load_model=False leaves the model unloaded when nothing
    changed (serve serves first and loads it next, see serve.loop.Rebuilder.warm_up): the
    files found then are kept (warm.unloaded), and the next build loads the model of that
    output from them, whatever was saved since (the saves are the edit path's to apply)."""
    started = time.perf_counter()
    if warm is not None:
        warm.flush()  # what the last edit left unsaved (the cache below reads the disk)
    gc.disable()  # until the model is made (model_made)
    config, config_warnings = resolve_config(options)
    project = options.project_dir
    content_dir, static_dirs, template_dirs = input_dirs(options)
    output = Path(config.output) if Path(config.output).is_absolute() else project / config.output
    report = BuildReport(config=config, output=output, warnings=list(config_warnings))
    if not content_dir.is_dir():
        raise BuildError([Problem(str(content_dir), 0, "", "content folder not found")])
    cache_dir = options.cache_dir or project / cache.CACHE_DIR_NAME
    cache.check_cache_dir(cache_dir)
    recovered = False
    if not check_only:
        config_dir = (options.config_path or project / "site.yml").parent
        protected = (content_dir, project, config_dir, cache_dir, *template_dirs, *static_dirs)
        check_output_dir(output, OutputRules(project, content_dir, protected, config.output if options.output_dir is None else None, options.force))
        if options.force:
            claim_output(output)
        recovered = recover_interrupted_swap(output, journal_path(cache_dir, output))  # finish or undo what a killed build left
    unloaded = warm.unloaded if warm is not None and load_model else None
    if unloaded and not other_inputs_unchanged(*unloaded):
        unloaded = None  # a content page or static file changed or went since: read from the disk below, so found anew
    if warm is not None:
        warm.unloaded = None
    sources, found_stamps = unloaded or discover_inputs(content_dir, static_dirs, template_dirs)
    jobs = options.jobs or default_jobs()
    progress = Progress(enabled=options.progress)
    code = cache.code_version()
    templates = snapshot_templates(template_dirs)
    site_key = cache.digest(pages_key(code, config), *(part for name, (text, _) in sorted(templates.items()) for part in (name, text)))
    started_at = time.time()
    stamps = found_stamps if not check_only else {}
    fingerprint, newest = fingerprint_of(site_key, stamps) if not check_only else ("", 0.0)
    head = None if options.clean or check_only or recovered else cache.load_head(cache_dir, output)
    up_to_date = head is not None and head.fingerprint == fingerprint and newest < head.started_at - RACY_SECONDS
    if up_to_date and (warm is None or warm.live is not None or not load_model):
        if warm is not None and warm.live is None:
            warm.unloaded = (sources, stamps)
        return up_to_date_report(report, head, started, options.strict)
    manifest = None if options.clean or check_only else warm_manifest(warm, output) or cache.load_manifest(cache_dir, output)
    # serve starting on an output that is up to date: nothing to write, but the model to load
    up_to_date = up_to_date and manifest is not None

    memo = warm.entries if warm is not None and not check_only else None
    store = cache.ChunkStore(cache_dir, CHUNK_ENTRIES, writable=not check_only, memo=memo)  # `check` writes nothing
    job = LoadJob(sources, Path.cwd(), config, store, not options.clean, code)
    chunks = chunk_paths(sources.figures)
    known = known_results(job, chunks, stamps, manifest) if stamps else [("", None)] * len(chunks)
    loaded: list[ChunkResult | None] = [result for _, result in known]
    todo = [number for number, result in enumerate(loaded) if result is None]
    fresh = frozenset(todo)  # the chunks read again: the others are the last build's
    store.touch([result.key for result in loaded if result is not None])
    with progress.stage("load", len(sources.figures)) as bar:
        bar.advance(sum(len(r.summaries) + len(r.skipped) for r in loaded if r is not None))
        parsed = map_chunks(load_chunks, job, [chunks[n] for n in todo], jobs=jobs, chunk_size=1)
        for number, batch in zip(todo, parsed, strict=True):  # strict: runs the generator to its end, which closes its pool
            loaded[number] = batch[0]
            bar.advance(len(batch[0].summaries) + len(batch[0].skipped))
    # the cache's codec reads names as shared objects already; serve shares more (shared_strings)
    results = [shared_strings(store, result) if number in fresh or memo is not None else result
               for number, result in enumerate(loaded) if result is not None]
    # taken before the pages are read: a page saved in between makes the next build check every page
    other_key = other_content_key(sources) if not check_only else ""
    pages, page_errors = read_pages(sources, Path.cwd())
    index, index_problems = build_index((s for r in results for s in r.summaries), pages)
    model_made()
    report.errors = list(sources.problems) + [p for r in results for p in r.errors] + page_errors + index_problems
    report.errors += orphan_tables(sources, {f.stem for f in sources.figures}, Path.cwd())
    report.warnings += [p for r in results for p in r.warnings] + outsized_records(index)
    report.skipped = [name for r in results for name in r.skipped]
    report.figures = len(index.figures)
    if options.strict and report.warnings:
        report.errors += report.warnings
        report.warnings = []
    if report.errors and not options.keep_going:
        raise BuildError(report.errors, report.warnings)
    if up_to_date and warm is not None and not report.errors:
        warm.manifest, warm.unsaved = manifest, False
        warm.live = LiveSite(options, config, tuple(config_warnings), code, site_key, make_environment(templates), sources,
                             chunks, [stamp for stamp, _ in known], results, index, output, cache_dir,
                             other_stamps=other_inputs_key(sources, stamps))
        return up_to_date_report(report, head, started)
    if not check_only:
        env = make_environment(templates)
        site_job = SiteJob(config, code, site_key, env, sources, output, jobs, store, manifest, progress,
                           journal_path(cache_dir, output), fresh, other_key)
        if warm is not None:
            warm.live, warm.unsaved = None, False  # this build saves a manifest of its own
        cache.forget_manifest(cache_dir, output)  # until the new one is saved, the next build starts clean
        written = write_site(site_job, index, results, report)
        written.fingerprint = fingerprint if not report.errors else ""  # a build with errors is redone next time
        written.started_at = started_at
        written.chunk_keys = {stamp: result.key for (stamp, _), result in zip(known, results) if stamp}
        cache.save_manifest(cache_dir, output, written, report.stats)
        store.prune({r.key for r in results})
        if warm is not None:
            warm.manifest = written
            if not report.errors and len(results) == len(chunks):
                warm.live = LiveSite(options, config, tuple(config_warnings), code, site_key, env, sources, chunks,
                                     [stamp for stamp, _ in known], results, index, output, cache_dir,
                                     other_stamps=other_inputs_key(sources, stamps))
    report.seconds = time.perf_counter() - started
    return report


def input_dirs(options: BuildOptions) -> tuple[Path, list[Path], list[Path]]:
    """The content folder and the static and template folders (the project's, then the theme's)."""
    project = options.project_dir
    return options.content_dir or project / "content", theme_dirs(project, "static"), theme_dirs(project, "templates")


def discover_inputs(content_dir: Path, static_dirs: list[Path], template_dirs: list[Path]) -> tuple[SourceFiles, Stamps]:
    """What discover finds in input_dirs (a static file of the project's wins over the theme's),
    and the stamps of the files."""
    return discover_stamped(content_dir, tuple(reversed(static_dirs)), tuple(template_dirs))


def other_inputs(sources: SourceFiles) -> tuple[Path, ...]:
    """The inputs that are not records or tables: the content pages and static files."""
    return (*sources.pages, *(path for path, _ in sources.static))


def other_inputs_key(sources: SourceFiles, stamps: Stamps) -> str:
    """A digest of the other inputs' stamps (serve's fingerprint on exit)."""
    return cache.digest(*(f"{path}\0{stamps[str(path)]}" for path in other_inputs(sources)))


def other_inputs_unchanged(sources: SourceFiles, stamps: Stamps) -> bool:
    """Whether the content pages and static files found are still there with these stamps."""
    try:
        return all(stamps.get(str(path)) == ((stat := path.stat()).st_size, stat.st_mtime_ns) for path in other_inputs(sources))
    except OSError:
        return False


def other_content_key(sources: SourceFiles) -> str:
    """A digest of the other inputs' names and bytes (a checkout gives every file a new time
    stamp; these are few and small next to the records)."""
    return cache.digest(*(part for path in other_inputs(sources) for part in (str(path), path.read_bytes())))


def verified_fingerprint(live: LiveSite) -> tuple[str, float] | None:
    """(fingerprint, time) of the inputs as they are now, when they are what the output was made
    from: the files found are the model's, every chunk of records and tables has the stamps the
    edit path last read it with, the pages and static files those of the last build, and no
    file is younger than RACY_SECONDS. serve records it on exit, so that its next start finds
    the output up to date after edits; None (compare every input next time) otherwise."""
    started_at = time.time()
    sources, stamps = discover_inputs(*input_dirs(live.options))
    if sources != live.sources:
        return None
    job = LoadJob(sources, Path.cwd(), live.config, None, True, live.code)
    if [chunk_stamp(job, paths, stamps)[0] for paths in live.chunks] != live.stamps:
        return None
    if other_inputs_key(sources, stamps) != live.other_stamps:
        return None
    fingerprint, newest = fingerprint_of(live.site_key, stamps)
    if newest >= started_at - RACY_SECONDS:
        return None
    return fingerprint, started_at


def fingerprint_of(site_key: str, stamps: Stamps) -> tuple[str, float]:
    """A digest of the names, sizes and modification times of every input (equal: nothing
    changed), and the newest modification time (an input changed within RACY_SECONDS of the
    last build cannot be trusted to its time stamp, as git knows)."""
    parts = "\0".join(f"{path}\0{size}\0{mtime}" for path, (size, mtime) in stamps.items())  # no file name holds a NUL
    return cache.digest(site_key, parts), max((mtime for _, mtime in stamps.values()), default=0) / 1e9


def chunk_stamp(job: LoadJob, paths: Sequence[Path], stamps: Stamps) -> tuple[str, float]:
    """Like the chunk's content key, from time stamps: lets an unchanged chunk skip reading its files."""
    parts: list[str] = []
    newest = 0
    tables = job.sources.tables
    for path in paths:
        found = tables.get(path.name[:-3])  # a record's name ends with '.md' (discover)
        for file in (str(path), *(str(found[kind]) for kind in sorted(found))) if found else (str(path),):
            size, mtime = stamps[file]
            parts.append(f"{file}\0{size}:{mtime}")  # no file name holds a NUL
            if mtime > newest:
                newest = mtime
    return cache.digest(job.code, job.config.site_url, "\0".join(parts)), newest / 1e9


def warm_manifest(warm: WarmState | None, output: Path) -> cache.Manifest | None:
    """The manifest this process saved last for this output, if it kept one."""
    if warm is None or warm.manifest is None or warm.manifest.output != str(output.resolve()) or not output.is_dir():
        return None
    return warm.manifest


def known_results(job: LoadJob, chunks: list[tuple[Path, ...]], stamps: Stamps,
                  manifest: cache.Manifest | None) -> list[tuple[str, ChunkResult | None]]:
    """(stamp, cached result or None) per chunk: a chunk whose files kept their stamps since the
    last build is taken from the cache without reading them (None: read and hash them)."""
    found = []
    for paths in chunks:
        stamp, newest = chunk_stamp(job, paths, stamps)
        key = manifest.chunk_keys.get(stamp) if manifest and job.reuse else None
        result = None
        if key and newest < manifest.started_at - RACY_SECONDS and job.store.has(key):
            result = get_result(job.store, key)
        found.append((stamp, result))
    return found


def up_to_date_report(report: BuildReport, head: cache.ManifestHead, started: float, strict: bool = False) -> BuildReport:
    """The report of a build that found nothing to do: the last build's, whose warnings (the
    config's among them) are shown again, and are errors with --strict as in any other build."""
    report.up_to_date = True
    report.warnings = list(head.warnings)
    if strict and report.warnings:
        raise BuildError(report.warnings, [])
    stats = WriteStats()
    for kind, (files, size) in sorted(head.by_kind.items()):
        stats.files, stats.bytes = stats.files + files, stats.bytes + size
        stats.by_kind[kind] = [files, size]
    report.stats, report.pages = stats, stats.files
    report.figures = head.figures
    report.seconds = time.perf_counter() - started
    return report


def pages_key(code: str, config: SiteConfig) -> str:
    """What every page is made with besides its templates (render.Renderer.template_key): the
    code and the config as read."""
    return cache.digest(code, repr(config))


def existing_nav(config: SiteConfig, index: SiteIndex) -> SiteConfig:
    """Drop default nav links to content pages the site does not have (e.g. no about.md)."""
    page_paths = {f"{page.slug}.html" for page in index.pages}
    built_in = {"search.html", "analyse.html", "downloads.html", "statistics.html", "index.html"}
    keep = tuple(
        link for link in config.nav
        if "/" in link.url or link.url in page_paths or link.url in built_in or "://" in link.url
    )
    return replace(config, nav=keep)


@dataclass(frozen=True, slots=True)
class SiteJob:
    """What write_site needs besides the index and the chunk results."""

    config: SiteConfig
    code: str  # cache.code_version()
    site_key: str
    env: Any  # jinja2 environment of the templates hashed into site_key (make_environment)
    sources: SourceFiles
    output: Path
    jobs: int
    store: cache.ChunkStore
    manifest: cache.Manifest | None
    progress: Progress
    journal: Path  # where an incremental commit keeps its plan
    fresh: frozenset[int] = frozenset()  # the chunks read again (the others are the last build's)
    other_key: str = ""  # other_content_key of the pages and static files found


def carry_pages_over(site: StagedSite, manifest: cache.Manifest, replaced_chunks: list[str]) -> None:
    """Start from the last build's pages (the figures keep their places: reuse.figures_in_place);
    the other files, and the pages of the chunks read again (by their last render keys), are
    written again or are gone."""
    site.carry_over(manifest.files, manifest.keys)
    for path in manifest.files:
        if path not in manifest.keys and path != MARKER:
            site.drop(path)  # not a page: a table, data, download, static or search file
    for key in replaced_chunks:
        for path in manifest.chunks.get(key, ()):
            site.drop(path)


def write_site(site_job: SiteJob, index: SiteIndex, results: list[ChunkResult], report: BuildReport) -> cache.Manifest:
    """Render and write the site; returns the manifest of what the output now holds."""
    config, site_key, sources, store, manifest, progress = (
        site_job.config, site_job.site_key, site_job.sources, site_job.store, site_job.manifest, site_job.progress)
    jobs, output = site_job.jobs, site_job.output
    config = existing_nav(config, index)
    previous = manifest.files if manifest else None
    previous_keys = manifest.keys if manifest else None
    renderer = Renderer(site_job.env, config, index, pages_key(site_job.code, site_job.config), previous_keys)
    chunk_files: dict[str, tuple[str, ...]] = {}
    before = previous_results(store, manifest, results, site_job.fresh)
    shown = None if report.errors else figures_in_place(site_job, index, results, before)
    with StagedSite(output, site_job.journal, previous) as site:
        if shown is not None:
            carry_pages_over(site, manifest, [render_key(renderer, before[number]) for number in site_job.fresh])
        todo = []
        for result in results:
            key = render_key(renderer, result)
            kept = manifest.chunks.get(key) if manifest else None
            if kept is not None and all(path in manifest.files for path in kept):
                for path in kept:
                    site.record(path, manifest.files[path], False)
                    if path in manifest.keys:
                        site.keys[path] = manifest.keys[path]
                chunk_files[key] = kept
            else:
                todo.append((key, result))
        if shown is None:
            page_jobs = [FilesJob(partial(site_pages.list_files, renderer)), *site_pages.site_page_jobs(renderer)]
        else:
            keep_files(site, manifest, lists.FOLDER + "/")  # every figure kept its doc id and its lists
            page_jobs = site_pages.unique_jobs([job for summary in shown for job in site_pages.pages_showing(renderer, summary, in_place=True)])
        with progress.stage("search index", len(index.figures)) as bar:
            search = search_key(site_job.code, results, index)
            analysis_key, search_jobs = plan_search(site, site_job, results, before, index, search)
            bar.advance(len(index.figures))
        # the search index and downloads are made with the pages, each in a task of its own
        parts = partial(download_parts, results, index, store, config)
        page_jobs = [*map(FilesJob, search_jobs), FilesJob(partial(downloads.download_files, parts)),
                     FilesJob(partial(downloads.api_files, parts)), *page_jobs]
        # figure pages (figures/) in one lane, the other pages (genes/, lists/, search/, ...) in another
        lanes = [Lane(render_chunks, RenderJob(renderer, site.staging, previous, store), [[chunk] for chunk in todo]),
                 Lane(render_pages, (page_jobs, site.staging, previous), page_tasks(page_jobs))]
        with progress.stage("render pages", sum(len(r.summaries) for _, r in todo) + len(page_jobs)) as bar:
            for lane, batch in map_lanes(lanes, jobs=jobs):
                if lane == 0:
                    for key, files in batch:
                        site.record_all(files)
                        chunk_files[key] = tuple(path for path, _, _, _ in files)
                        bar.advance(sum(1 for path, *_ in files if path.endswith(".html")))
                else:
                    site.record_all(batch)
                    bar.advance(len(batch))
            for path, data in site_pages.data_files(renderer):
                site.write(path, data)
            for source, rel in sources.static:
                site.copy(source, "static/" + rel)
        with progress.stage("write", 0):
            site.commit()
    report.stats = site.stats
    report.pages = report.stats.files
    report.written = len(site.staged) if previous is not None else len(site.files)
    report.removed = len(set(previous or ()) - set(site.files))
    return cache.Manifest(str(output.resolve()), "", time.time(), site.files, chunk_files, tuple(report.warnings),
                          len(index.figures), site.keys, search, analysis_key=analysis_key, site_key=site_key,
                          other_key=site_job.other_key)


def download_parts(results: list[ChunkResult], index: SiteIndex, store: cache.ChunkStore, config: SiteConfig) -> Iterable[downloads.DownloadParts]:
    """Each chunk's part; a chunk holding a figure the index dropped (a duplicate) is redone without it."""
    for result in results:
        parts = store.get(result.key, "downloads") if all(kept_by(index, s) for s in result.summaries) else None
        if parts is not None:
            yield parts
            continue  # else made again: an entry that is unreadable (an untrusted cache) too
        figures = [figure for _, figure in store.require(result.key, "records")]
        kept = {s.source for s in result.summaries if kept_by(index, s)}
        yield downloads.download_parts([f for f in figures if f.source in kept], config)


