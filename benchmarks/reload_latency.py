#!/usr/bin/env python3
"""Live reload side by side: `site-builder serve` against `hugo server`, on the same records.

    python benchmarks/reload_latency.py --content /tmp/sb/c10k --repeat 3
    python benchmarks/reload_latency.py --figures 200 --repeat 1      # smoke run, < 1 minute
    python benchmarks/reload_latency.py --content /tmp/sb/c10k --tools site-builder --no-browser

One run, one machine. Each server gets its own copy of the records (the corpus is never
touched) in a work folder (``/tmp/wt-latency-*``, removed afterwards unless --keep):

  site-builder  <work>/site-builder: site.yml, content/ (a copy of --content), and the serve
                output and cache in .site-cache/; run as ``python -m site_builder serve``
  hugo          <work>/hugo: a copy of ../shared/bench/hugo-site with content/figures (see
                hugo_server.py); run as ``hugo server`` (Fast Render Mode, pages in memory,
                as a user runs it; --hugo-full-render adds --disableFastRender)

Startup: each server is started, timed until it serves the first page (a figure page,
polled over HTTP), stopped and started again. The first start of site-builder is cold (a
full build fills .site-cache); the second is warm. Hugo keeps no build cache: both of its
starts are full builds (the second with the files in the OS cache). site-builder serves an
up-to-date output at once and loads the model its edit path needs afterwards: its starts are
also timed until it prints "Ready for edits", and the edits begin then. The second start of each
keeps running for the edits. Peak RSS is sampled every 0.2 s, summed over each server's
process tree (build workers included).

Edits (--kinds), REPEAT times each; the servers take turns (the order alternates per run),
and each edit waits until both servers are idle (their logs show every rebuild finished),
then --settle seconds plus a random 0-0.5 s (hugo's watcher hands over changes on a 0.5 s
ticker, so its latency depends on where the save falls in that tick).
The clock starts just before the file is written and stops when an HTTP poll (every
--poll seconds) shows the change:

  title      one record's figtitle rewritten; its page shows the new title
  add        a copy of a record with a new figid, of the newest year in the corpus;
             its page is served with its title
  delete-newest  the records the add runs made, removed newest first (after add)
  delete     a record removed (with its tables, for site-builder); its page 404s and it is
             gone from its organism pages (those of its organisms with <= 100 - 2 REPEAT
             figures: site-builder's listing pages list their newest 100 in the page itself).
             hugo server never stops serving a deleted page (it keeps rendered pages in
             memory until restarted), so for hugo only the organism pages count, and the
             report says whether the page still answered 200
  organisms  an organism with ~20 figures added to a record's organisms; that organism's
             page lists the record

An edit that a server rebuilt for, and then still did not show after --stale-after seconds
of quiet, "never showed" (hugo server 0.111 sometimes keeps a deleted record on a taxonomy
page); medians are of the other runs, and the report says how many.

Also from each server's log: `detect` (save -> the server says it is rebuilding) and `build`
(the rebuild time it reports: site-builder "Built ... in X s", hugo "Total in X ms"), and
`reload` (save -> a livereload client receives the reload message). With Chromium
(/usr/bin/chromium via Playwright; skip with --no-browser), title edits are also timed in a
headless browser tab that has the page open: `browser` = save -> the tab (reloaded by the
server's livereload script) shows the new title in its h1.

Only the command line and HTTP of both servers are used, never site_builder's internals.
"""
from __future__ import annotations

import argparse
import asyncio
import html
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import hugo_server  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PROTOCOL = "http://livereload.com/protocols/official-7"
KINDS = ("title", "add", "delete-newest", "delete", "organisms")
KIND_TITLES = {
    "title": "One-record title edit (save -> the page shows the new title)",
    "add": "Adding a record (save -> its page is served)",
    "delete-newest": "Deleting the newest record (one added above; delete -> its page 404s and its organism pages no longer list it)",
    "delete": "Deleting a record (delete -> its page 404s and its organism pages no longer list it)",
    "organisms": "Changing a record's organisms (save -> the added organism's page lists it)",
}
TOOLS = ("site-builder", "hugo")
LABELS = {"site-builder": "site-builder serve", "hugo": "hugo server"}
LISTED_ON_PAGE = 100  # site-builder's listing pages list their newest 100 figures in the page
SITE_YML = """\
title: Pathway Figure OCR
url: https://pfocr.wikipathways.org
base_url: /
"""


# --- records --------------------------------------------------------------------------

_ORGANISMS = re.compile(r"^organisms:(?P<scalar>[^\n]*)\n(?P<items>(?:(?:- |  )[^\n]*\n)*)", re.M)
_YEAR = re.compile(r"^year: *'?(\d{4})'?\s*$", re.M)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].replace("''", "'") if value[0] == "'" else json.loads(value)
    return value


def organisms_of(text: str) -> list[str]:
    match = _ORGANISMS.search(text)
    if match is None:
        return []
    if match["scalar"].strip():
        return [_unquote(match["scalar"])]
    return [_unquote(line[2:]) for line in match["items"].splitlines() if line.startswith("- ")]


