"""The development server: build, serve, watch, rebuild, reload the open tabs.

Threads, because a build can take seconds and must not stall the server:

* the **watcher** (``watch.py``) follows the content, template and static folders and the
  config file, and hands changed paths to the **coalescer**, which releases a burst of saves
  as one batch;
* the **builder** thread (``loop.py``) rebuilds for each batch into a private temporary
  folder, never the user's ``_site``, and keeps the outcome (or the build's problems);
* the **tornado** thread serves that folder (``http.py``), adds the livereload script to
  HTML as it goes out, and after every build tells the connected tabs to reload
  (``reload.py``).

While the last build failed, HTML requests get an error page naming file:line, with the
reload script in it; other files are still served from the last good build.

Why not ``livereload.Server`` as it is: its static handler serves any path the OS resolves
under the root and has no 404 page or base-url prefix; its watcher reports one changed file
per poll, runs the tasks on the server's event loop and drops reloads less than 3 s apart.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import webbrowser
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets

from .. import cache
from ..build import BuildOptions, resolve_config, theme_dirs
from ..config import SiteConfig
from .http import SiteHandler, is_loopback
from .loop import Rebuild, RebuildLoop
from .reload import ReloadJS, ReloadSocket, inject_script, reload_script, tell_tabs_to_reload
from .state import BuildState, error_page
from .watch import POLL_SECONDS, QUIET_SECONDS, Coalescer, Watcher


class ServeError(RuntimeError):
    """The server could not start (port in use, bad host)."""


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
        root = root.absolute()
        if root.resolve() not in [u.resolve() for u in unique]:
            unique.append(root)
    return unique


class DevServer:
    """Builds ``options`` into a temporary folder, serves it and keeps it up to date.

    ``start()`` returns once the first build finished, the port is bound and the watcher is
    in place; ``stop()`` shuts everything down and removes the temporary folder. ``port=0``
    picks a free port. ``watcher="poll"`` polls instead of asking the OS for changes.
    """

    def __init__(self, options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, *,
                 quiet: float = QUIET_SECONDS, poll_interval: float = POLL_SECONDS, rebuild: Rebuild | None = None,
                 watcher: str = "auto", out: TextIO | None = None):
        if watcher not in ("auto", "poll"):
            raise ValueError(f"watcher must be 'auto' or 'poll', not {watcher!r}")
        self.host, self.port = host, port
        self.loopback_only = is_loopback(host)
        self._place = ServeOutput.claim(options)
        self.output_dir = self._place.site
        self.options = replace(options, output_dir=self.output_dir)
        self.out = out or sys.stderr
        self.coalescer = Coalescer(quiet)
        self.watcher = Watcher(watched_roots(self.options), self.coalescer, polling=watcher == "poll",
                               poll_interval=poll_interval, say=self.say)
        self.builds = RebuildLoop(self.options, self.coalescer, BuildState(0, False, _guess_prefix(self.options)),
                                  rebuild=rebuild, on_built=self._built, say=self.say)
        self.clients: set[ReloadSocket] = set()
        self.handshakes = 0  # websocket clients that completed the handshake, ever
        self.reloads_sent = 0  # reload broadcasts, one per finished build
        self.reload_sent_at = 0.0  # time.monotonic() of the last one
        self._loop: IOLoop | None = None
        self._http: HTTPServer | None = None
        self._stop = threading.Event()
        self._stopped = False
        self._threads: list[threading.Thread] = []

    # --- what the handlers and the tests read ------------------------------------------
    @property
    def state(self) -> BuildState:
        return self.builds.state

    @property
    def build_started_at(self) -> float:
        return self.builds.started_at

    @property
    def build_finished_at(self) -> float:
        return self.builds.finished_at

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.state.prefix}"

    def wait_for_build(self, after_generation: int, timeout: float) -> BuildState | None:
        return self.builds.wait_for_build(after_generation, timeout)

    def page_for_browser(self, page: bytes, host_header: str) -> bytes:
        """An HTML page as served: with the livereload script (the file on disk has none)."""
        return inject_script(page, reload_script(host_header))

    def error_page(self) -> bytes:
        return error_page(self.state)

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        try:
            sockets = bind_sockets(self.port, address=self.host)
        except OSError as exc:
            self.stop()
            raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from exc
        self.port = sockets[0].getsockname()[1]
        self.say(f"Building the site into {self.output_dir} …")
        self.builds.run_once(None)
        ready = threading.Event()
        http_thread = threading.Thread(target=self._serve_forever, args=(sockets, ready), name="site-builder-http",
                                       daemon=True)
        http_thread.start()
        if not ready.wait(10):
            raise ServeError("the HTTP server did not start")
        builder = threading.Thread(target=self.builds.run_forever, args=(self._stop,), name="site-builder-build",
                                   daemon=True)
        builder.start()
        self._threads = [http_thread, builder]
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
        self._place.release()

    def __enter__(self) -> "DevServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_forever(self, sockets: list, ready: threading.Event) -> None:
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
        # max_body_size=0: a GET or HEAD with a body is refused (400) before it is read,
        # instead of tornado holding up to 100 MB of it in memory.
        self._http = HTTPServer(app, max_body_size=0)
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

    def _built(self, state: BuildState) -> None:
        if self._loop is not None and not self._stop.is_set():
            self._loop.add_callback(self._reload_tabs)

    def _reload_tabs(self) -> None:
        self.reload_sent_at = time.monotonic()
        self.clients.difference_update(tell_tabs_to_reload(self.clients))
        self.reloads_sent += 1

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


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
        server.say(f"Serving {server.url} (Ctrl+C to stop); watching {len(server.watcher.roots)} paths "
                   f"({server.watcher.kind})")
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


class ServeOutput:
    """Where serve builds: `.site-cache/serve/site`, kept between sessions so that the next
    `serve` starts warm (the manifest and pages of the last session are reused), or a
    temporary folder when another serve of the same project holds that one (or locks are
    not available)."""

    def __init__(self, site: Path, lock: int | None, temporary: Path | None):
        self.site, self._lock, self._temporary = site, lock, temporary

    @classmethod
    def claim(cls, options: BuildOptions) -> "ServeOutput":
        folder = (options.cache_dir or options.project_dir / cache.CACHE_DIR_NAME) / "serve"
        lock = take_lock(folder)
        if lock is not None:
            return cls(folder / "site", lock, None)
        temporary = Path(tempfile.mkdtemp(prefix="site-builder-serve-"))
        return cls(temporary / "site", None, temporary)

    def release(self) -> None:
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)  # closing the file drops its lock
            self._lock = None


def take_lock(folder: Path) -> int | None:
    """An exclusive lock on folder/lock, held until the descriptor is closed; None if taken."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no shared folder, a temporary one each time
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if folder.is_symlink():
            return None
        descriptor = os.open(folder / "lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor
