"""Live-reload development server: build, serve, watch, rebuild, reload the open tabs.

    site-builder serve [--content DIR] [--config FILE] [--host 127.0.0.1] [--port 8000] [--open]
                       [--base-url URL]

How it fits together (threads, because a build can take seconds and must not stall the server):

* the **watcher** thread follows the content, template and static folders and the config
  file: on Linux through inotify (the kernel names each changed file, nothing is scanned, so
  a 100k-figure site costs nothing while idle), elsewhere by polling (a stat of every file,
  compared with the previous scan). It hands every changed path to
* the **Coalescer**, which releases them as one batch once no new change has arrived for a
  short quiet period: an editor saving several files causes one rebuild, not one per file;
* the **builder** thread takes each batch and calls :func:`rebuild` (the one place that
  builds; today a full build, later an incremental one) into a private temporary folder,
  never the user's ``_site``. The result (or the build's errors) becomes the server's state;
* the **tornado** thread serves that folder with its own strict static handler, injects the
  livereload script into HTML responses as they go out (never into the files on disk), and
  runs livereload's websocket protocol (``/livereload``, ``/livereload.js`` from the
  ``livereload`` package, served locally). After every build, successful or not, it tells
  the connected tabs to reload.

While the last build failed, every HTML request gets an error page naming file:line and the
message (escaped), with the reload script in it, so the tab comes back by itself after the
next good save. Non-HTML files are still served from the last good build.

Why not ``livereload.Server`` as it is: its static handler serves any path the OS resolves
under the root and keeps no 404 page or base-url prefix; its watcher reports one changed file
per poll (a burst of saves becomes several rebuilds), runs the tasks on the server's event
loop, drops reloads less than 3 s apart, and scans every file every 0.8 s. So this module
uses the package's websocket handler (protocol, handshake) and its livereload.js, with the
rest written here.

Security: binds to 127.0.0.1 unless told otherwise; while on loopback, requests naming another
Host are refused (DNS rebinding), and the websocket accepts only pages of this server.
"""
from __future__ import annotations

import html
import ipaddress
import os
import re
import shutil
import signal
import struct
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, TextIO
from urllib.parse import quote, unquote, urlsplit

import jinja2
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import escape, web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import StreamClosedError
from tornado.netutil import bind_sockets

from .build import BuildOptions, BuildReport, build, resolve_config, theme_dirs
from .config import SiteConfig
from .errors import BuildError

QUIET_SECONDS = 0.15  # a burst of saves closer together than this is one change
MAX_WAIT_SECONDS = 2.0  # ...but a never-ending stream of writes still rebuilds this often
POLL_SECONDS = 0.1  # fastest watcher poll; slower when a scan is expensive (big sites)
MAX_POLL_SECONDS = 2.0
CHUNK = 256 * 1024

# --------------------------------------------------------------------------------------
# The one build entry point
# --------------------------------------------------------------------------------------


def rebuild(options: BuildOptions, changed: frozenset[Path] | None = None) -> BuildReport:
    """Bring the serve output (``options.output_dir``) up to date.

    ``changed`` is the set of files that changed since the last call (None: first build, or
    unknown). Today this is a full build; an incremental build can take its place here,
    using ``changed`` to pick the affected pages. Raises what ``build`` raises.
    """
    return build(options)


# --------------------------------------------------------------------------------------
# Coalescing change events
# --------------------------------------------------------------------------------------


