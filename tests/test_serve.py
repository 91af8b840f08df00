"""Tests for site_builder.serve: the live-reload development server.

Most HTTP tests serve a small fixed site written by a fake ``rebuild`` (so they test the
server, not the build pipeline); the error-page tests run the real build on a copy of
content/. Servers listen on 127.0.0.1 with a free port; every wait is bounded.
"""
from __future__ import annotations

import asyncio
import http.client
import io
import json
import os
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from site_builder import serve as serve_module
from site_builder.build import PACKAGE_ROOT, BuildOptions, BuildReport
from site_builder.config import SiteConfig
from site_builder.errors import BuildError
from site_builder.model import Problem
from site_builder.serve import DevServer
from site_builder.serve.http import content_type, resolve_request
from site_builder.serve.loop import rebuild as real_rebuild
from site_builder.serve.reload import inject_script
from site_builder.serve.state import BuildState, Failure, describe_failure, error_page
from site_builder.serve.watch import Coalescer, Watcher

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


@pytest.fixture
def server(tmp_path):
    srv = start_server(tmp_path)
    yield srv
    srv.stop()


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


# --- path safety ---------------------------------------------------------------------

TRAVERSALS = [
    b"/../secret.txt",
    b"/figures/../../secret.txt",
    b"/%2e%2e/secret.txt",
    b"/%2E%2E/secret.txt",
    b"/.%2e/secret.txt",
    b"/figures/%2e%2e/%2e%2e/secret.txt",
    b"/..%2fsecret.txt",
    b"/..%2Fsecret.txt",
    b"/%2e%2e%2fsecret.txt",
    b"/static/%2e%2e%2f%2e%2e%2fsecret.txt",
    b"/..\\secret.txt",
    b"/..%5csecret.txt",
    b"/%5c..%5csecret.txt",
    b"/%252e%252e/secret.txt",
    b"/./index.html",
    b"//secret.txt",
    b"//etc/passwd",
    b"/etc/passwd",
    b"/%2fetc/passwd",
    b"/index.html%00",
    b"/%00../secret.txt",
    b"/escape",
    b"/leak",
    b"/leak.html",
    b"/outside/secret.txt",
    b"/outside/",
    b"/outside",
    b"/outside/site/../secret.txt",
    b"/linked",  # a folder whose index.html points out: not even a redirect to it
    b"/linked/",
    b"/linked/index.html",
    b"/figures\\..\\..\\secret.txt",
    b"/%5c%2e%2e%5csecret.txt",
    b"/%2e%2e%5csecret.txt",
    b"/.%2E/.%2E/secret.txt",
    b"/%c0%ae%c0%ae/secret.txt",
    b"../secret.txt",
    b"secret.txt",
    b"http://127.0.0.1/../secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=[t.decode(errors="replace") for t in TRAVERSALS])
def test_traversal_is_refused(server, target):
    status, _, body = raw_request(server.port, target)
    assert status in (400, 404)
    assert SECRET not in body
    assert (server.output_dir.parent / "secret.txt").read_bytes() == SECRET  # it is there to steal


@pytest.mark.parametrize("segment", [
    "a" * 250, "a" * 251, "a" * 255, "a" * 256, "a" * 5000, "%C3%A9" * 130, "%C3%A9" * 127 + ".html",
], ids=["250", "251", "255", "256", "5000", "utf8-260-bytes", "utf8-254-bytes.html"])
def test_overlong_names_are_not_found(server, caplog, segment):
    """A segment longer than a file name can be is a plain 404, not a 500 with a traceback naming the URL."""
    for target in (f"/{segment}", f"/figures/{segment}", f"/{segment}/", f"/{segment}/index.html"):
        status, headers, body = get(server, target)
        assert status == 404, target
        assert b"SITE 404 PAGE" in body
    assert "Traceback" not in server.out.getvalue()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text


def _send(port: int, request: bytes, body: bytes = b"") -> tuple[int | None, float]:
    """Send a request (and part of a body); the status it gets and how long that took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request + body)
        response = http.client.HTTPResponse(sock, method="GET")
        try:
            response.begin()
        except (http.client.HTTPException, ConnectionError, socket.timeout):
            return None, time.monotonic() - started
        return response.status, time.monotonic() - started


@pytest.mark.parametrize("method", [b"GET", b"HEAD"])
def test_request_bodies_are_refused_without_reading_them(server, method):
    host = b"Host: 127.0.0.1:%d\r\n" % server.port
    # announces 100 MB, sends 1 kB: the server answers at once instead of waiting for (and holding) the rest
    status, seconds = _send(server.port, method + b" /index.html HTTP/1.1\r\n" + host + b"Content-Length: 104857600\r\n\r\n", b"x" * 1024)
    assert status == 400 and seconds < 4
    status, seconds = _send(server.port, method + b" /index.html HTTP/1.1\r\n" + host + b"Content-Length: 10\r\n\r\n", b"0123456789")
    assert status == 400
    chunked = method + b" /index.html HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\n"
    status, seconds = _send(server.port, chunked, b"400\r\n" + b"x" * 1024 + b"\r\n")
    assert status == 400 and seconds < 4
    # without a body, the same request works, and so does the server afterwards
    status, _ = _send(server.port, method + b" /index.html HTTP/1.1\r\n" + host + b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    assert status == 200
    assert get(server, "/index.html")[0] == 200


def test_raw_nul_and_control_characters_are_refused(server):
    for target in (b"/index.html\x00", b"/a\x01b", b"/..\x00/secret.txt"):
        try:
            status, _, body = raw_request(server.port, target)
        except (http.client.HTTPException, ConnectionError):
            continue  # tornado may drop a malformed request line: also a refusal
        assert status in (400, 404)
        assert SECRET not in body


def test_server_still_serves_after_attacks(server):
    for target in TRAVERSALS:
        raw_request(server.port, target)
    status, _, body = get(server, "/index.html")
    assert status == 200 and b"HOME PAGE" in body


def test_resolve_request_unit(tmp_path):
    root = tmp_path / "site"
    (root / "figures").mkdir(parents=True)
    (root / "figures" / "index.html").write_text("x")
    (root / "figures" / "a.html").write_text("x")
    assert resolve_request(root, "/figures/a").path == root.resolve() / "figures" / "a.html"
    assert resolve_request(root, "/figures").kind == "redirect"
    assert resolve_request(root, "/figures/../figures/a.html").kind == "bad"
    assert resolve_request(root, "/%2E%2e/x").kind == "bad"
    assert resolve_request(root, "/a%2Fb").kind == "bad"
    assert resolve_request(root, "/x\\y").kind == "bad"
    assert resolve_request(root, "/%ff").kind == "bad"  # not UTF-8
    assert resolve_request(root, "/nothing").kind == "missing"


def test_binds_to_loopback_by_default(tmp_path):
    import inspect

    assert inspect.signature(serve_module.serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(DevServer).parameters["host"].default == "127.0.0.1"


def test_foreign_host_header_is_refused(server):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 cannot read the site."""
    status, _, body = raw_request(server.port, b"/index.html", host=b"evil.example:%d" % server.port)
    assert status == 400 and b"HOME PAGE" not in body
    status, _, body = raw_request(server.port, b"/index.html", host=b"localhost:%d" % server.port)
    assert status == 200


def test_only_get_and_head(server):
    status, _, _ = raw_request(server.port, b"/index.html", method=b"POST")
    assert status == 405


# --- content types, 404, extensionless and folder paths -------------------------------


@pytest.mark.parametrize("path, expected", [
    ("/index.html", "text/html"),
    ("/static/site.css", "text/css"),
    ("/static/app.js", "text/javascript"),
    ("/search/manifest.json", "application/json"),
    ("/static/favicon.svg", "image/svg+xml"),
    ("/feed.xml", "application/xml"),
    ("/sitemap.xml", "application/xml"),
    ("/downloads/figures.json", "application/json"),
    ("/downloads/PMC1__a-genes.tsv", "text/tab-separated-values"),
    ("/downloads/genes.gmt", "text/plain"),
    ("/downloads/all.tsv.gz", "application/gzip"),
    ("/robots.txt", "text/plain"),
    ("/search/terms/0a1b2c.bin", "application/octet-stream"),
    ("/search/docs/3d4e5f.json", "application/json"),
])
def test_content_types(server, path, expected):
    status, headers, body = get(server, path)
    assert status == 200
    assert headers["content-type"].split(";")[0] == expected
    assert headers.get("x-content-type-options") == "nosniff"
    assert "content-encoding" not in headers  # a .gz download must stay compressed
    assert int(headers["content-length"]) == len(body)
    if expected != "text/html":
        assert body == (server.output_dir / path.lstrip("/")).read_bytes()


def test_content_type_function():
    assert content_type("x.HTML").startswith("text/html")
    assert content_type("genes.tsv.gz") == "application/gzip"
    assert content_type("terms/a1b2.bin") == "application/octet-stream"
    assert content_type("unknown.bin") == "application/octet-stream"


def test_missing_path_serves_site_404_page(server):
    for path in ("/no/such/page", "/figures/PMC9__missing", "/figures/PMC1__a.html/", "/nohead.html/x"):
        status, headers, body = get(server, path)
        assert status == 404, path
        assert headers["content-type"].startswith("text/html")
        assert b"SITE 404 PAGE" in body
        assert b"/livereload.js?" in body


def test_extensionless_and_folder_paths(server):
    status, _, body = get(server, "/figures/PMC1__a")
    assert status == 200 and b"FIGURE A" in body
    status, headers, _ = get(server, "/figures")
    assert status == 302 and headers["location"] == "/figures/"
    status, headers, _ = get(server, "/figures?x=1")
    assert status == 302 and headers["location"] == "/figures/?x=1"
    status, _, body = get(server, "/figures/")
    assert status == 200 and b"FIGURE LIST" in body
    status, _, body = get(server, "/")
    assert status == 200 and b"HOME PAGE" in body
    # genes/TP53.html and genes/TP53/2.html both exist: the folder has no index, the page wins
    status, _, body = get(server, "/genes/TP53")
    assert status == 200 and b"TP53 PAGE 1" in body
    status, _, body = get(server, "/genes/TP53/2")
    assert status == 200 and b"TP53 PAGE 2" in body
    status, _, _ = get(server, "/genes/")
    assert status == 404  # a folder without index.html
    status, _, body = get(server, "/index.html?v=2")
    assert status == 200 and b"HOME PAGE" in body


def test_head_matches_get(server):
    for path in ("/index.html", "/static/site.css", "/no/such"):
        g_status, g_headers, g_body = get(server, path)
        h_status, h_headers, h_body = get(server, path, "HEAD")
        assert (h_status, h_body) == (g_status, b"")
        assert h_headers["content-length"] == g_headers["content-length"] == str(len(g_body))


def test_base_url_prefix(tmp_path):
    options = BuildOptions(project_dir=tmp_path, content_dir=tmp_path / "content", base_url="https://user.github.io/repo/")
    srv = start_server(tmp_path, options=options)
    try:
        assert srv.state.prefix == "/repo/"
        assert srv.url.endswith("/repo/")
        for path in ("/", "/repo"):
            status, headers, _ = get(srv, path)
            assert status == 302 and headers["location"] == "/repo/", path
        status, _, body = get(srv, "/repo/")
        assert status == 200 and b"HOME PAGE" in body
        status, _, body = get(srv, "/repo/figures/PMC1__a")
        assert status == 200 and b"FIGURE A" in body
        status, headers, _ = get(srv, "/repo/figures")
        assert status == 302 and headers["location"] == "/repo/figures/"
        status, headers, _ = get(srv, "/repo/static/site.css")
        assert status == 200 and headers["content-type"].startswith("text/css")
        status, _, body = get(srv, "/figures/PMC1__a.html")  # outside the prefix
        assert status == 404 and b"SITE 404 PAGE" in body
        status, _, body = get(srv, "/repository/index.html")
        assert status == 404
        status, _, body = raw_request(srv.port, b"/repo/../secret.txt")
        assert status == 400 and SECRET not in body
        status, _, _ = get(srv, "/livereload.js")  # the script stays at the root
        assert status == 200
    finally:
        srv.stop()


# --- live reload script ---------------------------------------------------------------


def test_reload_script_injected_only_when_serving(server):
    status, _, body = get(server, "/index.html")
    assert status == 200
    assert b'<script src="/livereload.js?' in body
    assert body.index(b"/livereload.js") < body.index(b"</head>")
    assert b"port=%d" % server.port in body
    on_disk = (server.output_dir / "index.html").read_bytes()
    assert b"livereload" not in on_disk
    assert body.replace(body[body.index(b"<script src=\"/livereload"): body.index(b"</head>")], b"") == on_disk
    status, _, body = get(server, "/nohead.html")
    assert body.index(b"/livereload.js") < body.index(b"</body>")
    status, _, body = get(server, "/static/app.js")
    assert b"livereload" not in body


def test_livereload_js_is_served_locally(server):
    import livereload

    status, headers, body = get(server, "/livereload.js")
    assert status == 200 and "javascript" in headers["content-type"]
    assert body == (Path(livereload.__file__).parent / "vendors" / "livereload.js").read_bytes()


def test_inject_script_unit():
    tag = b"<script src=/livereload.js></script>"
    assert inject_script(b"<HEAD></HEAD ><body></body>", tag) == b"<HEAD>" + tag + b"</HEAD ><body></body>"
    assert inject_script(b"<p>x</body></BODY>", tag) == b"<p>x</body>" + tag + b"</BODY>"
    assert inject_script(b"<p>x", tag) == b"<p>x" + tag


async def _listen_for_reload(port: int, origin: str | None, timeout: float, after=None) -> dict | None:
    headers = {"Origin": origin} if origin else {}
    conn = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers=headers, connect_timeout=5))
    try:
        await conn.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        hello = json.loads(await asyncio.wait_for(conn.read_message(), timeout))
        assert hello["command"] == "hello"
        await conn.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/", "plugins": {}}))
        await asyncio.sleep(0.2)  # let the server register the client
        if after is not None:
            await asyncio.get_running_loop().run_in_executor(None, after)
        message = await asyncio.wait_for(conn.read_message(), timeout)
        return json.loads(message) if message else None
    finally:
        conn.close()


