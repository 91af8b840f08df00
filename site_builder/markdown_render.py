"""Markdown to HTML for curator notes and pages. Raw HTML is escaped, unsafe links dropped."""
from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|/|\.|[A-Za-z0-9_-]+(?:[./#?]|$))", re.IGNORECASE)

SIMPLE_LINK = re.compile(r"\[[^\[\]\n]*\]\([^()\s]*\)")
# Python-Markdown's time grows with (number of '[' not in a simple link) x (text length): 900 of
# them in 100 kB take 35 s. Text past these limits is shown as plain paragraphs instead; real
# curator notes are far below them.
MAX_LENGTH = 100_000
MAX_BRACKET_WORK = 2_000_000
MAX_DEPTH = 100  # nested elements (lists in lists, quotes in quotes)


class SafeLinks(Treeprocessor):
    """Drop href/src values whose scheme could run code (javascript:, data:, vbscript:)."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not SAFE_URL.match(value.strip()):
                    element.set(attribute, "#")
            if element.tag == "a" and (element.get("href") or "").startswith("http"):
                element.set("rel", "nofollow noopener")


class TooDeep(Exception):
    """The document nests elements more than MAX_DEPTH deep."""


class DepthLimit(Treeprocessor):
    """Refuse a tree deeper than MAX_DEPTH. Python-Markdown before 3.11 raised RecursionError on
    such text; 3.11 renders it, and no note or page needs thousands of nested lists."""

    def run(self, root: etree.Element) -> None:
        level = [root]
        for _ in range(MAX_DEPTH + 1):
            level = [child for element in level for child in element]
            if not level:
                return
        raise TooDeep


class SafeMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(SafeLinks(md), "safe_links", 0)
        md.treeprocessors.register(DepthLimit(md), "depth_limit", 100)  # blocks (lists, quotes), before inline parsing recurses
        md.treeprocessors.register(DepthLimit(md), "inline_depth_limit", 15)  # then emphasis and links, after it


_local = threading.local()  # a Markdown instance keeps state while converting: one per thread


def converter() -> markdown.Markdown:
    if not hasattr(_local, "converter"):
        _local.converter = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", SafeMarkdown()])
    return _local.converter


def render_markdown(text: str) -> str:
    return render_markdown_safely(text)[0]



def too_costly(text: str) -> bool:
    if len(text) > MAX_LENGTH:
        return True
    loose_brackets = text.count("[") - len(SIMPLE_LINK.findall(text)) if "[" in text else 0
    return loose_brackets * len(text) > MAX_BRACKET_WORK


def render_markdown_safely(text: str) -> tuple[str, str]:
    """(HTML, problem): markdown too long, too bracket-heavy or too deeply nested is shown as plain paragraphs."""
    if too_costly(text):
        return plain_html(text), f"markdown too long or with too many '[' to render (limit {MAX_LENGTH:,} characters); shown as plain text"
    try:
        return converter().reset().convert(text), ""
    except (RecursionError, TooDeep):
        _local.__dict__.pop("converter", None)  # its state is unknown after the failure
        return plain_html(text), "markdown nested too deeply to render; shown as plain text"


def plain_html(text: str) -> str:
    paragraphs = (p.strip() for p in text.split("\n\n"))
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
