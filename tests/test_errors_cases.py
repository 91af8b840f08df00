"""Issue 7, "Bad input never breaks the site": each kind of bad record gives one located
message (`path:line:column: field: message`) or is rendered escaped; never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO, minimal_fields, record_text, write_record, write_table
from site_builder.build import BuildOptions, build
from site_builder.errors import BuildError
from site_builder.index import build_index
from site_builder.load import load_figure, load_page
from site_builder.model import Problem

PATH = "figures/PMC1__f1.md"
GOOD = "---\nfigid: PMC1__f1\nfigtitle: A pathway\n"


def problems(data: bytes | str, path: str = PATH, tables=None) -> list[str]:
    """Every error and warning of one record, as the command line prints them."""
    data = data.encode("utf-8") if isinstance(data, str) else data
    result = load_figure(data, path, tables)
    assert (result.figure is None) == bool(result.errors)
    return [str(p) for p in result.errors + result.warnings]


def load_ok(text: str, tables=None):
    result = load_figure(text.encode("utf-8"), PATH, tables)
    assert result.errors == (), result.errors
    return result


# --- the file itself ---------------------------------------------------------------------------
def test_invalid_yaml_reports_the_line_and_column_in_the_file() -> None:
    text = GOOD + "caption: [unclosed\nyear: '2020'\n---\n"
    assert problems(text) == [
        "figures/PMC1__f1.md:5:5: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"
    ]


def test_invalid_yaml_mapping_value() -> None:
    assert problems(GOOD + "caption: a: b\n---\n") == [
        "figures/PMC1__f1.md:4:11: invalid YAML: mapping values are not allowed in this context"
    ]


def test_invalid_yaml_value_of_an_explicit_type() -> None:
    assert problems(GOOD + "number: !!int F3\n---\n") == [
        "figures/PMC1__f1.md:4:9: invalid YAML: cannot read int value: 'F3' is not a YAML 1.2 int"
    ]


def test_yaml_nested_too_deeply_is_an_error_not_a_crash() -> None:
    # libyaml overflows the C stack (SIGSEGV) on ~60,000 nested brackets; the 65th is refused.
    text = GOOD + "extra: " + "[" * 60_000 + "]" * 60_000 + "\n---\n"
    assert problems(text) == ["figures/PMC1__f1.md:4:71: invalid YAML: nested deeper than 64 levels"]


def test_no_front_matter() -> None:
    assert problems("# Just markdown\n") == ["figures/PMC1__f1.md:1: no front matter: the file must start with a '---' line"]


def test_front_matter_not_closed() -> None:
    assert problems(GOOD) == ["figures/PMC1__f1.md:1: front matter is not closed: add a '---' line after it"]


def test_empty_file() -> None:
    expected = ["figures/PMC1__f1.md:1: empty file; expected YAML front matter between '---' lines"]
    assert problems(b"") == expected
    assert problems(b"  \n\n") == expected


def test_front_matter_that_is_not_a_mapping() -> None:
    assert problems("---\n- a\n- b\n---\n") == ["figures/PMC1__f1.md:2: front matter must be a mapping of fields"]


def test_non_utf8_bytes() -> None:
    data = (GOOD + "caption: caf").encode() + b"\xe9 au lait\n---\n"
    assert problems(data) == ["figures/PMC1__f1.md:4:13: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_utf8_bom_is_accepted() -> None:
    result = load_ok("\ufeff" + GOOD + "---\n")
    assert result.figure.figid == "PMC1__f1" and result.warnings == ()


def test_crlf_line_ends_are_accepted_and_lines_still_count() -> None:
    text = (GOOD + "caption: x\n---\nSome *notes*\n").replace("\n", "\r\n")
    assert load_ok(text).figure.body_html == "<p>Some <em>notes</em></p>"
    bad = (GOOD + "caption: [x\n---\n").replace("\n", "\r\n")
    assert problems(bad)[0].startswith("figures/PMC1__f1.md:5:1: invalid YAML")


# --- required fields and types -----------------------------------------------------------------
def test_missing_figid_and_figtitle_are_both_reported() -> None:
    assert problems("---\ncaption: x\n---\n") == [
        "figures/PMC1__f1.md:1: figid: required field is missing",
        "figures/PMC1__f1.md:1: figtitle: required field is missing",
    ]


def test_blank_figtitle() -> None:
    assert problems("---\nfigid: PMC1__f1\nfigtitle: '   '\n---\n") == ["figures/PMC1__f1.md:3: figtitle: must not be empty"]


def test_figid_that_differs_from_the_file_name() -> None:
    assert problems("---\nfigid: PMC2__f2\nfigtitle: T\n---\n") == [
        "figures/PMC1__f1.md:2: figid: 'PMC2__f2' differs from the file name 'PMC1__f1'; rename one of them"
    ]


def test_wrong_types_are_each_reported_at_their_line() -> None:
    text = "---\nfigid: PMC1__f1\nfigtitle: [a, b]\ncaption: 12\norganisms: {Homo sapiens: 1}\nautoml_pathway: high\n---\n"
    assert problems(text) == [
        "figures/PMC1__f1.md:3: figtitle: expected a string, got a list",
        "figures/PMC1__f1.md:4: caption: expected a string, got a number",
        "figures/PMC1__f1.md:5: organisms: expected a list of strings, got a mapping",
        "figures/PMC1__f1.md:6: automl_pathway: expected a number between 0 and 1, got 'high'",
    ]


@pytest.mark.parametrize("value, shown", [(".nan", "nan"), ("true", "True"), ("7", "7"), ("-0.5", "-0.5")])
def test_score_outside_zero_to_one(value: str, shown: str) -> None:
    assert problems(GOOD + f"automl_pathway: {value}\n---\n") == [
        f"figures/PMC1__f1.md:4: automl_pathway: expected a number between 0 and 1, got {shown}"
    ]


def test_year_must_be_four_ascii_digits() -> None:
    assert problems(GOOD + "year: '٢٠٢٣'\n---\n") == ["figures/PMC1__f1.md:4: year: expected a four-digit year, got '٢٠٢٣'"]


def test_a_date_is_read_as_text() -> None:
    assert load_ok(GOOD + "caption: 2020-01-01\nnumber: 2020-13-45\n---\n").figure.number == "2020-13-45"


def test_list_items_of_the_wrong_type() -> None:
    assert problems(GOOD + "organisms:\n- Homo sapiens\n- {a: 1}\n---\n") == [
        "figures/PMC1__f1.md:4: organisms: item 2: expected a string, got a mapping"
    ]


# --- identifiers and paths ---------------------------------------------------------------------
@pytest.mark.parametrize("figid", ["a/b", "..", "../etc", "a\\b", "a b", "/etc/passwd", "x\x07y", "C:\\x"])
def test_unsafe_figid(figid: str) -> None:
    text = record_text({"figid": figid, "figtitle": "T"})
    assert problems(text) == [
        f"figures/PMC1__f1.md:2: figid: {figid!r} may only contain letters, digits, '.', '_' and '-'"
    ]


@pytest.mark.parametrize(
    "path",
    ["/figures/a/../../etc", "figures/x", "/figures/x y", "/figures/a\\b", "/figures/x\x00", "/figures/./x", "//evil.org/x",
     "/etc/passwd/..", "C:\\windows"],
)
def test_unsafe_redirect_from(path: str) -> None:
    text = record_text({"figid": "PMC1__f1", "figtitle": "T", "redirect_from": [path]})
    assert problems(text) == [
        f"figures/PMC1__f1.md:4: redirect_from: {path!r} is not a safe site path (expected /figures/NAME)"
    ]


def test_unsafe_figid_alias_is_reported_under_its_own_field() -> None:
    assert problems(GOOD + "figid_alias: ../../etc\n---\n") == [
        "figures/PMC1__f1.md:4: figid_alias: '/figures/../../etc' is not a safe site path (expected /figures/NAME)"
    ]


def test_redirect_from_of_the_wrong_type() -> None:
    assert problems(GOOD + "redirect_from: {a: b}\n---\n") == [
        "figures/PMC1__f1.md:4: redirect_from: expected a path or a list of paths, got a mapping"
    ]


def index_problems(*records: tuple[str, str]) -> list[str]:
    figures = [load_figure(text.encode(), path).figure for path, text in records]
    return [str(p) for p in build_index(figures)[1]]


def test_duplicate_figid_reports_the_line_of_the_figid() -> None:
    text = "---\nfigtitle: T\nfigid: PMC1__f1\n---\n"
    assert index_problems(("_figures/PMC1__f1.md", text), ("figures/PMC1__f1.md", text)) == [
        "figures/PMC1__f1.md:3: figid: duplicate figid 'PMC1__f1', also in _figures/PMC1__f1.md"
    ]


def test_redirect_onto_another_figure_page() -> None:
    one = GOOD + "---\n"
    two = "---\nfigid: PMC2__f2\nfigtitle: T\nyear: '2001'\nredirect_from: /figures/PMC1__f1\n---\n"
    assert index_problems((PATH, one), ("figures/PMC2__f2.md", two)) == [
        "figures/PMC2__f2.md:5: redirect_from: '/figures/PMC1__f1' is the page of figure 'PMC1__f1'"
    ]


def test_redirect_claimed_by_two_figures() -> None:
    one = GOOD + "year: '2020'\nredirect_from: /figures/OLD\n---\n"
    two = "---\nfigid: PMC2__f2\nfigtitle: T\nyear: '2001'\nfigid_alias: OLD\n---\n"
    assert index_problems((PATH, one), ("figures/PMC2__f2.md", two)) == [
        "figures/PMC2__f2.md:5: figid_alias: '/figures/OLD' is also claimed by figures/PMC1__f1.md"
    ]


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/figures/index", "'/figures/index' is the page listing all figures"),
        ("/genes/TP53", "'/genes/TP53' is inside genes/, which the site generates"),
        ("/static/site.css", "'/static/site.css' is inside static/, which the site generates"),
        ("/search", "'/search' is the site page search.html"),
        ("/index", "'/index' is the site page index.html"),
        ("/help", "'/help' is the site page help.html"),
    ],
)
def test_redirect_onto_a_site_page(path: str, reason: str) -> None:
    figure = load_figure((GOOD + f"redirect_from: {path}\n---\n").encode(), PATH).figure
    help_page, _ = load_page(b"Help", "pages/help.md")
    assert [str(p) for p in build_index([figure], [help_page])[1]] == [f"figures/PMC1__f1.md:4: redirect_from: {reason}"]


def test_redirect_to_its_own_page_is_ignored() -> None:
    figure = load_figure((GOOD + "redirect_from: /figures/PMC1__f1\n---\n").encode(), PATH).figure
    index, found = build_index([figure])
    assert found == [] and index.redirects == ()


# --- text repair -------------------------------------------------------------------------------
def test_mojibake_is_repaired_and_warned() -> None:
    result = load_ok(GOOD + "caption: epithelialâ€“mesenchymal transition\n---\n")
    assert result.figure.caption == "epithelial–mesenchymal transition"
    assert [str(p) for p in result.warnings] == [
        "figures/PMC1__f1.md:4: caption: repaired mojibake: 'epithelialâ€“mesenchymal transition' -> 'epithelial–mesenchymal transition'"
    ]


def test_control_characters_are_removed_and_warned() -> None:
    result = load_ok(GOOD + 'caption: "a\\x07b\\x1bc\\u0085d"\n---\n')
    assert result.figure.caption == "abcd"
    assert [str(p) for p in result.warnings] == ["figures/PMC1__f1.md:4: caption: control characters removed"]


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("ndex", "javascript:alert(1)", "'javascript:alert(1)' is not a valid identifier; link left out"),
        ("wpid", "data:text/html,<script>alert(1)</script>", "'data:text/html,<script>alert(1)</script>' is not a valid identifier; link left out"),
        ("doi", "javascript:alert(1)", "'javascript:alert(1)' is not a DOI (10.NNNN/...); link left out"),
        ("pmcid", "javascript:x", "'javascript:x' is not a valid identifier; link left out"),
    ],
)
def test_link_fields_with_scripts_are_dropped(key: str, value: str, message: str) -> None:
    result = load_ok(record_text({"figid": "PMC1__f1", "figtitle": "T", key: value}))
    assert getattr(result.figure, key) == ""
    assert [str(p) for p in result.warnings] == [f"figures/PMC1__f1.md:4: {key}: {message}"]


def test_emphasis_nested_too_deeply_is_shown_as_text() -> None:
    """Markdown 3.11 renders 3,000 nested emphases (older versions ran out of recursion)."""
    note = "_w *w " * 3000 + "x" + " y* y_" * 3000
    result = load_ok(GOOD + "---\n" + note + "\n")
    assert result.figure.body_html.startswith("<p>_w *w _w") and "<em>" not in result.figure.body_html
    assert [str(p) for p in result.warnings] == ["figures/PMC1__f1.md:5: body: markdown nested too deeply to render; shown as plain text"]


def test_markdown_nested_too_deeply_is_shown_as_text() -> None:
    result = load_ok(GOOD + "---\n" + "1. " * 3000 + "<b>x</b>\n")
    assert result.figure.body_html.startswith("<p>1. 1. ") and result.figure.body_html.endswith("&lt;b&gt;x&lt;/b&gt;</p>")
    assert [str(p) for p in result.warnings] == ["figures/PMC1__f1.md:5: body: markdown nested too deeply to render; shown as plain text"]


@pytest.mark.parametrize("body", ["[" * 3000 + "x", "word [l](http://x) " * 6000, "![" * 50 + "x" * 99_000])
def test_markdown_too_costly_to_parse_is_shown_as_text(body: str) -> None:
    started = time.perf_counter()
    result = load_ok(GOOD + "---\n" + body + "<b>\n")
    assert time.perf_counter() - started < 5
    assert result.figure.body_html.startswith("<p>") and result.figure.body_html.endswith("&lt;b&gt;</p>")
    assert [str(p) for p in result.warnings] == [
        "figures/PMC1__f1.md:5: body: markdown too long or with too many '[' to render (limit 100,000 characters); shown as plain text"
    ]


# --- tables ------------------------------------------------------------------------------------
def gene_table(text: str) -> dict:
    return {"genes": ("data/PMC1__f1-genes.tsv", text.encode("utf-8"))}


def test_table_rows_with_missing_or_extra_cells() -> None:
    table = gene_table("word\tncbigene_symbol\tncbigene_id\nTP53\tTP53\t7157\textra\nAKT\tAKT1\n\"TNF\tTNF\t7124\n")
    result = load_ok(GOOD + "---\n", table)
    assert [(g.word, g.symbol, g.ncbigene_id) for g in result.figure.genes] == [("AKT", "AKT1", ""), ('"TNF', "TNF", "7124")]
    assert [str(p) for p in result.warnings] == [
        "data/PMC1__f1-genes.tsv:2: row has 4 cell(s) but the header has 3 columns; row skipped",
        "data/PMC1__f1-genes.tsv:3: row has 2 cell(s) but the header has 3 columns; missing cells left empty",
    ]


def test_table_without_the_word_column() -> None:
    assert problems(GOOD + "---\n", tables=gene_table("symbol\tid\nTP53\t1\n")) == ["data/PMC1__f1-genes.tsv:1: missing column(s): word"]


def test_empty_table_is_ignored_with_a_warning() -> None:
    result = load_ok(GOOD + "---\n", gene_table(""))
    assert [str(p) for p in result.warnings] == ["data/PMC1__f1-genes.tsv:1: empty table (no header row); ignored"]


def test_table_with_non_utf8_bytes() -> None:
    tables = {"genes": ("data/PMC1__f1-genes.tsv", b"word\nIL\xff6\n")}
    assert problems(GOOD + "---\n", tables=tables) == ["data/PMC1__f1-genes.tsv:2:3: not valid UTF-8 (byte 0xff); save the file as UTF-8"]


def test_table_cell_longer_than_the_csv_field_limit() -> None:
    result = load_ok(GOOD + "---\n", gene_table("word\tmatch\n" + "x" * 200_000 + "\tTP53\n"))
    assert len(result.figure.genes[0].word) == 200_000


# --- a whole site with hostile content ---------------------------------------------------------
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)></script><!-- "q" & \'s\''


def hostile_record() -> dict:
    text_fields = ("figtitle", "caption", "papertitle", "reftext", "journal_title", "journal_nlm_ta", "publisher_name",
                   "number", "figtype", "filename", "figlink")
    fields = {key: f"{key} {HOSTILE}" for key in text_fields}
    fields.update(figid="PMC1__f1", pmcid="PMC1", year="2020", doi="10.1000/x<script>", ndex="javascript:alert(3)",
                  wpid="data:text/html,x", organisms=[f"Homo {HOSTILE}"], organisms_ner=[f"Mus {HOSTILE}"],
                  keywords=f"k1 {HOSTILE} | k2", curator_comment=f"extra {HOSTILE}", redirect_from="/figures/PMC1__F1")
    return fields


class PageScan(HTMLParser):
    """Elements, attributes and ld+json blocks of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def assert_safe_page(html: str) -> PageScan:
    page = scan(html)
    for tag, attrs in page.tags:
        assert tag != "img" or not attrs.get("src", "").startswith("x"), "record markup became an element"
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), attrs
        if tag == "script":
            assert attrs.get("type") == "application/ld+json" or "src" in attrs, attrs
    for block in page.scripts:
        if block.strip():
            json.loads(block)
    return page


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("hostile") / "content"
    write_record(content, hostile_record(), body=f"Notes {HOSTILE} [x](javascript:alert(4)) ![y](data:image/png;base64,x)\n")
    write_table(content, "PMC1__f1", "genes", [["word", "ncbigene_symbol", "ncbigene_id", "organism_name"],
                                                [f"w {HOSTILE}", "TP53", "7157", f"o {HOSTILE}"]])
    write_table(content, "PMC1__f1", "chemicals", [["word", "mesh", "name", "chebi"], [f"c {HOSTILE}", "mesh:D1", f"n {HOSTILE}", "x"]])
    big = minimal_fields("PMC2__big", caption="A very long caption. " * 50_000)
    write_record(content, big)
    (content / "pages").mkdir()
    (content / "pages" / "help.md").write_text(
        record_text({"title": f"Help {HOSTILE}", "description": f"D {HOSTILE}"}, f"# Help {HOSTILE}\n[x](javascript:alert(5))\n")
    )
    output = content.parent / "site"
    build(BuildOptions(project_dir=REPO, content_dir=content, output_dir=output, jobs=1))
    return output