def test_reload_message_after_rebuild(tmp_path):
    srv = start_server(tmp_path)
    try:
        start = srv.state.generation
        trigger = lambda: (tmp_path / "content" / "x.md").write_text("changed")  # noqa: E731
        message = asyncio.run(_listen_for_reload(srv.port, f"http://127.0.0.1:{srv.port}", TIMEOUT, after=trigger))
        assert message is not None and message["command"] == "reload"
        assert srv.state.generation > start
    finally:
        srv.stop()


def test_websocket_from_other_origin_is_refused(server):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        asyncio.run(_listen_for_reload(server.port, "https://evil.example", 2))
    assert info.value.code == 403


# --- coalescing -----------------------------------------------------------------------


def test_coalescer_burst_is_one_batch_later_events_another():
    c = Coalescer(quiet=0.15, max_wait=2.0, clock=lambda: 0.0)
    c.add(["a.md"], now=0.00)
    c.add(["b.md"], now=0.05)
    c.add(["c.md", "a.md"], now=0.10)
    assert c.take(now=0.20) is None  # only 0.10 s since the last save
    assert c.due_in(now=0.20) == pytest.approx(0.05)
    batch = c.take(now=0.26)
    assert batch == {Path("a.md"), Path("b.md"), Path("c.md")}
    assert c.take(now=5.0) is None and c.due_in(now=5.0) is None
    c.add(["d.md"], now=1.00)  # after the window: a second batch
    assert c.take(now=1.10) is None
    assert c.take(now=1.16) == {Path("d.md")}


