#!/usr/bin/env python3
"""Measure the static search index (site_builder.search) on generated figures.

    python benchmarks/search_scale.py --figures 10000 100000 [--caption-chars 1500] [--jobs N]
        [--seed 1] [--work /tmp/sb-search]

For each size, generates the figures with benchmarks/generate_corpus.py (in memory, no files),
turns them into SearchRecords and pickles them; then a fresh Python process loads the records
and builds the index into --work/N/search, reporting wall time and peak RSS of that process
(the records themselves included: a real build holds them too). Targets at 100k figures:
<= 30 s, <= 2 GB peak, <= 150 MB on disk. Prints a markdown table; exits 1 if a target is missed.
"""
from __future__ import annotations

import argparse
import json
import pickle
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

TARGETS = {"seconds": 30, "total_peak_mb": 2048, "mb": 150}  # at 100k figures


def lengthen_captions(records: list, chars: int) -> list:
    """Captions of at least `chars` characters, continued with the captions of the next figures."""
    from dataclasses import replace

    longer = []
    for i, record in enumerate(records):
        caption, j = record.caption, i
        while len(caption) < chars:
            j = (j + 1) % len(records)
            caption += " " + records[j].caption
        longer.append(replace(record, caption=caption[:chars].rsplit(" ", 1)[0] if len(caption) > chars else caption))
    return longer


def generated_records(figures: int, seed: int) -> list:
    from generate_corpus import Corpus

    from site_builder.search import SearchRecord

    records = []
    for figid, rec, _tables in Corpus(seed).iter_figures(figures):
        organisms = rec["organisms"]
        if isinstance(organisms, str):  # older records hold one string
            organisms = [organisms]
        keywords = rec.get("keywords") or ""
        records.append(SearchRecord(
            url=f"figures/{figid}.html",
            title=rec["figtitle"],
            caption=rec["caption"],
            year=rec["year"],
            organisms=tuple(o for o in organisms if o and o != "NA"),
            genes=tuple(rec["schema-jsonld"]["keywords"]),
            keywords=tuple(k.strip() for k in keywords.split("|") if k.strip()),
            pmcid=rec["pmcid"],
        ))
    return records


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child(pickled: Path, out: Path, jobs: int | None) -> None:
    """Runs in a fresh process: load the records, build the index, print the measurements."""
    from site_builder.parallel import default_jobs
    from site_builder.search import write_search_index

    with pickled.open("rb") as f:
        records = pickle.load(f)
    baseline = rss_mb()
    started = time.perf_counter()
    cpu = time.process_time()
    stats = write_search_index(records, out, jobs=jobs)
    jobs = default_jobs() if jobs is None else jobs
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu + children_cpu(), 2),
        "jobs": jobs,
        "peak_mb": round(peak),
        "worker_peak_mb": round(worker_peak),
        # an upper bound: forked workers share pages with the parent, which RSS counts in both
        "total_peak_mb": round(peak + worker_peak * (jobs if jobs > 1 else 0)),
        "records_rss_mb": round(baseline),
        "files": stats.files,
        "terms": stats.terms,
        "mb": round(stats.bytes / 1e6, 1),
    }
    print(json.dumps(result))


def disk_usage_mb(folder: Path) -> float:
    """Space the files take on this disk (blocks, not bytes), via du."""
    run = subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True, check=True)
    return round(int(run.stdout.split()[0]) / 1024, 1)


def measure(figures: int, seed: int, work: Path, caption_chars: int = 0, jobs: int | None = None) -> dict:
    folder = work / str(figures)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    records = generated_records(figures, seed)
    if caption_chars:
        records = lengthen_captions(records, caption_chars)
    generated = time.perf_counter() - started
    pickled = folder / "records.pickle"
    with pickled.open("wb") as f:
        pickle.dump(records, f, protocol=pickle.HIGHEST_PROTOCOL)
    caption_chars = sum(len(r.caption) for r in records) / len(records)
    genes = sum(len(r.genes) for r in records) / len(records)
    del records
    run = subprocess.run([sys.executable, __file__, "--child", str(pickled), str(folder / "site"), str(jobs or 0)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stderr[-3000:])
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result.update(figures=figures, disk_mb=disk_usage_mb(folder / "site" / "search"),
                  generate_seconds=round(generated, 1), caption_chars=round(caption_chars), genes=round(genes, 1))
    pickled.unlink()
    return result


def markdown_table(results: list[dict]) -> str:
    lines = [
        "| figures | caption chars | wall s | CPU s | peak RSS MB: main (records alone) + jobs x worker | MB (du) | files | terms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['figures']:,} | {r['caption_chars']} | {r['seconds']} | {r['cpu_seconds']} | {r['peak_mb']} ({r['records_rss_mb']}) + {r['jobs']} x {r['worker_peak_mb']} "
                     f"| {r['mb']} ({r['disk_mb']}) | {r['files']:,} | {r['terms']:,} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(Path(argv[1]), Path(argv[2]), int(argv[3]) or None)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sb-search"))
    parser.add_argument("--caption-chars", type=int, default=0,
                        help="lengthen every caption to about this many characters (generated: ~700)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per CPU)")
    args = parser.parse_args(argv)
    results = []
    for figures in args.figures:
        result = measure(figures, args.seed, args.work, args.caption_chars, args.jobs or None)
        print(json.dumps(result), file=sys.stderr)
        results.append(result)
    print(markdown_table(results))
    missed = [
        f"{r['figures']}: {key} {r[key]} > {limit * max(1, r['figures'] / 100_000):g}"
        for r in results for key, limit in TARGETS.items() if r[key] > limit * max(1, r["figures"] / 100_000)
    ]
    for line in missed:
        print("target missed:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
