"""site_builder.serve: live reload (script, websocket), build errors in the browser, lifecycle.

The error-page tests run the real build on a copy of content/; the others serve the fixed
site of serve_helpers. HTTP details: test_serve_http.py; file watching: test_serve_watch.py.
"""
from __future__ import annotations

import asyncio
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from serve_helpers import CONTENT, TIMEOUT, fake_rebuild, get, start_server
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from site_builder import serve as serve_module
from site_builder.build import BuildOptions
from site_builder.errors import BuildError
from site_builder.model import Problem
from site_builder.serve import DevServer
from site_builder.serve.loop import rebuild as real_rebuild
from site_builder.serve.reload import inject_script
from site_builder.serve.state import BuildState, Failure, describe_failure, error_page


@pytest.fixture
def server(tmp_path):
    srv = start_server(tmp_path)
    yield srv
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
    assert srv.output_dir == tmp_path / ".site-cache" / "serve" / "site"  # kept: the next serve starts warm


def test_the_next_serve_starts_warm_and_a_second_one_builds_elsewhere(tmp_path):
    """serve builds into .site-cache/serve/site and keeps it: a new session renders nothing
    that did not change. A second serve of the same project, while the first runs, takes a
    temporary folder of its own instead of writing into the first one's."""
    options, _ = copy_site(tmp_path)
    reports = []

    def recording(options, changed=None):
        reports.append(real_rebuild(options, changed))
        return reports[-1]

    first = start_server(tmp_path, options=options, rebuild=recording)
    try:
        second = start_server(tmp_path, options=options, rebuild=recording)
        try:
            assert second.output_dir != first.output_dir and (second.output_dir / "index.html").is_file()
        finally:
            second.stop()
        assert not second.output_dir.exists()  # the temporary one is removed
    finally:
        first.stop()
    again = start_server(tmp_path, options=options, rebuild=recording)
    again.stop()
    assert again.output_dir == first.output_dir
    assert reports[0].written > 0 and reports[-1].written == 0


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
