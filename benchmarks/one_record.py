"""One-record `site-builder build` in a new process: the middle record's title is edited, then the
build is timed as a process tree (measure.py: wall, CPU, peak memory). Issue 13's target at
100k figures is 3 s.

    python benchmarks/one_record.py --project /tmp/sb/p100k --content /tmp/sb/c100k --runs 4
    python benchmarks/one_record.py --runs 4 \\
        --variant before=/work/wt-before,/tmp/sb/pb100k,/tmp/sb/c100k-b \\
        --variant after=.,/tmp/sb/p100k,/tmp/sb/c100k
    python benchmarks/one_record.py --project /tmp/sb/p100k --content /tmp/sb/c100k --stages

A variant is CHECKOUT,PROJECT,CONTENT: the checkout's code (on PYTHONPATH) builds PROJECT from
CONTENT, which it edits (give each variant its own copy of the records). Variants alternate run
by run, so that a change in the machine's speed hits each. Build each project once with its
checkout's code first: the first build after a code change is a full one.

--stages runs one edit and build in this process with this checkout's code and prints the wall
seconds spent in each stage function of build.py (workers' time shows as the pool's wall time).
"""
from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from measure import load_average, run_measured  # noqa: E402
from reload_latency import set_title  # noqa: E402

RACY_SECONDS = 2.2  # an input younger than 2 s is compared by its bytes (build.RACY_SECONDS): wait it out


def edit_middle_title(content: Path, label: str) -> Path:
    """Give the middle record (in name order) a new one-line title; returns its path."""
    names = sorted(name for name in os.listdir(content / "figures") if name.endswith(".md"))
    record = content / "figures" / names[len(names) // 2]
    text = record.read_text(encoding="utf-8")
    record.write_text(set_title(text, f"'Edited title {label} {time.time():.3f}'"), encoding="utf-8")
    return record


def timed_build(checkout: Path, project: Path, content: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    command = [sys.executable, "-m", "site_builder", "build", "--content", str(content.resolve()), "-q"]
    return run_measured(command, cwd=project, env=env)


def alternate(variants: list[tuple[str, Path, Path, Path]], runs: int) -> None:
    seconds: dict[str, list[float]] = {name: [] for name, *_ in variants}
    for number in range(runs):
        for name, checkout, project, content in variants:
            edit_middle_title(content, f"{name} {number}")
            time.sleep(RACY_SECONDS)
            load = load_average()
            result = timed_build(checkout, project, content)
            seconds[name].append(result["seconds"])
            print(f"{name:>10} run {number + 1}: {result['seconds']:6.2f} s wall, {result['cpu_seconds']:6.2f} CPU-s, "
                  f"peak {result['peak_rss_mb']:,} MB summed ({result['max_rss_mb']:,} MB largest), load {load}", flush=True)
    for name, values in seconds.items():
        print(f"{name:>10}: median {statistics.median(values):.2f} s, least {min(values):.2f} s of {len(values)}")


def stage_times(project: Path, content: Path) -> None:
    sys.path.insert(0, str(REPO))
    os.chdir(project)
    from site_builder import build, cache, write

    spent: dict[str, float] = {}

    def wrap(owner: object, name: str) -> None:
        function = getattr(owner, name)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        setattr(owner, name, timed)

    for name in ("discover_inputs", "fingerprint_of", "known_results", "read_pages", "build_index",
                 "write_site", "previous_results", "figures_in_place", "plan_search", "carry_pages_over", "render_key"):
        wrap(build, name)
    for name in ("load_manifest", "save_manifest", "load_head"):
        wrap(cache, name)
    wrap(cache.ChunkStore, "prune")
    wrap(write.StagedSite, "commit")
    edit_middle_title(content, "stages")
    time.sleep(RACY_SECONDS)
    started = time.perf_counter()
    report = build.build(build.BuildOptions(project_dir=project, content_dir=content))
    print(f"build: {time.perf_counter() - started:.2f} s wall, {len(report.errors)} errors, {report.written} files written")
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {name:20} {seconds:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, help="the site's folder (built once already)")
    parser.add_argument("--content", type=Path, help="its records (edited)")
    parser.add_argument("--variant", action="append", default=[], help="NAME=CHECKOUT,PROJECT,CONTENT (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="one build in this process, wall time per stage")
    args = parser.parse_args()
    if args.stages:
        stage_times(args.project.resolve(), args.content.resolve())
        return
    variants = []
    for spec in args.variant:
        name, _, rest = spec.partition("=")
        checkout, project, content = rest.split(",")
        variants.append((name, Path(checkout), Path(project), Path(content)))
    if not variants:
        variants = [("build", REPO, args.project, args.content)]
    alternate(variants, args.runs)


if __name__ == "__main__":
    main()