class Coalescer:
    """Collects changed paths and releases them as one batch after a quiet period.

    ``add`` records changes; ``take`` returns the batch once ``quiet`` seconds passed since
    the last change (or ``max_wait`` since the first, so a stream of writes cannot starve
    the build), else None. ``wait`` blocks until a batch is ready. Times come from ``clock``
    (or an explicit ``now``), so the logic is testable without sleeping.
    """

    def __init__(self, quiet: float = QUIET_SECONDS, max_wait: float = MAX_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.quiet = quiet
        self.max_wait = max_wait
        self.clock = clock
        self._pending: set[Path] = set()
        self._first = 0.0
        self._last = 0.0
        self._closed = False
        self._cond = threading.Condition()

    def add(self, paths: Iterable[Path | str], now: float | None = None) -> None:
        paths = {Path(p) for p in paths}
        if not paths:
            return
        now = self.clock() if now is None else now
        with self._cond:
            if not self._pending:
                self._first = now
            self._pending |= paths
            self._last = now
            self._cond.notify_all()

    def due_in(self, now: float | None = None) -> float | None:
        """Seconds until the pending batch is released; None when nothing is pending."""
        now = self.clock() if now is None else now
        with self._cond:
            if not self._pending:
                return None
            return max(0.0, min(self._last + self.quiet, self._first + self.max_wait) - now)

    def take(self, now: float | None = None) -> frozenset[Path] | None:
        """The pending batch if it is due (and forget it), else None."""
        with self._cond:
            wait = self.due_in(now)
            if wait is None or wait > 0:
                return None
            batch, self._pending = frozenset(self._pending), set()
            return batch

    def wait(self, timeout: float) -> frozenset[Path] | None:
        """Block until a batch is due (then take it), ``close`` is called, or ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                batch = self.take()
                if batch is not None:
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                due = self.due_in()
                self._cond.wait(remaining if due is None else min(remaining, max(due, 0.005)))
            return None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# --------------------------------------------------------------------------------------
# Watching files: inotify on Linux, polling anywhere (no extra dependency either way)
# --------------------------------------------------------------------------------------

Signature = tuple[int, int, int]  # mtime_ns, size, inode
IGNORED_FILE = re.compile(r"(^\.#|~$|\.sw[a-p]$|^4913$|^\.DS_Store$|\.tmp$|\.pyc$)")
IGNORED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules"}


def snapshot(roots: Iterable[Path]) -> dict[str, Signature]:
    """A signature for every watched file under ``roots`` (folders, or single files)."""
    found: dict[str, Signature] = {}
    for root in roots:
        try:
            st = os.stat(root)
        except OSError:
            continue
        if os.path.isdir(root):
            _scan_dir(str(root), found, set())
        elif not IGNORED_FILE.search(Path(root).name):
            found[str(root)] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


def _scan_dir(folder: str, found: dict[str, Signature], seen: set[str]) -> None:
    real = os.path.realpath(folder)
    if real in seen:  # a symlink loop
        return
    seen.add(real)
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    if entry.is_dir():
                        if entry.name not in IGNORED_DIRS and not entry.name.startswith("."):
                            _scan_dir(entry.path, found, seen)
                    elif not IGNORED_FILE.search(entry.name):
                        st = entry.stat()
                        found[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
                except OSError:  # removed while scanning: the next scan sees it gone
                    continue
    except OSError:
        pass


def changed_paths(before: dict[str, Signature], after: dict[str, Signature]) -> set[str]:
    """Files added, removed or modified between two snapshots."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def watched_roots(options: BuildOptions) -> list[Path]:
    """Content, the project's and the theme's templates and static files, and the config."""
    project = options.project_dir
    roots = [
        options.content_dir or project / "content",
        project / "templates",
        project / "static",
        *theme_dirs(project, "templates"),
        *theme_dirs(project, "static"),
        options.config_path or project / "site.yml",
    ]
    unique: list[Path] = []
    for root in roots:
        if root.resolve() not in [u.resolve() for u in unique]:
            unique.append(root)
    return unique


class Watcher:
    """Polls ``roots`` in a thread and feeds changed paths to a Coalescer (any OS)."""

    kind = "poll"

    def __init__(self, roots: list[Path], coalescer: Coalescer, interval: float = POLL_SECONDS,
                 paused: Callable[[], bool] = lambda: False):
        self.roots = roots
        self.coalescer = coalescer
        self.base_quiet = coalescer.quiet
        self.min_interval = interval
        self.interval = interval
        self.paused = paused
        self._snapshot = snapshot(roots)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="site-builder-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def poll(self) -> set[str]:
        started = time.thread_time()  # CPU time: waiting for a busy GIL does not count
        current = snapshot(self.roots)
        cost = time.thread_time() - started
        changed = changed_paths(self._snapshot, current)
        self._snapshot = current
        # A scan of a big site costs time: poll less often, and make sure one burst of saves
        # split across two scans still lands in one batch (quiet period > poll interval).
        self.interval = min(MAX_POLL_SECONDS, max(self.min_interval, cost * 4))
        self.coalescer.quiet = max(self.base_quiet, min(self.interval * 1.5, 1.0))
        if changed:
            self.coalescer.add(changed)
        return changed

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.paused():  # no scans while a build runs: the scan after it sees everything
                continue
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - keep watching whatever one scan hit
                traceback.print_exc()


class InotifyWatcher:
    """Linux inotify through ctypes: the kernel names each changed file; nothing is scanned.

    Every folder root is watched recursively (new subfolders are added as they appear);
    every root is also watched through its parent folder, for its own name only, so a
    config file replaced by an editor's atomic save, or a templates/ folder created after
    the server started, is seen. If the kernel's queue overflows, the roots themselves are
    reported as changed (meaning: anything under them may have changed).
    """

    kind = "inotify"
    IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
    IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
    IN_DELETE_SELF, IN_MOVE_SELF = 0x400, 0x800
    IN_Q_OVERFLOW, IN_IGNORED, IN_ONLYDIR, IN_ISDIR = 0x4000, 0x8000, 0x01000000, 0x40000000
    MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
            | IN_DELETE_SELF | IN_MOVE_SELF)
    EVENT = struct.Struct("iIII")

    def __init__(self, roots: list[Path], coalescer: Coalescer):
        import ctypes
        import ctypes.util

        self.roots = roots
        self.coalescer = coalescer
        self._libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._paths: dict[int, str] = {}  # watch descriptor -> folder
        self._names: dict[int, set[str] | None] = {}  # wd -> names of interest (None: all)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="site-builder-inotify", daemon=True)
        for root in roots:
            self._watch_root(Path(root))

    def _add_watch(self, folder: str, names: set[str] | None) -> int:
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), self.MASK | self.IN_ONLYDIR)
        if wd < 0:
            return wd
        known = self._names.get(wd, set()) if wd in self._paths else set()
        self._paths[wd] = folder
        self._names[wd] = None if names is None or known is None else known | names
        return wd

    def _watch_root(self, root: Path) -> None:
        if root.parent.is_dir():
            self._add_watch(str(root.parent), {root.name})
        if root.is_dir():
            self._add_tree(str(root))

    def _add_tree(self, folder: str) -> list[str]:
        """Watch ``folder`` and its subfolders; return the files found in them.

        Each folder is watched before it is listed: a file created in between is then both
        listed and reported, never neither.
        """
        files: list[str] = []
        pending, seen = [folder], set()
        while pending:
            current = pending.pop()
            real = os.path.realpath(current)
            if real in seen or self._add_watch(current, None) < 0:
                continue
            seen.add(real)
            try:
                with os.scandir(current) as entries:
                    for entry in entries:
                        if entry.is_dir():
                            if entry.name not in IGNORED_DIRS and not entry.name.startswith("."):
                                pending.append(entry.path)
                        elif not IGNORED_FILE.search(entry.name):
                            files.append(entry.path)
            except OSError:
                continue
        return files

    def _forget_tree(self, folder: str) -> None:
        prefix = folder + os.sep
        for wd, path in list(self._paths.items()):
            if path == folder or path.startswith(prefix):
                self._libc.inotify_rm_watch(self._fd, wd)
                self._paths.pop(wd, None)
                self._names.pop(wd, None)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _run(self) -> None:
        import select

        while not self._stop.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.25)
            if not ready:
                continue
            try:
                data = os.read(self._fd, 256 * 1024)
            except BlockingIOError:
                continue
            try:
                changed = self.handle(data)
            except Exception:  # noqa: BLE001 - keep watching whatever one event hit
                traceback.print_exc()
                continue
            if changed:
                self.coalescer.add(changed)

    def handle(self, data: bytes) -> set[str]:
        changed: set[str] = set()
        offset = 0
        while offset + self.EVENT.size <= len(data):
            wd, mask, _cookie, length = self.EVENT.unpack_from(data, offset)
            raw = data[offset + self.EVENT.size: offset + self.EVENT.size + length]
            offset += self.EVENT.size + length
            name = os.fsdecode(raw.rstrip(b"\0"))
            if mask & self.IN_Q_OVERFLOW:
                changed.update(str(root) for root in self.roots)
                continue
            if mask & self.IN_IGNORED:
                self._paths.pop(wd, None)
                self._names.pop(wd, None)
                continue
            folder = self._paths.get(wd)
            if folder is None or not name:
                continue
            wanted = self._names.get(wd)
            if wanted is not None and name not in wanted:
                continue
            path = os.path.join(folder, name)
            if mask & self.IN_ISDIR:
                if name in IGNORED_DIRS or (wanted is None and name.startswith(".")):
                    continue
                if mask & (self.IN_CREATE | self.IN_MOVED_TO):
                    changed.update(self._add_tree(path) or [path])
                elif mask & (self.IN_DELETE | self.IN_MOVED_FROM):
                    self._forget_tree(path)
                    changed.add(path)
            elif not IGNORED_FILE.search(name):
                changed.add(path)
        return changed


