"""Helpers for the serve tests: a small fixed site written by a fake ``rebuild`` (so the
HTTP tests test the server, not the build pipeline), a server on a free port, raw requests.

Plain functions; each test file defines its own ``server`` fixture with ``start_server``.
"""
from __future__ import annotations

import http.client
import io
import socket
import time
from pathlib import Path

from site_builder.build import PACKAGE_ROOT, BuildOptions, BuildReport
from site_builder.config import SiteConfig
from site_builder.serve import DevServer

CONTENT = PACKAGE_ROOT / "content"
SECRET = b"TOP SECRET outside the site"
TIMEOUT = 15.0

SITE = {
    "index.html": "<!doctype html><html><head><title>Home</title></head><body><h1>HOME PAGE</h1></body></html>",
    "404.html": "<!doctype html><html><head><title>404</title></head><body><h1>SITE 404 PAGE</h1></body></html>",
    "figures/index.html": "<html><head></head><body>FIGURE LIST</body></html>",
    "figures/PMC1__a.html": "<html><head><title>A</title></head><body>FIGURE A</body></html>",
    "genes/TP53.html": "<html><head></head><body>TP53 PAGE 1</body></html>",
    "genes/TP53/2.html": "<html><head></head><body>TP53 PAGE 2</body></html>",
    "nohead.html": "<html><body>NO HEAD</body></html>",
    "static/site.css": "body { color: black }",
    "static/app.js": "console.log(1)",
    "static/favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    "feed.xml": "<?xml version='1.0'?><feed/>",
    "sitemap.xml": "<?xml version='1.0'?><urlset/>",
    "downloads/figures.json": "[]",
    "downloads/PMC1__a-genes.tsv": "word\tsymbol\n",
    "downloads/genes.gmt": "set\tdesc\tTP53\n",
    "robots.txt": "User-agent: *\n",
    "search/manifest.json": "{}",
    "search/terms/0a1b2c.bin": "terms",
    "search/docs/3d4e5f.json": "[]",
}


# --- helpers -------------------------------------------------------------------------


def fake_rebuild(base_url: str = "/", counter: list | None = None):
    """A rebuild that writes SITE (plus a secret beside the output folder) and counts calls."""

    def rebuild(options: BuildOptions, changed):
        if counter is not None:
            counter.append(changed)
        out = options.output_dir
        for name, text in SITE.items():
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (out / "downloads" / "all.tsv.gz").write_bytes(b"\x1f\x8b\x08\x00fakegzip")
        (out.parent / "secret.txt").write_bytes(SECRET)
        (out / "linked").mkdir(exist_ok=True)
        for name, target in (("escape", "secret.txt"), ("leak.html", "secret.txt"), ("outside", "."),
                             ("linked/index.html", "secret.txt")):
            link = out / name
            if not link.is_symlink():  # symlinks pointing out of the output folder
                link.symlink_to(out.parent / target)
        return BuildReport(config=SiteConfig(base_url=options.base_url or base_url), output=out, figures=1, pages=len(SITE))

    return rebuild


def start_server(tmp_path: Path, **kwargs) -> DevServer:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    options = kwargs.pop("options", None) or BuildOptions(project_dir=tmp_path, content_dir=content)
    kwargs.setdefault("rebuild", fake_rebuild())
    kwargs.setdefault("out", io.StringIO())
    kwargs.setdefault("poll_interval", 0.05)
    server = DevServer(options, "127.0.0.1", 0, **kwargs)
    server.start()
    return server



def raw_request(port: int, target: bytes, method: bytes = b"GET", host: bytes | None = None) -> tuple[int, dict, bytes]:
    """Send the request line exactly as given (no client-side normalisation of '..')."""
    host = host or b"127.0.0.1:%d" % port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
        response = http.client.HTTPResponse(sock, method=method.decode())
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def get(server: DevServer, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
    return raw_request(server.port, path.encode(), method.encode())


def wait_until(condition, timeout: float = TIMEOUT, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()

