"""A chunk's result (what the main process keeps of one chunk of record files) and how the
cache keeps it: the search records, more than half its bytes, are an entry of their own,
read only by a build that uses them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from . import cache, downloads
from .errors import BuildError, CacheUnreadable
from .model import Figure, FigureSummary, Problem
from .search import SearchRecord, search_record

Records = tuple[tuple[str, Figure], ...]  # (digest of the record's files, record) of a chunk


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What the main process keeps of one chunk of record files."""

    key: str
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    skipped: tuple[str, ...]
    summaries: tuple[FigureSummary, ...]
    search: Sequence[SearchRecord]  # a tuple, or StoredSearch: read from the cache when first used


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A ChunkResult as the cache keeps it: its search records are an entry of their own (more
    than half its bytes), which a build reads only for the chunks whose search records it uses."""

    key: str
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    skipped: tuple[str, ...]
    summaries: tuple[FigureSummary, ...]

    @classmethod
    def of(cls, result: ChunkResult) -> StoredResult:
        return cls(result.key, result.errors, result.warnings, result.skipped, result.summaries)


CHUNK_ENTRIES = {"result": StoredResult, "search": tuple[SearchRecord, ...], "records": Records, "downloads": downloads.DownloadParts}


class StoredSearch(Sequence):
    """A chunk's search records, read from their cache entry when first used. An entry that is
    unreadable (the cache is untrusted: a restored or shipped `.site-cache`) is made again from
    the chunk's records, as parse_chunk made it, and written back."""

    __slots__ = ("folder", "key", "records")

    def __init__(self, folder: Path, key: str):
        self.folder, self.key, self.records = folder, key, None

    def loaded(self) -> tuple[SearchRecord, ...]:
        if self.records is None:
            found = cache.read_entry(cache.entry_path(self.folder, self.key, "search"), CHUNK_ENTRIES["search"])
            if found is None:
                found = self.made_again()
            self.records = found
        return self.records

    def made_again(self) -> tuple[SearchRecord, ...]:
        records = cache.entry_path(self.folder, self.key, "records")
        figures = cache.read_entry(records, CHUNK_ENTRIES["records"])
        if figures is None:
            raise CacheUnreadable([Problem(str(records), 0, "", "a build cache entry vanished or is unreadable")])
        made = tuple(search_record(figure) for _, figure in figures)
        try:
            cache.write_entry(cache.entry_path(self.folder, self.key, "search"), made, CHUNK_ENTRIES["search"], self.folder)
        except (OSError, BuildError):
            pass  # a link in the way: the records made here serve this build
        return made

    def __getitem__(self, position):
        return self.loaded()[position]

    def __len__(self) -> int:
        return len(self.loaded())

    def __iter__(self) -> Iterator[SearchRecord]:
        return iter(self.loaded())


def get_result(store: cache.ChunkStore, key: str) -> ChunkResult | None:
    """A chunk's result from the cache (or serve's memory), its search records read when used."""
    found = store.get(key, "result")
    if found is not None and found.key != key:
        return None  # not this chunk's (a crafted entry could name files outside the cache)
    if isinstance(found, StoredResult):
        return ChunkResult(found.key, found.errors, found.warnings, found.skipped, found.summaries,
                           StoredSearch(store.folder, key))
    return found if isinstance(found, ChunkResult) else None


def result_entries(result: ChunkResult) -> list[tuple[str, object]]:
    """(kind, value) of the cache entries that keep a chunk's result."""
    return [("search", tuple(result.search)), ("result", StoredResult.of(result))]
