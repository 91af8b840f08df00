"""Static search: a Pagefind bundle (index, pagefind.js, pagefind-ui.js/css) for the figure pages.

Runs the Pagefind binary on a throwaway tmpfs corpus of tiny HTML pages holding only what is searched:
at 100k records that took 3x less CPU than the Python API's custom records (its service answers one
reply per 0.1 s and slows as the index grows), and it allows data-pagefind-weight. Pagefind 1.5 needs
~100 KB of RAM per record while building: 100k figures = ~10 GB and ~2 CPU-minutes.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Iterable

from pagefind.index import IndexConfig, PagefindIndex
from pagefind.service import get_executable

from .model import SiteIndex

BUNDLE_DIR = "pagefind"
_TITLE_TAG = "h1"  # Pagefind weighs words in an <h1> 7x
GENE_WEIGHT = 5  # a gene symbol counts 5x a caption word (Pagefind's default weight is 1)
_PUNCTUATION = ".,;:()[]{}'\""


@dataclass(frozen=True, slots=True)
class SearchRecord:
    url: str  # site-relative, no leading slash: "figures/PMC1__x.html"
    title: str
    content: str  # what people search: title, caption, gene symbols, organisms, keywords
    year: str  # "" if unknown
    organisms: tuple[str, ...]
    genes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchIndexStats:
    records: int
    files: int
    bytes: int
    seconds: float


class SearchIndexError(RuntimeError):
    """The Pagefind binary failed."""


def _attr(value: str) -> str:
    return escape(value, quote=True)


def record_html(record: SearchRecord, language: str = "en") -> str:
    """The page Pagefind indexes for one record: meta, filters and sort as attributes, content as text.

    The content is indexed as given; a leading title becomes an <h1> and each word that is one of the
    record's gene symbols is weighted, so neither is indexed twice.
    """
    meta = ["title[data-title]"]
    attrs = [f'data-title="{_attr(record.title)}"']
    filters = []
    if record.year:
        meta.append("year[data-year]")
        attrs.append(f'data-year="{_attr(record.year)}"')
        filters.append(f'<i data-pagefind-filter="year[data-v]" data-v="{_attr(record.year)}"></i>')
    if record.organisms:
        meta.append("organisms[data-organisms]")
        attrs.append(f'data-organisms="{_attr(", ".join(record.organisms))}"')
        filters.extend(f'<i data-pagefind-filter="organism[data-v]" data-v="{_attr(o)}"></i>' for o in record.organisms)
    # Pagefind leaves out records without the sort key when sorting by it: "0" keeps them, last.
    sort_year = record.year if record.year.isdigit() else "0"
    text = record.content
    head = ""
    if record.title and text.startswith(record.title):
        head = f"<{_TITLE_TAG}>{escape(record.title, quote=False)}</{_TITLE_TAG}> "
        text = text[len(record.title) :]
    words = escape(text, quote=False).split()
    genes = set(record.genes)
    if genes:
        words = [
            f'<b data-pagefind-weight="{GENE_WEIGHT}">{word}</b>' if word.strip(_PUNCTUATION) in genes else word
            for word in words
        ]
    return (
        f'<html lang="{_attr(language)}"><body data-pagefind-body data-pagefind-meta="{", ".join(meta)}" '
        f'{" ".join(attrs)} data-pagefind-sort="year[data-sort]" data-sort="{sort_year}">'
        f'{"".join(filters)}{head}<p>{" ".join(words)}</p></body></html>'
    )


def _corpus_path(root: Path, url: str) -> Path:
    """Where the record's page goes so that Pagefind derives "/" + url from it."""
    parts = url.split("/")
    if url.startswith("/") or "://" in url or any(part in (".", "..") for part in parts) or "\\" in url:
        raise ValueError(f"search record url must be site-relative without '..': {url!r}")
    if not url or url.endswith("/"):
        url += "index.html"  # Pagefind strips index.html again
    return root / url


