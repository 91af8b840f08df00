"""index.py: cross-record views built once: newest first, organisms, genes, years, journals."""
from __future__ import annotations

from site_builder.index import build_index, listings_named, redirect_file
from site_builder.model import newest_first_key
from site_builder.model import Figure, GeneMention, Page


def fig(figid: str, year: str = "2020", **more) -> Figure:
    values = {"title": f"Title {figid}", "source": f"figures/{figid}.md", "pmcid": figid.split("__")[0], **more}
    return Figure(figid=figid, year=year, **values)


def test_newest_first_by_year_then_pmc_number_then_figid() -> None:
    figures = [fig("PMC9__a", "2019"), fig("PMC10__b", "2021"), fig("PMC2__c", "2021"), fig("PMC10__a", "2021"), fig("PMC5__x", "")]
    index, problems = build_index(figures)
    assert problems == []
    assert index.newest_first == ("PMC10__a", "PMC10__b", "PMC2__c", "PMC9__a", "PMC5__x")


def test_sort_key_survives_odd_identifiers() -> None:
    assert newest_first_key("", "PMC²", "figures/x.html") == (0, "", 0, "figures/x.html")
    assert newest_first_key("2021", "PMC12", "u") == (-2021, "2021", -12, "u")


def test_organism_listings_skip_unknown_and_keep_newest_first() -> None:
    figures = [
        fig("PMC1__a", "2001", organisms=("Homo sapiens", "NA")),
        fig("PMC2__b", "2022", organisms=("Mus musculus", "Homo sapiens")),
        fig("PMC3__c", "2010", organisms=()),
    ]
    index, _ = build_index(figures)
    assert [(o.key, o.slug, o.figids) for o in index.organisms] == [
        ("Homo sapiens", "homo-sapiens", ("PMC2__b", "PMC1__a")),
        ("Mus musculus", "mus-musculus", ("PMC2__b",)),
    ]


def test_gene_listings_from_tables_or_keywords() -> None:
    figures = [
        fig("PMC1__a", "2001", genes=(GeneMention("p53", "TP53", "7157"), GeneMention("AKT", "AKT1", "207"))),
        fig("PMC2__b", "2002", gene_symbols=("TP53", "EGFR")),
    ]
    index, _ = build_index(figures)
    assert [(g.key, g.slug, g.figids) for g in index.genes] == [
        ("AKT1", "AKT1", ("PMC1__a",)),
        ("EGFR", "EGFR", ("PMC2__b",)),
        ("TP53", "TP53", ("PMC2__b", "PMC1__a")),
    ]


def test_year_listings_newest_year_first() -> None:
    index, _ = build_index([fig("PMC1__a", "2001"), fig("PMC2__b", "2022"), fig("PMC3__c", "2001"), fig("PMC4__d", "")])
    assert [(y.key, y.slug, y.figids) for y in index.years] == [("2022", "2022", ("PMC2__b",)), ("2001", "2001", ("PMC3__c", "PMC1__a"))]


def test_journal_listings_with_colliding_slugs_get_suffixes() -> None:
    figures = [fig("PMC1__a", journal_title="Cell"), fig("PMC2__b", journal_title="CELL"), fig("PMC3__c", journal_title="Index")]
    index, _ = build_index(figures)
    assert [(j.key, j.slug) for j in index.journals] == [("CELL", "cell"), ("Cell", "cell-2"), ("Index", "index-2")]


def test_listings_sorted_case_insensitively() -> None:
    figures = [fig("PMC1__a", organisms=("zebrafish",)), fig("PMC2__b", organisms=("Arabidopsis thaliana",))]
    index, _ = build_index(figures)
    assert [o.key for o in index.organisms] == ["Arabidopsis thaliana", "zebrafish"]


def test_duplicate_figid_keeps_the_first_and_reports_the_second() -> None:
    first = fig("PMC1__a", title="first")
    second = fig("PMC1__a", title="second", source="_figures/PMC1__a.md", lines=(("figid", 7),))
    index, problems = build_index([first, second])
    assert index.figures["PMC1__a"].title == "first"
    assert [str(p) for p in problems] == ["_figures/PMC1__a.md:7: figid: duplicate figid 'PMC1__a', also in figures/PMC1__a.md"]


def test_redirects_are_sorted_and_point_at_their_figure() -> None:
    figures = [fig("PMC1__a", redirect_from=("/figures/PMC1__F2",)), fig("PMC2__b", redirect_from=("/figures/PMC2__F1", "/old/b"))]
    index, problems = build_index(figures)
    assert problems == []
    assert index.redirects == (("/figures/PMC1__F2", "PMC1__a"), ("/figures/PMC2__F1", "PMC2__b"), ("/old/b", "PMC2__b"))


def test_redirect_collisions_report_the_line_of_the_field() -> None:
    figures = [
        fig("PMC1__a", "2022", redirect_from=("/figures/OLD",)),
        fig("PMC2__b", "2021", redirect_from=("/figures/OLD", "/figures/PMC1__a"), lines=(("redirect_from", 9),)),
    ]
    index, problems = build_index(figures)
    assert index.redirects == (("/figures/OLD", "PMC1__a"),)
    assert [str(p) for p in problems] == [
        "figures/PMC2__b.md:9: redirect_from: '/figures/OLD' is also claimed by figures/PMC1__a.md",
        "figures/PMC2__b.md:9: redirect_from: '/figures/PMC1__a' is the page of figure 'PMC1__a'",
    ]


def test_pages_sorted_and_builtin_names_refused() -> None:
    pages = [Page("zeta", "Z", "", ""), Page("search", "S", "", "", source="pages/search.md"), Page("about", "A", "", "")]
    index, problems = build_index([], pages)
    assert [p.slug for p in index.pages] == ["about", "search", "zeta"]
    assert [str(p) for p in problems] == ["pages/search.md:1: page name 'search' is taken by a built-in page; rename the file"]


