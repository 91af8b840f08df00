"""The build cache (a dot-folder beside the project, ignored by git).

Two things are kept between runs:
- chunk results: the loaded records of a chunk of record files, keyed by the files' bytes
  plus the code version, so an unchanged chunk is never parsed again;
- the output manifest: a hash of every file the last build wrote, the render key of each
  chunk of figure pages and a fingerprint of all inputs, so a rebuild writes only files whose
  bytes changed, skips chunks whose inputs did not change, and stops at once when nothing did.

Every key includes the generator's own code, so a new version never reuses stale entries.
Files are written to a temporary name and renamed, so concurrent builds never read halves.
A repository may ship a `.site-cache/`: entries are plain JSON read against a fixed schema
(codec.py), so reading one never runs code; one that does not fit is ignored and rebuilt.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from stat import S_ISREG
from typing import Any, Iterable, Mapping

from .codec import Codec, Unreadable
from .errors import BuildError, CacheUnreadable
from .model import Problem
from .write import WriteStats, check_output_path, file_stats

CACHE_DIR_NAME = ".site-cache"
PRUNE_AFTER_SECONDS = 24 * 3600  # unused chunk entries older than this are deleted
PRUNE_EVERY_SECONDS = 3600  # how often a build looks for them
PRUNED_AT = "pruned-at"  # in the cache folder: its modification time is the last look
FORMAT = "10"  # bump when the layout of cached objects changes
LIBRARIES = ("jinja2", "markdown", "pyyaml", "yaml-rs", "ftfy", "markupsafe")


def digest(*parts: bytes | str) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


DIGEST = re.compile(r"[0-9a-f]{32}")  # what digest() gives


def code_version() -> str:
    """The generator's code and the libraries that shape its output."""
    package = Path(__file__).resolve().parent
    sources = [path.read_bytes() for path in sorted(package.glob("*.py"))]
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    from . import __version__

    return digest(FORMAT, __version__, sys.version, *versions, *sources)


CODEC = Codec()
MAX_ENTRY_BYTES = 1 << 31  # larger files are not ours: a 100k-figure manifest is ~30 MB


def entry_path(folder: Path, key: str, kind: str) -> Path:
    """Where a chunk's entry of a kind lives in the cache folder."""
    return folder / "chunks" / key[:2] / f"{key}.{kind}"


def read_entry(path: Path, kind: Any) -> Any:
    """The value of type `kind` stored at path, or None when it is missing, unreadable or of
    another shape (then it is rebuilt)."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_ENTRY_BYTES:
            return None
        return CODEC.loads(path.read_bytes(), kind)
    except (OSError, Unreadable):
        return None


def free_of_links(root: Path, path: Path) -> bool:
    """Whether no part of path below root (path included) is a symbolic link."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return False
    return True


def check_cache_dir(cache_dir: Path) -> None:
    """A repository may ship a `.site-cache`: refuse one that is a symbolic link (the build
    would write wherever it points)."""
    if cache_dir.is_symlink() or (cache_dir.exists() and not cache_dir.is_dir()):
        raise BuildError([Problem(str(cache_dir), 0, "", "refusing to use this build cache: it is a symbolic link or a file; "
                                  "delete it and build again")])


def write_entry(path: Path, value: Any, kind: Any, root: Path) -> None:
    """Write a cache entry at path, a file under the cache folder `root`; a symbolic link
    inside the cache never leads the write out of it."""
    write_file_in(root, path, CODEC.dumps(value, kind))


