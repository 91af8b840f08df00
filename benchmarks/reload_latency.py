#!/usr/bin/env python3
"""Save-to-reload latency of `site-builder serve` for a one-record edit.

    python benchmarks/reload_latency.py --content /tmp/corpus-10k [--repeat 3] [--no-browser]
    python benchmarks/reload_latency.py --figures 2000          # generate a corpus first

Copies the content folder to a temporary folder (the corpus is not touched; --in-place skips
the copy), starts the dev server on 127.0.0.1 with a free port, opens the edited figure's
page, then REPEAT times rewrites that record's figtitle and measures:

  detect   save -> the rebuild starts (watcher poll + quiet period)
  build    the rebuild itself (today a full build; later incremental)
  notify   build done -> reload message sent to the tabs
  client   reload message sent -> received by a livereload websocket client
  page     save -> the browser page shows the new title (headless chromium via Playwright,
           when /usr/bin/chromium exists and --no-browser is not given)
  total    save -> reload received (and -> page shows it, with a browser)

All times come from one monotonic clock in this process (the server runs in a thread here).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder.build import BuildOptions  # noqa: E402
from site_builder.serve import DevServer  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PROTOCOL = "http://livereload.com/protocols/official-7"


def set_title(text: str, title: str) -> str:
    """Replace the (possibly folded) figtitle value in a record's front matter."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("figtitle:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return "\n".join(lines[:start] + [f"figtitle: {title}"] + lines[end:]) + "\n"


class ReloadListener:
    """A livereload websocket client in its own thread; records when each reload arrives."""

    def __init__(self, port: int):
        self.port = port
        self.received: list[float] = []
        self.connected = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),), daemon=True)
        self.thread.start()
        if not self.connected.wait(15):
            raise RuntimeError("could not connect to /livereload")

    async def _run(self) -> None:
        from tornado.websocket import websocket_connect

        conn = await websocket_connect(f"ws://127.0.0.1:{self.port}/livereload")
        await conn.write_message(json.dumps({"command": "hello", "protocols": [PROTOCOL]}))
        await conn.read_message()
        await conn.write_message(json.dumps({"command": "info", "url": "benchmark", "plugins": {}}))
        await asyncio.sleep(0.1)
        self.connected.set()
        while (message := await conn.read_message()) is not None:
            if json.loads(message).get("command") == "reload":
                self.received.append(time.monotonic())

    def wait_for(self, count: int, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received[count - 1]
            time.sleep(0.002)
        return None


def prepare_content(args: argparse.Namespace, scratch: Path) -> Path:
    if args.content is None:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from generate_corpus import generate

        content = scratch / "content"
        print(f"generating {args.figures} figures into {content} …", flush=True)
        generate(content, args.figures, seed=1)
        return content
    if not (args.content / "figures").is_dir():
        sys.exit(f"{args.content}/figures not found; make one with: "
                 f"python benchmarks/generate_corpus.py --figures 10000 --out {args.content}")
    if args.in_place:
        return args.content
    content = scratch / "content"
    started = time.perf_counter()
    shutil.copytree(args.content, content)
    print(f"copied {args.content} in {time.perf_counter() - started:.1f} s", flush=True)
    return content


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:>7}: -"
    text = ", ".join(f"{v * 1000:.0f}" for v in values)
    return f"{name:>7}: median {statistics.median(values) * 1000:7.0f} ms   (runs: {text})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, help="content folder (e.g. /tmp/corpus-10k)")
    parser.add_argument("--figures", type=int, default=1000, help="without --content: generate this many figures")
    parser.add_argument("--repeat", type=int, default=3, help="edits to time (default 3)")
    parser.add_argument("--in-place", action="store_true", help="edit --content itself (restored afterwards)")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless chromium measurement")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for one reload")
    parser.add_argument("--watcher", choices=("auto", "poll"), default="auto", help="file watcher: the OS's (auto) or polling")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="reload-latency-"))
    content = prepare_content(args, scratch)
    record = sorted((content / "figures").glob("*.md"))[0]
    original = record.read_text(encoding="utf-8")
    figures = sum(1 for _ in (content / "figures").glob("*.md"))
    server = DevServer(BuildOptions(project_dir=scratch, content_dir=content), "127.0.0.1", 0, watcher=args.watcher,
                       out=sys.stderr)
    started = time.perf_counter()
    server.start()
    print(f"initial build: {time.perf_counter() - started:.2f} s for {figures} figures "
          f"({'ok' if server.state.ok else 'FAILED'}); serving {server.url}", flush=True)
    if not server.state.ok:
        server.stop()
        return 1
    use_browser = not args.no_browser and CHROMIUM.exists()
    results: dict[str, list[float]] = {k: [] for k in ("detect", "build", "notify", "client", "page", "total")}
    playwright = browser = page = None
    try:
        listener = ReloadListener(server.port)
        if use_browser:
            from playwright.sync_api import sync_playwright

            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            handshakes = server.handshakes
            page.goto(f"{server.url}figures/{record.stem}.html")
            deadline = time.monotonic() + 15
            while server.handshakes <= handshakes + 0 and time.monotonic() < deadline:
                time.sleep(0.01)
        for run in range(1, args.repeat + 1):
            title = f"Latency probe {run} {time.time_ns()}"
            generation, handshakes = server.state.generation, server.handshakes
            time.sleep(0.3)  # let the tab's new websocket settle
            saved = time.monotonic()
            record.write_text(set_title(original, title), encoding="utf-8")
            received = listener.wait_for(len(listener.received) + 1, args.timeout)
            if received is None or server.state.generation <= generation:
                print(f"run {run}: no reload within {args.timeout} s", file=sys.stderr)
                break
            if not server.state.ok:
                print(f"run {run}: the build failed", file=sys.stderr)
                break
            results["detect"].append(server.build_started_at - saved)
            results["build"].append(server.build_finished_at - server.build_started_at)
            results["notify"].append(server.reload_sent_at - server.build_finished_at)
            results["client"].append(received - server.reload_sent_at)
            total = received - saved
            if page is not None:
                page.wait_for_function(
                    "t => { const h = document.querySelector('h1'); return h && h.textContent.includes(t); }",
                    arg=title, polling="raf", timeout=args.timeout * 1000)
                shown = time.monotonic()
                results["page"].append(shown - saved)
                deadline = time.monotonic() + 15  # the reloaded tab reconnects before the next run
                while server.handshakes <= handshakes and time.monotonic() < deadline:
                    time.sleep(0.01)
            results["total"].append(total)
            print(f"run {run}: reload received {total * 1000:.0f} ms after the save"
                  + (f", page shows it after {results['page'][-1] * 1000:.0f} ms" if page is not None else ""), flush=True)
    finally:
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
        server.stop()
        if args.in_place:
            record.write_text(original, encoding="utf-8")
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\nsave-to-reload latency, one-record edit, {figures} figures (full rebuild, {server.watcher.kind} watcher):")
    for name in ("detect", "build", "notify", "client", "total", "page"):
        if name != "page" or use_browser:
            print(summary(name, results[name]))
    return 0 if results["total"] else 1


if __name__ == "__main__":
    sys.exit(main())
