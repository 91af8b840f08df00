"""`hugo server` as the yardstick of `reload_latency.py`: its project, command line and log.

The Hugo site is ``../shared/bench/hugo-site`` (see its README): one page per record at
``/figures/<figid, lower-cased>/`` and an ``organisms`` taxonomy at ``/organisms/<term>/``.

The generated corpora hold ~5% records in the older shape, where ``organisms`` is a plain
string (``organisms: Homo sapiens``). The Hugo site's figure template ranges over
``.Params.organisms`` and fails on those ("range can't iterate over Homo sapiens"), so the
Hugo copy of the records writes such a value as a one-item list. The records mean the same;
Hugo's template and config are used as they are.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

HUGO = Path("/usr/bin/hugo")
HUGO_SITE = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "hugo-site"
if not HUGO_SITE.is_dir():  # the worktree is not beside ../shared
    HUGO_SITE = Path("/work/shared/bench/hugo-site")

# hugo server's log lines (hugo 0.111)
SERVING = re.compile(r"Web Server is available at (http://\S+?)/? ")
REBUILD_STARTED = re.compile(r"^Change detected, rebuilding site")
REBUILD_FINISHED = re.compile(r"^Total in (\d+) ms")
FAILED = re.compile(r"^(ERROR|Error:)")

_SCALAR_ORGANISMS = re.compile(r"^organisms: *(\S.*)$", re.M)


def normalize_record(text: str) -> str:
    """A record as Hugo's template can render it: a plain-string ``organisms`` becomes a list."""
    return _SCALAR_ORGANISMS.sub(lambda m: f"organisms:\n- {m.group(1)}", text, count=1)


def make_project(dest: Path, site: Path = HUGO_SITE) -> Path:
    """Copy the Hugo site (config and layouts) to ``dest``; returns ``dest/content/figures``.

    The shared copy is read-only; the copy is made writable so that it can be removed."""
    shutil.copytree(site, dest, ignore=shutil.ignore_patterns("content", "public", "resources", ".hugo_build.lock"))
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            path = Path(folder, name)
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    figures = dest / "content" / "figures"
    figures.mkdir(parents=True)
    return figures


def command(hugo: Path, port: int, full_render: bool = False) -> list[str]:
    """``hugo server`` as a user runs it (renders to memory, Fast Render Mode unless full_render)."""
    return [str(hugo), "server", "--port", str(port), "--bind", "127.0.0.1"] + (
        ["--disableFastRender"] if full_render else [])


def figure_path(figid: str) -> str:
    return f"/figures/{figid.lower()}/"


def listing_mentions(body: str, figid: str) -> bool:
    """Whether a list or taxonomy page links to the figure."""
    return f'href="/figures/{figid.lower()}/"' in body
