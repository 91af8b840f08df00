"""Turn the text of a record (front matter + markdown body) and its tables into a Figure.

Pure functions over text: the caller reads the files. Every problem is a Problem with the
file, line and (where known) column; a record with errors gives a LoadResult without a figure
and with all of its problems, so one run reports every problem of every file. Nothing here
raises on bad input.
"""
from __future__ import annotations

import math
import re
from operator import itemgetter
from dataclasses import dataclass
from typing import Any, Mapping

from .markdown_render import render_markdown_safely
from .model import Figure, FrozenMap, GeneMention, Page, Problem, TermMention
from .text import fix_mojibake, looks_like_mojibake, remove_control_chars, removed_chars_message, without_control_chars
from .yamlsupport import key_lines, parse_yaml

SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_NAME = 200  # a figid or path part becomes a file name (255 bytes at most, with suffixes)
MAX_REDIRECT_DEPTH = 8
SAFE_REDIRECT = re.compile(r"^/(?:[A-Za-z0-9._-]+/)*[A-Za-z0-9._-]+$")
# A gene symbol: at most 40 ASCII letters, digits and . _ @ -, parenthesised runs of them, as
# FlyBase names Drosophila genes (l(3)mbt, Su(var)3-9, ref(2)P), and colons before a letter or
# digit (FlyBase's tRNA:Lys-TTT-1-1, ZFIN's si:ch73-206d17.1); OCR debris such as 'IFN(' or 'Fig:'
# is not one.
GENE_SYMBOL = re.compile(r"^(?=.{1,40}$)[A-Za-z0-9](?:[A-Za-z0-9._@-]|:(?=[A-Za-z0-9])|\([A-Za-z0-9._-]+\))*$")
# Titles and captions copied from PubMed Central keep its inline markup ('pathway in <i>Capsicum
# chinense </i>cell cultures'): the tags go, the words stay (pages escape any other '<').
INLINE_TAG = re.compile(r"</?(?:i|b|em|strong|sup|sub|u|sc|italic|bold)>", re.IGNORECASE)
NDEX_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
WPID = re.compile(r"^WP[0-9]+$")
PMCID = re.compile(r"^PMC[0-9]+$")
DOI = re.compile(r"^10\.[0-9]{3,9}/\S+$")
LOCATED_FIELDS = ("figid", "redirect_from", "figid_alias")  # their lines go into Figure.lines
MULTILINE_FIELDS = {"caption"}  # other text fields are one line: runs of white space become one space

# Fields read into Figure attributes; anything else survives in Figure.extra.
TEXT_FIELDS = (
    "caption", "pmcid", "filename", "figlink", "number", "figtype", "papertitle", "reftext",
    "doi", "journal_title", "journal_nlm_ta", "publisher_name", "figid_alias", "ndex", "wpid",
)
CONSUMED = {
    "figid", "figtitle", "year", "organisms", "organisms_ner", "keywords", "automl_pathway",
    "redirect_from", "genes", "chemicals", "diseases", "schema-jsonld", "seo", "annotations",
    *TEXT_FIELDS,
}


# PFOCR's records are written from R, whose yaml package writes a missing value (NA) as one of
# these plain scalars (`doi: .na.character`; about one real record in five has some). A field
# holding one is missing, and a list item holding one is left out, wherever it is in the record.
R_MISSING = frozenset({".na", ".na.character", ".na.integer", ".na.real"})
R_MISSING_HINT = ".na"  # in the front matter's text of every record that holds one
MISSING_CELLS = frozenset({"NA", *R_MISSING})  # a table cell holding one is empty (R writes NA in TSV)