def test_coalescer_never_starves_under_constant_writes():
    c = Coalescer(quiet=0.15, max_wait=1.0)
    released = []
    for step in range(30):  # a save every 0.1 s for 3 s
        now = step * 0.1
        c.add([f"f{step}.md"], now=now)
        batch = c.take(now=now)
        if batch:
            released.append((now, len(batch)))
    assert released and released[0][0] == pytest.approx(1.0)
    assert len(released) == 2  # at 1.0 s and 2.1 s, not 30 times


def test_coalescer_wait_blocks_until_quiet():
    c = Coalescer(quiet=0.1)
    assert c.wait(timeout=0.05) is None
    started = time.monotonic()
    c.add(["a"])
    c.add(["b"])
    batch = c.wait(timeout=5)
    assert batch == {Path("a"), Path("b")}
    assert 0.09 <= time.monotonic() - started < 2
    c.close()
    assert c.wait(timeout=5) is None  # returns at once when closed


def test_watcher_reports_changes_not_editor_noise(tmp_path):
    root = tmp_path / "content"
    (root / "figures").mkdir(parents=True)
    for name in ("a.md", "b.md", "c.md"):
        (root / "figures" / name).write_text("x")
    (tmp_path / "site.yml").write_text("title: x\n")
    coalescer = Coalescer(quiet=0.3)
    watch = Watcher([root, tmp_path / "site.yml"], coalescer)
    watch.start()
    try:
        (root / "figures" / "a.md").write_text("changed")
        (root / "figures" / "b.md").unlink()
        (root / "figures" / "d.md").write_text("new")
        (root / "figures" / ".d.md.swp").write_text("editor noise")
        (root / "figures" / "e.md~").write_text("editor noise")
        (root / ".git").mkdir()
        (root / ".git" / "index").write_text("not ours")
        (tmp_path / "site.yml").write_text("title: y\n")
        (tmp_path / "unwatched.txt").write_text("beside the config, not watched")
        seen: set = set()
        deadline = time.monotonic() + TIMEOUT
        expected = {root / "figures" / "a.md", root / "figures" / "b.md", root / "figures" / "d.md", tmp_path / "site.yml"}
        while not expected <= seen and time.monotonic() < deadline:
            seen |= coalescer.wait(timeout=0.5) or set()
        seen |= coalescer.wait(timeout=0.5) or set()
        assert seen == expected
    finally:
        watch.stop()


