"""Accessibility of every page type in a real browser (Debian chromium driven by Playwright).

axe-core finds no serious or critical violation (colour contrast included) in the light and
the dark colour scheme; images have meaningful alt text; keyboard focus is visible; headings
are in order; pages reflow at 360 px; the sortable tables and the figure zoom work from the
keyboard. External requests are aborted (the figure images live at Europe PMC, unreachable
here), so the pages are also checked as they look with a broken image.

axe-core comes from npm, installed once into a cache folder (AXE_CACHE, default
~/.cache/site-builder/npm); set AXE_CORE_JS to an axe.min.js to use your own copy.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from screenshots import CHROMIUM, PAGE_TYPES, VIEWPORTS, local_only

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian chromium at {CHROMIUM}"),
]

AXE_VERSION = "4.10.3"
SCHEMES = ("light", "dark")
FIGURE = "figures/PMC9900001__ijms-25-01234-g002.html"  # long caption, three tables, notes
PAGES = dict(PAGE_TYPES)
REDIRECT = PAGES["redirect"]
GENERIC_ALT = re.compile(r"^(image|img|picture|figure|photo|graphic|icon|logo|untitled|\S+\.(png|jpe?g|gif|svg|webp))$", re.I)


def axe_script() -> str:
    """The axe-core source: AXE_CORE_JS, else the cached npm install (installed on first use)."""
    if os.environ.get("AXE_CORE_JS"):
        return Path(os.environ["AXE_CORE_JS"]).read_text(encoding="utf-8")
    cache = Path(os.environ.get("AXE_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "site-builder" / "npm")
    target = cache / f"axe-core-{AXE_VERSION}"
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("axe-core is not installed and npm is missing: set AXE_CORE_JS to an axe.min.js")
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="axe-", dir=cache))
        result = subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(staging), f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            pytest.fail(f"npm could not install axe-core@{AXE_VERSION}:\n{result.stderr[-2000:]}")
        try:
            staging.rename(target)  # atomic; another worker may have won the race
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return script.read_text(encoding="utf-8")


# --- fixtures: one browser per session (the example site and its server: conftest.py) -----------------------------
@pytest.fixture(scope="session")
def axe() -> str:
    return axe_script()


def new_page(browser, base: str, scheme: str = "light", device: str = "desktop", image: bytes | None = None):
    """A page whose requests off the local server are aborted (or, with `image`, answered with it)."""
    context = browser.new_context(viewport=VIEWPORTS[device], color_scheme=scheme)
    local_only(context, base)
    if image is not None:
        context.route("https://europepmc.org/**", lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=image))
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def open_page(page, base: str, path: str) -> None:
    if path == REDIRECT:
        # A zero-second refresh leaves at once: check the redirect page itself, refresh removed.
        html = page.context.request.get(base + path).text()
        assert 'http-equiv="refresh"' in html
        body = re.sub(r'<meta http-equiv="refresh"[^>]*>', "", html)
        page.route(base + path, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body))
    page.goto(base + path, wait_until="load")
    open_tables(page)  # axe checks the tables that static/figure.js builds as well


def open_tables(page) -> None:
    """Open a figure page's table toggles; static/figure.js loads each table from its TSV file."""
    toggles = page.locator("details.tbl > summary")
    for number in range(toggles.count()):
        toggles.nth(number).click()
    page.wait_for_function(f"document.querySelectorAll('details.tbl table.sortable').length === {toggles.count()}")


