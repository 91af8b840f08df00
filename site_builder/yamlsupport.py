"""YAML parsing: yaml_rs (Rust, YAML 1.2) first, PyYAML's C loader as fallback and for locations.

yaml_rs reads a record about 15x faster than PyYAML's C loader, and as YAML 1.2 it keeps `NO`,
`yes` or `off` as text (gene symbols such as NO stay symbols). Text it refuses goes to PyYAML,
which either reads it (as before) or reports the error with its line and column.
"""
from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from .model import Problem

try:
    import yaml_rs
except ImportError:  # optional speed-up
    yaml_rs = None

TOP_LEVEL_KEY = re.compile(r"^(['\"]?)([^\s'\"#:][^:]*?)\1:(?:\s|$)")
# libyaml recurses on the C stack per nesting level and crashes the process (SIGSEGV) beyond
# about 20,000 levels. Each level needs one of these characters (or deeper indentation, which
# grows the file quadratically), so text with fewer of them is safe; other text goes to the
# pure-Python parser, which raises RecursionError instead.
NESTING_CHARS = "[{-?"
SAFE_NESTING_BUDGET = 10_000
CONSTRUCTOR_FAILURES = (ValueError, TypeError, KeyError, IndexError, OverflowError)
CHECKED_TAGS = ("int", "float", "bool")  # the safe constructors that fail with plain Python errors on odd text


def _located(base: type) -> type:
    """A safe loader whose value errors (`!!int x`, `0x_`) say where they are; dates stay text."""

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    for tag in CHECKED_TAGS:
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", _checked(tag, base.yaml_constructors[f"tag:yaml.org,2002:{tag}"]))
    Loader.add_constructor("tag:yaml.org,2002:timestamp", base.construct_scalar)  # `year: 2023-05-01` is a string
    return Loader


def _checked(tag: str, construct: Any) -> Any:
    def construct_checked(loader: Any, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except CONSTRUCTOR_FAILURES as exc:
            raise ConstructorError(None, None, f"cannot read {tag} value: {exc}", node.start_mark) from None

    return construct_checked


FastLoader = _located(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
PythonLoader = _located(yaml.SafeLoader)
Loader = FastLoader  # the name earlier versions exported


def nesting_is_safe(text: str) -> bool:
    return sum(text.count(c) for c in NESTING_CHARS) < SAFE_NESTING_BUDGET


def load_yaml(text: str, path: str, first_line: int) -> tuple[Any, Problem | None]:
    """Parse YAML text that starts at line `first_line` of the file `path`."""
    safe_nesting = nesting_is_safe(text)
    if yaml_rs is not None and safe_nesting:
        value = fast_load(text)
        if value is not NOTHING:
            return value, None
    loader = FastLoader if safe_nesting else PythonLoader
    try:
        return yaml.load(text, Loader=loader), None
    except yaml.YAMLError as exc:
        return None, yaml_problem(exc, path, first_line)
    except RecursionError:
        return None, Problem(path, first_line, "", "invalid YAML: nested too deeply")


NOTHING = object()


def fast_load(text: str) -> Any:
    """The parsed value, or NOTHING when yaml_rs refuses the text (PyYAML then decides)."""
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except Exception:
        return NOTHING
    except BaseException as exc:  # a Rust panic surfaces as a BaseException subclass
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return NOTHING


def yaml_problem(exc: yaml.YAMLError, path: str, first_line: int) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = first_line + mark.line if mark else first_line
    column = mark.column + 1 if mark else 0
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {reason}" + (f" ({context})" if context else "")
    return Problem(path, line, "", message, column)


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
