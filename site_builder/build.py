"""Orchestration only: config -> discover -> load -> index -> render -> write."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import pages as site_pages
from .config import SiteConfig, load_config
from .discover import discover
from .errors import BuildError
from .index import build_index
from .load import LoadResult, load_figure, load_page
from .parallel import default_jobs, map_chunks
from .model import Figure, Page, Problem, SiteIndex, SourceFiles
from .render import Renderer, make_environment
from .search import search_records, write_search_index
from .write import StagedSite, WriteStats, check_output_dir

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_THEME = Path(sys.prefix) / "share" / "site-builder"
LOAD_CHUNK = 500
RENDER_CHUNK = 500


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


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything read and validated from the content folder."""

    figures: tuple[Figure, ...]
    pages: tuple[Page, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    skipped: tuple[str, ...]


def theme_dirs(project_dir: Path, name: str) -> list[Path]:
    """The project's own folder first (it overrides), then the built-in theme."""
    candidates = [project_dir / name, PACKAGE_ROOT / name, INSTALLED_THEME / name]
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


def read_content(sources: SourceFiles, display_root: Path, jobs: int = 1) -> Loaded:
    """Load and validate every record and page; problems are collected, not raised."""
    figures, errors, warnings, skipped = [], [], [], []
    results = map_chunks(load_chunk, (sources, display_root), sources.figures, jobs=jobs, chunk_size=LOAD_CHUNK)
    for chunk in results:
        for name, result in chunk:
            errors += result.errors
            warnings += result.warnings
            if result.figure is not None:
                figures.append(result.figure)
            else:
                skipped.append(name)
    pages = []
    for path in sources.pages:
        page, problems = load_page(path.read_bytes(), display_name(path, display_root))
        errors += problems
        if page is not None:
            pages.append(page)
    errors += orphan_tables(sources, {f.stem for f in sources.figures}, display_root)
    return Loaded(tuple(figures), tuple(pages), tuple(errors), tuple(warnings), tuple(skipped))


def load_chunk(state: tuple[SourceFiles, Path], paths: list[Path]) -> list[tuple[str, LoadResult]]:
    sources, display_root = state
    results = []
    for path in paths:
        name = display_name(path, display_root)
        tables = {
            kind: (display_name(table, display_root), table.read_bytes())
            for kind, table in sources.tables.get(path.stem, {}).items()
        }
        results.append((name, load_figure(path.read_bytes(), name, tables)))
    return results


def orphan_tables(sources: SourceFiles, figids: set[str], display_root: Path) -> list[Problem]:
    return [
        Problem(display_name(path, display_root), 1, "", f"table for unknown figure {figid!r} (no figures/{figid}.md)")
        for figid, tables in sources.tables.items()
        if figid not in figids
        for path in tables.values()
    ]


def display_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def build(options: BuildOptions, *, check_only: bool = False) -> BuildReport:
    started = time.perf_counter()
    config, config_warnings = resolve_config(options)
    project = options.project_dir
    content_dir = options.content_dir or project / "content"
    output = Path(config.output) if Path(config.output).is_absolute() else project / config.output
    report = BuildReport(config=config, output=output, warnings=list(config_warnings))
    if not content_dir.is_dir():
        raise BuildError([Problem(str(content_dir), 0, "", "content folder not found")])
    static_dirs = theme_dirs(project, "static")
    sources = discover(content_dir, tuple(reversed(static_dirs)))
    jobs = options.jobs or default_jobs()
    loaded = read_content(sources, Path.cwd(), jobs)
    index, index_problems = build_index(loaded.figures, loaded.pages)
    report.errors = list(loaded.errors) + index_problems
    report.warnings += loaded.warnings
    report.skipped = list(loaded.skipped)
    report.figures = len(index.figures)
    if options.strict and report.warnings:
        report.errors += report.warnings
        report.warnings = []
    if report.errors and not options.keep_going:
        raise BuildError(report.errors, report.warnings)
    if not check_only:
        check_output_dir(output, [content_dir, project, *theme_dirs(project, "templates"), *static_dirs])
        write_site(index, config, project, sources, output, report, jobs)
    report.seconds = time.perf_counter() - started
    return report


def existing_nav(config: SiteConfig, index: SiteIndex) -> SiteConfig:
    """Drop default nav links to content pages the site does not have (e.g. no about.md)."""
    page_paths = {f"{page.slug}.html" for page in index.pages}
    built_in = {"search.html", "downloads.html", "statistics.html", "index.html"}
    keep = tuple(
        link for link in config.nav
        if "/" in link.url or link.url in page_paths or link.url in built_in or "://" in link.url
    )
    return replace(config, nav=keep)


def write_site(index: SiteIndex, config: SiteConfig, project: Path, sources: SourceFiles, output: Path,
               report: BuildReport, jobs: int = 1) -> None:
    config = existing_nav(config, index)
    env = make_environment(theme_dirs(project, "templates"))
    renderer = Renderer(env, config, index)
    with StagedSite(output) as site:
        for stats in map_chunks(render_figures, (renderer, site.staging), index.newest_first, jobs=jobs, chunk_size=RENDER_CHUNK):
            site.stats.merge(stats)
        site.write_pages(site_pages.render_site_pages(renderer))
        for path, text in site_pages.data_files(renderer):
            site.write(path, text)
        for source, rel in sources.static:
            site.copy(source, "static/" + rel)
        write_search_index(search_records(index), site.staging)
        site.commit()
    report.stats = site.stats
    report.pages = site.stats.files


def render_figures(state: tuple[Renderer, Path], figids: list[str]) -> WriteStats:
    """Render and write a chunk of figure pages (figids are unique, so paths cannot collide)."""
    renderer, staging = state
    stats = WriteStats()
    (staging / "figures").mkdir(parents=True, exist_ok=True)
    for figid in figids:
        page = renderer.figure_page(renderer.index.figures[figid])
        data = page.text.encode("utf-8")
        (staging / page.path).write_bytes(data)
        stats.add(page.path, len(data))
    return stats