def without_r_missing(value: Any) -> Any:
    """The parsed front matter with R's missing values as null (in a list: left out)."""
    if isinstance(value, dict):
        return {key: without_r_missing(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_r_missing(item) for item in value if not is_r_missing(item)]
    return None if is_r_missing(value) else value


def is_r_missing(value: Any) -> bool:
    return isinstance(value, str) and value.strip() in R_MISSING


@dataclass(frozen=True, slots=True)
class LoadResult:
    figure: Figure | None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def decode(data: bytes, path: str) -> tuple[str, Problem | None]:
    """UTF-8 (with or without BOM), CRLF or LF, to text with LF line ends."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        return "", Problem(path, line, "", message, column)
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


OPENING = re.compile(r"---[ \t]*\n")
CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# CLOSING from the newline before its line: a pattern that starts with a literal character is
# searched for that character, where ^ in MULTILINE mode is tried at every position (~10x faster).
NEWLINE_CLOSING = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?=\n|\Z)")


def split_front_matter(text: str, path: str) -> tuple[str, str, Problem | None]:
    """Return (yaml text, markdown body). The YAML starts on line 2 of the file."""
    if not text.strip():
        return "", "", Problem(path, 1, "", "empty file; expected YAML front matter between '---' lines")
    opening = OPENING.match(text)
    if opening is None:
        return "", "", Problem(path, 1, "", "no front matter: the file must start with a '---' line")
    end = NEWLINE_CLOSING.search(text, opening.end() - 1)  # the opening line's newline
    if end is None:
        return "", "", Problem(path, 1, "", "front matter is not closed: add a '---' line after it")
    return text[opening.end() : end.start() + 1], text[end.end() :].lstrip("\n"), None


Table = tuple[str, bytes]  # (path, bytes) of a TSV file


def load_figure(data: bytes, path: str, tables: Mapping[str, Table] | None = None) -> LoadResult:
    """Bytes of a record file (and of its tables, by kind) -> a validated Figure."""
    try:
        return read_figure(data, path, tables or {})
    except RecursionError:  # nesting is limited when parsing; should anything still recurse, one record fails
        return LoadResult(None, (Problem(path, 1, "", "nested too deeply to read"),))


def read_figure(data: bytes, path: str, tables: Mapping[str, Table]) -> LoadResult:
    text, problem = decode(data, path)
    if problem:
        return LoadResult(None, (problem,))
    front, body, problem = split_front_matter(text, path)
    if problem:
        return LoadResult(None, (problem,))
    raw, errors, warnings = parse_yaml(front, path, first_line=2)
    if errors:
        return LoadResult(None, tuple(errors), tuple(warnings))
    if not isinstance(raw, dict):
        return LoadResult(None, (Problem(path, 2, "", "front matter must be a mapping of fields"),), tuple(warnings))
    if R_MISSING_HINT in front:
        raw = without_r_missing(raw)
    reader = FieldReader(raw, path, front)
    reader.warnings += warnings
    figure = reader.figure(body, body_line(text, body), tables)
    return LoadResult(figure if not reader.errors else None, in_file_order(reader.errors), in_file_order(reader.warnings))


def top_level_key_patterns(key: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """yamlsupport.key_line's pattern for the key on the first line, and after a newline (a
    pattern that starts with a literal character is searched fast; see NEWLINE_CLOSING)."""
    rest = rf"(['\"]?){re.escape(key)}\1:(?:\s|\Z)"
    return re.compile(rest), re.compile("\n" + rest)


KEY_PATTERNS = {key: top_level_key_patterns(key) for key in LOCATED_FIELDS}


def top_level_line(text: str, key: str, first_line: int = 1) -> int:
    """yamlsupport.key_line for a key of LOCATED_FIELDS: the line of the top-level key, 0 if absent."""
    first, after_newline = KEY_PATTERNS[key]
    if first.match(text):
        return first_line
    match = after_newline.search(text)
    return first_line + text.count("\n", 0, match.start() + 1) if match else 0


def in_file_order(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.path, p.line, p.column)))


def body_line(text: str, body: str) -> int:
    """The file line the markdown body starts on (the body is a suffix of the text)."""
    return text.count("\n", 0, len(text) - len(body)) + 1


class FieldReader:
    """Reads typed values out of one record's raw mapping, collecting located problems."""

    def __init__(self, raw: dict[str, Any], path: str, front: str):
        self.raw, self.path, self.front = raw, path, front
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._lines: dict[str, int] | None = None
        self.term_rows: list[dict[str, str]] = []  # chemical and disease rows of the record

    def line(self, key: str) -> int:
        if self._lines is None:  # computed only when something is wrong
            self._lines = key_lines(self.front, first_line=2)
        return self._lines.get(key, 1)

    def error(self, key: str, message: str) -> None:
        self.errors.append(Problem(self.path, self.line(key), key, message))

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(Problem(self.path, self.line(key), key, message))

    # --- typed readers -------------------------------------------------------------
    def text(self, key: str, *, required: bool = False, numbers: bool = False) -> str:
        value = self.raw.get(key)
        if type(value) is str and "<" in value:
            value = INLINE_TAG.sub("", value)
        if type(value) is str and value.isascii() and value.isprintable():
            # what repaired() would keep as it is (mojibake is not ASCII; controls are not printable)
            value = " ".join(value.split()) if key not in MULTILINE_FIELDS else value.strip()
            if not value and required:
                self.error(key, "must not be empty")
            return value
        if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            self.error(key, f"expected a string, got {type_name(value)}")
            return ""
        value = self.repaired(key, (value or "").strip())
        if key not in MULTILINE_FIELDS:
            value = " ".join(value.split())
        if not value and required:
            self.error(key, "must not be empty" if key in self.raw else "required field is missing")
        return value

    def repaired(self, key: str, value: str) -> str:
        """Mojibake repaired (ftfy) first, as it can contain C1 controls; then controls removed."""
        if looks_like_mojibake(value):
            fixed = fix_mojibake(value)
            if fixed != value:
                self.warn(key, f"repaired mojibake: {shorten(value)!r} -> {shorten(fixed)!r}")
                value = fixed
        cleaned = remove_control_chars(value)
        if cleaned != value:
            self.warn(key, removed_chars_message(value))
            value = cleaned.strip()
        return value

    def clean_extra(self, key: str, value: Any) -> Any:
        """An unknown field kept for templates, without the characters no output may hold."""
        cleaned = without_control_chars(value)
        if cleaned is not value and cleaned != value:
            self.warn(key, "control characters or characters not allowed in XML removed")
        return cleaned

    def text_list(self, key: str, *, separator: str | None = None) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            items = split_outside_brackets(value, separator) if separator else [value]
        elif isinstance(value, list):
            items = value
        else:
            self.error(key, f"expected a list of strings, got {type_name(value)}")
            return ()
        result = []
        for number, item in enumerate(items, 1):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                self.error(key, f"item {number}: expected a string, got {type_name(item)}")
                continue
            item = item.strip() if item.isascii() and item.isprintable() else self.repaired(key, item.strip())
            item = " ".join(item.split())  # one line, as other one-line fields (a long list wraps in R's YAML)
            if item:
                result.append(item)
        return tuple(dict.fromkeys(result))

    def score(self, key: str) -> float | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        try:
            number = math.nan if isinstance(value, bool) else float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if not 0 <= number <= 1:  # also true for NaN
            self.error(key, f"expected a number between 0 and 1, got {shorten(repr(value))}")
            return None
        return number

    # --- the record ----------------------------------------------------------------
    def figure(self, body: str, first_body_line: int, tables: Mapping[str, Table]) -> Figure:
        figid = self.figid()
        values = {key: self.text(key) for key in TEXT_FIELDS}
        values["ndex"] = self.link_id("ndex", values["ndex"], NDEX_ID)
        values["wpid"] = self.link_id("wpid", values["wpid"], WPID)
        values["pmcid"] = self.link_id("pmcid", values["pmcid"], PMCID)
        values["doi"] = self.doi(values["doi"])
        organisms = self.organisms()
        chemicals = self.terms("chemicals", tables.get("chemicals"))
        diseases = self.terms("diseases", tables.get("diseases"))
        return Figure(
            figid=figid,
            title=self.text("figtitle", required=True),
            source=self.path,
            year=self.year(),
            organisms=organisms,
            organisms_ner=self.text_list("organisms_ner"),
            keywords=self.text_list("keywords", separator="|"),
            gene_symbols=self.keyword_symbols(),
            automl_pathway=self.score("automl_pathway"),
            redirect_from=self.redirects(),
            genes=self.genes(tables.get("genes")),
            chemicals=chemicals,
            diseases=diseases,
            body_html=self.body(body, first_body_line),
            extra=FrozenMap({k: self.clean_extra(k, v) for k, v in self.raw.items() if k not in CONSUMED}),
            lines=self.field_lines(),
            **values,
        )

    def field_lines(self) -> tuple[tuple[str, int], ...]:
        """Lines of the fields that later stages (index.py) report problems about."""
        found = ((key, top_level_line(self.front, key, first_line=2)) for key in LOCATED_FIELDS if key in self.raw)
        return tuple((key, line) for key, line in found if line)

    def body(self, body: str, first_line: int) -> str:
        if not body.strip():
            return ""
        cleaned = remove_control_chars(body)
        if cleaned != body:
            self.warnings.append(Problem(self.path, first_line, "body", removed_chars_message(body)))
        html, problem = render_markdown_safely(cleaned)
        if problem:
            self.warnings.append(Problem(self.path, first_line, "body", problem))
        return html

    def figid(self) -> str:
        raw = self.raw.get("figid")
        if isinstance(raw, str) and raw.strip() and not SAFE_ID.match(raw.strip()):
            self.error("figid", f"{shorten(raw.strip())!r} may only contain letters, digits, '.', '_' and '-'")
            return ""
        if isinstance(raw, str) and len(raw.strip()) > MAX_NAME:
            self.error("figid", f"{shorten(raw.strip())!r} is longer than {MAX_NAME} characters (it becomes a file name)")
            return ""
        figid = self.text("figid", required=True)
        stem = self.path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".md")
        if figid and figid != stem:
            self.error("figid", f"{figid!r} differs from the file name {stem!r}; rename one of them")
        return figid

    def year(self) -> str:
        year = self.text("year", numbers=True)
        if year and not re.fullmatch(r"[0-9]{4}", year):
            self.error("year", f"expected a four-digit year, got {year!r}")
            return ""
        return year

    def organisms(self) -> tuple[str, ...]:
        # Older records hold one plain string, newer ones a list; 'NA' means unknown.
        return tuple(o for o in self.text_list("organisms", separator="|") if o != "NA")

    def redirects(self) -> tuple[str, ...]:
        """Old URLs of the figure, read verbatim: a path is kept or refused, never repaired."""
        paths = [(path, "redirect_from") for path in self.raw_paths("redirect_from")]
        alias = self.raw.get("figid_alias")
        if isinstance(alias, str) and alias.strip():
            paths.append(("/figures/" + alias.strip(), "figid_alias"))
        safe = []
        for path, key in dict.fromkeys(paths):
            parts = path.split("/")
            if len(parts) > MAX_REDIRECT_DEPTH + 1 or any(len(part) > MAX_NAME for part in parts):
                self.error(key, f"{shorten(path)!r} is too long for a file path (at most {MAX_REDIRECT_DEPTH} folders of {MAX_NAME} characters)")
            elif SAFE_REDIRECT.match(path) and not {".", ".."} & set(parts):
                safe.append(path.removesuffix(".html"))
            else:
                self.error(key, f"{shorten(path)!r} is not a safe site path (expected /figures/NAME)")
        return tuple(dict.fromkeys(safe))

    def raw_paths(self, key: str) -> list[str]:
        value = self.raw.get(key)
        if value is None or value == "":
            return []
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else None
        if items is None:
            self.error(key, f"expected a path or a list of paths, got {type_name(value)}")
            return []
        paths = []
        for item in items:
            if isinstance(item, str) and item.strip():
                paths.append(item.strip())
            elif not isinstance(item, str):
                self.error(key, f"expected a path such as /figures/NAME, got {type_name(item)}")
        return paths

    def link_id(self, key: str, value: str, pattern: re.Pattern[str]) -> str:
        if not value or pattern.match(value):
            return value
        self.warn(key, f"{shorten(value)!r} is not a valid identifier; link left out")
        return ""

    def doi(self, value: str) -> str:
        value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", value, flags=re.I)
        if not value or DOI.match(value):
            return value
        self.warn("doi", f"{shorten(value)!r} is not a DOI (10.NNNN/...); link left out")
        return ""

    def keyword_symbols(self) -> tuple[str, ...]:
        block = self.raw.get("schema-jsonld")
        keywords = block.get("keywords") if isinstance(block, dict) else None
        if not isinstance(keywords, list):
            return ()
        return gene_keywords([k for k in keywords if isinstance(k, str)], self.term_rows)

    def genes(self, table: Table | None) -> tuple[GeneMention, ...]:
        if table is not None:
            parsed = table_cells(table[1], table[0], ("word",))
            self.errors.extend(parsed.errors)
            self.warnings.extend(parsed.warnings)
            return genes_from_cells(parsed.header, parsed.rows)
        converted = [inline_gene(row) for row in self.inline_rows("genes")]
        return tuple(row for row in converted if row is not None)

    def terms(self, kind: str, table: Table | None) -> tuple[TermMention, ...]:
        """Chemicals or diseases (their rows are kept in term_rows: their names are not genes)."""
        rows = self.table_rows(table, ("word",)) if table is not None else self.inline_rows(kind)
        self.term_rows += rows
        converted = [term_from_row(row) for row in rows]
        return tuple(row for row in converted if row is not None)

    def inline_rows(self, key: str) -> list[dict[str, str]]:
        value = self.raw.get(key)
        if value is None or value == "" or value == []:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.error(key, "expected a list of mappings (word, symbol, ...)")
            return []
        return [{k: "" if v is None else clean_cell(remove_control_chars(str(v))) for k, v in item.items()} for item in value]

    def table_rows(self, table: Table, required: tuple[str, ...]) -> list[dict[str, str]]:
        parsed = parse_table(table[1], table[0], required)
        self.errors.extend(parsed.errors)
        self.warnings.extend(parsed.warnings)
        return parsed.rows


