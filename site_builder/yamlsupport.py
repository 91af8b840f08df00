"""YAML parsing with the C loader when available, and locations for error messages."""
from __future__ import annotations

import re
from typing import Any

import yaml

from .model import Problem

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TOP_LEVEL_KEY = re.compile(r"^(['\"]?)([^\s'\"#:][^:]*?)\1:(?:\s|$)")


def load_yaml(text: str, path: str, first_line: int) -> tuple[Any, Problem | None]:
    """Parse YAML text that starts at line `first_line` of the file `path`."""
    try:
        return yaml.load(text, Loader=Loader), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + mark.line if mark else first_line
        column = mark.column + 1 if mark else 0
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {reason}" + (f" ({context})" if context else "")
        return None, Problem(path, line, "", message, column)


def key_lines(text: str, first_line: int = 1) -> dict[str, int]:
    """Line number of each top-level key. Only needed when reporting a problem."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), first_line):
        match = TOP_LEVEL_KEY.match(line)
        if match:
            lines.setdefault(match.group(2), number)
    return lines


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
