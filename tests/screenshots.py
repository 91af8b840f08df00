"""Screenshots of every page type, for people to look at (a script, not a test).

    python tests/screenshots.py [OUTDIR] [--only home,figure] [--scheme dark] [--device phone]

OUTDIR defaults to tests/screenshots/ (git-ignored: never commit the images).

Builds the example site (content/) into a temporary folder, serves it on 127.0.0.1 and saves
full-page desktop (1280 wide) and phone (360 wide) screenshots of every page type, in light
and dark colour schemes, with Playwright driving Debian's chromium: NAME-DEVICE-SCHEME.png.
External requests (the figure images live at Europe PMC) are aborted, so the pages show what
they look like when an image cannot load. Also saved: the redirect page as a browser without
meta refresh shows it, the 404 page served deep in the site (404-deep-*), and the figure page
as printed (figure-print.png, print media at about A4 width, and figure-print.pdf).

The helpers here (PAGE_TYPES, build_example_site, serve, launch) are shared by
tests/test_accessibility.py and tests/test_pages_valid.py.
"""
from __future__ import annotations

import contextlib
import re
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
    ("journal", "journals/international-journal-of-molecular-sciences.html"),
    ("search", "search.html"),
    ("downloads", "downloads.html"),
    ("json-api", "json/index.html"),
    ("browse", "browse/ndex.html"),
    ("about", "about.html"),
    ("statistics", "statistics.html"),
    ("404", "404.html"),
    ("redirect", "figures/PMC9408851__F3.html"),
]

# Stands in for a figure image (the real ones live at Europe PMC): a wide white pathway-like drawing.
STAND_IN_FIGURE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1000" font-family="sans-serif" font-size="44">'
    b'<rect width="1600" height="1000" fill="#fff"/><g fill="#dbeafe" stroke="#1e40af" stroke-width="4">'
    b'<rect x="120" y="120" width="260" height="110" rx="14"/><rect x="670" y="120" width="260" height="110" rx="14"/>'
    b'<rect x="1220" y="120" width="260" height="110" rx="14"/><rect x="670" y="460" width="260" height="110" rx="14"/>'
    b'<rect x="670" y="780" width="260" height="110" rx="14"/></g><g stroke="#111" stroke-width="6">'
    b'<path d="M380 175h290M930 175h290M800 230v230M800 570v210"/></g><g text-anchor="middle">'
    b'<text x="250" y="190">TNF</text><text x="800" y="190">TNFR1</text><text x="1350" y="190">TRADD</text>'
    b'<text x="800" y="530">RIPK1</text><text x="800" y="850">NF-\xce\xbaB</text></g></svg>'
)


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


def print_figure(page, base: str, out: Path) -> None:
    """The long figure page as printed: a screenshot with print media at about A4 width, and a PDF."""
    page.set_viewport_size({"width": 720, "height": 1000})
    page.goto(base + dict(PAGE_TYPES)["figure"], wait_until="load")
    page.emulate_media(media="print")
    page.screenshot(path=str(out / "figure-print.png"), full_page=True)
    page.pdf(path=str(out / "figure-print.pdf"), format="A4", margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"})
    page.emulate_media(media="screen")
    print(out / "figure-print.png")


def without_refresh(page, url: str) -> None:
    """Show a redirect page as it looks without its zero-second meta refresh (which leaves at once)."""
    html = page.context.request.get(url).text()
    body = re.sub(r'<meta http-equiv="refresh"[^>]*>', "", html)
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body))


def main(argv: list[str]) -> int:
    import argparse

    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Screenshots of each page type of the example site.")
    parser.add_argument("outdir", nargs="?", default=REPO / "tests" / "screenshots", type=Path)
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
                    without_refresh(page, base + dict(PAGE_TYPES)["redirect"])
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
                    if not only or "figure-with-image" in only:  # the figure page with an image that loads
                        page.route("https://europepmc.org/**", lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=STAND_IN_FIGURE))
                        page.goto(base + dict(PAGE_TYPES)["figure"], wait_until="load")
                        page.screenshot(path=str(out / f"figure-with-image-{device}-{scheme}.png"), full_page=True)
                        page.unroute("https://europepmc.org/**")
                    if (not only or "figure" in only) and scheme == "light" and device == "desktop":
                        print_figure(page, base, out)
                    context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