@dataclass(frozen=True, slots=True)
class ParsedTable:
    rows: list[dict[str, str]]
    errors: list[Problem]  # the table cannot be used
    warnings: list[Problem]  # rows skipped or padded; the rest of the table is used


@dataclass(frozen=True, slots=True)
class TableCells:
    """A table as parse_table reads it, before its rows become mappings: the cleaned header,
    and each kept row's cells as they are in the file (not yet cleaned), padded to the header."""

    header: list[str]
    rows: list[list[str]]
    errors: list[Problem]
    warnings: list[Problem]


def parse_table(data: bytes, path: str, required: tuple[str, ...]) -> ParsedTable:
    """A tab-separated table with a header row. Quotes are literal (OCR text has stray ones)."""
    cells = table_cells(data, path, required)
    header = cells.header
    rows = [dict(zip(header, map(clean_cell, row))) for row in cells.rows]
    return ParsedTable(rows, cells.errors, cells.warnings)


def table_cells(data: bytes, path: str, required: tuple[str, ...]) -> TableCells:
    """parse_table's reading of a table (its problems included), cells left uncleaned."""
    text, problem = decode(data, path)
    if problem:
        return TableCells([], [], [problem], [])
    cleaned = text if free_of_controls(text) else remove_control_chars(text)
    warnings = []
    if cleaned != text:
        line = next(n for n, row in enumerate(text.split("\n"), 1) if remove_control_chars(row) != row)
        warnings.append(Problem(path, line, "", removed_chars_message(text)))
    lines = cleaned.split("\n")
    if not lines[0].strip():
        return TableCells([], [], [], [*warnings, Problem(path, 1, "", "empty table (no header row); ignored")])
    header = [clean_cell(h) for h in lines[0].split("\t")]
    missing = [column for column in required if column not in header]
    if missing:
        return TableCells([], [], [Problem(path, 1, "", f"missing column(s): {', '.join(missing)}")], warnings)
    rows = []
    width = len(header)
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != width:
            warnings.append(Problem(path, number, "", column_count_message(len(cells), width)))
            if len(cells) > width:
                continue
            cells += [""] * (width - len(cells))
        rows.append(cells)
    return TableCells(header, rows, [], warnings)