def run_axe(page, axe: str) -> list[dict]:
    page.add_script_tag(content=axe)
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    return json.loads(result)["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


# --- axe -------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_axe_violations(browser, base, axe, name, scheme):
    page = new_page(browser, base, scheme)
    open_page(page, base, PAGES[name])
    violations = [v for v in run_axe(page, axe) if v["impact"] in ("serious", "critical")]
    page.context.close()
    assert not violations, f"{PAGES[name]} ({scheme}):\n{describe(violations)}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_phone_layout_has_no_serious_axe_violations(browser, base, axe, scheme):
    page = new_page(browser, base, scheme, "phone")
    bad = {}
    for name in ("home", "figure", "statistics"):
        open_page(page, base, PAGES[name])
        found = [v for v in run_axe(page, axe) if v["impact"] in ("serious", "critical")]
        if found:
            bad[name] = describe(found)
    page.context.close()
    assert not bad, bad


def test_dark_scheme_changes_the_colours(browser, base):
    colours = {}
    for scheme in SCHEMES:
        page = new_page(browser, base, scheme)
        page.goto(base + FIGURE)
        colours[scheme] = page.evaluate("[document.body, document.querySelector('form.find input')].map(e => getComputedStyle(e).backgroundColor)")
        page.context.close()
    assert colours["light"][0] != colours["dark"][0]
    assert colours["dark"][1] != "rgb(255, 255, 255)", "the header search field stays white in the dark scheme"


# --- images, headings, focus -------------------------------------------------------------
def test_images_have_meaningful_alt_text(browser, base):
    page = new_page(browser, base)
    problems, seen = [], 0
    for name, path in PAGE_TYPES:
        if path == REDIRECT:
            continue
        page.goto(base + path)
        for image in page.evaluate("[...document.images].map(i => ({src: i.getAttribute('src'), alt: i.getAttribute('alt')}))"):
            seen += 1
            alt = (image["alt"] or "").strip()
            if len(alt) < 10 or GENERIC_ALT.match(alt) or alt == image["src"]:
                problems.append(f"{path}: {image['src']} alt={image['alt']!r}")
        for svg in page.evaluate("[...document.querySelectorAll('svg')].map(s => (s.getAttribute('aria-labelledby') ? document.getElementById(s.getAttribute('aria-labelledby'))?.textContent : s.getAttribute('aria-label')) || '')"):
            if not svg.strip():
                problems.append(f"{path}: an inline SVG without a title")
    page.context.close()
    assert seen, "no images found on the example pages"
    assert problems == []


def test_broken_figure_image_shows_alt_text_in_reserved_space(browser, base):
    page = new_page(browser, base, device="phone")
    page.goto(base + FIGURE)
    box = page.locator("a.zoom").bounding_box()
    image = page.locator("a.zoom img")
    assert page.evaluate("document.querySelector('a.zoom img').naturalWidth") == 0, "the image should have failed to load"
    assert box["height"] >= 150 and box["width"] >= 300
    shown = image.bounding_box()
    assert shown["width"] > 100 and shown["height"] > 10, "the alt text is not shown"
    assert image.get_attribute("alt") == "Pathway figure"
    # zoom.js marks the failed image: no white box around the alt text, no zoom badge
    assert "broken" in page.locator("a.zoom").get_attribute("class")
    assert page.evaluate("getComputedStyle(document.querySelector('a.zoom'), '::after').display") == "none"
    page.context.close()


def test_gene_table_shows_every_column_on_a_phone(browser, base):
    """At 360 px the genes table wraps its cells instead of hiding columns behind a scroll."""
    for scheme in SCHEMES:
        page = new_page(browser, base, scheme, "phone")
        page.goto(base + FIGURE)
        open_tables(page)
        sizes = page.evaluate("[...document.querySelectorAll('.tw')].map(t => [t.scrollWidth, t.clientWidth])")
        page.context.close()
        assert sizes and sizes[0][0] <= sizes[0][1] + 1, sizes


def heading_levels(page) -> list[int]:
    return page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(h => h.offsetParent !== null || h.closest('details')).map(h => +h.tagName[1])")


@pytest.mark.parametrize("name", [n for n, p in PAGE_TYPES if p != REDIRECT])
def test_headings_start_at_h1_and_skip_no_level(browser, base, name):
    page = new_page(browser, base)
    page.goto(base + PAGES[name])
    levels = heading_levels(page)
    page.context.close()
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(channel, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


FOCUS_STATE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  // the outline is drawn outside the element (positive offset): it sits on the parent's background
  let node = parseFloat(style.outlineOffset) > 0 ? el.parentElement : el, background = 'rgba(0, 0, 0, 0)';
  while (node && node.nodeType === 1) {
    const bg = getComputedStyle(node).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(bg) && bg !== 'transparent') { background = bg; break; }
    node = node.parentElement;
  }
  if (background === 'rgba(0, 0, 0, 0)') background = getComputedStyle(document.body).backgroundColor;
  const box = el.getBoundingClientRect();
  return {tag: el.tagName, text: (el.textContent || el.value || '').trim().slice(0, 30), outlineStyle: style.outlineStyle,
          outlineWidth: parseFloat(style.outlineWidth), outlineColor: style.outlineColor, background,
          visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight + 1};
}"""


def rgb(css: str) -> tuple[float, float, float]:
    return tuple(float(x) for x in re.findall(r"[\d.]+", css)[:3])


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", ["figure", "home", "statistics", "gene-letter"])
def test_keyboard_focus_is_visible(browser, base, name, scheme):
    page = new_page(browser, base, scheme)
    page.goto(base + PAGES[name])
    page.wait_for_load_state("load")
    problems, stops = [], 0
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state["tag"] == "BODY":
            break
        stops += 1
        where = f"{state['tag']} {state['text']!r}"
        if not state["visible"]:
            problems.append(f"{where}: focused but not on screen")
        if state["outlineStyle"] == "none" or state["outlineWidth"] < 2:
            problems.append(f"{where}: no focus outline")
        elif contrast(rgb(state["outlineColor"]), rgb(state["background"])) < 3:
            problems.append(f"{where}: outline {state['outlineColor']} on {state['background']} is below 3:1")
    page.context.close()
    assert stops >= 5
    assert problems == []


CHART_COLOURS = """() => {
  const card = getComputedStyle(document.querySelector('.charts .card')).backgroundColor;
  const texts = [...document.querySelectorAll('svg.chart text')].map(t => ({what: t.textContent, colour: getComputedStyle(t).fill}));
  const bars = [...document.querySelectorAll('svg.chart rect.b')].map(r => getComputedStyle(r).fill);
  return {card, texts, bars};
}"""


@pytest.mark.parametrize("scheme", SCHEMES)
def test_chart_text_and_bars_contrast_with_the_card(browser, base, scheme):
    """axe cannot check text inside SVG: the chart labels (4.5:1) and bars (3:1) are checked here."""
    page = new_page(browser, base, scheme)
    page.goto(base + PAGES["statistics"])
    found = page.evaluate(CHART_COLOURS)
    page.context.close()
    card = rgb(found["card"])
    assert found["texts"] and found["bars"]
    low = {(t["colour"], round(contrast(rgb(t["colour"]), card), 2)) for t in found["texts"] if contrast(rgb(t["colour"]), card) < 4.5}
    low |= {(b, round(contrast(rgb(b), card), 2)) for b in found["bars"] if contrast(rgb(b), card) < 3}
    assert low == set(), f"on {found['card']}"


def test_skip_link_is_first_and_moves_to_main(browser, base):
    page = new_page(browser, base)
    page.goto(base + FIGURE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.context.close()


# --- interactive pieces ------------------------------------------------------------------
def column(page, table: int, index: int) -> list[str]:
    return page.evaluate(f"[...document.querySelectorAll('table.sortable')[{table}].tBodies[0].rows].map(r => r.cells[{index}].textContent.trim())")


def test_tables_sort_from_the_keyboard(browser, base):
    page = new_page(browser, base)
    page.goto(base + FIGURE)
    open_tables(page)
    buttons = page.locator("table.sortable th button.sort")
    assert buttons.count() == 12, "every header of the three tables is a button"
    ids = column(page, 0, 2)
    target = buttons.nth(2)  # NCBI Gene: numbers
    for _ in range(200):
        page.keyboard.press("Tab")
        if target.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the NCBI Gene sort button is not reachable with Tab")
    page.keyboard.press("Enter")
    header = page.locator("table.sortable").first.locator("th").nth(2)
    assert header.get_attribute("aria-sort") == "ascending"
    assert column(page, 0, 2) == sorted(ids, key=int)
    page.keyboard.press("Space")
    assert header.get_attribute("aria-sort") == "descending"
    assert column(page, 0, 2) == sorted(ids, key=int, reverse=True)
    assert page.locator("table.sortable").first.locator("th[aria-sort]").count() == 1
    page.context.close()


def test_empty_cells_sort_last(browser, base):
    page = new_page(browser, base)
    page.goto(base + FIGURE)
    open_tables(page)
    chemicals = page.locator("table.sortable").nth(1)
    for _ in range(2):
        chemicals.locator("th button").nth(3).click()
        values = column(page, 1, 3)
        filled = [v for v in values if v]
        assert values == filled + [""] * (len(values) - len(filled))
    page.context.close()


FAKE_FIGURE = b'<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="1600"><rect width="2400" height="1600" fill="#fff"/><circle cx="1200" cy="800" r="500" fill="#3b82c4"/></svg>'


def test_figure_zooms_in_a_dialog_and_closes_with_escape(browser, base):
    page = new_page(browser, base, image=FAKE_FIGURE)
    page.goto(base + FIGURE)
    page.wait_for_function("document.querySelector('a.zoom img').naturalWidth > 0")
    page.locator("a.zoom").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.lightbox")
    assert dialog.evaluate("d => d.open")
    assert dialog.locator("img").get_attribute("alt") == "Pathway figure"
    assert page.evaluate("document.activeElement.textContent") == "Close"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert dialog.evaluate("d => !d.classList.contains('fit')"), "Full size works from the keyboard"
    assert dialog.locator("img").evaluate("i => i.offsetWidth") == 2400
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelectorAll('dialog').length === 0", timeout=5000)  # closes on the key's event
    assert page.evaluate("document.activeElement.classList.contains('zoom')")
    page.context.close()


def test_long_caption_is_folded_and_opens(browser, base):
    page = new_page(browser, base)
    page.goto(base + FIGURE)
    details = page.locator("figcaption details")
    assert details.count() == 1
    rest = details.locator("p")
    assert not rest.is_visible()
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    assert rest.is_visible()
    page.goto(base + PAGES["figure-short"])
    assert page.locator("figcaption details").count() == 0
    page.context.close()


# --- layout ------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", SCHEMES)
def test_pages_reflow_at_360px_without_horizontal_scroll(browser, base, scheme):
    page = new_page(browser, base, scheme, "phone")
    wide = []
    for name, path in PAGE_TYPES:
        open_page(page, base, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide.append(f"{path}: {width}px")
    page.context.close()
    assert wide == []


def test_print_shows_the_record_without_site_furniture(browser, base):
    page = new_page(browser, base)
    page.goto(base + FIGURE)
    open_tables(page)
    page.emulate_media(media="print")
    hidden = page.evaluate("['header.top', 'footer.foot', '.crumbs', 'form.find'].map(s => document.querySelector(s)).filter(e => e && getComputedStyle(e).display !== 'none').map(e => e.className)")
    assert hidden == []
    assert page.locator("h1").is_visible() and page.locator("table.sortable").first.is_visible()
    assert page.locator("figcaption details p").is_visible(), "the folded caption prints in full"
    assert not page.locator("a.edit").is_visible()
    page.context.close()


def test_404_served_deep_in_the_site_is_styled_and_links_home(browser, base):
    page = new_page(browser, base)
    response = page.goto(base + "no/such/deep/page.html")
    assert response.status == 404
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") != "rgba(0, 0, 0, 0)"
    home = page.evaluate("document.querySelector('a.brand').href")
    assert home == base + "index.html"
    page.context.close()
