"""CPU time of the per-record steps of a cold build, each alone, in one process.

    python benchmarks/cold_stages.py --content /tmp/corpus-10k [--repeat 3]

A whole build on a shared 2-core machine varies by tens of percent from run to run; these
steps, timed apart with the process's CPU clock (best of --repeat), show what a change to one
of them is worth. The record files are read into memory first (disk time is not counted),
then, as the build does them per chunk of records:

  load           load.load_figure for every record (YAML, field checks, tables)
  summaries      FigureSummary.of and search.search_record (what the main process keeps)
  download parts downloads.download_parts per chunk (GMT, JSON Lines, JSON API rows)
  cache write    codec: the chunk's records, result and download parts to JSON bytes
                 (cache.write_entry's part)
  cache read     codec: the records back from those bytes (the render workers read them)
  collection     downloads.collection_files: the parts joined into the downloads and json/ files
  figure pages   Renderer.figure_page for every figure (Jinja)
  figure tables  downloads.figure_tables (gzipped TSV beside the pages)
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from site_builder import cache, downloads  # noqa: E402
from site_builder.build import CHUNK_ENTRIES, ChunkResult, chunk_paths, existing_nav, theme_dirs  # noqa: E402
from site_builder.results import result_entries  # noqa: E402
from site_builder.config import load_config  # noqa: E402
from site_builder.discover import discover, snapshot_templates  # noqa: E402
from site_builder.index import build_index  # noqa: E402
from site_builder.load import load_figure  # noqa: E402
from site_builder.model import FigureSummary  # noqa: E402
from site_builder.render import Renderer, make_environment  # noqa: E402
from site_builder.search import search_record  # noqa: E402


def best(repeat: int, work) -> tuple[float, object]:
    """The least CPU time of `repeat` runs. What this process already holds (every record) is
    frozen out of the garbage collector first: a build's worker holds one chunk, and counting
    collections over 10k records would inflate every step that allocates."""
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        gc.freeze()
        started = time.process_time()
        result = work()
        times.append(time.process_time() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="time only these steps (by their first word)")
    args = parser.parse_args()
    project = Path(__file__).resolve().parent  # no site.yml here: the defaults, plus the url below
    config, _ = load_config(None, {"url": "https://bench.example.org",  # run.py's site.yml
                                   "edit_url": "https://github.com/wikipathways/pfocr-site/edit/main/content/figures/{figid}.md"})
    sources = discover(args.content.resolve(), (), tuple(theme_dirs(project, "templates")))
    inputs = []
    for paths in chunk_paths(sources.figures):
        inputs.append([(str(p), p.read_bytes(), {kind: (str(t), t.read_bytes()) for kind, t in sorted(sources.tables.get(p.stem, {}).items())})
                       for p in paths])
    wanted = lambda name: args.only is None or name.split()[0] in args.only  # noqa: E731
    rows: list[tuple[str, float]] = []

    def step(name: str, work):
        if not wanted(name) and name not in ("load",):
            return work()
        seconds, result = best(args.repeat if wanted(name) else 1, work)
        if wanted(name):
            rows.append((name, seconds))
            print(f"{name:<16} {seconds:7.2f} CPU-s", file=sys.stderr)
        return result

    chunks = step("load", lambda: [[load_figure(data, name, tables).figure for name, data, tables in chunk] for chunk in inputs])
    chunks = [[f for f in chunk if f is not None] for chunk in chunks]
    results = step("summaries", lambda: [ChunkResult("k", (), (), (), tuple(FigureSummary.of(f) for f in chunk),
                                                     tuple(search_record(f) for f in chunk)) for chunk in chunks])
    codec = cache.CODEC
    records = [tuple((str(n), f) for n, f in enumerate(chunk)) for chunk in chunks]
    parts = step("download parts", lambda: [downloads.download_parts(chunk, config) for chunk in chunks])
    entries = [(r, res, p) for r, res, p in zip(records, results, parts)]
    encoded = step("cache write", lambda: [(codec.dumps(r, CHUNK_ENTRIES["records"]),
                                            [(kind, codec.dumps(value, CHUNK_ENTRIES[kind])) for kind, value in result_entries(res)],
                                            codec.dumps(p, CHUNK_ENTRIES["downloads"])) for r, res, p in entries])
    decoded = step("cache read", lambda: [codec.loads(data, CHUNK_ENTRIES["records"]) for data, _, _ in encoded])
    assert decoded == records, "the cache does not give back the records it was given"
    stored = [[(kind, codec.loads(data, CHUNK_ENTRIES[kind])) for kind, data in result] for _, result, _ in encoded]
    assert stored == [result_entries(r) for r in results]
    assert [codec.loads(data, CHUNK_ENTRIES["downloads"]) for _, _, data in encoded] == parts
    step("collection", lambda: list(downloads.collection_files(lambda: parts)))
    index, _ = build_index((s for r in results for s in r.summaries), ())
    templates = snapshot_templates(theme_dirs(project, "templates"))
    renderer = Renderer(make_environment(templates), existing_nav(config, index), index, "site")
    figures = [f for chunk in chunks for f in chunk]
    step("figure pages", lambda: [renderer.figure_page(f, "inputs key") for f in figures])  # the build gives a key
    step("figure tables", lambda: [list(downloads.figure_tables(f)) for f in figures])
    print(f"{'total':<16} {sum(s for _, s in rows):7.2f} CPU-s  ({len(figures)} figures)", file=sys.stderr)


if __name__ == "__main__":
    main()