def test_figid_index_would_overwrite_the_figure_list() -> None:
    index, problems = build_index([fig("index", lines=(("figid", 2),))])
    assert index.figures == {}
    assert [str(p) for p in problems] == [
        "figures/index.md:2: figid: figid 'index' is taken by the page listing all figures; rename the record"
    ]


# --- names that differ only in case (one file on macOS and Windows) ------------------------------
def test_figids_differing_only_in_case_are_an_error_naming_both_files() -> None:
    first = fig("PMC1__ga1", title="first")
    second = fig("PMC1__GA1", title="second", source="figures/PMC1__GA1.md", lines=(("figid", 2),))
    index, problems = build_index([first, second])
    assert list(index.figures) == ["PMC1__ga1"]  # figure URLs are stable: neither is renamed
    assert [str(p) for p in problems] == [
        "figures/PMC1__GA1.md:2: figid: figid 'PMC1__GA1' differs only in case from 'PMC1__ga1' in figures/PMC1__ga1.md: "
        "their pages would be one file on case-insensitive file systems (macOS, Windows); rename one record"
    ]


def test_figid_index_in_another_case_would_overwrite_the_figure_list() -> None:
    index, problems = build_index([fig("Index")])
    assert index.figures == {} and "taken by the page listing all figures" in str(problems[0])


def test_alias_in_another_case_than_its_own_figid_redirects_from_a_folder() -> None:
    """Graphical abstracts: figid 'PMC1__ga1', alias (number) 'GA1'. As figures/PMC1__GA1.html the
    redirect would replace the figure's page on macOS and Windows; as a folder's index it does not."""
    index, problems = build_index([fig("PMC1__ga1", figid_alias="PMC1__GA1", redirect_from=("/figures/PMC1__GA1",))])
    assert problems == [] and index.redirects == (("/figures/PMC1__GA1", "PMC1__ga1"),)
    assert redirect_file("/figures/PMC1__GA1", "PMC1__ga1") == "figures/PMC1__GA1/index.html"
    assert redirect_file("/figures/PMC1__F3", "PMC1__ga1") == "figures/PMC1__F3.html"


def test_redirects_differing_only_in_case_clash() -> None:
    figures = [
        fig("PMC1__a", "2022", redirect_from=("/figures/OLD",)),
        fig("PMC2__b", "2021", redirect_from=("/figures/old", "/figures/pmc1__A", "/Genes/x", "/SEARCH"), lines=(("redirect_from", 9),)),
    ]
    index, problems = build_index(figures)
    assert index.redirects == (("/figures/OLD", "PMC1__a"),)
    assert [str(p) for p in problems] == [
        "figures/PMC2__b.md:9: redirect_from: '/figures/old' differs only in case from '/figures/OLD', claimed by figures/PMC1__a.md (one file on macOS and Windows)",
        "figures/PMC2__b.md:9: redirect_from: '/figures/pmc1__A' is the page of figure 'PMC1__a' (file names differing only in case are one file on macOS and Windows)",
        "figures/PMC2__b.md:9: redirect_from: '/Genes/x' is inside genes/, which the site generates",
        "figures/PMC2__b.md:9: redirect_from: '/SEARCH' is the site page search.html",
    ]


def test_content_pages_differing_only_in_case_clash() -> None:
    pages = [Page("About", "A", "", "", source="pages/About.md"), Page("about", "a", "", "", source="pages/about.md"),
             Page("Downloads", "D", "", "", source="pages/Downloads.md")]
    _, problems = build_index([], pages)
    assert [str(p) for p in problems] == [
        "pages/Downloads.md:1: page name 'Downloads' is taken by a built-in page; rename the file",
        "pages/about.md:1: page name 'about' differs only in case from 'About' (pages/About.md): one file on macOS and Windows; rename one",
    ]
    _, problems = build_index([fig("PMC1__a", redirect_from=("/ABOUT",))], pages[1:2])
    assert [p.message for p in problems] == ["'/ABOUT' is the site page about.html"]


def test_organism_and_journal_slugs_stay_distinct_in_any_case() -> None:
    figures = [fig("PMC1__a", journal_title="Cell", organisms=("Index",)), fig("PMC2__b", journal_title="CELL")]
    index, _ = build_index(figures)
    assert [j.slug for j in index.journals] == ["cell", "cell-2"]
    assert [o.slug for o in index.organisms] == ["index-2"]


def test_gene_pages_are_named_by_the_symbol_in_capitals_and_its_lower_case_letters() -> None:
    index, _ = build_index([fig("PMC1__a", gene_symbols=("TNF", "Tnf", "ctnnb1", "INDEX"))])
    assert [(g.key, g.slug) for g in index.genes] == [("ctnnb1", "CTNNB1~1-5"), ("INDEX", "INDEX~0"), ("TNF", "TNF"), ("Tnf", "TNF~2-3")]


def test_listings_named_finds_listings_by_binary_search_in_name_order() -> None:
    figures = [Figure("PMC1__a", "A", gene_symbols=("Il6", "IL6", "iL6", "Tp53", "a:b")),
               Figure("PMC2__b", "B", gene_symbols=("IL6", "ZZZ"))]
    index, _ = build_index(figures)
    assert [l.key for l in listings_named(index.genes, {"IL6", "a:b", "ZZZ", "missing", "il6"})] == ["a:b", "IL6", "ZZZ"]
    keys = {"Il6", "iL6", "Tp53", "ZZZ"}
    assert listings_named(index.genes, keys) == [listing for listing in index.genes if listing.key in keys]
    assert listings_named(index.genes, ()) == []
