"""Measure site builds on generated corpora: cold, warm, one-record edit, one-template edit.

    python benchmarks/run.py --figures 10000 100000 [--seed 1] [--work /tmp/sb-bench]

For each size it generates the corpus (once, cached in --work), makes a scratch project with a
copy of the templates, and times `site-builder build` under /usr/bin/time -v (wall seconds and
peak memory of the largest process). Prints a markdown table and writes results.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from generate_corpus import generate  # noqa: E402


def timed(command: list[str], cwd: Path) -> dict:
    """Wall seconds and peak RSS (MB) of one command, via GNU time."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    return {"seconds": round(seconds, 2), "peak_mb": round(int(peak.group(1)) / 1024) if peak else None,
            "summary": result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""}


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
        f"url: https://bench.example.org\noutput: {work / 'site'}\n"
        "edit_url: https://github.com/wikipathways/pfocr-site/edit/main/content/figures/{figid}.md\n"
    )
    return project


def edit_one_record(corpus: Path, round_number: int) -> None:
    record = sorted((corpus / "figures").glob("*.md"))[len(list((corpus / "figures").glob("*.md"))) // 2]
    text = record.read_text(encoding="utf-8")
    text = re.sub(r"^figtitle: .*$", f"figtitle: Edited title for benchmark round {round_number}", text, count=1, flags=re.M)
    record.write_text(text, encoding="utf-8")


def run_size(figures: int, seed: int, work: Path) -> dict:
    corpus = work / f"corpus-{figures}"
    if not (corpus / "figures").is_dir():
        started = time.perf_counter()
        generate(corpus, figures, seed)
        print(f"generated {figures} figures in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    project = make_project(work, corpus)
    build = [sys.executable, "-m", "site_builder", "build", "--content", str(corpus)]
    results = {"figures": figures}
    results["cold"] = timed([*build, "--clean"], project)
    results["size"] = output_size(work / "site")
    results["warm"] = timed(build, project)
    edit_one_record(corpus, 1)
    results["edit_record"] = timed(build, project)
    template = project / "templates" / "figure.html"
    template.write_text(template.read_text() + "\n", encoding="utf-8")
    results["edit_template"] = timed(build, project)
    return results


def markdown_table(runs: list[dict]) -> str:
    rows = [
        "| figures | cold build s | peak MB | warm rebuild s | one-record edit s | one-template edit s | output MB | files | avg figure page KB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        peak = max(r[k]["peak_mb"] or 0 for k in ("cold", "warm", "edit_record", "edit_template"))
        rows.append(
            f"| {r['figures']:,} | {r['cold']['seconds']} | {peak} | {r['warm']['seconds']} | {r['edit_record']['seconds']} "
            f"| {r['edit_template']['seconds']} | {r['size']['mb']} | {r['size']['files']:,} | {r['size']['avg_figure_page_kb']} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sb-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    runs = [run_size(n, args.seed, args.work / str(n)) for n in args.figures]
    machine = f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores, Python {platform.python_version()}"
    report = {"date": date.today().isoformat(), "machine": machine, "runs": runs}
    (args.work / "results.json").write_text(json.dumps(report, indent=2))
    print(f"{report['date']}, {machine}\n\n{markdown_table(runs)}")
    for r in runs:
        print(f"\n{r['figures']:,} figures, output by page kind:")
        for kind, row in r["size"]["by_kind"].items():
            print(f"  {kind:<28} {row['files']:>8,} files {row['mb']:>8.1f} MB  avg {row['avg_kb']:>7.2f} KB")


if __name__ == "__main__":
    main()
