"""YAML parsing: one set of rules for every record, whichever parser reads it.

The rules (YAML 1.2, core schema):
- text: a control character (C0 other than tab and line feed, DEL, C1) is an error at
  line:column; U+FFFE and U+FFFF (not allowed in XML) are dropped and U+2028/U+2029 (line
  breaks only in YAML 1.1) become spaces, with a warning;
- scalars: only true/True/TRUE/false/False/FALSE are booleans; ~, null, Null, NULL and nothing
  are null; integers are [-+]?[0-9]+, 0o[0-7]+ or 0x[0-9a-fA-F]+; floats as the core schema
  says; everything else is text (NO, yes, on, 1:20, 2023-05-01, 1_000, 0b1, +0x1);
- tags: only !!str, !!int, !!float, !!bool, !!null, !!seq, !!map (and `!`); others are errors;
- a mapping key is a scalar and appears once (a duplicate is an error at its line);
- nesting is at most MAX_DEPTH levels and aliases expand to at most MAX_NODES nodes;
- one document.

Two paths follow them. The careful path is PyYAML's event parser (libyaml when available)
under a Python composer and constructor that enforce every rule and locate every error. The
fast path, yaml_rs (Rust, ~15x faster than PyYAML's C loader), takes only text on which it
cannot depart from the rules (`fast_path_ok`), and its result is checked for depth and keys;
whatever it refuses or gets wrong goes to the careful path, which decides. yaml_rs aborts the
process on a Rust panic, so deeply nested text (the known trigger) never reaches it.
"""
from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, ScalarNode
from yaml.resolver import BaseResolver

from .model import Problem

try:
    import yaml_rs
except ImportError:  # optional speed-up: the careful path alone follows the same rules
    yaml_rs = None

try:
    from yaml._yaml import CParser as EventParser
except ImportError:  # PyYAML without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class EventParser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

MAX_DEPTH = 64  # nested mappings and lists; real records use 3
MAX_NODES = 1_000_000  # nodes after expanding aliases (yaml_rs's own limit on replayed events)
TOP_LEVEL_KEY = re.compile(r"^(['\"]?)([^\s'\"#:][^:]*?)\1:(?:\s|$)")
# yaml_rs parses deep nesting recursively; text with this many nesting characters goes to the
# careful path, which stops at MAX_DEPTH.
NESTING_CHARS = "[{-?"
SAFE_NESTING_BUDGET = 10_000

# --- the text ------------------------------------------------------------------------------
SPECIAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
# The same, quicker to rule out (str regexes scan at ~7 ns a character): C0 and DEL are single
# bytes in UTF-8, C1 is \xc2 followed by \x80-\x9f; the others are found by str's own search.
CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
REPLACEMENTS = {"\u2028": " ", "\u2029": " ", "\ufffe": "", "\uffff": ""}
CHAR_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 0x1B: "ESC", 0x7F: "DEL", 0x85: "NEL"}

# Text on which yaml_rs departs from the core schema or the other rules: tags (`!foo`, `!!set`,
# ignored or read differently), document markers and directives (several documents), numbers
# with underscores, binary, 0X/0O, signed hexadecimal or octal and .iNf/.NaN in mixed case
# (numbers for yaml_rs, text in the core schema). Such text takes the careful path. A search
# for the few characters these start with finds candidates; only their tokens are examined.
# One pattern per start character, each starting with a literal: re scans for those quickly.
CANDIDATES = tuple(re.compile(p) for p in (r"!", r"_[0-9a-fA-FxXoObB._+-]*(?=[\s,\]}#:]|\Z)", r"0[bBXOxo]", r"\.[iInN]"))
LAST_DELIMITER = re.compile(r".*[\s\[\]{},]", re.DOTALL)  # where the token holding a candidate starts
TOKEN_REST = re.compile(r"[^\s,\]}#:]*")  # the token's part from a candidate on
RISKY_TOKEN = re.compile(
    r"!.*|[-+]?(?:[0-9a-fA-FxXoObB.+-]*_[0-9a-fA-FxXoObB._+-]*|0[bBXO][0-9a-fA-F]*|(?<=[-+])0[xo][0-9a-fA-F]*"
    r"|\.(?!inf|Inf|INF|nan|NaN|NAN)(?i:inf|nan))",
    re.DOTALL,
)
DOCUMENT_MARKS = ("---", "...", "%")
DOCUMENT_MARK = re.compile(r"\n(?:---|\.\.\.|%)")
# yaml_rs joins JSON-style surrogate pairs ("\ud83d\ude00"), libyaml refuses any surrogate escape.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LOOK_BACK = 40  # numbers are shorter; a longer token is cut, which only makes the check stricter

