"""Measure site builds on generated corpora: cold, warm, one-record edit, one-template edit,
and (with --hugo) the cold build of the equivalent Hugo site on the same records.

    python benchmarks/run.py --figures 10000 100000 [--seed 1] [--work /tmp/sb-bench]
    python benchmarks/run.py --corpus /tmp/sb/c10k --hugo --repeat 3 --work /tmp/sb-hugo

For each size it generates the corpus (once, cached in --work), or takes an existing corpus
with --corpus (read only: the one-record edit is then left out), makes a scratch project with
a copy of the templates, and measures `site-builder build` as a process tree (measure.py: wall
seconds, CPU seconds of every process, peak memory summed over the build's processes, sampled
every 50 ms, and the largest single process). A cold build starts with no output folder and no
build cache, like a first build or a CI deploy without a cache.

--hugo also builds ../shared/bench/hugo-site on the same record files (hugo_site.py) in the
same run; with --repeat N the two tools' cold builds alternate (site-builder, Hugo, ...) so
that a change in the machine's load hits both, and the medians are compared. Prints markdown
tables and writes results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import hugo_site  # noqa: E402
from generate_corpus import generate  # noqa: E402
from measure import load_average, run_measured  # noqa: E402
from one_record import edit_middle_title  # noqa: E402


def timed(command: list[str], cwd: Path) -> dict:
    """Wall and CPU seconds and peak memory (summed over the process tree, and the largest
    process) of one command; see measure.py."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))}
    load = load_average()
    result = run_measured(command, cwd, env=env)
    lines = result.pop("stdout").strip().splitlines()
    result.pop("stderr")
    result["summary"] = next((line for line in lines if line.startswith("Built site")), lines[-1] if lines else "")
    result["peak_mb"] = result["max_rss_mb"]  # as GNU time reported it for earlier results (largest process)
    result["load_before"] = load
    return result


LISTING_FOLDERS = ("organisms", "years", "journals")


def file_kind(site: Path, rel: str) -> str:
    """The page kind of an output file, for the size table (issue: average size of each kind)."""
    folder, _, name = rel.rpartition("/")
    top = rel.split("/", 1)[0]
    if folder == "figures" and not name.endswith(".html"):
        return "figure tables"
    if folder == "figures" and name != "index.html":
        with open(site / rel, "rb") as handle:
            return "redirect pages" if b'http-equiv="refresh"' in handle.read(600) else "figure pages"
    if folder == "genes" and name != "index.html":
        return "gene pages"
    if rel == "figures/index.html" or (folder in LISTING_FOLDERS and name != "index.html"):
        return "listing pages"
    if top in ("search", "downloads", "static"):
        return {"search": "search index", "downloads": "downloads", "static": "static assets"}[top]
    if name.startswith("sitemap") or name in ("robots.txt", "feed.xml"):
        return "sitemaps, robots, feed"
    return "index and site pages"


def output_size(site: Path) -> dict:
    files = [p for p in site.rglob("*") if p.is_file()]
    kinds: dict[str, list[int]] = {}
    for path in files:
        entry = kinds.setdefault(file_kind(site, path.relative_to(site).as_posix()), [0, 0])
        entry[0] += 1
        entry[1] += path.stat().st_size
    total = sum(k[1] for k in kinds.values())
    pages = kinds.get("figure pages", [0, 0])
    return {
        "files": len(files),
        "bytes": total,
        "mb": round(total / 1e6, 1),
        "by_kind": {k: {"files": v[0], "mb": round(v[1] / 1e6, 1), "avg_kb": round(v[1] / max(v[0], 1) / 1e3, 2)}
                    for k, v in sorted(kinds.items(), key=lambda kv: -kv[1][1])},
        "avg_figure_page_kb": round(pages[1] / max(1, pages[0]) / 1e3, 1),
    }


def make_project(work: Path, corpus: Path) -> Path:
    project = work / "project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    shutil.copytree(REPO / "templates", project / "templates")
    (project / "site.yml").write_text(  # like the bundled site.yml: pages carry an "Edit this record" link
        "url: https://bench.example.org\n"
        "edit_url: https://github.com/wikipathways/pfocr-site/edit/main/content/figures/{figid}.md\n"
    )
    return project


def cold_build(build: list[str], project: Path, site: Path) -> dict:
    """A first build: no output folder, no build cache (removed before the clock starts)."""
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(project / ".site-cache", ignore_errors=True)
    return timed([*build, "--clean"], project)


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (of an odd count; the lower middle one otherwise),
    with every run's wall and CPU seconds beside it."""
    chosen = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
    return {**chosen, "all_seconds": [r["seconds"] for r in runs], "all_cpu_seconds": [r["cpu_seconds"] for r in runs]}


