"""Markdown to HTML for curator notes and pages. Raw HTML is escaped, unsafe links dropped."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|/|\.|[A-Za-z0-9_-]+(?:[./#?]|$))", re.IGNORECASE)


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


class SafeMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(SafeLinks(md), "safe_links", 0)


_converter = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", SafeMarkdown()])


def render_markdown(text: str) -> str:
    return _converter.reset().convert(text)