def write_file_in(root: Path, path: Path, data: bytes) -> None:
    """Replace the file at path under the cache folder `root` at once; a symbolic link on the
    way (or the file itself being one) never leads the write out of the cache."""
    if not free_of_links(root, path):
        raise BuildError([Problem(str(path), 0, "", "refusing to write a cache entry through a symbolic link out of the cache")])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class ChunkStore:
    """Chunk results and records on disk, one file each per chunk key."""

    folder: Path
    schemas: Mapping[str, Any]  # kind of entry ("result", "records", ...) -> its type
    writable: bool = True  # False: entries are read but never written (e.g. for `check`)
    memo: dict[tuple[str, str], Any] | None = None  # (key, kind) -> value, kept in memory by `serve`
    # what the memo keeps of what is read: the summaries and search records (~1 KB a figure),
    # not the download parts nor the full records (read when the downloads are written, when
    # serve is idle; at 100k figures they would take ~0.2 and several GB)
    memo_kinds: frozenset[str] = frozenset({"result"})

    def path(self, key: str, kind: str) -> Path:
        return entry_path(self.folder, key, kind)

    def get(self, key: str, kind: str) -> Any:
        if self.memo is not None and (key, kind) in self.memo:
            return self.memo[key, kind]
        value = read_entry(self.path(key, kind), self.schemas[kind])
        if self.memo is not None and value is not None and kind in self.memo_kinds:
            self.memo[key, kind] = value
        return value

    def remember(self, key: str, kind: str, value: Any) -> None:
        """Keep a value in memory only (e.g. a result with shared strings), when memoising."""
        if self.memo is not None:
            self.memo[key, kind] = value

    def has(self, key: str) -> bool:
        """Whether a chunk's records and download parts are stored (its result alone is not enough)."""
        return all(self.path(key, kind).exists() for kind in ("records", "downloads", "search"))

    def require(self, key: str, kind: str) -> Any:
        """An entry the build stored or found earlier in this run. Gone: another process pruned
        it; unreadable: the cache is not ours (restored or shipped). Either way the chunk's
        entries are removed and the build is made again without the cache (build.build)."""
        value = self.get(key, kind)
        if value is None:
            self.discard(key)
            raise CacheUnreadable([Problem(str(self.path(key, kind)), 0, "", "a build cache entry vanished or is unreadable")])
        return value

    def discard(self, key: str) -> None:
        """Remove a chunk's entries (a link among them, not what it points to)."""
        if not self.writable:
            return
        for kind in self.schemas:
            path = self.path(key, kind)
            if free_of_links(self.folder, path.parent):
                try:
                    path.unlink()
                except OSError:
                    pass

    def put(self, key: str, kind: str, value: Any) -> None:
        if self.writable:
            write_entry(self.path(key, kind), value, self.schemas[kind], self.folder)
        if kind in self.memo_kinds and self.memo is not None and (key, kind) not in self.memo:
            self.remember(key, kind, value)  # a key names its content: what memory holds (shared strings) stays

    def touch(self, keys: Iterable[str]) -> None:
        if not self.writable:
            return
        now = time.time()
        for key in keys:
            for kind in self.schemas:
                try:
                    os.utime(self.path(key, kind), (now, now))
                except OSError:
                    pass

    def prune(self, keep: set[str]) -> None:
        """Delete entries this build did not use that nobody used for a day (and forget, in
        memory, every entry this build did not use). The entries on disk are looked at once
        an hour at most (at 100k figures, ~2k files to stat: ~0.3 s of every build)."""
        if self.memo is not None:
            for entry in [entry for entry in self.memo if entry[0] not in keep]:
                del self.memo[entry]
        if not self.writable or not self.prune_due():
            return
        cutoff = time.time() - PRUNE_AFTER_SECONDS
        for path in (self.folder / "chunks").glob("*/*.*"):
            try:
                if path.stem not in keep and path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass

    def prune_due(self) -> bool:
        """Whether the last look for unused entries is an hour old (or unknown); if so, the
        marker of the last look is renewed."""
        marker = self.folder / PRUNED_AT
        try:
            stat = os.lstat(marker)
            if stat.st_mtime > time.time() - PRUNE_EVERY_SECONDS and S_ISREG(stat.st_mode):
                return False
        except OSError:
            pass
        write_file_in(self.folder, marker, b"")
        return True


