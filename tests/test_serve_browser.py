"""End to end: a real browser on `serve` sees edits, build errors and the recovery by itself.

Runs headless Debian chromium through Playwright against a server on a copy of content/.
"""
from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest

from site_builder.build import PACKAGE_ROOT, BuildOptions
from site_builder.serve import DevServer

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
WAIT_MS = 15_000


def wait_until(condition, timeout: float = WAIT_MS / 1000) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def set_title(text: str, title: str) -> str:
    """Replace the (possibly folded) figtitle value of a record's front matter."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("figtitle:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return "\n".join(lines[:start] + [f"figtitle: {title}"] + lines[end:]) + "\n"


def test_edit_error_and_recovery_reload_the_open_tab(tmp_path, browser_page):
    from playwright.sync_api import expect

    shutil.copytree(PACKAGE_ROOT / "content", tmp_path / "content")
    record = sorted((tmp_path / "content" / "figures").glob("*.md"))[0]
    original = record.read_text(encoding="utf-8")
    out = io.StringIO()
    server = DevServer(BuildOptions(project_dir=tmp_path, content_dir=tmp_path / "content"), "127.0.0.1", 0,
                       poll_interval=0.05, out=out)
    server.start()

    def log() -> str:
        return (f"state={server.state} reloads_sent={server.reloads_sent} handshakes={server.handshakes} "
                f"clients={len(server.clients)}\n{out.getvalue()}")

    try:
        assert server.state.ok, out.getvalue()
        page = browser_page
        handshakes = server.handshakes
        page.goto(f"{server.url}figures/{record.stem}")
        heading = page.locator("h1")
        expect(heading).not_to_have_text("Retitled live")
        assert wait_until(lambda: server.handshakes > handshakes), f"livereload.js did not connect: {log()}"

        # 1. an edit on disk shows up without reloading by hand
        handshakes, generation = server.handshakes, server.state.generation
        record.write_text(set_title(original, "Retitled live by the dev server"), encoding="utf-8")
        assert server.wait_for_build(generation, WAIT_MS / 1000) is not None, log()
        expect(heading).to_have_text("Retitled live by the dev server", timeout=WAIT_MS)
        assert wait_until(lambda: server.handshakes > handshakes), f"the reloaded page did not reconnect: {log()}"

        # 2. broken YAML: the tab shows the error page, naming the file
        handshakes = server.handshakes
        record.write_text(original.replace("figtitle:", "figtitle: [unclosed", 1), encoding="utf-8")
        expect(page.locator("h1")).to_have_text("Build failed", timeout=WAIT_MS)
        expect(page.locator("code.where").first).to_contain_text(record.name)
        assert wait_until(lambda: server.handshakes > handshakes), f"the error page did not connect: {log()}"

        # 3. fixed: the page comes back by itself
        record.write_text(set_title(original, "Fixed and back"), encoding="utf-8")
        expect(page.locator("h1")).to_have_text("Fixed and back", timeout=WAIT_MS)
        assert "livereload" not in (server.output_dir / "figures" / f"{record.stem}.html").read_text(encoding="utf-8")
    finally:
        server.stop()
