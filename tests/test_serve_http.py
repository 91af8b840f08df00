"""site_builder.serve over HTTP: path safety, request limits, content types, 404, base URL.

Servers listen on 127.0.0.1 with a free port and serve the fixed site of serve_helpers.
"""
from __future__ import annotations

import http.client
import socket
import time

import pytest
from serve_helpers import SECRET, get, raw_request, start_server

from site_builder import serve as serve_module
from site_builder.build import BuildOptions
from site_builder.serve import DevServer
from site_builder.serve.http import content_type, resolve_request


@pytest.fixture
def server(tmp_path):
    srv = start_server(tmp_path)
    yield srv
    srv.stop()



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
