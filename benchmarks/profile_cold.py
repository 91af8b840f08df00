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

from site_builder.build import BuildOptions, build  # noqa: E402

SITE_YML = ("url: https://bench.example.org\noutput: site\n"
            "edit_url: https://github.com/wikipathways/pfocr-site/edit/main/content/figures/{figid}.md\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true", help="only time the build (no cProfile overhead)")
    args = parser.parse_args()
    args.project.mkdir(parents=True, exist_ok=True)
    (args.project / "site.yml").write_text(SITE_YML)
    shutil.rmtree(args.project / "site", ignore_errors=True)  # a first build: no output, no cache
    shutil.rmtree(args.project / ".site-cache", ignore_errors=True)
    options = BuildOptions(project_dir=args.project, content_dir=args.content.resolve(), jobs=args.jobs, clean=True)
    profile = None if args.no_profile else cProfile.Profile()
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
    if profile:
        profile.dump_stats(args.project / "cold.prof")
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