def _yaml_scalar(value: str) -> str:
    """A plain YAML scalar when that reads back as the same string, else a JSON (double-quoted) one."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._()/+-]*", value) and value.strip() == value:
        return value
    return json.dumps(value)


def set_organisms(text: str, organisms: list[str]) -> str:
    match = _ORGANISMS.search(text)
    items = "".join(f"- {_yaml_scalar(o)}\n" for o in organisms)
    block = f"organisms:\n{items}"
    if match is None:
        return text.replace("---\n", f"---\n{block}", 1)
    return text[:match.start()] + block + text[match.end():]


def set_title(text: str, title: str) -> str:
    """Replace the (possibly folded) figtitle value in a record's front matter."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("figtitle:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return "\n".join(lines[:start] + [f"figtitle: {title}"] + lines[end:]) + "\n"


def set_year(text: str, year: int) -> str:
    return _YEAR.sub(f"year: '{year}'", text, count=1)


def year_of(text: str) -> int:
    match = _YEAR.search(text)
    return int(match[1]) if match else 0


def pmcid_of(figid: str) -> str:
    return figid.split("__", 1)[0]


def copy_as(text: str, figid: str, new_figid: str, title: str, year: int) -> str:
    """The record ``text`` as a new record ``new_figid`` (figid, pmcid, alias, links)."""
    text = text.replace(figid, new_figid).replace(pmcid_of(figid), pmcid_of(new_figid))
    return set_year(set_title(text, title), year)


def write_atomically(path: Path, text: str) -> None:
    """A new file appears whole (written beside the watched folder, then renamed into it)."""
    temporary = path.parent.parent / f".{path.name}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


@dataclass
class Corpus:
    """What the plan needs to know about the records: organisms and years, by figid."""
    figids: list[str] = field(default_factory=list)
    organisms: dict[str, list[str]] = field(default_factory=dict)
    years: dict[str, int] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)  # only for the records the plan edits

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for organisms in self.organisms.values():
            for name in set(organisms) - {"NA"}:
                counts[name] = counts.get(name, 0) + 1
        return counts


def copy_corpus(source: Path, work: Path, tools: list[str], hugo_site: Path) -> tuple[Corpus, dict[str, Path]]:
    """Copy the records once per server; returns what they hold and each copy's figures folder."""
    corpus = Corpus()
    folders: dict[str, Path] = {}
    started = time.perf_counter()
    if "site-builder" in tools:
        project = work / "site-builder"
        project.mkdir()
        (project / "site.yml").write_text(SITE_YML, encoding="utf-8")
        shutil.copytree(source, project / "content", ignore=shutil.ignore_patterns(".site-cache", "_site"))
        folders["site-builder"] = project / "content" / "figures"
    if "hugo" in tools:
        folders["hugo"] = hugo_server.make_project(work / "hugo", hugo_site)
    for path in sorted((source / "figures").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        figid = path.stem
        corpus.figids.append(figid)
        corpus.organisms[figid] = organisms_of(text)
        corpus.years[figid] = year_of(text)
        if "hugo" in tools:
            (folders["hugo"] / path.name).write_text(hugo_server.normalize_record(text), encoding="utf-8")
    print(f"copied {len(corpus.figids):,} records for {', '.join(tools)} in {time.perf_counter() - started:.1f} s",
          flush=True)
    return corpus, folders


# --- the edit plan --------------------------------------------------------------------

@dataclass
class Plan:
    title: str  # the record whose title changes (and whose page startup waits for)
    add_source: str
    added: list[str]  # new figids
    newest_year: int
    deleted: list[str]
    deleted_organisms: dict[str, list[str]]  # figid -> its organisms whose pages are checked
    target: str  # the organism added to records
    target_record: str  # a record that has it (its page links to the organism's page)
    changed: list[str]  # records that get the target organism
    added_organisms: list[str] = field(default_factory=list)  # organisms of the added records whose pages are checked


def make_plan(corpus: Corpus, repeat: int, kinds: list[str]) -> Plan:
    counts = corpus.counts()
    figids = corpus.figids
    title = figids[0]
    used = {title}
    small = LISTED_ON_PAGE - 2 * repeat  # the page still lists every figure after the edits
    target = ""
    target_record = ""
    changed: list[str] = []
    if "organisms" in kinds:
        candidates = sorted((abs(n - 20), name) for name, n in counts.items() if 2 <= n <= small)
        if not candidates:
            sys.exit("no organism with 2 to %d figures to add records to; use more figures" % small)
        target = candidates[0][1]
        target_record = next(f for f in figids if target in corpus.organisms[f])
        for figid in reversed(figids):  # records the target's page does not list yet
            if figid not in used and target not in corpus.organisms[figid]:
                changed.append(figid)
                used.add(figid)
                if len(changed) == repeat:
                    break
    deleted: list[str] = []
    deleted_organisms: dict[str, list[str]] = {}
    if "delete" in kinds:
        for figid in figids[1:]:
            if figid in used or target in corpus.organisms[figid]:
                continue
            listed = [o for o in dict.fromkeys(corpus.organisms[figid]) if o != "NA" and 2 <= counts[o] <= small]
            if listed:
                deleted.append(figid)
                deleted_organisms[figid] = listed
                used.add(figid)
                if len(deleted) == repeat:
                    break
        if len(deleted) < repeat:
            sys.exit(f"found only {len(deleted)} records on a small organism's page to delete")
    newest = max(corpus.years.values())
    added = [f"PMC{99990000 + run}__{title.split('__', 1)[-1]}" for run in range(1, repeat + 1)]
    # the added records copy one of the smallest organism's (delete-newest checks its page: hugo's
    # lists every figure, site-builder's its newest 100, the added ones among them)
    add_source, added_organisms = title, []
    for name in sorted((n for n in counts if n != target and n != "NA" and counts[n] >= 2), key=lambda n: (counts[n], n)):
        figid = next((f for f in figids[1:] if f not in used and name in corpus.organisms[f]
                      and target not in corpus.organisms[f]), None)
        if figid is not None:
            add_source, added_organisms = figid, [name]
            break
    return Plan(title, add_source, added, newest, deleted, deleted_organisms, target, target_record, changed, added_organisms)


# --- HTTP, processes, memory ----------------------------------------------------------

class Http:
    """GET over one kept-alive connection (reconnects when the server closes it)."""

    def __init__(self, host: str, port: int, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, str]:
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.conn.request("GET", path, headers={"Cache-Control": "no-cache"})
                response = self.conn.getresponse()
                body = response.read()
                if response.will_close:
                    self.close()
                return response.status, body.decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def process_tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(pid, ()))
    return total


