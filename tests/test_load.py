"""load.py: record text and tables -> Figure, for both record shapes of the real corpus."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CORPUS, minimal_fields, needs_corpus, record_text
from site_builder.load import load_figure, load_page, parse_table, split_front_matter, split_outside_brackets

TABLE_KINDS = ("genes", "chemicals", "diseases")


def corpus_tables(figid: str) -> dict[str, tuple[str, bytes]]:
    tables = {}
    for kind in TABLE_KINDS:
        path = CORPUS / "data" / f"{figid}-{kind}.tsv"
        if path.exists():
            tables[kind] = (f"data/{path.name}", path.read_bytes())
    return tables


def load_corpus(figid: str):
    path = CORPUS / "figures" / f"{figid}.md"
    return load_figure(path.read_bytes(), f"figures/{figid}.md", corpus_tables(figid))


def load_text(fields: dict, body: str = "", tables=None, path: str | None = None):
    path = path or f"figures/{fields.get('figid', 'x')}.md"
    return load_figure(record_text(fields, body).encode("utf-8"), path, tables)


@needs_corpus
def test_every_corpus_record_loads_without_problems() -> None:
    paths = sorted((CORPUS / "figures").glob("*.md"))
    assert len(paths) >= 63
    for path in paths:
        result = load_corpus(path.stem)
        assert result.errors == () and result.warnings == (), path.name
        assert result.figure is not None and result.figure.figid == path.stem


@needs_corpus
def test_newer_record_shape_reads_fields_and_tables() -> None:
    figure = load_corpus("PMC10003241__ijms-24-04893-g003").figure
    assert figure.title == "Metabolic Features of Osteoblasts: Implications for Multiple Myeloma (MM) Bone Disease"
    assert figure.year == "2023" and figure.pmcid == "PMC10003241" and figure.doi == "10.3390/ijms24054893"
    assert figure.organisms == () and figure.organisms_ner == ("Homo sapiens",)  # 'NA' means unknown
    assert figure.keywords == ("osteoblasts", "metabolism", "glutamine", "multiple myeloma", "bone disease")
    assert figure.automl_pathway == pytest.approx(0.9540216)
    assert figure.redirect_from == ("/figures/PMC10003241__F3",)
    assert figure.caption.startswith("An overview of the energetic metabolism") and "αKG" in figure.caption
    lrp6 = figure.genes[0]
    assert (lrp6.word, lrp6.symbol, lrp6.ncbigene_id, lrp6.organism) == ("LRP5/6", "LRP6", "4040", "Homo sapiens")
    fatty = figure.chemicals[0]
    assert (fatty.word, fatty.mesh, fatty.name, fatty.chebi) == ("Fatty acid", "D005227", "fatty acid", "35366")
    assert figure.chemicals[2].name == "" and figure.chemicals[2].chebi == ""  # NA cells are empty
    assert figure.diseases[0].mesh == "D011488"
    assert "seo" not in figure.extra and "schema-jsonld" not in figure.extra


@needs_corpus
def test_older_record_shape_with_inline_annotations() -> None:
    path = CORPUS / "figures" / "PMC100005__mb2410575011.md"
    figure = load_figure(path.read_bytes(), "figures/PMC100005__mb2410575011.md").figure  # no table: inline genes
    assert figure.organisms == ("Homo sapiens",)  # a plain string in this shape
    assert figure.ndex == "f8d44b29-dec4-11ea-99da-0ac135e8bacf"
    first = figure.genes[0]
    assert (first.word, first.symbol, first.ncbigene_id, first.source) == ("SHC/PI3K", "PIK3CD", "5293", "bioentities_symbol")
    assert "PIK3CD" in figure.gene_symbols and "TRAF6" in figure.symbols
    assert figure.extra["pmc_ranked_result_index"] == "8853"  # unknown fields survive
    assert figure.extra["pathway_score"] == pytest.approx(0.8999919)


@needs_corpus
def test_genes_table_wins_over_inline_genes() -> None:
    figure = load_corpus("PMC100008__mb2411709009").figure
    table_rows = (CORPUS / "data" / "PMC100008__mb2411709009-genes.tsv").read_text().strip().split("\n")[1:]
    assert len(figure.genes) == len(table_rows)


def test_unknown_fields_are_kept_in_extra_and_pickle() -> None:
    fields = minimal_fields(curator="Ana", ratings=[1, 2], nested={"a": {"b": None}})
    figure = load_text(fields).figure
    assert dict(figure.extra) == {"curator": "Ana", "ratings": [1, 2], "nested": {"a": {"b": None}}}
    assert pickle.loads(pickle.dumps(figure)) == figure  # worker processes send figures back


def test_markdown_body_is_rendered() -> None:
    figure = load_text(minimal_fields(), "Notes with *emphasis* and a [link](https://example.org).\n").figure
    assert figure.body_html == (
        '<p>Notes with <em>emphasis</em> and a <a href="https://example.org" rel="nofollow noopener">link</a>.</p>'
    )


def test_empty_body_gives_no_html() -> None:
    assert load_text(minimal_fields(), "\n\n  \n").figure.body_html == ""


def test_front_matter_split_keeps_body() -> None:
    front, body, problem = split_front_matter("---\na: 1\n---\n\nbody\n", "x.md")
    assert (front, body, problem) == ("a: 1\n", "body\n", None)


def test_field_lines_are_recorded_for_messages() -> None:
    text = "---\nfigtitle: T\nfigid: PMC1__f1\nredirect_from: /figures/PMC1__F1\n---\n"
    figure = load_figure(text.encode(), "figures/PMC1__f1.md").figure
    assert figure.line_of("figid") == 3 and figure.line_of("redirect_from") == 4
    assert figure.line_of("figid_alias") == 1  # absent: line 1


def test_figid_alias_becomes_a_redirect() -> None:
    figure = load_text(minimal_fields(figid_alias="PMC1__F1", redirect_from="/figures/PMC1__F1.html")).figure
    assert figure.redirect_from == ("/figures/PMC1__F1",)


def test_year_may_be_a_number() -> None:
    assert load_text(minimal_fields(year=2021)).figure.year == "2021"


def test_doi_url_prefix_is_removed() -> None:
    assert load_text(minimal_fields(doi="https://doi.org/10.1000/xyz")).figure.doi == "10.1000/xyz"


def test_keywords_split_on_bars_and_deduplicated() -> None:
    figure = load_text(minimal_fields(keywords="a | b |  | a")).figure
    assert figure.keywords == ("a", "b")


def test_a_bar_inside_brackets_does_not_split_a_keyword() -> None:
    """Real record PMC10031336: 'P2 purinergic receptor (P2Y12 | P2Y1)' is one keyword; an
    unclosed bracket splits as before."""
    figure = load_text(minimal_fields(keywords="ADP | P2 purinergic receptor (P2Y12 | P2Y1) | SERCA3 | x [a|b]")).figure
    assert figure.keywords == ("ADP", "P2 purinergic receptor (P2Y12 | P2Y1)", "SERCA3", "x [a|b]")
    assert load_text(minimal_fields(keywords="IL2 (T cells | B | C")).figure.keywords == ("IL2 (T cells", "B", "C")


@given(st.text(alphabet="ab()[]| ", max_size=30))
def test_splitting_outside_brackets_keeps_every_character(text: str) -> None:
    items = split_outside_brackets(text, "|")
    assert "|".join(items) == text and (items == text.split("|") or len(items) < len(text.split("|")))


def test_table_parsing_keeps_stray_quotes_literally() -> None:
    parsed = parse_table(b'word\tmatch\n"TNF\tTNF"\nIL"6\tNA\n', "t.tsv", ("word",))
    assert parsed.rows == [{"word": '"TNF', "match": 'TNF"'}, {"word": 'IL"6', "match": ""}]
    assert parsed.errors == [] and parsed.warnings == []


def test_table_with_bom_and_crlf() -> None:
    parsed = parse_table(b"\xef\xbb\xbfword\tmatch\r\nTP53\tTP53\r\n", "t.tsv", ("word",))
    assert parsed.rows == [{"word": "TP53", "match": "TP53"}]


def test_gene_symbols_that_are_ocr_noise_are_dropped() -> None:
    tables = {"genes": ("data/PMC1__f1-genes.tsv", b"word\tncbigene_symbol\tncbigene_id\nx\tMe  Me\t12.0\nTP53\tTP53\t7157\n")}
    figure = load_text(minimal_fields(), tables=tables).figure
    assert [(g.symbol, g.ncbigene_id) for g in figure.genes] == [("", "12"), ("TP53", "7157")]
    assert figure.symbols == ("TP53",)


def test_page_front_matter_is_optional() -> None:
    page, problems = load_page(b"# About\n\nText.\n", "pages/about-us.md")
    assert problems == [] and page.title == "About Us" and page.body_html.startswith("<h1>About</h1>")
    page, problems = load_page(b"---\ntitle: Help\ndescription: How to\n---\nBody\n", "pages/help.md")
    assert (page.title, page.description, page.body_html) == ("Help", "How to", "<p>Body</p>")


def test_page_with_unsafe_name_is_refused(tmp_path: Path) -> None:
    page, problems = load_page(b"x", "pages/my page.md")
    assert page is None and str(problems[0]) == "pages/my page.md:1: page name 'my page' may only contain letters, digits, '.', '_' and '-'"


# --- issue 14.2: chemicals and diseases named in schema-jsonld keywords are not genes ----------
@needs_corpus
@pytest.mark.parametrize("figid, chemicals", [
    ("PMC10037071__gr6", {"Vitamin B6", "L-threonine", "Pyridoxine", "butanoate", "C"}),
    ("PMC10034375__fphar-14-1136779-g005", {"Farnesyl diphosphate", "costunolide", "epoxide", "parthenolide"}),
    ("PMC10033909__d3sc00173c-s1", {"[O]", "Me  Me  Me"}),
])
def test_keywords_that_are_chemicals_are_not_genes(figid: str, chemicals: set[str]) -> None:
    # These records have a chemicals table and no genes table: every keyword is a chemical.
    figure = load_corpus(figid).figure
    assert figure.genes == () and figure.chemicals
    assert figure.gene_symbols == () and figure.symbols == ()
    assert not chemicals & set(figure.symbols)


def test_keywords_are_compared_with_chemical_and_disease_words_matches_and_names_ignoring_case() -> None:
    chemicals = b"word\tmesh\tmatch\tname\tchebi\nATP-x\tNA\tadenosine-TP\tatp\tNA\n"
    diseases = b"word\tmesh\tmatch\tname\tdoid\nT2D\tNA\tDiabetes\tNA\tNA\n"
    tables = {"chemicals": ("data/PMC1__f1-chemicals.tsv", chemicals), "diseases": ("data/PMC1__f1-diseases.tsv", diseases)}
    keywords = ["TP53", "ATP", "atp-X", "Adenosine-tp", "t2d", "DIABETES", "EGFR"]
    figure = load_text(minimal_fields(**{"schema-jsonld": {"keywords": keywords}}), tables=tables).figure
    assert figure.symbols == ("TP53", "EGFR")


def test_keywords_that_are_inline_chemicals_are_not_genes() -> None:
    fields = minimal_fields(chemicals=[{"word": "Glucose", "source": "MESH", "identifier": "D005947"}],
                            **{"schema-jsonld": {"keywords": ["glucose", "INS"]}})
    assert load_text(fields).figure.symbols == ("INS",)


R_NA_RECORD = """---
figid: PMC84049__mb0490823009
figtitle: Control of LHB gene expression
pmcid: PMC84049
year: '1999'
doi: .na.character
journal_title: .na.character
journal_nlm_ta: .na.character
publisher_name: .na.character
keywords: .na.character
automl_pathway: .na.real
figid_alias: .na.character
organisms:
- Homo sapiens
- .na.character
genes:
- word: Egr-1
  symbol: EGR1
  source: .na.character