ASCII_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])  # text.CONTROL_CHARS' ASCII part


def free_of_controls(text: str) -> bool:
    """True when remove_control_chars would leave the text as it is. Tabs and newlines make
    str.isprintable (remove_control_chars' quick test) false for every table, so ASCII text is
    checked here with bytes.translate instead of the character-class regex."""
    if not text.isascii():
        return text.isprintable()
    data = text.encode("ascii")
    return len(data.translate(None, ASCII_CONTROLS)) == len(data)


def column_count_message(found: int, expected: int) -> str:
    outcome = "row skipped" if found > expected else "missing cells left empty"
    return f"row has {found} cell(s) but the header has {expected} columns; {outcome}"


def split_outside_brackets(text: str, separator: str) -> list[str]:
    """'A (B | C) | D' -> ['A (B | C)', ' D']: a keyword such as 'P2 purinergic receptor
    (P2Y12 | P2Y1)' holds the separator in brackets. Unbalanced brackets: a plain split."""
    if "(" not in text and "[" not in text:
        return text.split(separator)
    items, depth, start = [], 0, 0
    for at, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == separator and depth == 0:
            items.append(text[start:at])
            start = at + 1
    items.append(text[start:])
    return text.split(separator) if depth else items


def clean_cell(value: str) -> str:
    value = value.strip()
    return "" if value in MISSING_CELLS else value


