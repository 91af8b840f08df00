"""Profile one cold build (`--clean`) in a single process with cProfile.

    python benchmarks/profile_cold.py --content /tmp/sb/c10k --project /tmp/wt-cold-prof [--jobs 1] [--top 40]

The project folder gets a site.yml like run.py's (the theme comes from this checkout); its
output and build cache are removed first, as run.py does for a cold build. Prints
CPU seconds, the functions with the most cumulative and own time, and writes the raw profile
to <project>/cold.prof (open it with `python -m pstats` or snakeviz). With --jobs 2 only the
main process is profiled (workers are forked), which shows the serial stages.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from site_builder import build as build_module  # noqa: E402
from site_builder import analysis, cache, downloads, pages, render, reuse, write  # noqa: E402
from site_builder.build import BuildOptions, build  # noqa: E402

SITE_YML = ("url: https://bench.example.org\noutput: site\n"
            "edit_url: https://github.com/wikipathways/pfocr-site/edit/main/content/figures/{figid}.md\n")


# (object, attribute, label): the stages of a cold build, as functions to wrap
def stage_functions() -> list[tuple[object, str, str]]:
    b = build_module
    return [
        (b, "discover_inputs", "discover inputs"),
        (b, "load_chunks", "load stage"),
        (b, "load_figure", "parse and check records (load.py)"),
        (b.FigureSummary, "of", "summaries (model.py)"),
        (b, "search_record", "search records (search.py)"),
        (cache.ChunkStore, "put", "cache write (codec + files)"),
        (downloads, "download_parts", "download parts"),
        (b, "build_index", "index"),
        (b, "render_chunks", "figure pages stage"),
        (cache.ChunkStore, "require", "cache read (codec + files)"),
        (render.Renderer, "figure_page", "figure pages (render.py, Jinja)"),
        (downloads, "figure_tables", "figure tables (gzipped TSV)"),
        (b, "stage_page", "write pages (write.py)"),
        (b, "stage_file", "write files (write.py)"),
        (b, "render_pages", "other pages stage"),
        (render.Renderer, "listing_page", "listing pages (organisms, genes, years, journals)"),
        (render.Renderer, "group_index", "group indexes"),
        (render.Renderer, "moved", "redirect pages"),
        (pages, "data_files", "sitemaps, robots, feed"),
        (downloads, "collection_files", "collection downloads and JSON API"),
        (reuse, "search_index_files", "search index (postings and files)"),
        (analysis, "write_analysis", "Analyse page data (analysis.py)"),
        (write.StagedSite, "commit", "commit (swap the output in)"),
        (cache, "save_manifest", "save the manifest"),
    ]


def wrap_stages() -> dict[tuple[str, ...], list[float]]:
    """Wrap every stage function with a CPU clock; returns {path of labels: [inclusive, children]}
    (a stage reached from two others, such as writing a page, is counted under each)."""
    import functools
    import inspect

    times: dict[tuple[str, ...], list[float]] = {}
    stack: list[str] = []

    def wrapped(function, label):
        generator = inspect.isgeneratorfunction(function)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            stack.append(label)
            path = tuple(stack)
            started = time.process_time()
            try:
                result = function(*args, **kwargs)
                return iter(list(result)) if generator else result
            finally:
                spent = time.process_time() - started
                stack.pop()
                times.setdefault(path, [0.0, 0.0])[0] += spent
                if stack:
                    times.setdefault(tuple(stack), [0.0, 0.0])[1] += spent
        return timed

    for owner, name, label in stage_functions():
        function = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        if isinstance(function, classmethod):
            setattr(owner, name, classmethod(wrapped(function.__func__, label)))
        else:
            setattr(owner, name, wrapped(function, label))
    return times


def print_stages(times: dict[tuple[str, ...], list[float]], total: float) -> None:
    print(f"{'stage':<58} {'own CPU-s':>9} {'incl.':>7}")

    def show(parent: tuple[str, ...]) -> None:
        for path, (inclusive, children) in sorted(times.items(), key=lambda kv: -kv[1][0]):
            if path[:-1] == parent:
                print(f"{'  ' * len(parent) + path[-1]:<58} {inclusive - children:9.2f} {inclusive:7.2f}")
                show(path)

    show(())
    accounted = sum(inclusive for path, (inclusive, _) in times.items() if len(path) == 1)
    print(f"{'(the rest: config, stamps, chunk keys, checks)':<58} {total - accounted:9.2f}")
    print(f"{'total':<58} {'':9} {total:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true", help="only time the build (no cProfile overhead)")
    parser.add_argument("--stages", action="store_true", help="time the stages (no cProfile); best with --jobs 1")
    parser.add_argument("--drained", action="store_true",
                        help="a measurement of a fix to build.py, not a change to it: every map_chunks is read to its end "
                             "(build() reads the load stage's with zip(todo, parsed), which leaves its pool open, so that "
                             "every later stage runs in the main process)")
    args = parser.parse_args()
    if args.drained:
        from site_builder import parallel

        build_module.map_chunks = lambda *a, **k: iter(list(parallel.map_chunks(*a, **k)))
    args.project.mkdir(parents=True, exist_ok=True)
    (args.project / "site.yml").write_text(SITE_YML)
    shutil.rmtree(args.project / "site", ignore_errors=True)  # a first build: no output, no cache
    shutil.rmtree(args.project / ".site-cache", ignore_errors=True)
    options = BuildOptions(project_dir=args.project, content_dir=args.content.resolve(), jobs=args.jobs, clean=True)
    stages = wrap_stages() if args.stages else None
    profile = None if args.no_profile or args.stages else cProfile.Profile()
    wall, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    report = build(options)
    if profile:
        profile.disable()
    children = os.times()
    print(f"cold build: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} CPU-s in this process, "
          f"{children.children_user + children.children_system:.2f} CPU-s in workers; "
          f"{report.figures} figures, {report.stats.files} files")
    if stages:
        print_stages(stages, time.process_time() - cpu)
    if profile:
        profile.dump_stats(args.project / "cold.prof")
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
