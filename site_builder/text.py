"""Small text helpers shared by loaders and renderers."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import ftfy

# Bytes of UTF-8 read as cp1252/latin-1 show up as these characters followed by another.
MOJIBAKE_HINT = re.compile("[ÂÃâÎÏ][\u0080-\u00bf\u2018-\u203a\u20ac\u2122\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]")


# C0 controls except tab and newline, DEL and C1 controls: never meaningful in a record; lone
# surrogates (from "\\ud800" escapes), U+FFFE and U+FFFF: not allowed in XML (feed.xml, sitemaps)
# nor encodable as UTF-8.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def remove_control_chars(text: str) -> str:
    """The text without the characters no output may hold (every text field goes through this)."""
    return CONTROL_CHARS.sub("", text) if not text.isprintable() else text


def without_control_chars(value: Any) -> Any:
    """A YAML value (text, lists, mappings) with remove_control_chars applied to every text in it."""
    if isinstance(value, str):
        return remove_control_chars(value)
    if isinstance(value, list):
        return [without_control_chars(item) for item in value]
    if isinstance(value, dict):
        return {without_control_chars(k): without_control_chars(v) for k, v in value.items()}
    return value


def removed_chars_message(text: str) -> str:
    """What remove_control_chars removed from text, for a warning."""
    found = sorted(set(CONTROL_CHARS.findall(text)))
    if all(unicodedata.category(c) == "Cc" for c in found):
        return "control characters removed"
    names = ", ".join(f"U+{ord(c):04X}" for c in found if unicodedata.category(c) != "Cc")
    return f"characters not allowed in XML removed ({names})"


def looks_like_mojibake(text: str) -> bool:
    return not text.isascii() and MOJIBAKE_HINT.search(text) is not None


def fix_mojibake(text: str) -> str:
    return ftfy.fix_text(text, normalization="NFC")


MAX_SLUG = 120  # file names may have 255 bytes; long names share a prefix, index.py numbers clashes


def slugify(name: str) -> str:
    """'Homo sapiens' -> 'homo-sapiens'; stable, ASCII, safe as a file name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_SLUG].strip("-")
    return slug or "x" + format(sum(map(ord, name)) % 10**6, "06d")


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # end at a word boundary unless that loses too much
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"