WATCHERS = ["auto", "poll"]


@pytest.mark.parametrize("watcher", WATCHERS)
def test_burst_of_saves_rebuilds_once(tmp_path, watcher):
    calls: list = []
    srv = start_server(tmp_path, rebuild=fake_rebuild(counter=calls), quiet=1.0, watcher=watcher)
    assert srv.watcher.kind == ("watchfiles, polling" if watcher == "poll" else "watchfiles")
    try:
        assert len(calls) == 1 and calls[0] is None  # the first build
        figures = tmp_path / "content" / "figures"
        figures.mkdir()
        started = time.monotonic()
        for n in range(6):  # an editor saving several files at once
            (figures / f"f{n}.md").write_text(f"v{n}")
        wrote = time.monotonic() - started
        assert srv.wait_for_build(1, TIMEOUT) is not None
        time.sleep(2.0)  # well past the quiet period: no second build for the same burst
        assert len(calls) == 2, (wrote, calls)
        assert calls[1] >= {figures / f"f{n}.md" for n in range(6)}
        assert calls[1] <= {figures / f"f{n}.md" for n in range(6)} | {figures}  # (the new folder too)
        (figures / "f0.md").write_text("again")  # a later save: another build
        assert srv.wait_for_build(2, TIMEOUT) is not None
        time.sleep(1.5)
        assert len(calls) == 3 and calls[2] == {figures / "f0.md"}
    finally:
        srv.stop()


