"""End to end: a record deleted while `site-builder serve` runs leaves its organism page (by the
live reload of the open tab) and the search, without restarting the server.

Runs `python -m site_builder serve` in its own process on a copy of content/ and drives headless
Debian chromium through Playwright. Every wait is bounded.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import REPO
from screenshots import CHROMIUM, local_only

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")]

WAIT = 30.0  # seconds, for the server to come up and for each change to show
# Records on the Homo sapiens page with others: the oldest, without tables (serve rebuilds: every
# newer figure's search doc id changes), and the newest, with its tables (serve's edit path).
RECORDS = [
    ("PMC9900007__mb2200001005", "IGF-I receptor signaling"),  # "IGF-I receptor signaling to Ras–MAPK and PI3K–Akt pathways"
    ("PMC9900001__ijms-25-01234-g002", "inflammasome priming"),  # "TNF-α–induced NF-κB activation, inflammasome priming ..."
]
ORGANISM_PAGE = "organisms/homo-sapiens.html"
STATUS = "#search-status"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except OSError:
        return None


@pytest.fixture
def browser_page(browser):
    """A page of the shared headless Chromium (conftest) that fetches nothing but the local server."""
    context = browser.new_context()
    local_only(context, "http://127.0.0.1")  # figure images live on other hosts
    page = context.new_page()
    page.set_default_timeout(WAIT * 1000)
    yield page
    context.close()


@pytest.fixture
def server(tmp_path):
    """`python -m site_builder serve` on a copy of the example project; yields (url, project, log)."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "content", project / "content")
    shutil.copy(REPO / "site.yml", project / "site.yml")
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))}
    with log.open("wb") as stream:
        process = subprocess.Popen([sys.executable, "-m", "site_builder", "serve", "--port", str(port)], cwd=project, env=env,
                                   stdout=stream, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + WAIT * 2  # the first build, on a loaded machine
        while fetch(url + ORGANISM_PAGE) is None:
            assert process.poll() is None, f"serve exited with {process.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"serve did not answer within {WAIT * 2:.0f} s:\n{log.read_text()}"
            time.sleep(0.2)
        yield url, project, log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def search_results(page, url: str, query: str) -> tuple[str, list[str]]:
    """Open search.html?q=query and return the status line and the result links, once settled."""
    page.goto(f"{url}search.html?q={query}")
    page.wait_for_function(
        f"document.querySelector('{STATUS}').textContent !== '' && "
        "!document.querySelector('#search-results').hasAttribute('aria-busy')"
    )
    status = page.locator(STATUS).text_content()
    links = page.evaluate("[...document.querySelectorAll('#search-results li a')].map(a => a.getAttribute('href'))")
    return status, links


@pytest.mark.parametrize("figid, title_words", RECORDS)
def test_a_deleted_record_leaves_its_organism_page_and_the_search(server, browser_page, figid, title_words):
    from playwright.sync_api import expect

    url, project, log = server
    page = browser_page
    FIGID, TITLE_WORDS = figid, title_words  # noqa: N806
    record = project / "content" / "figures" / f"{FIGID}.md"
    tables = list((project / "content" / "data").glob(f"{FIGID}-*"))
    assert record.exists()

    # before: the search finds the record by its title's words
    status, links = search_results(page, url, TITLE_WORDS)
    assert any(FIGID in link for link in links), f"search for {TITLE_WORDS!r} did not find {FIGID}: {status} {links}"

    # the organism page lists it, among others
    page.goto(url + ORGANISM_PAGE)
    entry = page.locator(f'a[href$="figures/{FIGID}.html"]')
    expect(entry).to_have_count(1)
    others = page.locator('ol.entries a[href*="figures/PMC"]').count()
    assert others > 1, "the organism page should list other records too"
    # livereload.js connected and finished its handshake (else the reload could be missed)
    page.wait_for_function("window.LiveReload !== undefined && window.LiveReload.connector.protocol > 0")
    page.evaluate("window.__before_delete = true")  # gone once the page reloads itself

    for path in (*tables, record):  # as `git rm` or a file manager removes them: one after another
        path.unlink()

    # the open tab reloads by itself and no longer lists the record; the others stay
    try:
        page.wait_for_function("window.__before_delete === undefined", timeout=WAIT * 1000)
        expect(page.locator(f'a[href$="figures/{FIGID}.html"]')).to_have_count(0, timeout=WAIT * 1000)
    except AssertionError:
        raise AssertionError(f"the organism page still lists {FIGID}:\n{log.read_text()}") from None
    except Exception as error:  # a Playwright timeout
        raise AssertionError(f"the tab did not reload after the delete ({error}):\n{log.read_text()}") from None
    assert page.locator('ol.entries a[href*="figures/PMC"]').count() == others - 1

    # the search no longer finds it; the same server (no restart) answers, its page is gone
    status, links = search_results(page, url, TITLE_WORDS)
    assert not any(FIGID in link for link in links), f"search still finds the deleted {FIGID}: {status} {links}"
    assert fetch(url + f"figures/{FIGID}.html") is None, "the deleted record's page is still served"
    assert b"Build failed" not in (fetch(url + ORGANISM_PAGE) or b"Build failed"), log.read_text()
