"""A small link checker for built sites: on disk, or over HTTP as a browser would fetch them."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

EXTERNAL = ("http://", "https://", "mailto:", "data:", "javascript:")
REFRESH = re.compile(r"url=(.+)$", re.IGNORECASE)


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name])
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            match = REFRESH.search(values.get("content") or "")
            if match:
                self.links.append(match.group(1).strip())


def links_of(html: str) -> list[str]:
    parser = LinkParser()
    parser.feed(html)
    return [link for link in parser.links if not link.startswith(EXTERNAL) and not link.startswith("#")]


def resolve_on_disk(site: Path, page: Path, link: str) -> Path | None:
    """The file a relative or root-relative link points to, or None when it is missing."""
    path = unquote(urlsplit(link).path)
    if not path:
        return page
    target = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    candidates = [target / "index.html"] if path.endswith("/") else [target, target.with_name(target.name + ".html"), target / "index.html"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def broken_links_on_disk(site: Path, skip_root_relative_in: tuple[str, ...] = ("404.html",)) -> list[str]:
    broken = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        for link in links_of(page.read_text(encoding="utf-8")):
            if link.startswith("/") and rel in skip_root_relative_in:
                continue  # served at any depth; checked over HTTP instead
            if resolve_on_disk(site, page, link) is None:
                broken.append(f"{rel}: {link}")
    return broken


def crawl(prefix: str, start_urls: list[str], limit: int = 20000) -> tuple[set[str], list[str]]:
    """Follow every link under `prefix` from the start URLs over HTTP; return (visited, broken)."""
    queue, seen, broken = list(start_urls), set(start_urls), []
    while queue and len(seen) <= limit:
        url = queue.pop()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            broken.append(f"{url}: HTTP {exc.code}")
            continue
        if "html" not in kind:
            continue
        for link in links_of(body.decode("utf-8", "replace")):
            target = urljoin(url, link).split("#", 1)[0]
            if not target.startswith(prefix):
                broken.append(f"{url}: {link} leaves the site prefix {prefix}")
            elif target not in seen:
                seen.add(target)
                queue.append(target)
    return seen, broken