CORE_BOOL = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
CORE_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
CORE_INT = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
CORE_FLOAT = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)


def nesting_is_safe(text: str) -> bool:
    return len(text) < SAFE_NESTING_BUDGET or sum(text.count(c) for c in NESTING_CHARS) < SAFE_NESTING_BUDGET


def fast_path_ok(text: str) -> bool:
    """True when yaml_rs reads the text exactly as the rules say (or refuses it)."""
    if not nesting_is_safe(text) or text.startswith(DOCUMENT_MARKS):
        return False
    if DOCUMENT_MARK.search(text) or SURROGATE_ESCAPE.search(text):
        return False
    for candidates in CANDIDATES:
        for match in candidates.finditer(text):
            position = match.start()
            start = max(0, position - LOOK_BACK)
            delimiter = LAST_DELIMITER.match(text, start, position)
            token = text[delimiter.end() if delimiter else start : position] + TOKEN_REST.match(text, position).group()
            if RISKY_TOKEN.fullmatch(token):
                return False
    return True


def check_text(text: str, path: str, first_line: int) -> tuple[str, list[Problem], list[Problem]]:
    """(cleaned text, errors, warnings) for the characters the rules refuse or replace: the
    first control character is an error; each kind of replaced character, one warning."""
    if not has_special_chars(text):
        return text, [], []
    errors: list[Problem] = []
    found: dict[str, tuple[int, int]] = {}  # character -> (line, column) of its first occurrence
    for match in SPECIAL_CHARS.finditer(text):
        char = match.group()
        if char in found or (errors and char not in REPLACEMENTS):
            continue
        line = first_line + text.count("\n", 0, match.start())
        column = match.start() - text.rfind("\n", 0, match.start())
        if char in REPLACEMENTS:
            found[char] = (line, column)
        else:
            errors.append(Problem(path, line, "", f"control character {char_name(char)} is not allowed", column))
    warnings = []
    for char, (line, column) in found.items():
        action = "replaced by a space (a line break only in YAML 1.1)" if REPLACEMENTS[char] else "removed (not allowed in XML)"
        count = text.count(char)
        warnings.append(Problem(path, line, "", f"{char_name(char)} {action}" + (f", {count} times" if count > 1 else ""), column))
        text = text.replace(char, REPLACEMENTS[char])
    return text, errors, warnings


def has_special_chars(text: str) -> bool:
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, CONTROL_BYTES)) != len(data):
        return True
    if text.isascii():
        return False
    return C1_UTF8.search(data) is not None or any(char in text for char in REPLACEMENTS)


def char_name(char: str) -> str:
    code = ord(char)
    name = CHAR_NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "")


# --- the careful path: PyYAML events under a composer and constructor that keep the rules ----


class CoreResolver(BaseResolver):
    """Implicit types of the YAML 1.2 core schema, nothing more."""


CoreResolver.yaml_implicit_resolvers = {}
for _tag, _regex, _first in (
    ("bool", CORE_BOOL, "tTfF"),
    ("int", CORE_INT, "-+0123456789"),
    ("float", CORE_FLOAT, "-+0123456789."),
    ("null", CORE_NULL, ["~", "n", "N", ""]),
):
    CoreResolver.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", _regex, list(_first))