TERM_COLUMNS = ("word", "match", "name")


def gene_keywords(keywords: list[str], term_rows: list[dict[str, str]]) -> tuple[str, ...]:
    """THE rule for gene symbols taken from schema-jsonld keywords (records without a genes
    table): those keywords mix genes with chemicals and diseases, so a keyword that is a word,
    match or name of one of the record's chemical or disease rows (tables or inline; case
    ignored) is not a gene, and OCR noise ('Me  Me  Me', '[O]') is not a gene symbol either.
    (A GENE_SYMBOL holds no spaces, so spacing needs no folding.)"""
    symbols = list(filter(GENE_SYMBOL.match, dict.fromkeys(map(str.strip, keywords))))
    if not symbols or not term_rows:
        return tuple(symbols)
    not_genes = {row[column].casefold() for row in term_rows for column in TERM_COLUMNS if row.get(column)}
    return tuple(k for k in symbols if k.casefold() not in not_genes)


GENE_COLUMNS = ("word", "ncbigene_id", "source", "organism_name", "organism_id", "organism_group")
SYMBOL_COLUMNS = ("ncbigene_symbol", "match", "symbol")  # the first that is not empty names the gene


def genes_from_cells(header: list[str], rows: list[list[str]]) -> tuple[GeneMention, ...]:
    """gene_from_row for every row of a genes table, read by column position (a table has ~30
    rows and a 100k-figure collection ~60k tables: mappings per row were most of the loading).
    Where a column name repeats, its last column counts, as in parse_table's mappings. Cells
    are cleaned as clean_cell does, written out (a call per cell cost more than the rest)."""
    column = {name: number for number, name in enumerate(header)}
    columns = [column.get(name) for name in GENE_COLUMNS]
    present = [number for number in columns if number is not None]
    if not present:
        return ()
    pick = itemgetter(*present)  # the cells of the columns the table has, in GENE_COLUMNS order
    where = {name: present.index(number) if number is not None else None for name, number in zip(GENE_COLUMNS, columns)}
    word, ncbigene_id, source, organism, organism_id, group = (where[name] for name in GENE_COLUMNS)
    symbols = [column[name] for name in SYMBOL_COLUMNS if name in column]
    found = []
    for cells in rows:
        symbol = ""
        for number in symbols:
            symbol = cells[number].strip()
            if symbol and symbol not in MISSING_CELLS:
                break
            symbol = ""
        values = pick(cells)
        values = [v if v not in MISSING_CELLS else "" for v in map(str.strip, values if len(present) > 1 else (values,))]
        text = values[word]
        if not text and not symbol:
            continue
        found.append(GeneMention(
            text,
            symbol if GENE_SYMBOL.match(symbol) else "",
            digits(values[ncbigene_id]) if ncbigene_id is not None else "",
            values[source] if source is not None else "",
            values[organism] if organism is not None else "",
            digits(values[organism_id]) if organism_id is not None else "",
            values[group] if group is not None else "",
        ))
    return tuple(found)


