"""Search-engine files: sitemaps (split at 50,000 URLs), robots.txt and an Atom feed."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Iterator
from xml.sax.saxutils import escape

from .config import SiteConfig
from .model import SiteIndex

SITEMAP_LIMIT = 50_000
QUOTES = {'"': "&quot;"}
FEED_SIZE = 50


def site_urls(index: SiteIndex) -> Iterator[str]:
    """Site-relative URLs of every indexable page (no redirects, no 404)."""
    yield ""
    for path in ("figures/", "organisms/", "genes/", "years/", "journals/", "search.html", "downloads.html", "statistics.html",
                 "json/", "browse/wikipathways.html", "browse/ndex.html"):
        yield path
    for page in index.pages:
        yield f"{page.slug}.html"
    for kind, listings in (("organisms", index.organisms), ("genes", index.genes), ("years", index.years), ("journals", index.journals)):
        for listing in listings:
            yield f"{kind}/{listing.slug}.html"
    for figid in index.newest_first:
        yield f"figures/{figid}.html"


def sitemaps(index: SiteIndex, config: SiteConfig, limit: int = SITEMAP_LIMIT) -> Iterator[tuple[str, str]]:
    """sitemap.xml is an index of sitemap-N.xml files of at most `limit` URLs each."""
    urls = list(site_urls(index))
    names = []
    for number, start in enumerate(range(0, len(urls), limit), 1):
        name = f"sitemap-{number}.xml"
        names.append(name)
        body = "".join(f"<url><loc>{escape(config.site_url + u)}</loc></url>\n" for u in urls[start : start + limit])
        yield name, f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n'
    entries = "".join(f"<sitemap><loc>{escape(config.site_url + n)}</loc></sitemap>\n" for n in names)
    yield "sitemap.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>\n'


def robots(config: SiteConfig) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.site_url}sitemap.xml\n"


def source_date() -> str:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) as an Atom date, or '' when unset or invalid."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not (epoch.isascii() and epoch.isdigit()):
        return ""
    try:
        return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def build_time(index: SiteIndex) -> str:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the newest figure's year."""
    years = [y.key for y in index.years]
    return source_date() or year_time(max(years) if years else "1970")


def year_time(year: str) -> str:
    return f"{year or '1970'}-01-01T00:00:00Z"


def entry_time(year: str, updated: str) -> str:
    """An entry's date: its paper's year, never later than the feed (SOURCE_DATE_EPOCH clamps)."""
    return min(year_time(year), updated)


def atom_feed(index: SiteIndex, config: SiteConfig) -> str:
    updated = build_time(index)
    entries = []
    for figid in index.newest_first[:FEED_SIZE]:
        figure = index.figures[figid]
        url = escape(config.site_url + figure.url, QUOTES)
        summary = escape(figure.caption_start)
        entries.append(
            f"<entry><title>{escape(figure.title)}</title><link href=\"{url}\"/><id>{url}</id>"
            f"<updated>{entry_time(figure.year, updated)}</updated><summary>{summary}</summary></entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<title>{escape(config.title)}: newest figures</title>\n"
        f'<link href="{escape(config.site_url, QUOTES)}"/>\n<link rel="self" href="{escape(config.site_url, QUOTES)}feed.xml"/>\n'
        f"<id>{escape(config.site_url)}</id>\n<updated>{updated}</updated>\n"
        f"<author><name>{escape(config.creator)}</name></author>\n{''.join(entries)}</feed>\n"
    )
