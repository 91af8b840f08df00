"""Charts drawn at build time as inline SVG: no JavaScript needed to read them."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from .model import Listing, SiteIndex

BAR_HEIGHT = 22
LABEL_WIDTH = 190
CHART_WIDTH = 640


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    svg: Markup
    rows: tuple[tuple[str, str, int], ...]  # (label, href, value), also shown as a table


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, str, int]], root: str = "") -> Chart:
    """Horizontal bars, one per row; each label links to its listing page."""
    top = max((value for _, _, value in rows), default=1) or 1
    bar_space = CHART_WIDTH - LABEL_WIDTH - 60
    height = BAR_HEIGHT * len(rows) + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-labelledby="{chart_id}-t">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
    ]
    for number, (label, href, value) in enumerate(rows):
        y = number * BAR_HEIGHT + 2
        width = max(1, round(bar_space * value / top))
        text = escape(label if len(label) <= 28 else label[:27] + "…")
        parts.append(
            f'<a href="{escape(root + href)}"><text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{text}</text></a>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}" rx="2"/>'
            f'<text x="{LABEL_WIDTH + width + 5}" y="{y + 15}" class="v">{value}</text>'
        )
    parts.append("</svg>")
    return Chart(chart_id, title, Markup("".join(parts)), tuple(rows))


def top(listings: tuple[Listing, ...], kind: str, count: int) -> list[tuple[str, str, int]]:
    ranked = sorted(listings, key=lambda l: (-len(l.figids), l.key))[:count]
    return [(l.key, f"{kind}/{l.slug}.html", len(l.figids)) for l in ranked]


def statistics_charts(index: SiteIndex, root: str = "") -> list[Chart]:
    years = sorted(index.years, key=lambda l: l.key)
    return [
        bar_chart("c-years", "Figures per year", [(l.key, f"years/{l.slug}.html", len(l.figids)) for l in years], root),
        bar_chart("c-org", "Top organisms", top(index.organisms, "organisms", 15), root),
        bar_chart("c-genes", "Most-mentioned genes", top(index.genes, "genes", 20), root),
        bar_chart("c-jour", "Top journals", top(index.journals, "journals", 15), root),
    ]


def headline_counts(index: SiteIndex) -> list[tuple[str, int]]:
    mentions = sum(len(f.symbols) for f in index.figures.values())
    return [
        ("figures", len(index.figures)),
        ("organisms", len(index.organisms)),
        ("gene symbols", len(index.genes)),
        ("gene mentions", mentions),
        ("journals", len(index.journals)),
        ("years", len(index.years)),
    ]