def test_hostile_text_is_escaped_on_every_page(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10 and hostile_site / "help.html" in pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert_safe_page(html)


def test_hostile_figure_page_keeps_the_text_visible(hostile_site: Path) -> None:
    html = (hostile_site / "figures" / "PMC1__f1.html").read_text(encoding="utf-8")
    assert "caption &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    page = assert_safe_page(html)
    blocks = [json.loads(b) for b in page.scripts if b.strip()]
    dataset = next(node for b in blocks for node in b.get("@graph", [b]) if node.get("@type") == "Dataset")
    assert dataset["name"] == f"figtitle {HOSTILE}"  # the JSON holds the exact text
    assert "</script" not in "".join(page.scripts) and "<!--" not in "".join(page.scripts)


def test_hostile_feed_and_sitemap_are_well_formed_xml(hostile_site: Path) -> None:
    import xml.etree.ElementTree as ET

    feed = ET.parse(hostile_site / "feed.xml").getroot()
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert f"figtitle {HOSTILE}" in titles
    ET.parse(hostile_site / "sitemap.xml")


def test_megabyte_caption_builds(hostile_site: Path) -> None:
    html = (hostile_site / "figures" / "PMC2__big.html").read_text(encoding="utf-8")
    assert html.count("A very long caption.") >= 50_000
    block = next(json.loads(b) for b in scan(html).scripts if '"Dataset"' in b)
    dataset = next(node for node in block.get("@graph", [block]) if node["@type"] == "Dataset")
    assert 50 <= len(dataset["description"]) <= 200


# --- every problem in one run, from the command line -------------------------------------------
def test_check_lists_every_problem_of_every_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "figures").mkdir(parents=True)
    (content / "figures" / "PMC1__a.md").write_text("---\nfigid: PMC1__a\nfigtitle: [x\n---\n")
    (content / "figures" / "PMC2__b.md").write_bytes(b"---\nfigid: PMC2__b\nfigtitle: caf\xe9\n---\n")
    (content / "figures" / "PMC3__c.md").write_text("---\nfigid: PMC3__c\nfigtitle: T\nautoml_pathway: 2\nyear: 99\n---\n")
    (content / "figures" / "PMC4__d.md").write_text("no front matter\n")
    (content / "figures" / "PMC5__e.md").write_text("---\nfigid: PMC5__e\nfigtitle: T\nredirect_from: /figures/PMC6__f\n---\n")
    (content / "_figures").mkdir()
    (content / "_figures" / "PMC6__f.md").write_text("---\nfigid: PMC6__f\nfigtitle: T\n---\n")
    (content / "figures" / "PMC6__f.md").write_text("---\nfigtitle: T\nfigid: PMC6__f\n---\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "site_builder", "check", "--content", "content"], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: content/figures/PMC1__a.md:4:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)",
        "error: content/figures/PMC2__b.md:3:14: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
        "error: content/figures/PMC3__c.md:4: automl_pathway: expected a number between 0 and 1, got 2",
        "error: content/figures/PMC3__c.md:5: year: expected a four-digit year, got '99'",
        "error: content/figures/PMC4__d.md:1: no front matter: the file must start with a '---' line",
        "error: content/figures/PMC6__f.md:3: figid: duplicate figid 'PMC6__f', also in content/_figures/PMC6__f.md",
        "error: content/figures/PMC5__e.md:4: redirect_from: '/figures/PMC6__f' is the page of figure 'PMC6__f'",
    ]


def test_problem_format() -> None:
    assert str(Problem("a.md", 3, "figid", "bad", 7)) == "a.md:3:7: figid: bad"
    assert str(Problem("a.md", 3, "", "bad")) == "a.md:3: bad"
    assert str(Problem("a.md", 0, "", "bad")) == "a.md: bad"


def test_build_error_carries_every_problem(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_record(content, {"figid": "PMC1__a", "figtitle": ["x"]})
    write_record(content, {"figid": "PMC2__b", "figtitle": "T", "year": "later"})
    with pytest.raises(BuildError) as info:
        build(BuildOptions(project_dir=REPO, content_dir=content, output_dir=tmp_path / "site", jobs=1))
    assert [p.field for p in info.value.errors] == ["figtitle", "year"]
    assert not (tmp_path / "site").exists()