class MemorySampler(threading.Thread):
    """Samples each watched process tree every ``interval`` seconds; keeps the peak per label."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True, name="rss-sampler")
        self.interval = interval
        self.watched: dict[str, int] = {}  # label -> pid
        self.peaks: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def watch(self, label: str, pid: int) -> None:
        with self.lock:
            self.watched[label] = pid
            self.peaks.setdefault(label, 0)

    def unwatch(self, label: str) -> None:
        self.sample()
        with self.lock:
            self.watched.pop(label, None)

    def sample(self) -> None:
        with self.lock:
            watched = dict(self.watched)
        for label, pid in watched.items():
            rss = process_tree_rss(pid)
            with self.lock:
                self.peaks[label] = max(self.peaks.get(label, 0), rss)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()


@dataclass
class Tool:
    """How to run one server and read its pages and log."""
    name: str
    cwd: Path
    command: Callable[[int], list[str]]
    env: dict[str, str]
    figure_path: Callable[[str], str]
    listing_mentions: Callable[[str, str], bool]
    serving: re.Pattern
    rebuild_started: re.Pattern
    rebuild_finished: re.Pattern
    build_seconds: Callable[[re.Match], float]
    figures: Path  # the server's copy of the records
    tables: Path | None = None  # site-builder: content/data
    keeps_deleted_pages: bool = False  # hugo server serves a deleted record's page until restarted
    ready: re.Pattern | None = None  # site-builder: the line saying that saves take the edit path (None: once serving)


def site_builder_tool(project: Path) -> Tool:
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    return Tool(
        name="site-builder", cwd=project,
        command=lambda port: [sys.executable, "-m", "site_builder", "serve", "--content", str(project / "content"),
                              "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        figure_path=lambda figid: f"/figures/{figid}.html",
        listing_mentions=lambda body, figid: f'figures/{figid}.html"' in body,
        serving=re.compile(r"^Serving (http://\S+)"),
        rebuild_started=re.compile(r"^Changed: .*rebuilding"),
        rebuild_finished=re.compile(r"^(?:Built .* in ([\d.]+) s|Build failed)"),
        build_seconds=lambda m: float(m[1]) if m[1] else float("nan"),
        figures=project / "content" / "figures", tables=project / "content" / "data",
        ready=re.compile(r"^Ready for edits"),
    )


def hugo_tool(project: Path, hugo: Path, full_render: bool) -> Tool:
    return Tool(
        name="hugo", cwd=project,
        command=lambda port: hugo_server.command(hugo, port, full_render),
        env=dict(os.environ),
        figure_path=hugo_server.figure_path,
        listing_mentions=hugo_server.listing_mentions,
        serving=hugo_server.SERVING,
        rebuild_started=hugo_server.REBUILD_STARTED,
        rebuild_finished=hugo_server.REBUILD_FINISHED,
        build_seconds=lambda m: int(m[1]) / 1000,
        figures=project / "content" / "figures",
        keeps_deleted_pages=True,
    )


class Running:
    """One server process; its output lines are kept with the time each arrived."""

    def __init__(self, tool: Tool, label: str, log: Path, sampler: MemorySampler, echo: bool):
        self.tool, self.label, self.sampler, self.echo = tool, label, sampler, echo
        self.port = free_port()
        self.lines: list[tuple[float, str]] = []
        self.log = log.open("a", encoding="utf-8")
        self.log.write(f"\n===== {label}: {' '.join(tool.command(self.port))}\n")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(tool.command(self.port), cwd=tool.cwd, env=tool.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     errors="replace", bufsize=1, start_new_session=True)
        sampler.watch(label, self.proc.pid)
        self.reader = threading.Thread(target=self._read, daemon=True, name=f"log-{label}")
        self.reader.start()
        self.http = Http("127.0.0.1", self.port)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            now = time.monotonic()
            line = line.rstrip("\n")
            self.lines.append((now, line))
            self.log.write(f"{now - self.started:9.3f} {line}\n")
            self.log.flush()
            if self.echo:
                print(f"    [{self.label}] {line}", file=sys.stderr, flush=True)

    def tail(self, n: int = 15) -> str:
        return "\n".join(line for _, line in self.lines[-n:])

    def wait_first_page(self, path: str, timeout: float) -> float:
        """Seconds from the start of the process until ``path`` is served with status 200."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            for _, line in self.lines:  # hugo moves to another port when its port is taken
                match = self.tool.serving.search(line)
                if match and urlsplit(match[1]).port not in (None, self.port):
                    self.port = urlsplit(match[1]).port
                    self.http.close()
                    self.http = Http("127.0.0.1", self.port)
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                status, _ = self.http.get(path)
                if status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"{self.label}: {path} not served within {timeout} s:\n{self.tail()}")

    def wait_line(self, pattern: re.Pattern, timeout: float) -> float:
        """Seconds from the start of the process until it printed a line matching pattern."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            for when, line in list(self.lines):
                if pattern.search(line):
                    return when - self.started
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited ({self.proc.returncode}):\n{self.tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.label}: no line {pattern.pattern!r} within {timeout} s:\n{self.tail()}")

    def busy(self) -> bool:
        """Whether the last rebuild line of the log says that a rebuild started."""
        for _, line in reversed(list(self.lines)):
            if self.tool.rebuild_finished.search(line):
                return False
            if self.tool.rebuild_started.search(line):
                return True
        return False

    def wait_idle(self, timeout: float, quiet: float = 0.3) -> bool:
        """Until every rebuild the log announced finished and the log is quiet for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.lines[-1][0] if self.lines else 0.0
            if not self.busy() and time.monotonic() - last >= quiet:
                return True
            time.sleep(0.05)
        return False

    def idle_after_rebuild(self, since: int) -> float:
        """Seconds the server has been idle since it rebuilt after log line ``since`` (0: not yet)."""
        lines = self.lines[since:]
        if not any(self.tool.rebuild_started.search(line) for _, line in lines) or self.busy():
            return 0.0
        return time.monotonic() - lines[-1][0]

    def rebuild_after(self, since: int) -> tuple[float | None, float | None, float | None]:
        """(time the first rebuild after line ``since`` started, finished, its own build seconds)."""
        started = finished = seconds = None
        for when, line in self.lines[since:]:
            if started is None and self.tool.rebuild_started.search(line):
                started = when
            elif started is not None and (match := self.tool.rebuild_finished.search(line)):
                finished, seconds = when, self.tool.build_seconds(match)
                break
        return started, finished, seconds

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the session this script started
                self.proc.wait(10)
        self.reader.join(5)
        self.sampler.unwatch(self.label)
        self.http.close()
        self.log.close()