def gene_from_row(row: dict[str, str]) -> GeneMention | None:
    symbol = row.get("ncbigene_symbol") or row.get("match") or row.get("symbol", "")
    if not row.get("word") and not symbol:
        return None
    return GeneMention(
        word=row.get("word", ""),
        symbol=symbol if GENE_SYMBOL.match(symbol) else "",
        ncbigene_id=digits(row.get("ncbigene_id", "")),
        source=row.get("source", ""),
        organism=row.get("organism_name", ""),
        organism_id=digits(row.get("organism_id", "")),
        organism_group=row.get("organism_group", ""),
    )


def inline_gene(item: dict[str, str]) -> GeneMention | None:
    symbol = item.get("hgnc_symbol") or item.get("symbol", "")
    return gene_from_row({"word": item.get("word", ""), "ncbigene_symbol": symbol,
                          "ncbigene_id": item.get("entrez", ""), "source": item.get("source", "")})


def term_from_row(row: dict[str, str]) -> TermMention | None:
    """A chemical or disease from a table row or an inline item. Both shapes of the real data
    name the MeSH ID either in a `mesh` column or as `identifier` with `source: MESH` (older
    records, inline or in tables of columns word, source, identifier)."""
    if not row.get("word"):
        return None
    mesh = row.get("mesh") or (row.get("identifier", "") if row.get("source", "").upper() == "MESH" else "")
    return TermMention(
        word=row["word"],
        mesh=prefixed_id(mesh, "mesh:", MESH_ID),
        name=row.get("name") or row.get("match", ""),
        chebi=prefixed_id(row.get("chebi", ""), "chebi:", NUMBER_ID),
        doid=prefixed_id(row.get("doid", ""), "doid:", NUMBER_ID),
    )


