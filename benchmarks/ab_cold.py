"""Cold builds of several checkouts (and Hugo) on the same records, alternating, N rounds.

    python benchmarks/ab_cold.py --corpus /tmp/corpus-10k --rounds 5 --hugo \
        --variant before=/tmp/checkout-before --variant after=. [--variant fixed=.:drained]

On a shared machine one build can take twice as long as the next; alternating the variants
round by round lets a busy spell hit all of them, and the least time of each (its cost when
nothing else ran) is compared as well as the median. A variant is a checkout folder (its
site_builder and templates are used); ':drained' runs it with every map_chunks read to its end
(see profile_cold.py --drained: a measurement of a fix to build.py). Each build starts with no
output and no cache; measure.py gives wall and CPU seconds and peak memory summed over the
processes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hugo_site  # noqa: E402
from measure import load_average, run_measured  # noqa: E402

SITE_YML = ("url: https://bench.example.org\n"
            "edit_url: https://github.com/wikipathways/pfocr-site/edit/main/content/figures/{figid}.md\n")
DRAINED = """
import sys
from pathlib import Path
from site_builder import build as b, parallel
real = parallel.map_chunks
b.map_chunks = lambda *a, **k: iter(list(real(*a, **k)))
b.build(b.BuildOptions(project_dir=Path.cwd(), content_dir=Path(sys.argv[1]), output_dir=Path(sys.argv[2]), clean=True))
"""


def build_command(checkout: Path, drained: bool, corpus: Path, output: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    if drained:
        return [sys.executable, "-c", DRAINED, str(corpus), str(output)], env
    return [sys.executable, "-m", "site_builder", "build", "-q", "--clean", "--content", str(corpus), "--output", str(output)], env


def summary(runs: list[dict]) -> dict:
    walls, cpus = [r["seconds"] for r in runs], [r["cpu_seconds"] for r in runs]
    return {"wall_min": min(walls), "wall_median": statistics.median(walls), "cpu_min": min(cpus),
            "cpu_median": statistics.median(cpus), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "peak_pss_mb": max(r["peak_pss_mb"] for r in runs), "max_rss_mb": max(r["max_rss_mb"] for r in runs),
            "walls": walls, "cpus": cpus}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--variant", action="append", default=[], help="name=checkout[:drained]")
    parser.add_argument("--hugo", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ab-cold"))
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    variants = []
    for spec in args.variant:
        name, _, where = spec.partition("=")
        path, _, flag = where.partition(":")
        project = args.work / name
        project.mkdir(exist_ok=True)
        (project / "site.yml").write_text(SITE_YML)
        variants.append((name, Path(path).resolve(), flag == "drained", project))
    hugo_dir = hugo_site.prepare(corpus, args.work / "hugo-site") if args.hugo else None
    runs: dict[str, list[dict]] = {name: [] for name, *_ in variants}
    if hugo_dir:
        runs["hugo"] = []
    for round_number in range(1, args.rounds + 1):
        for name, checkout, drained, project in variants:
            shutil.rmtree(project / "site", ignore_errors=True)
            shutil.rmtree(project / ".site-cache", ignore_errors=True)
            load = load_average()
            command, env = build_command(checkout, drained, corpus, project / "site")
            result = run_measured(command, project, env=env)
            result.pop("stdout"), result.pop("stderr")
            runs[name].append({**result, "load_before": load})
            print(f"round {round_number} {name:<10} {result['seconds']:7.2f} s {result['cpu_seconds']:7.2f} CPU-s "
                  f"sum RSS {result['peak_rss_mb']:5} MB (load {load})", file=sys.stderr, flush=True)
        if hugo_dir:
            result = hugo_site.cold_build(hugo_dir, args.work / "hugo-out")
            result.pop("stdout"), result.pop("stderr")
            runs["hugo"].append(result)
            print(f"round {round_number} {'hugo':<10} {result['seconds']:7.2f} s {result['cpu_seconds']:7.2f} CPU-s "
                  f"sum RSS {result['peak_rss_mb']:5} MB (load {result['load_before']})", file=sys.stderr, flush=True)
    shutil.rmtree(args.work / "hugo-out", ignore_errors=True)
    table = {name: summary(results) for name, results in runs.items()}
    (args.work / "ab.json").write_text(json.dumps({"corpus": str(corpus), "runs": runs, "summary": table}, indent=1))
    hugo = table.get("hugo")
    print(f"| {corpus.name}, {args.rounds} rounds | wall s (least / median) | CPU s (least / median) | peak memory, sum over processes MB "
          f"| largest process MB |" + (" wall vs Hugo (least / median) | memory vs Hugo |" if hugo else ""))
    print("|---|---|---|---|---|" + ("---|---|" if hugo else ""))
    for name, row in table.items():
        line = (f"| {name} | {row['wall_min']} / {row['wall_median']} | {row['cpu_min']} / {row['cpu_median']} "
                f"| {row['peak_rss_mb']:,} (PSS {row['peak_pss_mb']:,}) | {row['max_rss_mb']:,} |")
        if hugo:
            line += (f" {row['wall_min'] / hugo['wall_min']:.2f}x / {row['wall_median'] / hugo['wall_median']:.2f}x "
                     f"| {row['peak_rss_mb'] / hugo['peak_rss_mb']:.2f}x |")
        print(line)


if __name__ == "__main__":
    main()
