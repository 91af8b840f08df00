"""A build after removing a record from the middle of the order, and after putting it back.

    python benchmarks/middle_delete.py CHECKOUT PROJECT CONTENT

Times `site-builder build` in a new process with CHECKOUT's code in PROJECT, after moving the
record in the middle of CONTENT's name order (with its tables) aside, then after putting it back
(which adds it among older figures): both move the search doc ids of every newer figure. Build
PROJECT once with CHECKOUT's code first (the first build after a code change renders everything).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
checkout, project, content = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), Path(sys.argv[3])
names = sorted(n for n in os.listdir(content / "figures") if n.endswith(".md"))
stem = names[len(names) // 2][:-3]
hold = Path(tempfile.mkdtemp(prefix="middle-delete-"))
moved = [content / "figures" / f"{stem}.md"] + sorted((content / "data").glob(stem + "-*.tsv"))
def build(label):
    time.sleep(2.3)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "site_builder", "build", "--content", str(content)], cwd=project,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(checkout)})
    line = [l for l in out.stdout.splitlines() if l.startswith("Built")]
    print(f"{label}: {time.perf_counter() - t:.2f} s", line[-1].split("errors, ")[-1] if line else out.stderr[-300:], flush=True)
for path in moved:
    shutil.move(path, hold / path.name)
try:
    build(f"{checkout.name} delete {stem}")
finally:
    for path in moved:
        shutil.move(hold / path.name, path)
build(f"{checkout.name} put back")