MESH_ID = re.compile(r"[CD]\d+")
NUMBER_ID = re.compile(r"\d+")


def prefixed_id(value: str, prefix: str, pattern: re.Pattern[str]) -> str:
    value = value.removeprefix(prefix).removeprefix(prefix.upper())
    return value if pattern.fullmatch(value) else ""


def digits(value: str) -> str:
    value = value.removesuffix(".0")
    return value if value.isdigit() else ""


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    names = {dict: "a mapping", list: "a list", int: "a number", float: "a number", str: "a string"}
    return names.get(type(value), type(value).__name__)


def shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def one_line(value: Any) -> str:
    return " ".join(remove_control_chars(value).split()) if isinstance(value, str) else ""


def load_page(data: bytes, path: str) -> tuple[Page | None, list[Problem]]:
    """A markdown page; front matter (title, description) is optional."""
    text, problem = decode(data, path)
    if problem:
        return None, [problem]
    meta: dict[str, Any] = {}
    body = text
    if OPENING.match(text):
        front, body, problem = split_front_matter(text, path)
        raw, errors, _ = ([], [problem], []) if problem else parse_yaml(front, path, first_line=2)
        if errors:
            return None, errors
        meta = raw if isinstance(raw, dict) else {}
    slug = path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".md")
    if not SAFE_ID.match(slug):
        return None, [Problem(path, 1, "", f"page name {slug!r} may only contain letters, digits, '.', '_' and '-'")]
    title = one_line(meta.get("title")) or slug.replace("-", " ").title()
    description = one_line(meta.get("description"))
    body_html, _ = render_markdown_safely(remove_control_chars(body))
    return Page(slug=slug, title=title, description=description, body_html=body_html, source=path), []
