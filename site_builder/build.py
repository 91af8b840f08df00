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
from .load import load_figure, load_page
from .model import Figure, Page, Problem, SiteIndex, SourceFiles
from .render import Renderer, make_environment
from .write import StagedSite, WriteStats, check_output_dir

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_THEME = Path(sys.prefix) / "share" / "site-builder"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    project_dir: Path = Path(".")
    content_dir: Path | None = None
    output_dir: Path | None = None
    config_path: Path | None = None
    base_url: str | None = None
    strict: bool = False
    keep_going: bool = False


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


def read_content(sources: SourceFiles, display_root: Path) -> Loaded:
    """Load and validate every record and page; problems are collected, not raised."""
    figures, errors, warnings, skipped = [], [], [], []
    for path in sources.figures:
        name = display_name(path, display_root)
        tables = {
            kind: (display_name(table, display_root), table.read_bytes())
            for kind, table in sources.tables.get(path.stem, {}).items()
        }
        result = load_figure(path.read_bytes(), name, tables)
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
    loaded = read_content(sources, Path.cwd())
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
        write_site(index, config, project, sources, output, report)
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


def write_site(index: SiteIndex, config: SiteConfig, project: Path, sources: SourceFiles, output: Path, report: BuildReport) -> None:
    config = existing_nav(config, index)
    env = make_environment(theme_dirs(project, "templates"))
    renderer = Renderer(env, config, index)
    with StagedSite(output) as site:
        for figid in index.newest_first:
            site.write_pages([renderer.figure_page(index.figures[figid])])
        site.write_pages(site_pages.render_site_pages(renderer))
        for path, text in site_pages.data_files(renderer):
            site.write(path, text)
        for source, rel in sources.static:
            site.copy(source, "static/" + rel)
        site.commit()
    report.stats = site.stats
    report.pages = site.stats.files