schema-jsonld:
  keywords:
  - .na.character
  - EGR1
---
"""


def test_r_missing_values_are_missing_fields_and_left_out_of_lists() -> None:
    """PFOCR's records come from R, whose yaml package writes NA as `.na.character` (`.na.real`,
    ...): about one real record in five has such fields. They are missing values, not a journal
    called '.na.character', a DOI to warn about or a score to refuse."""
    result = load_figure(R_NA_RECORD.encode("utf-8"), "figures/PMC84049__mb0490823009.md")
    assert result.errors == () and result.warnings == ()
    figure = result.figure
    assert (figure.doi, figure.journal_title, figure.journal_nlm_ta, figure.publisher_name, figure.figid_alias) == ("",) * 5
    assert figure.keywords == () and figure.automl_pathway is None and figure.redirect_from == ()
    assert figure.organisms == ("Homo sapiens",) and figure.gene_symbols == ("EGR1",)
    assert (figure.genes[0].symbol, figure.genes[0].source) == ("EGR1", "")


def test_an_r_missing_title_is_an_empty_required_field() -> None:
    text = R_NA_RECORD.replace("figtitle: Control of LHB gene expression", "figtitle: .na.character")
    result = load_figure(text.encode("utf-8"), "figures/PMC84049__mb0490823009.md")
    assert [str(problem) for problem in result.errors] == ["figures/PMC84049__mb0490823009.md:3: figtitle: must not be empty"]


def test_r_missing_table_cells_are_empty() -> None:
    parsed = parse_table(b"word\tmesh\tname\nATP\t.na.character\tNA\n", "t.tsv", ("word",))
    assert parsed.rows == [{"word": "ATP", "mesh": "", "name": ""}]
    genes = b"word\tncbigene_symbol\tncbigene_id\tsource\nTNF\tTNF\t7124\t.na.character\nX\t.na.character\tNA\tNA\n"
    figure = load_figure(b"---\nfigid: PMC1__f1\nfigtitle: T\n---\n", "figures/PMC1__f1.md",
                         {"genes": ("data/PMC1__f1-genes.tsv", genes)}).figure
    assert [(g.word, g.symbol, g.ncbigene_id, g.source) for g in figure.genes] == [("TNF", "TNF", "7124", ""), ("X", "", "", "")]


def test_a_list_item_broken_over_lines_is_one_line() -> None:
    """R's yaml wraps a long `keywords` block ('... | reaction' then 'mechanism' on the next line)."""
    text = "---\nfigid: PMC1__f1\nfigtitle: T\nkeywords: |-\n  amination | DFT calculations | reaction\n  mechanism\n---\n"
    assert load_figure(text.encode("utf-8"), "figures/PMC1__f1.md").figure.keywords == (
        "amination", "DFT calculations", "reaction mechanism")


