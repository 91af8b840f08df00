"""Turn the text of a record (front matter + markdown body) and its tables into a Figure.

Pure functions over text: the caller reads the files. Every problem is a Problem with the
file and line; a record with errors raises ContentError listing the first and the caller
collects the rest of the run's problems.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .markdown_render import render_markdown
from .model import FrozenMap, Figure, GeneMention, Page, Problem, TermMention
from .text import fix_mojibake, looks_like_mojibake
from .yamlsupport import key_lines, load_yaml

SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SAFE_REDIRECT = re.compile(r"^/(?:[A-Za-z0-9._-]+/)*[A-Za-z0-9._-]+$")
GENE_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,39}$")
NDEX_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
WPID = re.compile(r"^WP\d+$")
DOI = re.compile(r"^10\.\d{3,9}/\S+$")

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
        return "", Problem(path, line, "", f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def split_front_matter(text: str, path: str) -> tuple[str, str, Problem | None]:
    """Return (yaml text, markdown body). The YAML starts on line 2 of the file."""
    if not text.strip():
        return "", "", Problem(path, 1, "", "empty file; expected YAML front matter between '---' lines")
    if not text.startswith("---\n"):
        return "", "", Problem(path, 1, "", "no front matter: the file must start with a '---' line")
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        return "", "", Problem(path, 1, "", "front matter is not closed: add a '---' line after it")
    return text[4 : 4 + end.start()], text[4 + end.end() :].lstrip("\n"), None


Table = tuple[str, bytes]  # (path, bytes) of a TSV file


def load_figure(data: bytes, path: str, tables: Mapping[str, Table] | None = None) -> LoadResult:
    """Bytes of a record file (and of its tables, by kind) -> a validated Figure."""
    text, problem = decode(data, path)
    if problem:
        return LoadResult(None, (problem,))
    front, body, problem = split_front_matter(text, path)
    if problem:
        return LoadResult(None, (problem,))
    raw, problem = load_yaml(front, path, first_line=2)
    if problem:
        return LoadResult(None, (problem,))
    if not isinstance(raw, dict):
        return LoadResult(None, (Problem(path, 2, "", "front matter must be a mapping of fields"),))
    reader = FieldReader(raw, path, front)
    figure = reader.figure(body, tables or {})
    return LoadResult(figure if not reader.errors else None, tuple(reader.errors), tuple(reader.warnings))


class FieldReader:
    """Reads typed values out of one record's raw mapping, collecting located problems."""

    def __init__(self, raw: dict[str, Any], path: str, front: str):
        self.raw, self.path, self.front = raw, path, front
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._lines: dict[str, int] | None = None

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
        if value is None or value == "":
            if required:
                self.error(key, "required field is missing" if value is None else "must not be empty")
            return ""
        if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.error(key, f"expected a string, got {type_name(value)}")
            return ""
        return self.repaired(key, value.strip())

    def repaired(self, key: str, value: str) -> str:
        if "\x00" in value or any(ord(c) < 32 and c not in "\n\t" for c in value):
            value = "".join(c for c in value if ord(c) >= 32 or c in "\n\t")
            self.warn(key, "control characters removed")
        if looks_like_mojibake(value):
            fixed = fix_mojibake(value)
            if fixed != value:
                self.warn(key, f"repaired mojibake: {shorten(value)!r} -> {shorten(fixed)!r}")
                return fixed
        return value

    def text_list(self, key: str, *, separator: str | None = None) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            items = value.split(separator) if separator else [value]
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
            item = self.repaired(key, item.strip())
            if item:
                result.append(item)
        return tuple(dict.fromkeys(result))

    def score(self, key: str) -> float | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.error(key, f"expected a number between 0 and 1, got {type_name(value)}")
            return None
        return number

    # --- the record ----------------------------------------------------------------
    def figure(self, body: str, tables: Mapping[str, Table]) -> Figure:
        figid = self.figid()
        values = {key: self.text(key) for key in TEXT_FIELDS}
        values["ndex"] = self.link_id("ndex", values["ndex"], NDEX_ID)
        values["wpid"] = self.link_id("wpid", values["wpid"], WPID)
        values["doi"] = self.doi(values["doi"])
        organisms = self.organisms()
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
            chemicals=self.terms("chemicals", tables.get("chemicals")),
            diseases=self.terms("diseases", tables.get("diseases")),
            body_html=render_markdown(body) if body.strip() else "",
            extra=FrozenMap({k: v for k, v in self.raw.items() if k not in CONSUMED}),
            **values,
        )

    def figid(self) -> str:
        figid = self.text("figid", required=True)
        stem = self.path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".md")
        if figid and not SAFE_ID.match(figid):
            self.error("figid", f"{figid!r} may only contain letters, digits, '.', '_' and '-'")
            return ""
        if figid and figid != stem:
            self.error("figid", f"{figid!r} differs from the file name {stem!r}; rename one of them")
        return figid

    def year(self) -> str:
        year = self.text("year", numbers=True)
        if year and not re.fullmatch(r"\d{4}", year):
            self.error("year", f"expected a four-digit year, got {year!r}")
            return ""
        return year

    def organisms(self) -> tuple[str, ...]:
        # Older records hold one plain string, newer ones a list; 'NA' means unknown.
        return tuple(o for o in self.text_list("organisms", separator="|") if o != "NA")

    def redirects(self) -> tuple[str, ...]:
        paths = list(self.text_list("redirect_from"))
        alias = self.raw.get("figid_alias")
        if isinstance(alias, str) and alias.strip():
            paths.append("/figures/" + alias.strip())
        safe = []
        for path in dict.fromkeys(paths):
            if SAFE_REDIRECT.match(path) and ".." not in path.split("/"):
                safe.append(path.removesuffix(".html"))
            else:
                self.error("redirect_from", f"{path!r} is not a safe site path (expected /figures/NAME)")
        return tuple(safe)

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
        # OCR noise ('Me  Me  Me', '[O]') is not a gene symbol.
        return tuple(dict.fromkeys(k.strip() for k in keywords if isinstance(k, str) and GENE_SYMBOL.match(k.strip())))

    def genes(self, table: Table | None) -> tuple[GeneMention, ...]:
        if table is not None:
            return tuple(self.table_rows(table, ("word",), gene_from_row))
        return tuple(self.inline_rows("genes", inline_gene))

    def terms(self, kind: str, table: Table | None) -> tuple[TermMention, ...]:
        if table is not None:
            return tuple(self.table_rows(table, ("word",), term_from_row))
        return tuple(self.inline_rows(kind, inline_term))

    def inline_rows(self, key: str, convert: Callable[[dict], Any]) -> list[Any]:
        value = self.raw.get(key)
        if value is None or value == "" or value == []:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.error(key, "expected a list of mappings (word, symbol, ...)")
            return []
        rows = [convert({k: "" if v is None else str(v) for k, v in item.items()}) for item in value]
        return [row for row in rows if row is not None]

    def table_rows(self, table: Table, required: tuple[str, ...], convert: Callable[[dict], Any]) -> list[Any]:
        rows, problems = parse_table(table[1], table[0], required)
        self.errors.extend(problems)
        converted = [convert(row) for row in rows]
        return [row for row in converted if row is not None]


