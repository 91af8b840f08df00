"""Charts drawn at build time as inline SVG: no JavaScript needed to read them.

The SVG carries geometry only; colours come from the site's CSS (`.chart` rules use
currentColor and CSS variables), so charts follow the light and dark colour schemes.
Widths are percentages and text is not scaled, so a chart stays legible from a 360 px phone
to a wide screen without a viewBox.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from math import ceil

from markupsafe import Markup

from .model import Listing, SiteIndex

ROW_HEIGHT = 34  # bar charts: a label line, then the bar
BAR_THICKNESS = 8
LABEL_CHARS = 34  # longer labels are cut (the full name is the link's tooltip)
MAX_AXIS_LABELS = 6  # column charts label at most this many columns (fits a phone)


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    svg: Markup
    rows: tuple[tuple[str, str, int], ...]  # (label, href, value); href may be ""
    note: str = ""  # one line under the title, e.g. "15 of 212 organisms"


def short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, str, int]], root: str = "", *, italic: bool = False, note: str = "") -> Chart:
    """Horizontal bars, one per row: the label (a link to its listing) and value above the bar."""
    top_value = max((value for _, _, value in rows), default=1) or 1
    height = ROW_HEIGHT * len(rows)
    parts = [
        f'<svg class="chart bars{" sp" if italic else ""}" width="100%" height="{height}" aria-labelledby="{chart_id}-t">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
    ]
    for number, (label, href, value) in enumerate(rows):
        y = number * ROW_HEIGHT
        width = max(0.5, 100 * value / top_value)
        text = escape(short(label))
        tip = f"<title>{escape(label)}</title>" if short(label) != label else ""
        name = f'<text class="l" x="0" y="{y + 15}">{text}</text>'
        if href:
            name = f'<a href="{escape(root + href)}">{tip}{name}</a>'
        parts.append(
            name
            + f'<text class="v" x="100%" y="{y + 15}" text-anchor="end">{value:,}</text>'
            + f'<rect class="tr" x="0" y="{y + 21}" width="100%" height="{BAR_THICKNESS}" rx="4"/>'
            + f'<rect class="b" x="0" y="{y + 21}" width="{width:.2f}%" height="{BAR_THICKNESS}" rx="4"/>'
        )
    parts.append("</svg>")
    return Chart(chart_id, title, Markup("".join(parts)), tuple(rows), note)


def column_chart(chart_id: str, title: str, rows: list[tuple[str, str, int]], root: str = "", *, height: int = 180, unit: str = "figures", note: str = "") -> Chart:
    """Vertical columns in order (a time series): a value label on each column (hidden by CSS on
    narrow screens when there are many), axis labels for at most MAX_AXIS_LABELS columns
    (always the last), and a tooltip on each."""
    count = len(rows)
    top_value = max((value for _, _, value in rows), default=1) or 1
    slot = 100 / max(count, 1)
    bar = slot * (0.7 if count > 3 else 0.45)
    many = count > 12  # value labels would crowd a phone: CSS hides them on narrow screens
    plot_top, plot_bottom = 18, height - 22
    plot = plot_bottom - plot_top
    every = max(1, ceil(count / MAX_AXIS_LABELS))
    parts = [
        f'<svg class="chart cols{" many" if many else ""}" width="100%" height="{height}" aria-labelledby="{chart_id}-t">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<line class="ax" x1="0" x2="100%" y1="{plot_bottom + 0.5}" y2="{plot_bottom + 0.5}"/>'
    ]
    for number, (label, href, value) in enumerate(rows):
        middle = (number + 0.5) * slot
        bar_height = round(plot * value / top_value, 1)
        column = (
            f"<title>{escape(label)}: {value:,} {escape(unit if value != 1 else unit.removesuffix('s'))}</title>"
            f'<rect class="b" x="{middle - bar / 2:.3f}%" y="{plot_bottom - bar_height}" width="{bar:.3f}%" height="{bar_height}" rx="2"/>'
        )
        if href and value:
            column = f'<a href="{escape(root + href)}">{column}</a>'
        parts.append(column)
        if value:
            parts.append(f'<text class="v" x="{middle:.3f}%" y="{plot_bottom - bar_height - 5}" text-anchor="middle">{value:,}</text>')
        if (count - 1 - number) % every == 0:
            parts.append(f'<text class="l" x="{middle:.3f}%" y="{height - 5}" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Chart(chart_id, title, Markup("".join(parts)), tuple(rows), note)


def year_rows(index: SiteIndex) -> list[tuple[str, str, int]]:
    """One row per year from the first to the last, gaps included (as 0) for an honest axis."""
    found = {l.key: l for l in index.years if l.key.isdigit()}
    if not found:
        return []
    first, last = min(map(int, found)), max(map(int, found))
    rows = []
    for year in range(first, last + 1):
        listing = found.get(str(year))
        rows.append((str(year), f"years/{listing.slug}.html" if listing else "", len(listing.figids) if listing else 0))
    return rows


def years_chart(index: SiteIndex, chart_id: str = "c-years", title: str = "Figures per year", root: str = "", height: int = 180) -> Chart:
    rows = year_rows(index)
    note = f"{rows[0][0]}–{rows[-1][0]}, by the year the paper was published" if rows else ""
    return column_chart(chart_id, title, rows, root, height=height, note=note)


def top(listings: tuple[Listing, ...], kind: str, count: int) -> list[tuple[str, str, int]]:
    ranked = sorted(listings, key=lambda l: (-len(l.figids), l.key))[:count]
    return [(l.key, f"{kind}/{l.slug}.html", len(l.figids)) for l in ranked]


def top_note(shown: int, total: int, noun: str) -> str:
    return f"All {total:,} {noun}, by number of figures" if shown >= total else f"Top {shown} of {total:,} {noun}, by number of figures"


def statistics_charts(index: SiteIndex, root: str = "") -> list[Chart]:
    organisms, genes, journals = top(index.organisms, "organisms", 15), top(index.genes, "genes", 20), top(index.journals, "journals", 15)
    return [
        years_chart(index, root=root),
        bar_chart("c-org", "Top organisms", organisms, root, italic=True, note=top_note(len(organisms), len(index.organisms), "organisms")),
        bar_chart("c-genes", "Most-mentioned genes", genes, root, note=top_note(len(genes), len(index.genes), "gene symbols")),
        bar_chart("c-jour", "Top journals", journals, root, note=top_note(len(journals), len(index.journals), "journals")),
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