def make_watcher(roots: list[Path], coalescer: Coalescer, kind: str = "auto", poll_interval: float = POLL_SECONDS,
                 paused: Callable[[], bool] = lambda: False) -> Watcher | InotifyWatcher:
    """inotify on Linux ("auto" or "inotify"), else (or for "poll") polling."""
    if kind in ("auto", "inotify") and sys.platform.startswith("linux"):
        try:
            return InotifyWatcher(roots, coalescer)
        except (OSError, AttributeError):
            if kind == "inotify":
                raise
    return Watcher(roots, coalescer, poll_interval, paused)


# --------------------------------------------------------------------------------------
# Build state and the error page
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """One problem to show: where (file:line) and what."""

    location: str
    message: str
    source_line: str = ""


@dataclass(frozen=True, slots=True)
class BuildState:
    generation: int  # 0 before the first build finished
    ok: bool
    prefix: str  # URL path the site is served under: '/' or '/repo/'
    failures: tuple[Failure, ...] = ()
    detail: str = ""  # a traceback, for crashes that are not content errors
    seconds: float = 0.0


def describe_failure(exc: BaseException) -> tuple[list[Failure], str]:
    """The problems an exception carries, located in the user's files where possible."""
    if isinstance(exc, BuildError):
        failures = []
        for problem in exc.errors:
            where = f"{problem.path}:{problem.line}" if problem.line else problem.path
            if problem.column:
                where += f":{problem.column}"
            message = f"{problem.field}: {problem.message}" if problem.field else problem.message
            failures.append(Failure(where, message, _source_line(problem.path, problem.line)))
        return failures, ""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.filename or exc.name or "template"
        return [Failure(f"{name}:{exc.lineno}", f"template syntax error: {exc.message}", _source_line(name, exc.lineno))], ""
    if isinstance(exc, jinja2.TemplateError):
        # Jinja rewrites tracebacks so template frames carry the template's file and line.
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith(".py")]
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "template"
        line = _source_line(frames[-1].filename, frames[-1].lineno) if frames else ""
        return [Failure(where, f"{type(exc).__name__}: {exc}", line)], ""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "site-builder"
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return [Failure(where, f"{type(exc).__name__}: {exc}")], detail