@pytest.mark.parametrize("watcher", WATCHERS)
def test_watches_templates_static_and_config(tmp_path, watcher):
    calls: list = []
    srv = start_server(tmp_path, rebuild=fake_rebuild(counter=calls), watcher=watcher)
    try:
        generation = srv.state.generation
        # folders that did not exist when the server started, and the config file
        for path in (tmp_path / "templates" / "figure.html", tmp_path / "static" / "css" / "site.css", tmp_path / "site.yml"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")
            assert srv.wait_for_build(generation, TIMEOUT) is not None, path
            generation = srv.state.generation
            assert path in calls[-1], calls[-1]
        # an editor's atomic save: write a temporary file, rename it over the original
        if watcher == "poll":
            time.sleep(1.1)  # watchfiles' polling compares modification times in whole seconds
        temp = tmp_path / "site.yml.tmp"
        temp.write_text("title: atomic\n")
        os.replace(temp, tmp_path / "site.yml")
        assert srv.wait_for_build(generation, TIMEOUT) is not None
        generation = srv.state.generation
        assert tmp_path / "site.yml" in calls[-1]
        # a folder of records copied in at once, then removed
        incoming = tmp_path / "incoming"
        (incoming / "figures").mkdir(parents=True)
        for n in range(3):
            (incoming / "figures" / f"n{n}.md").write_text("x")
        os.replace(incoming, tmp_path / "content" / "more")
        assert srv.wait_for_build(generation, TIMEOUT) is not None
        generation = srv.state.generation
        assert tmp_path / "content" / "more" / "figures" / "n2.md" in calls[-1] or tmp_path / "content" / "more" in calls[-1]
        shutil.rmtree(tmp_path / "content" / "more")
        assert srv.wait_for_build(generation, TIMEOUT) is not None
        # nothing else happens while nothing changes
        generation = srv.state.generation
        time.sleep(0.5)
        assert srv.state.generation == generation
    finally:
        srv.stop()


@pytest.mark.parametrize("watcher", WATCHERS)
def test_watcher_sees_every_file_of_new_folders(tmp_path, watcher):
    """Files written right after their folder is created are not lost (the race between mkdir and the new watch)."""
    content = tmp_path / "content"
    content.mkdir()
    coalescer = Coalescer(quiet=0.2)
    watch = Watcher([content], coalescer, polling=watcher == "poll", poll_interval=0.05)
    watch.start()
    try:
        expected = set()
        for d in range(5):
            folder = content / f"d{d}" / "figures"
            folder.mkdir(parents=True)
            for n in range(40):
                (folder / f"f{n}.md").write_text("x")
                expected.add(folder / f"f{n}.md")
        seen: set = set()
        deadline = time.monotonic() + TIMEOUT
        while not expected <= seen and time.monotonic() < deadline:
            seen |= coalescer.wait(timeout=0.5) or set()
        assert expected - seen == set()
    finally:
        watch.stop()


def test_watcher_polls_when_the_os_refuses_to_watch(tmp_path, monkeypatch):
    """E.g. inotify's limit of watches reached: say so once and keep watching by polling."""
    from site_builder.serve import watch as watch_module

    real_watch = watch_module.watchfiles.watch

    def refusing_watch(*paths, force_polling, **options):
        if not force_polling:
            raise OSError("OS file watch limit reached")
        return real_watch(*paths, force_polling=force_polling, **options)

    monkeypatch.setattr(watch_module.watchfiles, "watch", refusing_watch)
    content = tmp_path / "content"
    content.mkdir()
    said: list[str] = []
    coalescer = Coalescer(quiet=0.1)
    watch = Watcher([content], coalescer, poll_interval=0.05, say=said.append)
    watch.start()
    try:
        time.sleep(1.1)  # polling compares modification times in whole seconds
        (content / "a.md").write_text("x")
        seen: set = set()
        deadline = time.monotonic() + TIMEOUT
        while content / "a.md" not in seen and time.monotonic() < deadline:
            seen |= coalescer.wait(timeout=0.5) or set()
        assert content / "a.md" in seen
        assert watch.kind == "watchfiles, polling"
        assert any("watch limit reached" in line and "polling instead" in line for line in said), said
    finally:
        watch.stop()


def test_editor_noise_is_ignored(tmp_path):
    calls: list = []
    srv = start_server(tmp_path, rebuild=fake_rebuild(counter=calls))
    try:
        for name in (".record.md.swp", "record.md~", ".#record.md", "4913"):
            (tmp_path / "content" / name).write_text("x")
        time.sleep(0.6)
        assert len(calls) == 1
    finally:
        srv.stop()


# --- build errors in the browser --------------------------------------------------------


def copy_site(tmp_path: Path) -> tuple[BuildOptions, Path]:
    shutil.copytree(CONTENT, tmp_path / "content")
    figure = sorted((tmp_path / "content" / "figures").glob("*.md"))[0]
    return BuildOptions(project_dir=tmp_path, content_dir=tmp_path / "content"), figure


def test_error_page_on_broken_build_and_recovery(tmp_path):
    options, record = copy_site(tmp_path)
    figid = record.stem
    original = record.read_text(encoding="utf-8")
    out = io.StringIO()
    srv = start_server(tmp_path, options=options, rebuild=real_rebuild, out=out)
    try:
        assert srv.state.ok, out.getvalue()
        status, _, good = get(srv, f"/figures/{figid}")
        assert status == 200
        on_disk = (srv.output_dir / "figures" / f"{figid}.html").read_bytes()
        assert b"livereload" not in on_disk

        # A broken YAML line that also carries markup: it must come back escaped.
        lines = original.splitlines()
        lines.insert(2, "figtitle: <script>alert('x')</script>: [unclosed")
        generation = srv.state.generation
        record.write_text("\n".join(lines) + "\n", encoding="utf-8")
        state = srv.wait_for_build(generation, TIMEOUT)
        assert state is not None and not state.ok
        status, headers, page = get(srv, f"/figures/{figid}")
        assert status == 500 and headers["content-type"].startswith("text/html")
        text = page.decode()
        assert "Build failed" in text
        assert f"{record.name}:3" in text  # file:line
        assert "invalid YAML" in text
        assert "&lt;script&gt;alert(" in text and "<script>alert(" not in text
        assert '<script src="/livereload.js?' in text  # the tab comes back by itself
        # every HTML page shows it, wherever the user is; other files still come from the last good build
        for path in ("/", "/about.html", "/figures/", "/no/such/page"):
            status, _, body = get(srv, path)
            assert status == 500 and b"Build failed" in body, path
        status, headers, _ = get(srv, "/static/site.css")
        assert status == 200 and headers["content-type"].startswith("text/css")
        # the terminal shows the same error
        assert f"{record.name}:3" in out.getvalue() and "error:" in out.getvalue()

        generation = srv.state.generation
        record.write_text(original, encoding="utf-8")
        state = srv.wait_for_build(generation, TIMEOUT)
        assert state is not None and state.ok
        status, _, body = get(srv, f"/figures/{figid}")
        assert status == 200 and body == good
    finally:
        srv.stop()
    assert not srv.output_dir.exists()  # the temporary output is removed


def test_template_syntax_error_page(tmp_path):
    options, record = copy_site(tmp_path)
    srv = start_server(tmp_path, options=options, rebuild=real_rebuild)
    try:
        assert srv.state.ok
        generation = srv.state.generation
        override = tmp_path / "templates" / "404.html"
        override.parent.mkdir()
        override.write_text('{% extends "base.html" %}\n{% block main %}\n<p>{{ 1 + }}</p>\n{% endblock %}\n')
        state = srv.wait_for_build(generation, TIMEOUT)
        assert state is not None and not state.ok
        status, _, page = get(srv, "/index.html")
        text = page.decode()
        assert status == 500
        assert "404.html:3" in text
        assert "template syntax error" in text
        assert "&lt;p&gt;{{ 1 + }}&lt;/p&gt;" in text  # the offending line, escaped
        generation = srv.state.generation
        override.unlink()
        assert srv.wait_for_build(generation, TIMEOUT).ok
        assert get(srv, "/index.html")[0] == 200
    finally:
        srv.stop()


def test_base_url_with_real_build(tmp_path):
    options, record = copy_site(tmp_path)
    srv = start_server(tmp_path, options=replace(options, base_url="https://user.github.io/pfocr/"), rebuild=real_rebuild)
    try:
        assert srv.state.ok and srv.state.prefix == "/pfocr/"
        status, headers, _ = get(srv, "/")
        assert status == 302 and headers["location"] == "/pfocr/"
        status, _, body = get(srv, f"/pfocr/figures/{record.stem}")
        assert status == 200 and b"/livereload.js?" in body
        for page in srv.output_dir.rglob("*.html"):
            assert b"livereload" not in page.read_bytes(), page
    finally:
        srv.stop()


def test_first_build_failing_still_serves_the_error(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "site.yml").write_text("title: [unclosed\n")
    out = io.StringIO()
    srv = start_server(tmp_path, rebuild=real_rebuild, out=out)
    try:
        assert not srv.state.ok
        status, _, body = get(srv, "/")
        assert status == 500 and b"site.yml" in body and b"invalid YAML" in body
        generation = srv.state.generation
        (tmp_path / "site.yml").write_text("title: Fixed\n")
        state = srv.wait_for_build(generation, TIMEOUT)
        assert state is not None and state.ok, out.getvalue()
        status, _, body = get(srv, "/")
        assert status == 200 and b"Fixed" in body
    finally:
        srv.stop()


def test_describe_failure_and_error_page_escape():
    exc = BuildError([Problem("content/figures/<x>.md", 7, "figtitle", "bad <b>value</b> & more")])
    failures, detail = describe_failure(exc)
    assert failures == [Failure("content/figures/<x>.md:7", "figtitle: bad <b>value</b> & more")] and detail == ""
    page = error_page(BuildState(3, False, "/", tuple(failures))).decode()
    assert "content/figures/&lt;x&gt;.md:7" in page
    assert "bad &lt;b&gt;value&lt;/b&gt; &amp; more" in page
    assert "<b>value" not in page

    try:
        raise ZeroDivisionError("boom <i>")
    except ZeroDivisionError as crash:
        failures, detail = describe_failure(crash)
    assert "ZeroDivisionError: boom <i>" in failures[0].message and "Traceback" in detail
    page = error_page(BuildState(4, False, "/", tuple(failures), detail)).decode()
    assert "boom &lt;i&gt;" in page and "<i>" not in page


def test_port_in_use_is_a_clear_error(server, tmp_path):
    with pytest.raises(serve_module.ServeError, match="cannot listen"):
        DevServer(BuildOptions(project_dir=tmp_path), "127.0.0.1", server.port, rebuild=fake_rebuild()).start()