class StrictComposer(Composer):
    """Composes nodes, refusing nesting deeper than MAX_DEPTH and alias expansions larger than MAX_NODES."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.deepest = 0
        self.nodes = 0
        self.shape: dict[str, tuple[int, int]] = {}  # anchor -> (height, nodes)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            height, nodes = self.shape.get(event.anchor, (0, 0))
            self.deeper(self.depth + height, event.start_mark)
            self.count(nodes, event.start_mark)
            return super().compose_node(parent, index)
        anchor = getattr(event, "anchor", None)
        self.anchors.pop(anchor, None)  # YAML 1.2 (and yaml_rs): an anchor may be redefined; aliases take the latest
        start_depth, start_nodes, outer_deepest = self.depth, self.nodes, self.deepest
        self.deepest = self.depth
        collection = isinstance(event, (MappingStartEvent, SequenceStartEvent))
        if collection:
            self.depth += 1
            self.deeper(self.depth, event.start_mark)
        self.count(1, event.start_mark)
        node = super().compose_node(parent, index)
        self.depth = start_depth
        if anchor is not None:
            self.shape[anchor] = (self.deepest - start_depth, self.nodes - start_nodes)
        self.deepest = max(outer_deepest, self.deepest)
        return node

    def deeper(self, depth: int, mark: Any) -> None:
        self.deepest = max(self.deepest, depth)
        if depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)

    def count(self, nodes: int, mark: Any) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            raise yaml.composer.ComposerError(None, None, f"aliases expand to more than {MAX_NODES:,} values", mark)


class StrictConstructor(SafeConstructor):
    """Core-schema values; scalar keys, each once; unknown tags are errors."""

    yaml_constructors: dict = {}

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:  # no `<<` merge in YAML 1.2
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, f"expected a mapping, found {node.id}", node.start_mark)
        mapping: dict = {}
        lines: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(None, None, "a key must be a plain value, not a list or mapping", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                raise ConstructorError(
                    None, None, f"duplicate key {shorten(repr(key))} (first on line {lines[key]})", key_node.start_mark
                )
            lines[key] = key_node.start_mark.line + self.first_line
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_map(self, node: MappingNode) -> Any:
        data: dict = {}
        yield data
        data.update(self.construct_mapping(node))

    def construct_checked(self, node: Any, kind: str, pattern: re.Pattern[str]) -> str:
        value = self.construct_scalar(node)
        if not pattern.match(value):
            raise ConstructorError(None, None, f"cannot read {kind} value: {shorten(repr(value))} is not a YAML 1.2 {kind}", node.start_mark)
        return value

    def construct_core_int(self, node: ScalarNode) -> int:
        value = self.construct_checked(node, "int", CORE_INT)
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value, 10)

    def construct_core_float(self, node: ScalarNode) -> float:
        value = self.construct_checked(node, "float", CORE_FLOAT)
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return float("-inf") if value.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)

    def construct_core_bool(self, node: ScalarNode) -> bool:
        return self.construct_checked(node, "bool", CORE_BOOL).lower() == "true"

    def construct_core_null(self, node: ScalarNode) -> None:
        self.construct_checked(node, "null", CORE_NULL)
        return None

    def construct_unknown(self, node: Any) -> Any:
        raise ConstructorError(None, None, f"unknown tag {node.tag!r} (only !!str, !!int, !!float, !!bool, !!null, !!seq and !!map)", node.start_mark)


for _tag, _construct in (
    ("str", SafeConstructor.construct_yaml_str),
    ("seq", SafeConstructor.construct_yaml_seq),
    ("map", StrictConstructor.construct_yaml_map),
    ("int", StrictConstructor.construct_core_int),
    ("float", StrictConstructor.construct_core_float),
    ("bool", StrictConstructor.construct_core_bool),
    ("null", StrictConstructor.construct_core_null),
):
    StrictConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct)
StrictConstructor.add_constructor(None, StrictConstructor.construct_unknown)


class StrictLoader(StrictComposer, EventParser, StrictConstructor, CoreResolver):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str, first_line: int = 1):
        EventParser.__init__(self, stream)
        StrictComposer.__init__(self)
        StrictConstructor.__init__(self)
        CoreResolver.__init__(self)
        self.first_line = first_line


Loader = StrictLoader  # the name earlier versions exported


def careful_load(text: str, first_line: int = 1) -> Any:
    """The value of the text under the rules; raises yaml.YAMLError (located) or RecursionError."""
    loader = StrictLoader(text, first_line)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# --- the fast path ----------------------------------------------------------------------------
NOTHING = object()
CONTAINERS = (dict, list)


def fast_load(text: str) -> Any:
    """yaml_rs's value when it reads the text within the rules, else NOTHING (the careful path decides)."""
    try:
        value = yaml_rs.loads(text, parse_datetime=False)
    except Exception:
        return NOTHING
    except BaseException as exc:  # a Rust panic surfaces as a BaseException subclass
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return NOTHING
    return value if within_rules(value) else NOTHING


