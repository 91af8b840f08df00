"""The HTTP side: map request paths to files of the output folder, and serve them.

Paths are resolved like GitHub Pages resolves them (extensionless pages, folder indexes,
the site's 404 page, the base URL's path as a prefix), and never to anything outside the
output folder: no '..' or '.' segments, no backslashes, no encoded '/', '\\' or NUL, no
symlink pointing out. Names the file system cannot hold (a segment over 255 bytes) are
simply not found. Request bodies are refused (the server is read-only, GET and HEAD).

Security: while bound to loopback, requests naming another Host are refused (DNS rebinding).
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from tornado import web
from tornado.iostream import StreamClosedError

if TYPE_CHECKING:
    from .server import DevServer

CHUNK = 256 * 1024
NAME_MAX = 255  # bytes in one file name, on every common file system
PATH_MAX = 4096  # bytes in a whole path (Linux)

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
    Missing: anything resolving outside ``root`` (symlinks), or too long to be a file name.
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
    if any(len(os.fsencode(s)) > NAME_MAX for s in segments) or len(os.fsencode(path)) > PATH_MAX // 2:
        return MISSING
    try:
        return _find(root.resolve(), segments, path, prefix)
    except OSError:  # e.g. a 255-byte name plus '.html': what the file system cannot name is not there
        return MISSING


def _find(root: Path, segments: list[str], path: str, prefix: str) -> Resolved:
    target = root.joinpath(*[s for s in segments if s])
    if not _inside(root, target):
        return MISSING
    if segments[-1] == "":  # a folder URL: its index.html
        index = target / "index.html"
        return Resolved("file", index) if index.is_file() and _inside(root, index) else MISSING
    if target.is_file():
        return Resolved("file", target)
    if target.is_dir() and (target / "index.html").is_file() and _inside(root, target / "index.html"):
        return Resolved("redirect", location=quote(prefix.rstrip("/") + path + "/"))
    page = target.with_name(target.name + ".html")
    if page.is_file() and _inside(root, page):
        return Resolved("file", page)
    return MISSING


def _inside(root: Path, target: Path) -> bool:
    real = os.path.realpath(target)
    return real == str(root) or real.startswith(str(root) + os.sep)


def split_host(host_header: str) -> tuple[str, int]:
    """'127.0.0.1:8000' -> ('127.0.0.1', 8000); '[::1]:80' -> ('[::1]', 80); no port: 80."""
    match = re.match(r"^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$", host_header or "")
    if not match:
        return "", 80
    return match.group(1), int(match.group(2) or 80)


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class HostGuard:
    """Refuses requests whose Host is not loopback while bound to loopback (DNS rebinding)."""

    server: "DevServer"
    request: object

    def check_host(self) -> None:
        if self.server.loopback_only:
            host, _ = split_host(self.request.host)
            if not is_loopback(host):
                raise web.HTTPError(400, "unexpected Host header")


class SiteHandler(HostGuard, web.RequestHandler):
    """Serves the output folder of the last good build (HTML pages through ``server.page_for_browser``)."""

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

    def log_exception(self, typ, value, tb) -> None:  # type: ignore[override]
        if not isinstance(value, web.HTTPError):  # one line, no traceback, the path quoted
            self.server.say(f"error: serving {self.request.path[:200]!r}: {typ.__name__}: {value}")

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
            return self.send_html(500, self.server.error_page(), include_body)
        if found.kind == "file":
            try:
                if html_page:
                    return self.send_html(200, found.path.read_bytes(), include_body)
                return await self.send_file(found.path, include_body)
            except OSError:  # replaced or removed by a rebuild between the check and the read
                pass
        self.send_not_found(include_body)

    def send_not_found(self, include_body: bool) -> None:
        try:
            body = (self.server.output_dir / "404.html").read_bytes()
        except OSError:
            body = b"<!doctype html><title>Not found</title><h1>Not found</h1>\n"
        self.send_html(404, body, include_body)

    def send_html(self, status: int, body: bytes, include_body: bool) -> None:
        body = self.server.page_for_browser(body, self.request.host)
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
