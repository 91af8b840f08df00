"""Screenshots of every page type, for people to look at (a script, not a test).

    python tests/screenshots.py [OUTDIR] [--only home,figure] [--scheme dark] [--device phone]

OUTDIR defaults to /tmp/shots; never commit the images.

Builds the example site (content/) into a temporary folder, serves it on 127.0.0.1 and saves
desktop (1280x900) and phone (360x740) screenshots, in light and dark colour schemes, with
Playwright driving Debian's chromium. External requests (the figure images live at Europe PMC)
are aborted, so the pages show what they look like when an image cannot load.

The helpers here (PAGE_TYPES, build_example_site, serve, launch) are shared by
tests/test_accessibility.py and tests/test_pages_valid.py.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}

# One page of each type in the example site: (name, path under the site root).
PAGE_TYPES: list[tuple[str, str]] = [
    ("home", "index.html"),
    ("figure", "figures/PMC9900001__ijms-25-01234-g002.html"),  # long caption, tables, notes
    ("figure-short", "figures/PMC9900001__ijms-25-01234-g005.html"),  # short caption
    ("figure-symbols", "figures/PMC9408851__ijms-23-09365-g003.html"),  # gene tags, no tables
    ("figures-listing", "figures/index.html"),
    ("organism", "organisms/homo-sapiens.html"),
    ("organisms-index", "organisms/index.html"),
    ("gene", "genes/TNF.html"),
    ("gene-letter", "gene-index/t.html"),
    ("genes-index", "genes/index.html"),
    ("years-index", "years/index.html"),
    ("year", "years/2024.html"),
    ("journals-index", "journals/index.html"),
    ("search", "search.html"),
    ("downloads", "downloads.html"),
    ("about", "about.html"),
    ("statistics", "statistics.html"),
    ("404", "404.html"),
    ("redirect", "figures/PMC9408851__F3.html"),
]


def build_example_site(output: Path, base_url: str | None = None) -> Path:
    sys.path.insert(0, str(REPO))
    from site_builder.build import BuildOptions, build

    build(BuildOptions(project_dir=REPO, output_dir=output, base_url=base_url))
    return output


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """A static host like GitHub Pages: missing files get the site's 404.html (status 404)."""

    def log_message(self, *args) -> None:
        pass

    def send_error(self, code, message=None, explain=None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` on a random local port; yields the base URL ('http://127.0.0.1:N/')."""
    handler = functools.partial(SiteHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def local_only(context, base: str) -> None:
    """Abort every request that does not go to the local server (figure images, links out)."""
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())


def main(argv: list[str]) -> int:
    import argparse

    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Screenshots of each page type of the example site.")
    parser.add_argument("outdir", nargs="?", default="/tmp/shots", type=Path)
    parser.add_argument("--only", default="", help="comma-separated page type names: " + ",".join(n for n, _ in PAGE_TYPES))
    parser.add_argument("--scheme", choices=("light", "dark"), action="append", help="default: both")
    parser.add_argument("--device", choices=tuple(VIEWPORTS), action="append", help="default: both")
    args = parser.parse_args(argv[1:])
    only = {name for name in args.only.split(",") if name}
    out = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        site = build_example_site(Path(tmp) / "site")
        with serve(site) as base:
            browser = launch(p)
            for scheme in args.scheme or ("light", "dark"):
                for device in args.device or tuple(VIEWPORTS):
                    context = browser.new_context(viewport=VIEWPORTS[device], color_scheme=scheme, device_scale_factor=1)
                    local_only(context, base)
                    page = context.new_page()
                    for name, path in PAGE_TYPES:
                        if only and name not in only:
                            continue
                        page.goto(base + path, wait_until="load")
                        page.wait_for_timeout(100)
                        target = out / f"{name}-{device}-{scheme}.png"
                        page.screenshot(path=str(target), full_page=True)
                        print(target)
                    if not only or "404-deep" in only:  # the 404 page served for a missing address deep in the site
                        page.goto(base + "no/such/deep/page.html", wait_until="load")
                        page.screenshot(path=str(out / f"404-deep-{device}-{scheme}.png"), full_page=True)
                    context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
