"""The faster ways load.py reads records (issue 16) give what the plain ways gave.

Each fast path is checked against an oracle, on generated inputs that mix the characters the
rule is about: the front matter's closing line, the lines of located fields, the control
characters of a table, and genes read from a table by column position.
"""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from site_builder.load import (CLOSING, LOCATED_FIELDS, OPENING, clean_cell, column_count_message, decode, free_of_controls,
                               gene_from_row, genes_from_cells, parse_table, split_front_matter, table_cells,
                               top_level_line)
from site_builder.model import Problem
from site_builder.text import remove_control_chars, removed_chars_message
from site_builder.yamlsupport import key_line

SETTINGS = settings(max_examples=400, deadline=None)

# pieces of lines that the rules look at, and characters around them
PIECES = ["---", "...", "--", "-- -", " ", "\t", "\n", "\n", "a", "b: 1", ":", "'", '"', "\u00a0", "\u2028", "\x0b", "\x85",
          "figid", "figid_alias", "redirect_from", "figid:", "'figid':", '"figid_alias":', "redirect_from: /x", "é"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def old_split_front_matter(text: str, path: str):
    if not text.strip():
        return "", "", Problem(path, 1, "", "empty file; expected YAML front matter between '---' lines")
    opening = OPENING.match(text)
    if opening is None:
        return "", "", Problem(path, 1, "", "no front matter: the file must start with a '---' line")
    end = CLOSING.search(text, opening.end())
    if end is None:
        return "", "", Problem(path, 1, "", "front matter is not closed: add a '---' line after it")
    return text[opening.end() : end.start()], text[end.end() :].lstrip("\n"), None


@SETTINGS
@given(texts)
def test_the_front_matter_ends_where_closing_says(rest: str) -> None:
    for text in (rest, "---\n" + rest, "--- \t\n" + rest):
        assert split_front_matter(text, "x.md") == old_split_front_matter(text, "x.md")


@SETTINGS
@given(texts, st.sampled_from(LOCATED_FIELDS), st.integers(1, 3))
def test_located_fields_are_on_the_lines_key_line_finds(text: str, key: str, first_line: int) -> None:
    assert top_level_line(text, key, first_line) == key_line(text, key, first_line)


CELL_CHARACTERS = st.sampled_from(["a", "Z", "1", " ", "\t", "\n", "NA", "\x00", "\x1f", "\x7f", "\x80", "\x9f", "é", "\ufffe",
                                   "\u00ad", "\u2028", "\ud800"])


@SETTINGS
@given(st.lists(CELL_CHARACTERS, max_size=30).map("".join))
def test_tables_free_of_control_characters_are_recognised(text: str) -> None:
    """Free: remove_control_chars would keep the text (else it is called, and decides); for
    ASCII text, the two always agree."""
    if free_of_controls(text):
        assert remove_control_chars(text) == text
    if text.isascii():
        assert free_of_controls(text) == (remove_control_chars(text) == text)


def old_parse_table(data: bytes, path: str, required: tuple[str, ...]):
    """parse_table as it was before table_cells."""
    text, problem = decode(data, path)
    if problem:
        return [], [problem], []
    cleaned = remove_control_chars(text)
    warnings = []
    if cleaned != text:
        line = next(n for n, row in enumerate(text.split("\n"), 1) if remove_control_chars(row) != row)
        warnings.append(Problem(path, line, "", removed_chars_message(text)))
    lines = cleaned.split("\n")
    if not lines[0].strip():
        return [], [], [*warnings, Problem(path, 1, "", "empty table (no header row); ignored")]
    header = [clean_cell(h) for h in lines[0].split("\t")]
    missing = [column for column in required if column not in header]
    if missing:
        return [], [Problem(path, 1, "", f"missing column(s): {', '.join(missing)}")], warnings
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = [clean_cell(cell) for cell in line.split("\t")]
        if len(cells) != len(header):
            warnings.append(Problem(path, number, "", column_count_message(len(cells), len(header))))
        if len(cells) <= len(header):
            rows.append(dict(zip(header, cells + [""] * (len(header) - len(cells)))))
    return rows, [], warnings


COLUMNS = ["word", "match", "symbol", "ncbigene_symbol", "ncbigene_id", "source", "organism_name", "organism_id",
           "organism_group", "other", "word"]
CELLS = st.sampled_from(["", " ", "NA", " NA ", "TP53", "tp53", "IL-6", "bad symbol", "A" * 41, "7157", "7157.0", "x7",
                         "Homo sapiens", "9606", "Primates", "hgnc_symbol", "é", "\x01", "a\rb"])
tables = st.tuples(
    st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=7),
    st.lists(st.lists(CELLS, max_size=9), max_size=6),
    st.sampled_from(["\n", "\r\n"]),
).map(lambda t: (t[2].join(["\t".join(t[0]), *("\t".join(row) for row in t[1])]) + t[2]).encode("utf-8"))


@SETTINGS
@given(tables)
def test_tables_read_as_before(data: bytes) -> None:
    parsed = parse_table(data, "t.tsv", ("word",))
    assert (parsed.rows, parsed.errors, parsed.warnings) == old_parse_table(data, "t.tsv", ("word",))


@SETTINGS
@given(tables)
def test_genes_read_by_column_position_are_the_genes_of_the_rows(data: bytes) -> None:
    parsed = parse_table(data, "t.tsv", ("word",))
    expected = tuple(gene for gene in map(gene_from_row, parsed.rows) if gene is not None)
    cells = table_cells(data, "t.tsv", ("word",))
    assert genes_from_cells(cells.header, cells.rows) == expected