def _scratch_dir(records: list[SearchRecord]) -> str | None:
    """A tmpfs for the corpus when it has room (no disk inodes churned), else the default temp dir."""
    shm = "/dev/shm"
    need = sum(len(r.content) + len(r.title) + 2048 for r in records) * 3
    try:
        if os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > need:
            return shm
    except OSError:
        pass
    return None


def _run_pagefind(corpus: Path, bundle: Path, language: str) -> None:
    binary = get_executable()
    if binary is None:
        raise SearchIndexError("no pagefind binary: pip install 'pagefind[bin]'")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}  # no outside config
    run = subprocess.run(
        [str(binary), "--site", str(corpus), "--output-path", str(bundle),
         "--force-language", language, "--quiet"],
        cwd=corpus,  # nor a pagefind.yml from the caller's directory
        env=env, capture_output=True, text=True, check=False,
    )
    if run.returncode != 0 or not (bundle / "pagefind.js").is_file():
        raise SearchIndexError(f"pagefind exited with {run.returncode}: {(run.stdout + run.stderr).strip()[-2000:]}")


async def _write_empty(bundle: Path, language: str) -> None:
    # The binary refuses an empty site; the API still writes pagefind.js and the UI for an empty index.
    async with PagefindIndex(IndexConfig(force_language=language, output_path=str(bundle))):
        pass


def _run_async(coro: Any) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    errors: list[BaseException] = []

    def target() -> None:  # called from inside an event loop: use a private one
        try:
            asyncio.run(coro)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target, name="pagefind-empty-index")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def write_search_index(
    records: Iterable[SearchRecord], output_dir: Path, *, language: str = "en"
) -> SearchIndexStats:
    """Write the Pagefind bundle to output_dir/pagefind, replacing an earlier one only on success."""
    started = time.perf_counter()
    ordered = sorted(records, key=lambda record: record.url)  # input order would change the bundle
    for previous, record in zip(ordered, ordered[1:]):
        if previous.url == record.url:
            raise ValueError(f"duplicate search record url {record.url!r}")
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    bundle = output_dir / BUNDLE_DIR
    fresh = Path(tempfile.mkdtemp(prefix=".pagefind-new-", dir=output_dir))
    fresh.chmod(0o755)  # mkdtemp makes it private; it becomes the public bundle directory
    try:
        if ordered:
            with tempfile.TemporaryDirectory(prefix="pagefind-corpus-", dir=_scratch_dir(ordered)) as tmp:
                corpus = Path(tmp)
                made: set[Path] = set()
                for record in ordered:
                    path = _corpus_path(corpus, record.url)
                    if path.parent not in made:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        made.add(path.parent)
                    path.write_text(record_html(record, language), encoding="utf-8")
                _run_pagefind(corpus, fresh, language)
        else:
            _run_async(_write_empty(fresh, language))
        if bundle.exists():
            old = Path(tempfile.mkdtemp(prefix=".pagefind-old-", dir=output_dir))
            bundle.rename(old / BUNDLE_DIR)
            fresh.rename(bundle)
            shutil.rmtree(old, ignore_errors=True)
        else:
            fresh.rename(bundle)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    files = [path for path in bundle.rglob("*") if path.is_file()]
    return SearchIndexStats(
        records=len(ordered),
        files=len(files),
        bytes=sum(path.stat().st_size for path in files),
        seconds=round(time.perf_counter() - started, 3),
    )


def search_records(index: SiteIndex) -> list[SearchRecord]:
    """One record per figure holding only what people search for."""
    records = []
    for figid in index.newest_first:
        figure = index.figures[figid]
        genes = tuple(dict.fromkeys([g.symbol for g in figure.genes if g.symbol] + list(figure.gene_symbols)))
        content = " ".join([figure.title, figure.caption, " ".join(genes), " ".join(figure.organisms), " ".join(figure.keywords)])
        records.append(SearchRecord(figure.url, figure.title, content, figure.year, figure.organisms, genes))
    return records