def test_a_term_table_of_the_older_layout_keeps_its_mesh_ids() -> None:
    """Older tables name a chemical's MeSH ID as `identifier` with `source` MESH, as the inline
    annotations of older records do."""
    chemicals = b"word\tsource\tidentifier\nDobutamine\tMESH\tD004280\nTrp\tother\tX1\n"
    figure = load_figure(b"---\nfigid: PMC1__f1\nfigtitle: T\n---\n", "figures/PMC1__f1.md",
                         {"chemicals": ("data/PMC1__f1-chemicals.tsv", chemicals)}).figure
    assert [(c.word, c.mesh) for c in figure.chemicals] == [("Dobutamine", "D004280"), ("Trp", "")]


def test_flybase_symbols_with_parentheses_are_genes_and_ocr_debris_is_not() -> None:
    genes = (b"word\tncbigene_symbol\tncbigene_id\n"
             b"MBT\tl(3)mbt\t43288\nSuvar\tSu(var)3-9\t39669\nIFN\tIFN(\t1\n")
    figure = load_figure(b"---\nfigid: PMC1__f1\nfigtitle: T\n---\n", "figures/PMC1__f1.md",
                         {"genes": ("data/PMC1__f1-genes.tsv", genes)}).figure
    assert [g.symbol for g in figure.genes] == ["l(3)mbt", "Su(var)3-9", ""]
    assert figure.symbols == ("l(3)mbt", "Su(var)3-9")