def parse_table(data: bytes, path: str, required: tuple[str, ...]) -> tuple[list[dict[str, str]], list[Problem]]:
    """A tab-separated table with a header row. Quotes are literal (OCR text has stray ones)."""
    text, problem = decode(data, path)
    if problem:
        return [], [problem]
    lines = text.split("\n")
    if not lines or not lines[0].strip():
        return [], [Problem(path, 1, "", "empty table: expected a header row")]
    header = [h.strip() for h in lines[0].split("\t")]
    missing = [column for column in required if column not in header]
    if missing:
        return [], [Problem(path, 1, "", f"missing column(s): {', '.join(missing)}")]
    rows, problems = [], []
    for number, fields in enumerate(csv.reader(lines[1:], delimiter="\t", quoting=csv.QUOTE_NONE), 2):
        if not fields or fields == [""]:
            continue
        if len(fields) != len(header):
            problems.append(Problem(path, number, "", f"expected {len(header)} columns as in the header, found {len(fields)}"))
            continue
        rows.append(dict(zip(header, (clean_cell(f) for f in fields))))
    return rows, problems


def clean_cell(value: str) -> str:
    value = value.strip()
    return "" if value == "NA" else value


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
    )


def inline_gene(item: dict[str, str]) -> GeneMention | None:
    symbol = item.get("hgnc_symbol") or item.get("symbol", "")
    return gene_from_row({"word": item.get("word", ""), "ncbigene_symbol": symbol,
                          "ncbigene_id": item.get("entrez", ""), "source": item.get("source", "")})


def term_from_row(row: dict[str, str]) -> TermMention | None:
    if not row.get("word"):
        return None
    return TermMention(
        word=row["word"],
        mesh=prefixed_id(row.get("mesh", ""), "mesh:", r"[CD]\d+"),
        name=row.get("name") or row.get("match", ""),
        chebi=prefixed_id(row.get("chebi", ""), "chebi:", r"\d+"),
        doid=prefixed_id(row.get("doid", ""), "doid:", r"\d+"),
    )


def inline_term(item: dict[str, str]) -> TermMention | None:
    is_mesh = item.get("source", "").upper() == "MESH"
    return term_from_row({"word": item.get("word", ""), "mesh": item.get("identifier", "") if is_mesh else ""})


def prefixed_id(value: str, prefix: str, pattern: str) -> str:
    value = value.removeprefix(prefix).removeprefix(prefix.upper())
    return value if re.fullmatch(pattern, value) else ""


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


def load_page(data: bytes, path: str) -> tuple[Page | None, list[Problem]]:
    """A markdown page; front matter (title, description) is optional."""
    text, problem = decode(data, path)
    if problem:
        return None, [problem]
    meta: dict[str, Any] = {}
    body = text
    if text.startswith("---\n"):
        front, body, problem = split_front_matter(text, path)
        raw, problem = (None, problem) if problem else load_yaml(front, path, first_line=2)
        if problem:
            return None, [problem]
        meta = raw if isinstance(raw, dict) else {}
    slug = path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".md")
    if not SAFE_ID.match(slug):
        return None, [Problem(path, 1, "", f"page name {slug!r} may only contain letters, digits, '.', '_' and '-'")]
    title = meta.get("title") if isinstance(meta.get("title"), str) else slug.replace("-", " ").title()
    description = meta.get("description") if isinstance(meta.get("description"), str) else ""
    return Page(slug=slug, title=title, description=description, body_html=render_markdown(body), source=path), []