@dataclass(slots=True)
class Manifest:
    """What the last successful build wrote into one output folder."""

    output: str
    fingerprint: str = ""
    written_at: float = 0.0
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (hash, size)
    chunks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # render key -> its files (their entries: files)
    warnings: tuple[Problem, ...] = ()  # the problems to show again when nothing changed
    figures: int = 0
    keys: dict[str, str] = field(default_factory=dict)  # path -> digest of the page's inputs (render.Renderer)
    search_key: str = ""  # digest of the search records the search/ files were built from
    chunk_keys: dict[str, str] = field(default_factory=dict)  # stamps of a chunk's files -> its content key
    started_at: float = 0.0  # when the build began reading its inputs
    analysis_key: str = ""  # analysis.inputs_key of the search/analysis* files
    site_key: str = ""  # the templates, config and code the pages were made with
    other_key: str = ""  # build.other_content_key: the pages and static files they were made from


@dataclass(frozen=True, slots=True)
class ManifestHead:
    """The part of a manifest a no-change build needs: small, so that check stays fast at 100k."""

    output: str
    fingerprint: str
    written_at: float
    started_at: float  # when that build took the inputs' stamps (the racy-time reference)
    figures: int
    warnings: tuple[Problem, ...]
    by_kind: dict[str, list[int]]  # WriteStats.by_kind of the output
    sample: tuple[str, ...]  # some of the output's files, to notice a folder emptied by hand


HEAD_SAMPLES = 200


def head_of(manifest: Manifest, stats: WriteStats | None = None) -> ManifestHead:
    """stats: file_stats(manifest.files), when the caller has them already."""
    step = max(1, len(manifest.files) // HEAD_SAMPLES)
    sample = tuple(sorted(itertools.islice(manifest.files, 0, None, step)))
    by_kind = (stats or file_stats(manifest.files)).by_kind
    return ManifestHead(manifest.output, manifest.fingerprint, manifest.written_at, manifest.started_at, manifest.figures,
                        manifest.warnings, by_kind, sample)


def load_head(cache_dir: Path, output: Path) -> ManifestHead | None:
    head = read_entry(manifest_path(cache_dir, output).with_suffix(".head"), ManifestHead)
    if not isinstance(head, ManifestHead) or head.output != str(output.resolve()) or not output.is_dir():
        return None
    if not all((output / path).is_file() for path in head.sample):
        return None
    return head


def manifest_path(cache_dir: Path, output: Path) -> Path:
    return cache_dir / "manifests" / f"{digest(FORMAT, str(output.resolve()))}.json"


def load_manifest(cache_dir: Path, output: Path) -> Manifest | None:
    """The manifest of the output folder, if it still describes what is on disk."""
    manifest = read_entry(manifest_path(cache_dir, output), Manifest)
    if not isinstance(manifest, Manifest) or manifest.output != str(output.resolve()):
        return None
    if not output.is_dir() or count_files(output) != len(manifest.files):
        return None  # the folder was removed or changed by hand: build it anew
    if any(check_output_path(path) is not None for path in manifest.files):
        return None  # not one of ours (a build deletes files the manifest names): build anew
    if not all(DIGEST.fullmatch(key) for key in manifest.chunk_keys.values()):
        return None  # a key names cache files (ChunkStore.path): '../x' would read and touch files outside
    return manifest


def save_manifest(cache_dir: Path, output: Path, manifest: Manifest, stats: WriteStats | None = None) -> None:
    """stats: file_stats(manifest.files), when the caller has them already."""
    write_entry(manifest_path(cache_dir, output), manifest, Manifest, cache_dir)
    write_entry(manifest_path(cache_dir, output).with_suffix(".head"), head_of(manifest, stats), ManifestHead, cache_dir)


def forget_manifest(cache_dir: Path, output: Path) -> None:
    manifest_path(cache_dir, output).with_suffix(".head").unlink(missing_ok=True)
    manifest_path(cache_dir, output).unlink(missing_ok=True)


def count_files(folder: Path) -> int:
    total = 0
    for _, _, files in os.walk(folder):
        total += len(files)
    return total