def test_flybase_and_zfin_symbols_with_a_colon_are_genes_and_a_trailing_colon_is_not() -> None:
    genes = (b"word\tncbigene_symbol\tncbigene_id\n"
             b"tRNA\ttRNA:Lys-TTT-1-1\t1\nsi\tsi:ch73-206d17.1\t2\nFig\tFig:\t3\nx\ta::b\t4\ny\t:a\t5\n")
    figure = load_figure(b"---\nfigid: PMC1__f1\nfigtitle: T\n---\n", "figures/PMC1__f1.md",
                         {"genes": ("data/PMC1__f1-genes.tsv", genes)}).figure
    assert [g.symbol for g in figure.genes] == ["tRNA:Lys-TTT-1-1", "si:ch73-206d17.1", "", "", ""]
    assert figure.symbols == ("tRNA:Lys-TTT-1-1", "si:ch73-206d17.1")


def test_inline_markup_of_pubmed_titles_is_dropped_and_other_angle_brackets_stay() -> None:
    record = (b"---\nfigid: PMC1__f1\nfigtitle: Vanillin synthesis in <i>Capsicum chinense </i>cell cultures\n"
              b"papertitle: Ca<sup>2+</sup> and <b>p</b> < 0.05 in <script>x</script>\n"
              b"caption: |-\n  Shown in <I>E. coli</I>:\n  p<0.05.\n---\n")
    figure = load_figure(record, "figures/PMC1__f1.md", {}).figure
    assert figure.title == "Vanillin synthesis in Capsicum chinense cell cultures"
    assert figure.papertitle == "Ca2+ and p < 0.05 in <script>x</script>"
    assert figure.caption == "Shown in E. coli:\np<0.05."