class ReloadListener:
    """A livereload websocket client in its own thread; records when each reload arrives."""

    def __init__(self, port: int):
        self.port = port
        self.received: list[float] = []
        self.connected = threading.Event()
        self.error: str | None = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),), daemon=True)
        self.thread.start()
        if not self.connected.wait(15) and self.error is None:
            self.error = "no handshake within 15 s"

    async def _run(self) -> None:
        try:
            from tornado.httpclient import HTTPRequest
            from tornado.websocket import websocket_connect

            # hugo's livereload refuses a websocket whose Origin is not the page's host
            conn = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{self.port}/livereload",
                                                       headers={"Origin": f"http://127.0.0.1:{self.port}"}))
            # compact JSON: hugo looks for the bytes "command":"hello"
            await conn.write_message(json.dumps({"command": "hello", "protocols": [PROTOCOL]}, separators=(",", ":")))
            await asyncio.wait_for(conn.read_message(), 10)
            await conn.write_message(json.dumps({"command": "info", "url": "benchmark", "plugins": {}},
                                                separators=(",", ":")))
            await asyncio.sleep(0.1)
        except Exception as exc:  # noqa: BLE001 - the measure is optional
            self.error = f"{type(exc).__name__}: {exc}"
            self.connected.set()
            return
        self.connected.set()
        while (message := await conn.read_message()) is not None:
            try:
                if json.loads(message).get("command") == "reload":
                    self.received.append(time.monotonic())
            except ValueError:
                pass

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.received if t >= moment), None)


# --- one measured edit ----------------------------------------------------------------

@dataclass
class Check:
    """A page to poll and what must hold of it (status, body); optional checks are reported only."""
    path: str
    ok: Callable[[int, str], bool]
    what: str
    required: bool = True


@dataclass
class Sample:
    visible: float | None = None
    detect: float | None = None
    build: float | None = None
    reload: float | None = None
    browser: float | None = None
    unmet: list[str] = field(default_factory=list)  # optional checks that did not hold once visible
    stale: bool = False  # the server rebuilt, went quiet for --stale-after s, and the change never showed


@dataclass
class Session:
    """A running server with what the edits need."""
    tool: Tool
    running: Running
    listener: ReloadListener | None = None
    organism_pages: dict[str, str] = field(default_factory=dict)  # organism name -> path
    originals: dict[str, str] = field(default_factory=dict)  # figid -> text of its copy
    page: object | None = None  # a Playwright page (title edits)


def holds(http_client: Http, check: Check) -> bool:
    try:
        status, body = http_client.get(check.path)
    except OSError:
        return False
    return check.ok(status, body)