def within_rules(value: Any) -> bool:
    """Nesting within MAX_DEPTH and only scalar keys (yaml_rs makes tuples of list keys)."""
    if type(value) not in CONTAINERS:
        return True
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if type(node) is dict:
            for key in node:
                if type(key) not in (str, int, float, bool, type(None)):
                    return False
            children = node.values()
        else:
            children = node
        stack += [(child, depth + 1) for child in children if type(child) in CONTAINERS]
    return True


def load_yaml(text: str, path: str, first_line: int) -> tuple[Any, Problem | None]:
    """Parse YAML text that starts at line `first_line` of the file `path` (one problem at most)."""
    value, errors, _ = parse_yaml(text, path, first_line)
    return value, errors[0] if errors else None


def parse_yaml(text: str, path: str, first_line: int) -> tuple[Any, list[Problem], list[Problem]]:
    """(value, errors, warnings) of YAML text that starts at line `first_line` of `path`."""
    text, errors, warnings = check_text(text, path, first_line)
    if errors:
        return None, errors, warnings
    if yaml_rs is not None and fast_path_ok(text):
        value = fast_load(text)
        if value is not NOTHING:
            return value, [], warnings
    try:
        return careful_load(text, first_line), [], warnings
    except yaml.YAMLError as exc:
        return None, [yaml_problem(exc, path, first_line)], warnings
    except RecursionError:  # not expected within MAX_DEPTH; a record must never stop the build
        return None, [Problem(path, first_line, "", "invalid YAML: nested too deeply")], warnings


def yaml_problem(exc: yaml.YAMLError, path: str, first_line: int) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = first_line + mark.line if mark else first_line
    column = mark.column + 1 if mark else 0
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {reason}" + (f" ({context})" if context else "")
    return Problem(path, line, "", message, column)


def shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def key_lines(text: str, first_line: int = 1) -> dict[str, int]:
    """Line number of each top-level key. Only needed when reporting a problem."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), first_line):
        match = TOP_LEVEL_KEY.match(line)
        if match:
            lines.setdefault(match.group(2), number)
    return lines


def key_line(text: str, key: str, first_line: int = 1) -> int:
    """Line of one top-level key (0 if absent); a single regex search, cheap enough for every record."""
    match = re.search(rf"^(['\"]?){re.escape(key)}\1:(?:\s|$)", text, re.MULTILINE)
    return first_line + text.count("\n", 0, match.start()) if match else 0


def item_line(text: str, key: str, index: int, first_line: int = 1) -> int:
    """Best-effort line of the index-th list item under a top-level key."""
    start = key_lines(text, first_line).get(key)
    if start is None:
        return 0
    rows = text.splitlines()[start - first_line + 1 :]
    seen = -1
    for offset, row in enumerate(rows, 1):
        if row and not row[0].isspace() and not row.startswith("-"):
            break
        if row.lstrip().startswith("- ") and (row.startswith("-") or row.startswith("  -")):
            seen += 1
            if seen == index:
                return start + offset
    return start
