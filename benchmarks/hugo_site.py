"""The Hugo yardstick: an equivalent Hugo site on the same records, and its cold build.

    from hugo_site import prepare, cold_build
    site = prepare(Path("/tmp/sb/c10k"), Path("/tmp/bench/hugo"))   # a Hugo site reading the corpus
    result = cold_build(site, Path("/tmp/bench/hugo-out"))           # wall, CPU, peak memory

    python benchmarks/hugo_site.py --corpus /tmp/sb/c10k --work /tmp/bench-hugo   # the same, printed

The site is ../shared/bench/hugo-site (see ../shared/bench/README.md): one page per record
(title, caption, image, paper, organisms, genes, the record's JSON-LD) and an organism
taxonomy. It is copied (the shared folder is read-only) and its content/figures is a symbolic
link to the corpus's figures folder, so both tools read the same record files, which are never
modified. Hugo reads the front matter only (no TSV tables).

One change to the shared layout: generated corpora, like the real records, hold both record
shapes, and an older record gives `organisms` as one plain string, on which the layout's
`range .Params.organisms` fails ("range can't iterate over Rattus norvegicus"). The copy ranges
over `slice | append .Params.organisms` instead, which is the list itself or a list of the one
string: the same output for list records, and no extra work worth measuring.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import load_average, run_measured  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# ../shared/bench/hugo-site beside the repository; HUGO_SITE names another copy
SHARED_SITE = Path(os.environ.get("HUGO_SITE") or REPO.parent / "shared" / "bench" / "hugo-site")
HUGO = shutil.which("hugo") or "/usr/bin/hugo"
LAYOUT = Path("layouts/figures/single.html")
ORGANISMS_LOOP = ("{{ range .Params.organisms }}", "{{ range (slice | append .Params.organisms) }}")


def hugo_version() -> str:
    run = subprocess.run([HUGO, "version"], capture_output=True, text=True, check=True)
    return run.stdout.split()[1] if run.stdout.split()[1:] else run.stdout.strip()


def prepare(corpus: Path, folder: Path, template: Path = SHARED_SITE) -> Path:
    """A fresh copy of the Hugo site in `folder` whose content/figures is the corpus's figures."""
    figures = (corpus / "figures").resolve()
    if not figures.is_dir():
        raise SystemExit(f"{figures} is not a folder of records")
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(template, folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)  # the shared copy is read-only
    layout = folder / LAYOUT
    text = layout.read_text(encoding="utf-8")
    if ORGANISMS_LOOP[0] in text:
        layout.write_text(text.replace(*ORGANISMS_LOOP), encoding="utf-8")
    (folder / "content").mkdir(exist_ok=True)
    (folder / "content" / "figures").symlink_to(figures, target_is_directory=True)
    return folder


def cold_build(site: Path, output: Path, interval: float = 0.05) -> dict:
    """`hugo --quiet -d output` into an empty folder, measured as a process tree (measure.py)."""
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(site / "resources", ignore_errors=True)  # Hugo's own cache: a cold build has none
    load = load_average()
    result = run_measured([HUGO, "--quiet", "-d", str(output)], site, interval=interval)
    result["load_before"] = load
    result["files"] = sum(1 for p in output.rglob("*") if p.is_file())
    result["mb"] = round(sum(p.stat().st_size for p in output.rglob("*") if p.is_file()) / 1e6, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus folder (its figures/ is read)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hugo-bench"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    site = prepare(args.corpus, args.work / "hugo-site")
    for _ in range(args.repeat):
        result = cold_build(site, args.work / "hugo-out")
        print(json.dumps({k: v for k, v in result.items() if k not in ("stdout", "stderr")}))


if __name__ == "__main__":
    main()