def poll_until(http_client: Http, checks: list[Check], deadline: float, interval: float,
               give_up: Callable[[], bool] = lambda: False) -> float | None:
    """Poll the required checks every ``interval`` s; the time they first all held (None: never)."""
    required = [check for check in checks if check.required]
    while time.monotonic() < deadline and not give_up():
        ok = True
        for check in required:
            if not holds(http_client, check):
                ok = False
                break
        if ok:
            return time.monotonic()
        time.sleep(interval)
    return None


def measure(session: Session, apply: Callable[[], None], checks: list[Check], args: argparse.Namespace,
            browser_title: str | None = None) -> Sample:
    running = session.running
    since = len(running.lines)
    sample = Sample()
    shown: list[float | None] = [None]
    saved = time.monotonic()
    apply()
    deadline = saved + args.timeout

    def give_up() -> bool:
        return running.idle_after_rebuild(since) >= args.stale_after

    if browser_title is not None and session.page is not None:
        poller = threading.Thread(target=lambda: shown.__setitem__(0, poll_until(running.http, checks, deadline,
                                                                                 args.poll, give_up)), daemon=True)
        poller.start()
        try:
            session.page.wait_for_function(
                "t => { const h = document.querySelector('h1'); return h && h.textContent.includes(t); }",
                arg=browser_title, polling="raf", timeout=args.timeout * 1000)
            sample.browser = time.monotonic() - saved
        except Exception as exc:  # noqa: BLE001 - report and go on with the HTTP measure
            print(f"    browser: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
        poller.join(args.timeout + 5)
    else:
        shown[0] = poll_until(running.http, checks, deadline, args.poll, give_up)
    if shown[0] is None:
        sample.stale = give_up()
    else:
        sample.visible = shown[0] - saved
        sample.unmet = [check.what for check in checks if not check.required and not holds(running.http, check)]
    running.wait_idle(args.timeout)
    started, _, seconds = running.rebuild_after(since)
    if started is not None:
        sample.detect = started - saved
    sample.build = seconds
    if session.listener is not None and session.listener.error is None:
        received = session.listener.first_after(saved)
        if received is not None:
            sample.reload = received - saved
    return sample


_ORGANISM_LINK = re.compile(r'<a\s+href="([^"]*organisms/[^"#?]+)"[^>]*>([^<]+)</a>')


def organism_links(page_path: str, body: str) -> dict[str, str]:
    """Organism name (lower-cased) -> path of its page, from the links on a figure page."""
    links: dict[str, str] = {}
    for href, text in _ORGANISM_LINK.findall(body):
        links.setdefault(html.unescape(text).strip().lower(), urlsplit(urljoin(page_path, href)).path)
    return links


def prepare_session(session: Session, plan: Plan) -> list[str]:
    """Find the organism pages the edits check; returns problems with the starting state."""
    tool, client = session.tool, session.running.http
    problems = []
    wanted = {f: names for f, names in plan.deleted_organisms.items()}
    if plan.added_organisms:
        wanted[plan.add_source] = plan.added_organisms
    if plan.target:
        wanted[plan.target_record] = [plan.target]
    for figid, names in wanted.items():
        path = tool.figure_path(figid)
        status, body = client.get(path)
        links = organism_links(path, body)
        for name in names:
            if name.lower() in links:
                session.organism_pages[name] = links[name.lower()]
            else:
                problems.append(f"{tool.name}: {path} has no link to the page of {name!r}")
    for figid, names in plan.deleted_organisms.items():
        for name in names:
            if name in session.organism_pages:
                status, body = client.get(session.organism_pages[name])
                if status != 200 or not tool.listing_mentions(body, figid):
                    problems.append(f"{tool.name}: {session.organism_pages[name]} does not list {figid} before "
                                    "it is deleted")
    if plan.target in session.organism_pages:
        status, body = client.get(session.organism_pages[plan.target])
        for figid in plan.changed:
            if status != 200 or tool.listing_mentions(body, figid):
                problems.append(f"{tool.name}: {session.organism_pages[plan.target]} (status {status}) already "
                                f"lists {figid} or is missing")
    for figid in [plan.title, plan.add_source, *plan.deleted, *plan.changed]:
        session.originals[figid] = (tool.figures / f"{figid}.md").read_text(encoding="utf-8")
    return problems


def edit(kind: str, run: int, session: Session, plan: Plan) -> tuple[Callable[[], None], list[Check], str | None]:
    """What to write for the run-th edit of ``kind``, the checks that show it, the page title."""
    tool = session.tool
    stamp = time.time_ns() % 10**9
    if kind == "title":
        title = f"Latency probe {run} {stamp}"
        path = tool.figures / f"{plan.title}.md"
        text = set_title(session.originals[plan.title], title)
        page = tool.figure_path(plan.title)
        return (lambda: path.write_text(text, encoding="utf-8"),
                [Check(page, lambda status, body: status == 200 and title in body, "the page shows the title")], title)
    if kind == "add":
        figid = plan.added[run - 1]
        title = f"Latency probe added {run} {stamp}"
        text = copy_as(session.originals[plan.add_source], plan.add_source, figid, title, plan.newest_year)
        path = tool.figures / f"{figid}.md"
        return (lambda: write_atomically(path, text),
                [Check(tool.figure_path(figid), lambda status, body: status == 200 and title in body,
                       "the page is served")], None)
    if kind in ("delete", "delete-newest"):
        # delete-newest: the records the add runs made, newest first (each is then the newest)
        figid = plan.deleted[run - 1] if kind == "delete" else plan.added[len(plan.added) - run]
        paths = [tool.figures / f"{figid}.md"]
        if tool.tables is not None:
            paths += sorted(tool.tables.glob(f"{figid}-*.tsv"))
        checks = [Check(tool.figure_path(figid), lambda status, body: status == 404, "its page 404s",
                        required=not tool.keeps_deleted_pages)]
        for name in plan.deleted_organisms[figid] if kind == "delete" else plan.added_organisms:
            if name in session.organism_pages:
                checks.append(Check(session.organism_pages[name],
                                    lambda status, body, figid=figid: status == 404 or (
                                        status == 200 and not tool.listing_mentions(body, figid)),
                                    f"the page of {name} no longer lists it"))

        if kind == "delete-newest":  # the check must fail before the delete, or it times nothing
            if len(checks) < 2:
                raise RuntimeError(f"{tool.name}: no organism page of {figid} to check")
            for check in checks[1:]:
                if holds(session.running.http, check):
                    raise RuntimeError(f"{tool.name}: {check.path} does not list {figid} before it is deleted")

        def remove() -> None:
            for p in paths:
                p.unlink()
        return remove, checks, None
    if kind == "organisms":
        figid = plan.changed[run - 1]
        original = session.originals[figid]
        organisms = [o for o in organisms_of(original) if o != "NA"] + [plan.target]
        text = set_organisms(original, organisms)
        path = tool.figures / f"{figid}.md"
        page = session.organism_pages.get(plan.target)
        if page is None:
            raise RuntimeError(f"{tool.name}: no page found for the organism {plan.target!r}")
        return (lambda: path.write_text(text, encoding="utf-8"),
                [Check(page, lambda status, body: status == 200 and tool.listing_mentions(body, figid),
                       f"the page of {plan.target} lists it")], None)
    raise ValueError(kind)


# --- the run --------------------------------------------------------------------------

def seconds(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def megabytes(value: int | None) -> str:
    return "-" if not value else f"{value / 2**20:,.0f} MB"


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None and v == v]
    return statistics.median(present) if present else None


def ratio(a: float | None, b: float | None, more: str = "slower", less: str = "faster") -> str:
    if not a or not b:
        return "-"
    r = a / b
    return f"{r:.2f}x ({more if r > 1 else less})"


def prepare_content(args: argparse.Namespace, work: Path) -> Path:
    if args.content is None:
        from generate_corpus import generate

        content = work / "corpus"
        print(f"generating {args.figures} figures into {content} …", flush=True)
        generate(content, args.figures, seed=1)
        return content
    if not (args.content / "figures").is_dir():
        sys.exit(f"{args.content}/figures not found; make one with: "
                 f"python benchmarks/generate_corpus.py --figures 10000 --out {args.content}")
    return args.content


def start_twice(tool: Tool, args: argparse.Namespace, sampler: MemorySampler, log: Path, first_page: str,
                results: dict) -> Running:
    """Start, time, stop, start again and time; returns the second (running) server."""
    timings = {}
    for which in ("first", "second"):
        label = f"{tool.name}:{which}"
        running = Running(tool, label, log, sampler, args.verbose)
        took = running.wait_first_page(first_page, args.startup_timeout)
        timings[which] = took
        print(f"{LABELS[tool.name]}, {which} start: first page after {took:.2f} s "
              f"(port {running.port}, RSS so far {megabytes(sampler.peaks.get(label))})", flush=True)
        if tool.ready is not None:  # edits are timed from here on (serve may load its model after serving)
            timings[f"{which} ready"] = ready = running.wait_line(tool.ready, args.startup_timeout)
            print(f"{LABELS[tool.name]}, {which} start: ready for edits after {ready:.2f} s", flush=True)
        if which == "first":
            running.wait_idle(args.timeout)
            running.stop()
    results["startup"][tool.name] = timings
    return running


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="\n\n".join(__doc__.split("\n\n")[:2]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="What is measured, and how: the docstring at the top of "
                                            "benchmarks/reload_latency.py.")
    parser.add_argument("--content", type=Path, help="content folder with figures/ (and data/), e.g. /tmp/sb/c10k; "
                        "copied, never modified")
    parser.add_argument("--figures", type=int, default=1000,
                        help="without --content: generate this many figures (seed 1) first (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="edits of each kind per server (default 3)")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated edit kinds to time (default: {','.join(KINDS)})")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: site-builder,hugo (default both)")
    parser.add_argument("--hugo", type=Path, default=hugo_server.HUGO, help=f"hugo binary (default {hugo_server.HUGO})")
    parser.add_argument("--hugo-site", type=Path, default=hugo_server.HUGO_SITE,
                        help=f"the Hugo site to copy (default {hugo_server.HUGO_SITE})")
    parser.add_argument("--hugo-full-render", action="store_true",
                        help="run hugo server with --disableFastRender (re-render every page on each change)")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium measurement")
    parser.add_argument("--poll", type=float, default=0.015, help="seconds between HTTP polls (default 0.015)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for one edit to show")
    parser.add_argument("--stale-after", type=float, default=10,
                        help="give up on an edit when the server finished rebuilding and was quiet this long "
                             "without showing it (default 10)")
    parser.add_argument("--startup-timeout", type=float, default=3600,
                        help="seconds to wait for a server's first page (default 3600)")
    parser.add_argument("--settle", type=float, default=0.5, help="seconds of quiet before each edit (default 0.5)")
    parser.add_argument("--work", type=Path, help="work folder (default: a new /tmp/wt-latency-*)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (copies, logs, serve output)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="echo the servers' output")
    parser.add_argument("--in-place", action="store_true", help=argparse.SUPPRESS)  # old option: records are copied
    args = parser.parse_args(argv)

    kinds = [k for k in args.kinds.split(",") if k]
    tools = [t for t in args.tools.split(",") if t]
    if bad := [k for k in kinds if k not in KINDS] + [t for t in tools if t not in TOOLS]:
        parser.error(f"unknown: {', '.join(bad)}")
    if "delete-newest" in kinds and ("add" not in kinds or kinds.index("add") > kinds.index("delete-newest")):
        parser.error("delete-newest removes the records that add made: put add before it")
    if args.in_place:
        print("note: --in-place is ignored; each server edits its own copy of the records", file=sys.stderr)
    if "hugo" in tools and not args.hugo.exists():
        print(f"warning: {args.hugo} not found; measuring site-builder only", file=sys.stderr)
        tools.remove("hugo")
    if not tools:
        parser.error("no server to measure")

    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=False)
        work = args.work
    else:
        work = Path(tempfile.mkdtemp(prefix="wt-latency-", dir="/tmp"))
    print(f"work folder {work}; load average {os.getloadavg()[0]:.2f}", flush=True)
    sampler = MemorySampler()
    sampler.start()
    jitter = random.Random(1)  # saves fall at random points of hugo's 0.5 s watcher tick
    sessions: dict[str, Session] = {}
    playwright = browser = None
    results: dict = {"startup": {}, "samples": {t: {k: [] for k in kinds} for t in tools}}
    try:
        content = prepare_content(args, work)
        corpus, _ = copy_corpus(content, work, tools, args.hugo_site)
        plan = make_plan(corpus, args.repeat, kinds)
        figures = len(corpus.figids)
        results.update(figures=figures, repeat=args.repeat, kinds=kinds, tools=tools, plan=plan.__dict__)
        print(f"plan: title edits on {plan.title}; organism {plan.target!r} added to {len(plan.changed)} records; "
              f"deleting {', '.join(plan.deleted) or '-'}; adding {len(plan.added) if 'add' in kinds else 0} records "
              f"of {plan.newest_year}", flush=True)

        configured = {}
        if "site-builder" in tools:
            configured["site-builder"] = site_builder_tool(work / "site-builder")
        if "hugo" in tools:
            configured["hugo"] = hugo_tool(work / "hugo", args.hugo, args.hugo_full_render)
        for name, tool in configured.items():
            running = start_twice(tool, args, sampler, work / f"{name}.log", tool.figure_path(plan.title), results)
            sessions[name] = Session(tool, running)
        for name, session in sessions.items():
            session.running.wait_idle(args.timeout)
            for problem in prepare_session(session, plan):
                print(f"warning: {problem}", file=sys.stderr)
            session.listener = ReloadListener(session.running.port)
            if session.listener.error:
                print(f"note: {name}: no livereload client ({session.listener.error})", file=sys.stderr)

        use_browser = not args.no_browser and CHROMIUM.exists() and "title" in kinds
        if use_browser:
            try:
                from playwright.sync_api import sync_playwright

                playwright = sync_playwright().start()
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            except Exception as exc:  # noqa: BLE001
                print(f"note: no browser measurement ({type(exc).__name__}: {exc})", file=sys.stderr)
                use_browser = False

        for kind in kinds:
            if kind == "title" and use_browser:
                for session in sessions.values():
                    session.page = browser.new_page()
                    session.page.goto(f"http://127.0.0.1:{session.running.port}{session.tool.figure_path(plan.title)}")
            print(f"\n{KIND_TITLES[kind]}", flush=True)
            for run in range(1, args.repeat + 1):
                order = list(sessions) if run % 2 else list(reversed(sessions))
                for name in order:
                    session = sessions[name]
                    for other in sessions.values():
                        other.running.wait_idle(args.timeout)
                    time.sleep(args.settle + jitter.uniform(0, 0.5))
                    apply, checks, title = edit(kind, run, session, plan)
                    sample = measure(session, apply, checks, args, browser_title=title if kind == "title" else None)
                    results["samples"][name][kind].append(sample.__dict__)
                    extra = "".join(f", {what} {seconds(getattr(sample, what))}"
                                    for what in ("detect", "build", "reload", "browser") if getattr(sample, what))
                    if sample.stale:
                        print(f"  {LABELS[name]:<18} run {run}: never visible: the server rebuilt{extra}, then "
                              f"served the old pages for {args.stale_after:g} s", flush=True)
                    elif sample.visible is None:
                        print(f"  {LABELS[name]:<18} run {run}: not visible within {args.timeout} s"
                              f"\n{session.running.tail()}", flush=True)
                    else:
                        print(f"  {LABELS[name]:<18} run {run}: visible after {seconds(sample.visible)}{extra}",
                              flush=True)
            if kind == "title":
                for session in sessions.values():
                    if session.page is not None:
                        session.page.close()
                        session.page = None
        for session in sessions.values():
            session.running.wait_idle(args.timeout)
    finally:
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
        for session in sessions.values():
            session.running.stop()
        sampler.stopped.set()
        if args.keep:
            print(f"kept {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)

    results["peak_rss"] = dict(sampler.peaks)
    report(results, tools, kinds, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    # hugo server's misses are findings; site-builder's are failures
    return 0 if all(s["visible"] is not None for t in tools if t != "hugo" for k in kinds
                    for s in results["samples"][t][k]) else 1


def report(results: dict, tools: list[str], kinds: list[str], args: argparse.Namespace) -> None:
    figures = results["figures"]
    sb, hugo = "site-builder", "hugo"
    both = sb in tools and hugo in tools
    hugo_mode = "hugo server --disableFastRender" if args.hugo_full_render else "hugo server"
    print(f"\n## Live reload, {figures:,} figures: save to visible over HTTP, median of {args.repeat} "
          f"(load average {os.getloadavg()[0]:.2f} at the end)")
    medians = {t: {k: median([s["visible"] for s in results["samples"][t][k]]) for k in kinds} for t in tools}
    for kind in kinds:
        print(f"\n### {KIND_TITLES[kind]}\n")
        print(f"| figures | {' | '.join(f'`{LABELS[t]}`' if t == sb else f'`{hugo_mode}`' for t in tools)} |"
              + (" ratio |" if both else ""))
        print("|---" * (len(tools) + 1 + both) + "|")
        cells = []
        for t in tools:
            samples = results["samples"][t][kind]
            never = sum(1 for s in samples if s["visible"] is None)
            cells.append(seconds(medians[t][kind]) + (f" ({never} of {len(samples)} never showed)" if never else ""))
        print(f"| {figures:,} | {' | '.join(cells)} |" + (f" {ratio(medians[sb][kind], medians[hugo][kind])} |"
                                                          if both else ""))
        for t in tools:
            samples = results["samples"][t][kind]
            unmet = [u for s in samples for u in s["unmet"]]
            stale = sum(1 for s in samples if s["stale"])
            if stale:
                print(f"\n{LABELS[t]}: in {stale} of {len(samples)} runs the change never showed: the server "
                      f"rebuilt and then served the old pages for {args.stale_after:g} s"
                      + (" (an organism page kept listing the deleted record: hugo 0.111 does not always update "
                         "taxonomy pages when content is removed in server mode, gohugoio/hugo#10918)"
                         if t == hugo and kind.startswith("delete") else "") + ". The median is of the other runs.")
            if unmet:
                runs = sum(1 for s in samples if s["unmet"])
                why = (" (hugo server keeps serving a deleted page from memory until it restarts, by design: "
                       "gohugoio/hugo#5266, #10918)" if t == hugo and kind.startswith("delete") else "")
                print(f"\n{LABELS[t]}: not counted: \"{'; '.join(dict.fromkeys(unmet))}\", which still did not "
                      f"hold when the rest did, in {runs} of {len(samples)} runs{why}.")

    print("\n### Every run (seconds; detect and build from the server's log, reload = livereload message received)\n")
    print("| server | edit | visible (median) | visible, each run | detect | server's build | reload | browser |")
    print("|---|---|---|---|---|---|---|---|")
    for t in tools:
        for kind in kinds:
            samples = results["samples"][t][kind]
            runs = ", ".join("never" if s["stale"] else seconds(s["visible"]).removesuffix(" s") for s in samples)
            cols = [seconds(median([s[c] for s in samples])) for c in ("detect", "build", "reload", "browser")]
            print(f"| {LABELS[t]} | {kind} | {seconds(medians[t][kind])} | {runs} | {' | '.join(cols)} |")

    peaks = results["peak_rss"]
    startup = results["startup"]
    print("\n### Startup and memory\n")
    print(f"| | {' | '.join(LABELS[t] for t in tools)} |" + (" ratio |" if both else ""))
    print("|---" * (len(tools) + 1 + both) + "|")
    rows = [
        ("first start to first page (site-builder: cold cache)", lambda t: startup.get(t, {}).get("first"), seconds),
        ("second start to first page (site-builder: warm cache)", lambda t: startup.get(t, {}).get("second"), seconds),
        ("second start to ready for edits (hugo: first page)",
         lambda t: startup.get(t, {}).get("second ready", startup.get(t, {}).get("second")), seconds),
        ("peak RSS, first start", lambda t: peaks.get(f"{t}:first"), megabytes),
        ("peak RSS, second start and all edits", lambda t: peaks.get(f"{t}:second"), megabytes),
    ]
    for title, get, fmt in rows:
        values = [get(t) for t in tools]
        words = ("more", "less") if fmt is megabytes else ("slower", "faster")
        print(f"| {title} | {' | '.join(fmt(v) for v in values)} |" + (f" {ratio(values[0], values[1], *words)} |"
                                                                       if both else ""))
    print("\n(RSS summed over each server's process tree, sampled every 0.2 s. hugo keeps no build cache: "
          "each start is a full build, in memory.)")


if __name__ == "__main__":
    sys.exit(main())
