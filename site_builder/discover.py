"""Walk the content and static folders: every input file, with its role, found once."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from .errors import BuildError
from .model import Problem, SourceFiles

TABLE_KINDS = ("genes", "chemicals", "diseases")
# The PFOCR database (Jekyll) keeps records in _figures/ and tables in _data/.
FIGURE_DIRS = ("figures", "_figures")
DATA_DIRS = ("data", "_data")
PAGE_DIRS = ("pages", "_pages")


def discover(content_dir: Path, static_dirs: tuple[Path, ...] = ()) -> SourceFiles:
    figures = sorted(_files(content_dir, FIGURE_DIRS, ".md"))
    tables: dict[str, dict[str, Path]] = {}
    for path in sorted(_files(content_dir, DATA_DIRS, ".tsv")):
        figid, kind = split_table_name(path.name)
        if kind:
            tables.setdefault(figid, {})[kind] = path
    pages = sorted(_files(content_dir, PAGE_DIRS, ".md"))
    static: dict[str, Path] = {}
    for folder in static_dirs:  # later folders override earlier ones (theme, then site)
        for path in _walk(folder):
            static[path.relative_to(folder).as_posix()] = path
    return SourceFiles(
        content_dir=content_dir,
        figures=tuple(figures),
        tables=tables,
        pages=tuple(pages),
        static=tuple((path, rel) for rel, path in sorted(static.items())),
    )


def split_table_name(name: str) -> tuple[str, str]:
    """'PMC1__x-genes.tsv' -> ('PMC1__x', 'genes'); unknown names give ('', '')."""
    stem = name[: -len(".tsv")]
    for kind in TABLE_KINDS:
        if stem.endswith("-" + kind):
            return stem[: -len(kind) - 1], kind
    return "", ""


def _files(content_dir: Path, folders: tuple[str, ...], suffix: str) -> list[Path]:
    found = []
    for folder in folders:
        directory = content_dir / folder
        if directory.is_dir():
            with os.scandir(directory) as entries:
                found += [Path(e.path) for e in entries if e.name.endswith(suffix) and e.is_file()]
    return found


def _walk(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / f for f in sorted(files) if not f.startswith(".")]
    return found


def snapshot_templates(template_dirs: Sequence[Path]) -> dict[str, tuple[str, str]]:
    """Every template a build may use, read once: name -> (text, file), the first folder winning (a
    site's own templates override the built-in ones file by file). The build hashes and renders
    these same texts, so a template saved during a build cannot give pages that do not match
    their keys. A symbolic link must stay inside the template folders."""
    found: dict[str, tuple[str, str]] = {}
    roots = [folder.resolve() for folder in template_dirs]
    problems: list[Problem] = []
    for folder in template_dirs:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = Path(root) / name
                relative = path.relative_to(folder).as_posix()
                if relative in found:
                    continue
                target = path.resolve()
                if not any(target == r or r in target.parents for r in roots):
                    problems.append(Problem(str(path), 0, "", "symlink to outside the site"))
                    continue
                try:
                    found[relative] = (path.read_bytes().decode("utf-8"), str(path))
                except UnicodeDecodeError as exc:
                    problems.append(Problem(str(path), 0, "", f"template is not UTF-8 text ({exc.reason} at byte {exc.start})"))
    if problems:
        raise BuildError(problems)
    return found
