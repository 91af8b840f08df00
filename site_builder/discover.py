"""Walk the content and static folders: every input file, with its role, found once.

Nothing a repository ships is trusted: a symlink whose target lies outside the site's folders
(content, templates, static) is refused (`content/pages/env.md -> /proc/self/environ` would
publish the build's environment), and so is a file name that is not valid UTF-8; both are
reported as problems of the file (its name escaped) and the file is left out.
"""
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
OUTSIDE = "symlink to outside the site"


Stamps = dict[str, tuple[int, int]]  # path (a string: hashing 157k Path objects costs ~0.3 s) -> (size, modification time in ns)


def discover(content_dir: Path, static_dirs: tuple[Path, ...] = (), template_dirs: tuple[Path, ...] = ()) -> SourceFiles:
    return discover_stamped(content_dir, static_dirs, template_dirs)[0]


def discover_stamped(content_dir: Path, static_dirs: tuple[Path, ...] = (),
                     template_dirs: tuple[Path, ...] = ()) -> tuple[SourceFiles, Stamps]:
    """discover(), and the stamps (size, modification time) of the files found, taken in the
    same scan (at 100k records, a second pass over the paths costs ~0.5 s). A file that goes
    between the listing and its stat is not found."""
    walker = Walker((content_dir, *static_dirs, *template_dirs))
    figures = walker.files(content_dir, FIGURE_DIRS, ".md")
    tables: dict[str, dict[str, Path]] = {}
    for path in walker.files(content_dir, DATA_DIRS, ".tsv"):
        figid, kind = split_table_name(path.name)
        if kind:
            tables.setdefault(figid, {})[kind] = path
    pages = walker.files(content_dir, PAGE_DIRS, ".md")
    static: dict[str, Path] = {}
    for folder in static_dirs:  # later folders override earlier ones (theme, then site)
        for path in walker.walk(folder):
            static[path.relative_to(folder).as_posix()] = path
    sources = SourceFiles(
        content_dir=content_dir,
        figures=tuple(figures),
        tables=tables,
        pages=tuple(pages),
        static=tuple((path, rel) for rel, path in sorted(static.items())),
        problems=tuple(sorted(walker.problems, key=lambda p: p.path)),
    )
    return sources, walker.stamps


def split_table_name(name: str) -> tuple[str, str]:
    """'PMC1__x-genes.tsv' -> ('PMC1__x', 'genes'); unknown names give ('', '')."""
    stem = name[: -len(".tsv")]
    for kind in TABLE_KINDS:
        if stem.endswith("-" + kind):
            return stem[: -len(kind) - 1], kind
    return "", ""


def shown(path: Path | str) -> str:
    """A path for messages: relative to the working folder when under it, bytes that are not
    UTF-8 escaped (`\\xff`), so that printing it never fails."""
    text = os.fspath(path)
    try:
        text = os.path.relpath(text) if not os.path.relpath(text).startswith("..") else text
    except ValueError:  # another drive (Windows)
        pass
    return os.fsencode(text).decode("utf-8", "backslashreplace").replace(os.sep, "/")


def is_utf8(name: str) -> bool:
    """False for a name holding bytes that are not UTF-8 (surrogate-escaped by os)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Walker:
    """Lists files, leaving out (and reporting) symlinks that leave the site and non-UTF-8 names."""

    def __init__(self, roots: tuple[Path, ...]):
        self.roots = tuple(dict.fromkeys(os.path.realpath(root) for root in roots))
        self.problems: list[Problem] = []
        self.stamps: Stamps = {}

    def stamp(self, entry: os.DirEntry) -> tuple[int, int] | None:
        """The stamp of a file found (its target's, for a link); None if it is gone."""
        try:
            stat = entry.stat()
        except OSError:
            return None
        return stat.st_size, stat.st_mtime_ns

    def inside(self, path: str) -> bool:
        target = os.path.realpath(path)
        return any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def accept(self, path: str, name: str, is_link: bool) -> bool:
        if not is_utf8(name):
            self.problems.append(Problem(shown(path), 0, "", "file name is not valid UTF-8; rename the file"))
            return False
        if is_link and not self.inside(path):
            self.problems.append(Problem(shown(path), 0, "", OUTSIDE))
            return False
        return True

    def files(self, content_dir: Path, folders: tuple[str, ...], suffix: str) -> list[Path]:
        """The files of the folders with this suffix, in path order (sorted as strings: sorting
        Path objects costs seconds at 100k records)."""
        found: list[tuple[str, str, Path, str, tuple[int, int]]] = []
        for folder in folders:
            directory = content_dir / folder
            if not directory.is_dir():
                continue
            if directory.is_symlink() and not self.inside(str(directory)):
                self.problems.append(Problem(shown(directory), 0, "", OUTSIDE))
                continue
            with os.scandir(directory) as entries:
                for entry in entries:
                    if (entry.name.endswith(suffix) and entry.is_file() and self.accept(entry.path, entry.name, entry.is_symlink())
                            and (stamp := self.stamp(entry))):
                        found.append((folder, entry.name, directory, entry.path, stamp))
        found.sort()
        self.stamps.update((path, stamp) for *_, path, stamp in found)  # in path order: the fingerprint's
        return [directory / name for _, name, directory, _, _ in found]  # a third cheaper than Path(entry.path)

    def walk(self, folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        found = []
        seen = {os.path.realpath(folder)}
        pending = [str(folder)]
        while pending:
            with os.scandir(pending.pop()) as scanned:
                entries = sorted(scanned, key=lambda e: e.name)
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():  # a symlinked folder inside the site is walked once
                    if self.accept(entry.path, entry.name, entry.is_symlink()) and os.path.realpath(entry.path) not in seen:
                        seen.add(os.path.realpath(entry.path))
                        pending.append(entry.path)
                elif entry.is_file() and self.accept(entry.path, entry.name, entry.is_symlink()) and (stamp := self.stamp(entry)):
                    self.stamps[entry.path] = stamp
                    found.append(Path(entry.path))
                elif entry.is_symlink() and not entry.is_file():  # a dangling link, or one to a device
                    self.accept(entry.path, entry.name, True)
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
                if not is_utf8(relative):
                    problems.append(Problem(shown(path), 0, "", "file name is not valid UTF-8; rename the file"))
                    continue
                if relative in found:
                    continue
                target = path.resolve()
                if not any(target == r or r in target.parents for r in roots):
                    problems.append(Problem(shown(path), 0, "", "symlink to outside the site"))
                    continue
                try:
                    found[relative] = (path.read_bytes().decode("utf-8"), str(path))
                except UnicodeDecodeError as exc:
                    problems.append(Problem(str(path), 0, "", f"template is not UTF-8 text ({exc.reason} at byte {exc.start})"))
    if problems:
        raise BuildError(problems)
    return found


def role_of(content_dir: Path, path: Path) -> tuple[str, Path, str, str] | None:
    """What a file would be to discover(): ("record", path as discover names it, "", ""),
    ("table", path, figid, kind), ("other", path, "", "") for a file of the record and table
    folders that is neither (an editor's scratch file), None for anything else (a page ...)."""
    folder = os.path.dirname(os.path.abspath(path))
    for kind, folders, suffix in (("record", FIGURE_DIRS, ".md"), ("table", DATA_DIRS, ".tsv")):
        for name in folders:
            if folder != os.path.abspath(content_dir / name):
                continue
            found = content_dir / name / path.name
            if not path.name.endswith(suffix):
                return "other", found, "", ""
            if kind == "record":
                return kind, found, "", ""
            figid, table = split_table_name(path.name)
            return (kind, found, figid, table) if table else ("other", found, "", "")
    return None
