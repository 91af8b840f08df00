"""Property tests: any front matter and any table either loads into a Figure or gives located
Problems (never another exception), and any loaded record renders to well-formed, inert HTML."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from site_builder import pages as site_pages
from site_builder.build import theme_dirs
from site_builder.config import SiteConfig
from site_builder.index import build_index
from site_builder.load import load_figure, load_page
from site_builder.render import Renderer, make_environment

PATH = "figures/PMC1__f1.md"
TABLE = "data/PMC1__f1-genes.tsv"
FIELDS = (
    "figtitle", "caption", "pmcid", "filename", "figlink", "number", "figtype", "papertitle", "reftext", "year", "doi",
    "journal_title", "journal_nlm_ta", "publisher_name", "organisms", "organisms_ner", "keywords", "automl_pathway",
    "figid_alias", "redirect_from", "ndex", "wpid", "genes", "chemicals", "diseases", "schema-jsonld", "seo",
)
MARKUP = (
    "<script>alert(1)</script>", "</script><!--", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    "data:text/html,<b>x</b>", '"><svg onload=alert(1)>', "&amp; &lt; &#60;", "{{ 7*7 }}", "{% raw %}", "]]>", "NA",
    "epithelialâ€“mesenchymal", "/figures/../x", "PMC123", "10.1000/x", "WP123", "\x00\x1b[31m", "\u202e\ufeff", "- a\n- b",
)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

texts = st.one_of(st.text(max_size=40), st.sampled_from(MARKUP), st.lists(st.sampled_from(MARKUP), max_size=3).map(" ".join))
scalars = st.one_of(texts, st.integers(), st.floats(), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)), max_leaves=8)
keys = st.one_of(st.sampled_from(FIELDS), texts)
front_matter = st.builds(
    lambda title, fields: {"figid": "PMC1__f1", "figtitle": title, **fields},
    texts,
    st.dictionaries(keys, values, max_size=8),
)
# Values of the right type (so that most records load and get rendered), with hostile text.
text_lists = st.lists(texts, max_size=3)
inline_mentions = st.lists(st.fixed_dictionaries({"word": texts, "hgnc_symbol": texts, "entrez": texts, "source": texts}), max_size=3)
TYPED = {
    **{key: texts for key in ("caption", "pmcid", "filename", "figlink", "number", "figtype", "papertitle", "reftext", "doi",
                              "journal_title", "journal_nlm_ta", "publisher_name", "ndex", "wpid", "keywords")},
    "year": st.sampled_from(("2020", "1999", "", "0000")),
    "organisms": st.one_of(texts, text_lists),
    "organisms_ner": text_lists,
    "automl_pathway": st.floats(min_value=0, max_value=1),
    "redirect_from": st.sampled_from(("/figures/PMC1__F1", ["/old/x", "/figures/y.html"], "")),
    "figid_alias": st.sampled_from(("PMC1__F1", "")),
    "genes": inline_mentions,
    "chemicals": inline_mentions,
    "schema-jsonld": st.fixed_dictionaries({"keywords": text_lists}),
}
typed_front_matter = st.builds(
    lambda title, fields, extra: {"figid": "PMC1__f1", "figtitle": title, **fields, **extra},
    texts.filter(str.strip),
    st.fixed_dictionaries({}, optional=TYPED),
    st.dictionaries(texts, values, max_size=2),
)
cells = st.one_of(texts, st.sampled_from(("TP53", "7157", "NA", "", '"', "mesh:D000255", "chebi:15422")))
tables = st.builds(
    lambda header, rows: "\t".join(header) + "\n" + "".join("\t".join(row) + "\n" for row in rows),
    st.lists(st.sampled_from(("word", "match", "ncbigene_symbol", "ncbigene_id", "source", "organism_name", "x")), min_size=1, max_size=6),
    st.lists(st.lists(cells, max_size=7), max_size=5),
)

gene_tables = st.builds(
    lambda extra, rows: "\t".join(("word", "ncbigene_symbol", "ncbigene_id", *extra)) + "\n" + "".join("\t".join(row) + "\n" for row in rows),
    st.lists(st.sampled_from(("source", "organism_name", "x")), max_size=2, unique=True),
    st.lists(st.lists(cells, min_size=3, max_size=5), max_size=5),
)


def dump(mapping: dict) -> str:
    return yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)


def record(front: str, body: str = "") -> bytes:
    return f"---\n{front}---\n{body}".encode("utf-8")


def check_result(result, paths=(PATH, TABLE)) -> None:
    assert (result.figure is None) == bool(result.errors)
    for problem in result.errors + result.warnings:
        assert problem.path in paths and problem.line >= 1, problem
        assert re.match(r"^[^:]+:\d+(:\d+)?: ", str(problem)), str(problem)


# --- loading -------------------------------------------------------------------------------------
@SETTINGS
@given(front_matter, texts)
def test_generated_front_matter_loads_or_gives_located_problems(fields: dict, body: str) -> None:
    check_result(load_figure(record(dump(fields), body), PATH))


@SETTINGS
@given(st.dictionaries(keys, values, max_size=6), st.integers(min_value=0), st.text(max_size=5))
def test_damaged_yaml_loads_or_gives_located_problems(fields: dict, position: int, damage: str) -> None:
    text = dump(fields)
    at = position % (len(text) + 1)
    check_result(load_figure(record(text[:at] + damage + text[at:]), PATH))


@SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_load_or_give_located_problems(data: bytes) -> None:
    check_result(load_figure(data, PATH))
    check_result(load_figure(b"---\n" + data + b"\n---\n", PATH))


@SETTINGS
@given(st.one_of(st.binary(max_size=200), front_matter.map(lambda f: record(dump(f)))))
def test_any_page_loads_or_gives_located_problems(data: bytes) -> None:
    page, problems = load_page(data, "pages/help.md")
    assert (page is None) == bool(problems)
    assert all(p.path == "pages/help.md" and p.line >= 1 for p in problems)


@SETTINGS
@given(tables, st.sampled_from(("genes", "chemicals", "diseases")))
def test_generated_tables_load_or_give_located_problems(table: str, kind: str) -> None:
    path = f"data/PMC1__f1-{kind}.tsv"
    result = load_figure(record("figid: PMC1__f1\nfigtitle: T\n"), PATH, {kind: (path, table.encode("utf-8"))})
    check_result(result, (PATH, path))


# --- rendering -----------------------------------------------------------------------------------
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
OPTIONAL_END = {"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option"}
HTML_ELEMENTS = set(
    "a abbr address article aside b bdi bdo blockquote body br button caption cite code col colgroup data dd del details "
    "dfn dialog div dl dt em figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i img input ins "
    "kbd label legend li link main mark menu meta meter nav noscript ol optgroup option output p picture pre progress q "
    "s samp script search section select small source span strong sub summary sup table tbody td template textarea "
    "tfoot th thead time title tr u ul var wbr svg path g circle rect line polyline polygon text title use defs symbol".split()
)
SCRIPT_SRC = re.compile(r"^(\.\./)*[A-Za-z0-9_/.-]+\.js$")


class StrictPage(HTMLParser):
    """Fails on a tag that templates never write, an event attribute, a code URL or an unclosed element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.script: list[str] | None = None
        self.json_blocks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.check_element(tag, dict(attrs))
        if tag == "script":
            self.script = [] if dict(attrs).get("type") == "application/ld+json" else None
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.check_element(tag, dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.script is not None:
            self.json_blocks.append("".join(self.script))
            self.script = None
        assert tag in self.stack, f"</{tag}> closes nothing"
        while self.stack[-1] != tag:
            assert self.stack.pop() in OPTIONAL_END, f"</{tag}> closes an open element"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script.append(data)

    def check_element(self, tag: str, attrs: dict) -> None:
        assert tag in HTML_ELEMENTS, f"unexpected element <{tag}>"
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction", "poster", "data"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
        if tag == "script":
            assert attrs.get("type") == "application/ld+json" or SCRIPT_SRC.match(attrs.get("src") or ""), attrs

    def finish(self) -> None:
        self.close()
        assert all(tag in OPTIONAL_END | {"html", "body", "head"} for tag in self.stack), self.stack
        for block in self.json_blocks:
            json.loads(block)


def assert_inert_html(html: str) -> None:
    page = StrictPage()
    page.feed(html)
    page.finish()


ENV = make_environment(theme_dirs(REPO, "templates"))
CONFIG = SiteConfig(url="https://pfocr.example.org", edit_url="https://example.org/edit/{figid}")


def render_all(figure) -> list:
    index, _ = build_index([figure])
    renderer = Renderer(ENV, CONFIG, index)
    return [renderer.figure_page(figure), *site_pages.render_site_pages(renderer)]


@SETTINGS
@given(st.one_of(typed_front_matter, front_matter), texts, gene_tables)
def test_any_loaded_record_renders_inert_well_formed_html(fields: dict, body: str, table: str) -> None:
    result = load_figure(record(dump(fields), body), PATH, {"genes": (TABLE, table.encode("utf-8"))})
    if result.figure is None:
        return
    for page in render_all(result.figure):
        if page.path.endswith(".html"):
            assert_inert_html(page.text)


def test_the_checker_catches_injected_markup() -> None:
    for bad in ('<p><img src=x onerror=alert(1)></p>', "<p><xss></xss></p>", "<script>alert(1)</script>",
                '<a href="javascript:alert(1)">x</a>', "<div><span></div>"):
        try:
            assert_inert_html(bad)
        except AssertionError:
            continue
        raise AssertionError(f"not caught: {bad}")