def run_size(corpus: Path, work: Path, *, editable: bool, hugo: bool, repeat: int, cold_only: bool) -> dict:
    """Every measurement of one corpus; the record edit only on a corpus of our own (editable)."""
    figures = len(list((corpus / "figures").glob("*.md")))
    project = make_project(work, corpus)
    site = work / "site"
    build = [sys.executable, "-m", "site_builder", "build", "--content", str(corpus.resolve()), "--output", str(site)]
    results: dict = {"figures": figures, "corpus": str(corpus)}
    hugo_dir = hugo_site.prepare(corpus, work / "hugo-site") if hugo else None
    colds, hugos = [], []
    for round_number in range(repeat):
        colds.append(cold_build(build, project, site))
        print(f"  site-builder cold {colds[-1]['seconds']} s, {colds[-1]['cpu_seconds']} CPU-s, "
              f"{colds[-1]['peak_rss_mb']} MB (load {colds[-1]['load_before']})", file=sys.stderr)
        if hugo_dir is not None:
            hugos.append(hugo_site.cold_build(hugo_dir, work / "hugo-out"))
            print(f"  hugo cold         {hugos[-1]['seconds']} s, {hugos[-1]['cpu_seconds']} CPU-s, "
                  f"{hugos[-1]['peak_rss_mb']} MB (load {hugos[-1]['load_before']})", file=sys.stderr)
            if round_number == repeat - 1:
                shutil.rmtree(work / "hugo-out", ignore_errors=True)  # ~1 GB at 100k: not kept
    results["cold"] = median_run(colds)
    if hugos:
        results["hugo"] = {**median_run(hugos), "version": hugo_site.hugo_version()}
        for hugo_run in results["hugo"], *hugos:
            hugo_run.pop("stdout", None), hugo_run.pop("stderr", None)
    results["size"] = output_size(site)
    if cold_only:
        return results
    results["warm"] = timed(build, project)
    if editable:
        edit_middle_title(corpus, "round 1")  # the whole title: a folded one left a broken record behind
        results["edit_record"] = timed(build, project)
    template = project / "templates" / "figure.html"
    template.write_text(template.read_text() + "\n", encoding="utf-8")
    results["edit_template"] = timed(build, project)
    return results


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def hugo_table(runs: list[dict]) -> str:
    """site-builder against Hugo, cold builds in the same run (medians of --repeat)."""
    rows = [
        "| figures | | wall s | CPU s | peak memory, sum over processes (MB) | largest process MB | files | MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        if "hugo" not in r:
            continue
        ours, hugo = r["cold"], r["hugo"]
        rows.append(f"| {r['figures']:,} | site-builder | {ours['seconds']} | {ours['cpu_seconds']} | {ours['peak_rss_mb']:,} "
                    f"(PSS {ours['peak_pss_mb']:,}) | {ours['max_rss_mb']:,} | {r['size']['files']:,} | {r['size']['mb']} |")
        rows.append(f"| | Hugo {hugo['version']} | {hugo['seconds']} | {hugo['cpu_seconds']} | {hugo['peak_rss_mb']:,} "
                    f"(PSS {hugo['peak_pss_mb']:,}) | {hugo['max_rss_mb']:,} | {hugo['files']:,} | {hugo['mb']} |")
        rows.append(f"| | **ratio** | **{ratio(ours['seconds'], hugo['seconds'])}** | {ratio(ours['cpu_seconds'], hugo['cpu_seconds'])} "
                    f"| **{ratio(ours['peak_rss_mb'], hugo['peak_rss_mb'])}** (PSS {ratio(ours['peak_pss_mb'], hugo['peak_pss_mb'])}) "
                    f"| {ratio(ours['max_rss_mb'], hugo['max_rss_mb'])} | | |")
    return "\n".join(rows)


def markdown_table(runs: list[dict]) -> str:
    rows = [
        "| figures | cold build s | peak MB | warm rebuild s | one-record edit s | one-template edit s | output MB | files | avg figure page KB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    def seconds(run: dict, kind: str) -> str:
        return str(run[kind]["seconds"]) if kind in run else "-"

    for r in runs:
        peak = max(r[k]["peak_mb"] or 0 for k in ("cold", "warm", "edit_record", "edit_template") if k in r)
        rows.append(
            f"| {r['figures']:,} | {r['cold']['seconds']} | {peak} | {seconds(r, 'warm')} | {seconds(r, 'edit_record')} "
            f"| {seconds(r, 'edit_template')} | {r['size']['mb']} | {r['size']['files']:,} | {r['size']['avg_figure_page_kb']} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", type=int, nargs="+", default=None, help="generate corpora of these sizes (default 10000 100000)")
    parser.add_argument("--corpus", type=Path, nargs="+", default=[],
                        help="existing corpus folders instead (never modified: no one-record edit)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sb-bench"))
    parser.add_argument("--hugo", action="store_true", help="also build the equivalent Hugo site and print the ratios")
    parser.add_argument("--repeat", type=int, default=1, help="cold builds per tool (alternating); the median is reported")
    parser.add_argument("--cold-only", action="store_true", help="skip the warm and edit rebuilds")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[Path, Path, bool]] = []  # (corpus, work folder, editable)
    for corpus in args.corpus:
        jobs.append((corpus, args.work / corpus.resolve().name, False))
    for n in args.figures if args.figures is not None else ([] if args.corpus else [10_000, 100_000]):
        corpus = args.work / str(n) / f"corpus-{n}"
        if not (corpus / "figures").is_dir():
            started = time.perf_counter()
            generate(corpus, n, args.seed)
            print(f"generated {n} figures in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        jobs.append((corpus, args.work / str(n), True))
    runs = []
    for corpus, work, editable in jobs:
        print(f"{corpus}:", file=sys.stderr)
        work.mkdir(parents=True, exist_ok=True)
        runs.append(run_size(corpus, work, editable=editable, hugo=args.hugo, repeat=args.repeat, cold_only=args.cold_only))
    machine = f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}"
    report = {"date": date.today().isoformat(), "machine": machine, "runs": runs}
    (args.work / "results.json").write_text(json.dumps(report, indent=2))
    print(f"{report['date']}, {machine}\n\n{markdown_table(runs)}")
    if args.hugo:
        print(f"\nCold build against Hugo (median of {args.repeat}, same records, same run):\n\n{hugo_table(runs)}")
    for r in runs:
        print(f"\n{r['figures']:,} figures, output by page kind:")
        for kind, row in r["size"]["by_kind"].items():
            print(f"  {kind:<28} {row['files']:>8,} files {row['mb']:>8.1f} MB  avg {row['avg_kb']:>7.2f} KB")


if __name__ == "__main__":
    main()