def _source_line(path: str, line: int | None) -> str:
    if not line or line < 1:
        return ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, text in enumerate(f, 1):
                if number == line:
                    return text.rstrip("\n")[:500]
    except OSError:
        pass
    return ""


def error_page(state: BuildState) -> bytes:
    """A self-contained HTML page listing the build's problems; every value is escaped."""
    items = []
    for failure in state.failures:
        source = f"<pre>{html.escape(failure.source_line)}</pre>" if failure.source_line else ""
        items.append(
            f"<li><code class=where>{html.escape(failure.location)}</code>"
            f"<p>{html.escape(failure.message)}</p>{source}</li>"
        )
    detail = f"<details><summary>Traceback</summary><pre>{html.escape(state.detail)}</pre></details>" if state.detail else ""
    count = len(state.failures)
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · site-builder</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}}
h1{{color:#b00020}} ul{{padding:0;list-style:none}} li{{border-left:4px solid #b00020;padding:.5rem 1rem;margin:1rem 0;background:#fff5f5}}
code.where{{font-weight:bold}} p{{margin:.25rem 0}} pre{{background:#f6f6f6;padding:.5rem;overflow:auto;white-space:pre-wrap}}
</style>
</head>
<body>
<main>
<h1>Build failed</h1>
<p>The site could not be rebuilt ({count} problem{"" if count == 1 else "s"}). Fix {"it" if count == 1 else "them"} and save:
this page reloads by itself when the build works again.</p>
<ul class="problems">
{"".join(items)}
</ul>
{detail}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


# --------------------------------------------------------------------------------------
# Serving files: path checks, content types, script injection
# --------------------------------------------------------------------------------------

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".gmt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",  # never Content-Encoding: the download stays compressed
    ".zip": "application/zip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
}
HTML_TYPE = CONTENT_TYPES[".html"]


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


@dataclass(frozen=True, slots=True)
class Resolved:
    kind: str  # 'file', 'redirect', 'missing' or 'bad'
    path: Path | None = None
    location: str = ""


BAD = Resolved("bad")
MISSING = Resolved("missing")


def resolve_request(root: Path, raw_path: str, prefix: str = "/") -> Resolved:
    """Map a raw (still percent-encoded) request path to a file under ``root``, or refuse it.

    Like GitHub Pages: '/x' serves 'x', or redirects to 'x/' when 'x' is a folder with an
    index.html, or serves 'x.html'; '/x/' serves 'x/index.html'. The site lives under
    ``prefix`` ('/' or '/repo/'); '/' redirects there. Refused ('bad'): no leading '/',
    backslashes, encoded '/', '\\' or NUL, control characters, '.' or '..' segments, '//'.
    """
    if not raw_path.startswith("/") or "\\" in raw_path:
        return BAD
    lowered = raw_path.lower()
    if "%2f" in lowered or "%5c" in lowered or "%00" in lowered:
        return BAD
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return BAD
    if any(ord(c) < 32 or ord(c) == 127 for c in path) or "\\" in path:
        return BAD
    segments = path[1:].split("/")
    if any(s in (".", "..") for s in segments) or any(s == "" for s in segments[:-1]):
        return BAD
    if prefix != "/":
        if path in ("/", prefix.rstrip("/")):
            return Resolved("redirect", location=quote(prefix))
        if not path.startswith(prefix):
            return MISSING
        path = "/" + path[len(prefix):]
        segments = path[1:].split("/")
    root = root.resolve()
    target = root.joinpath(*[s for s in segments if s])
    if not _inside(root, target):
        return MISSING
    if segments[-1] == "":  # a folder URL: its index.html
        index = target / "index.html"
        return Resolved("file", index) if index.is_file() and _inside(root, index) else MISSING
    if target.is_file():
        return Resolved("file", target)
    if target.is_dir() and (target / "index.html").is_file():
        return Resolved("redirect", location=quote(prefix.rstrip("/") + path + "/"))
    page = target.with_name(target.name + ".html")
    if page.is_file() and _inside(root, page):
        return Resolved("file", page)
    return MISSING


def _inside(root: Path, target: Path) -> bool:
    real = os.path.realpath(target)
    return real == str(root) or real.startswith(str(root) + os.sep)


_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_HOSTNAME = re.compile(r"^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$")


def reload_script(host_header: str) -> bytes:
    """The tag that loads livereload.js from this server (no inline code, so a strict CSP works)."""
    host, port = split_host(host_header)
    query = f"port={port}&mindelay=500&maxdelay=5000"
    if host and _HOSTNAME.match(host):
        query = f"host={host}&" + query
    return f'<script src="/livereload.js?{html.escape(query)}" async></script>'.encode()


def split_host(host_header: str) -> tuple[str, int]:
    """'127.0.0.1:8000' -> ('127.0.0.1', 8000); '[::1]:80' -> ('[::1]', 80); no port: 80."""
    match = re.match(r"^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$", host_header or "")
    if not match:
        return "", 80
    return match.group(1), int(match.group(2) or 80)


def inject_script(page: bytes, tag: bytes) -> bytes:
    """Insert ``tag`` before </head> (else before the last </body>, else at the end)."""
    match = _HEAD_END.search(page)
    if match is None:
        ends = list(_BODY_END.finditer(page))
        match = ends[-1] if ends else None
    if match is None:
        return page + tag
    return page[: match.start()] + tag + page[match.start():]


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------------------
# Tornado handlers
# --------------------------------------------------------------------------------------


class _Guarded:
    """Refuses requests whose Host is not loopback while bound to loopback (DNS rebinding)."""

    server: "DevServer"

    def check_host(self) -> None:
        if self.server.loopback_only:
            host, _ = split_host(self.request.host)
            if not is_loopback(host):
                raise web.HTTPError(400, "unexpected Host header")


class SiteHandler(_Guarded, web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, server: "DevServer") -> None:
        self.server = server

    def prepare(self) -> None:
        self.check_host()

    def compute_etag(self) -> None:
        return None

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    async def get(self) -> None:
        await self.respond(include_body=True)

    async def head(self) -> None:
        await self.respond(include_body=False)

    async def respond(self, include_body: bool) -> None:
        state = self.server.state
        found = resolve_request(self.server.output_dir, self.request.path, state.prefix)
        if found.kind == "bad":
            self.set_status(400)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("400: bad request path\n" if include_body else None)
            return
        if found.kind == "redirect":
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(found.location + query, status=302)
            return
        html_page = found.kind == "missing" or content_type(found.path.name) == HTML_TYPE
        if html_page and not state.ok:
            return self.send_html(500, error_page(state), include_body)
        if found.kind == "missing":
            page = self.server.output_dir / "404.html"
            try:
                body = page.read_bytes()
            except OSError:
                body = b"<!doctype html><title>Not found</title><h1>Not found</h1>\n"
            return self.send_html(404, body, include_body)
        try:
            if html_page:
                return self.send_html(200, found.path.read_bytes(), include_body)
            await self.send_file(found.path, include_body)
        except FileNotFoundError:  # replaced by a rebuild between the check and the read
            self.set_status(404)
            self.finish()

    def send_html(self, status: int, body: bytes, include_body: bool) -> None:
        body = inject_script(body, reload_script(self.request.host))
        self.set_status(status)
        self.set_header("Content-Type", HTML_TYPE)
        self.set_header("Content-Length", str(len(body)))
        self.finish(body if include_body else None)

    async def send_file(self, path: Path, include_body: bool) -> None:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self.set_header("Content-Type", content_type(path.name))
            self.set_header("Content-Length", str(size))
            if include_body:
                while chunk := f.read(CHUNK):
                    self.write(chunk)
                    try:
                        await self.flush()
                    except StreamClosedError:  # the browser went away
                        return
        self.finish()


class ReloadSocket(_Guarded, LiveReloadHandler):
    """livereload's websocket (protocol official-7), with clients kept per server."""

    def initialize(self, server: "DevServer") -> None:
        self.server = server

    def prepare(self) -> None:
        self.check_host()

    def check_origin(self, origin: str) -> bool:
        # Only pages served by this server (same host:port) may listen.
        return urlsplit(origin).netloc.lower() == self.request.host.lower()

    def on_message(self, message: str | bytes) -> None:
        try:
            data = escape.json_decode(message)
        except ValueError:
            self.close()
            return
        if not isinstance(data, dict):
            return
        if data.get("command") == "hello":
            self.send_message({
                "command": "hello",
                "protocols": ["http://livereload.com/protocols/official-7"],
                "serverName": "site-builder",
            })
        elif data.get("command") == "info" and "url" in data:
            self.server.clients.add(self)
            self.server.handshakes += 1

    def on_close(self) -> None:
        self.server.clients.discard(self)


class ReloadJS(_Guarded, LiveReloadJSHandler):
    """livereload.js as shipped in the livereload package (no CDN)."""

    def initialize(self, server: "DevServer") -> None:
        self.server = server

    def prepare(self) -> None:
        self.check_host()


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class ServeError(RuntimeError):
    """The server could not start (port in use, bad host)."""


class DevServer:
    """Builds ``options`` into a temporary folder, serves it and keeps it up to date.

    ``start()`` returns once the first build finished and the port is bound; ``stop()``
    shuts everything down and removes the temporary folder. ``port=0`` picks a free port.
    """

    def __init__(self, options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, *,
                 quiet: float = QUIET_SECONDS, poll_interval: float = POLL_SECONDS,
                 rebuild: Callable[[BuildOptions, frozenset[Path] | None], BuildReport] = rebuild,
                 watcher: str = "auto", out: TextIO | None = None):
        self.host, self.port = host, port
        self.loopback_only = is_loopback(host)
        self._tmp = Path(tempfile.mkdtemp(prefix="site-builder-serve-"))
        self.output_dir = self._tmp / "site"
        self.options = replace(options, output_dir=self.output_dir)
        self.rebuild = rebuild
        self.out = out or sys.stderr
        self.coalescer = Coalescer(quiet)
        self._building = False
        self.watcher = make_watcher(watched_roots(self.options), self.coalescer, watcher, poll_interval,
                                    paused=lambda: self._building)
        self.state = BuildState(0, False, _guess_prefix(self.options))
        self.clients: set[ReloadSocket] = set()
        self.handshakes = 0  # websocket clients that completed the handshake, ever
        self.reloads_sent = 0  # reload broadcasts, one per finished build
        # time.monotonic() of the last build's start and end and of the last reload sent
        self.build_started_at = self.build_finished_at = self.reload_sent_at = 0.0
        self.builds_done = threading.Condition()
        self._loop: IOLoop | None = None
        self._http: HTTPServer | None = None
        self._stop = threading.Event()
        self._stopped = False
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.state.prefix}"

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        try:
            sockets = bind_sockets(self.port, address=self.host)
        except OSError as exc:
            self.stop()
            raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from exc
        self.port = sockets[0].getsockname()[1]
        self.say(f"Building the site into {self.output_dir} …")
        self.run_build(None)
        ready = threading.Event()
        loop_thread = threading.Thread(target=self._serve_forever, args=(sockets, ready), name="site-builder-http", daemon=True)
        loop_thread.start()
        if not ready.wait(10):
            raise ServeError("the HTTP server did not start")
        builder = threading.Thread(target=self._build_forever, name="site-builder-build", daemon=True)
        builder.start()
        self._threads = [loop_thread, builder]
        self.watcher.start()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        self.coalescer.close()
        self.watcher.stop()
        if self._loop is not None:
            self._loop.add_callback(self._shutdown)
        for thread in self._threads:
            thread.join(timeout=10)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "DevServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_forever(self, sockets: list, ready: threading.Event) -> None:
        import asyncio

        asyncio.set_event_loop(asyncio.new_event_loop())
        self._loop = IOLoop.current()
        app = web.Application(
            [
                (r"/livereload", ReloadSocket, {"server": self}),
                (r"/livereload\.js", ReloadJS, {"server": self}),
                (r".*", SiteHandler, {"server": self}),
            ],
            log_function=lambda handler: None,
        )
        self._http = HTTPServer(app)
        self._http.add_sockets(sockets)
        ready.set()
        self._loop.start()
        self._loop.close(all_fds=True)

    def _shutdown(self) -> None:
        if self._http is not None:
            self._http.stop()
        for client in list(self.clients):
            client.close()
        IOLoop.current().stop()

    # --- building ----------------------------------------------------------------------
    def _build_forever(self) -> None:
        while not self._stop.is_set():
            batch = self.coalescer.wait(timeout=0.5)
            if batch and not self._stop.is_set():
                try:
                    self.run_build(batch)
                except Exception:  # noqa: BLE001 - the next save gets another chance
                    traceback.print_exc()

    def run_build(self, changed: frozenset[Path] | None) -> BuildState:
        """Rebuild, update the served state, print the outcome and reload the tabs."""
        previous = self.state
        if changed:
            names = sorted(_display(p) for p in changed)
            more = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
            self.say(f"Changed: {names[0]}{more}; rebuilding…")
        started = time.perf_counter()
        self.build_started_at = time.monotonic()
        self._building = True
        try:
            report = self.rebuild(self.options, changed)
        except Exception as exc:  # noqa: BLE001 - a broken build must not stop the server
            self._building = False
            failures, detail = describe_failure(exc)
            state = BuildState(previous.generation + 1, False, previous.prefix, tuple(failures), detail,
                               time.perf_counter() - started)
            for failure in failures:
                self.say(f"error: {failure.location}: {failure.message}")
            if detail:
                self.say(detail.rstrip())
            self.say(f"Build failed ({len(failures)} problems); the browser shows them until the next good save.")
        else:
            self._building = False
            state = BuildState(previous.generation + 1, True, report.config.base_path, seconds=time.perf_counter() - started)
            if previous.generation == 0:
                for problem in report.warnings:
                    self.say(f"warning: {problem}")
            warned = f", {len(report.warnings)} warnings" if report.warnings else ""
            self.say(f"Built {report.figures} figures, {report.pages} files in {state.seconds:.2f} s{warned}")
        with self.builds_done:
            self.build_finished_at = time.monotonic()
            self.state = state
            self.builds_done.notify_all()
        if self._loop is not None and not self._stop.is_set():
            self._loop.add_callback(self._reload_tabs)
        return state

    def wait_for_build(self, after_generation: int, timeout: float) -> BuildState | None:
        """Block until a build later than ``after_generation`` finished (None on timeout)."""
        with self.builds_done:
            self.builds_done.wait_for(lambda: self.state.generation > after_generation, timeout)
            return self.state if self.state.generation > after_generation else None

    def _reload_tabs(self) -> None:
        self.reload_sent_at = time.monotonic()
        message = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
        for client in list(self.clients):
            try:
                client.write_message(escape.json_encode(message))
            except Exception:  # noqa: BLE001 - a tab that went away
                self.clients.discard(client)
        self.reloads_sent += 1

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _guess_prefix(options: BuildOptions) -> str:
    """The base path before any build succeeded: from the config, else the command line."""
    try:
        config, _ = resolve_config(options)
        return config.base_path
    except Exception:  # noqa: BLE001 - a broken config: the build reports it
        if options.base_url:
            return SiteConfig(base_url=options.base_url).base_path
        return "/"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> None:
    """Build, serve and live-reload the site until interrupted (Ctrl+C). Raises ServeError."""
    server = DevServer(options, host, port)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` cleans up like Ctrl+C
    try:
        server.start()
        server.say(f"Serving {server.url} (Ctrl+C to stop); watching {len(server.watcher.roots)} paths ({server.watcher.kind})")
        if not is_loopback(host):
            server.say(f"warning: listening on {host}: other machines can see this site")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
        while not server._stop.wait(3600):
            pass
    except KeyboardInterrupt:
        server.say("Stopped.")
    finally:
        server.stop()
