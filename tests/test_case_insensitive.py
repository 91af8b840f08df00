"""No two output paths differ only in case (issue 12, item 11): on macOS and Windows, whose file
systems ignore case by default, one would overwrite the other. Gene pages are named by
index.gene_page_name; figids, redirects and content pages that would clash are errors."""
from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import CORPUS, REPO, needs_corpus
from site_builder.build import BuildOptions, build
from site_builder.index import build_index, gene_page_name, gene_redirects
from site_builder.model import Figure

# Symbols that test the rule: case twins (human, mouse, zebrafish, Drosophila), every character
# gene symbols may hold, names a folder or Windows reserves, runs of lower-case letters.
TRICKY = [
    "IL6", "Il6", "il6", "iL6", "TP53", "Trp53", "tp53", "C1orf112", "miR-21a", "MIR21", "a.b_c@d-E", "A", "a", "hh", "Hh",
    "index", "INDEX", "Index", "CON", "Con", "con", "AUX", "NUL", "COM1", "Com1", "LPT9", "COM10", "ban", "BAN", "p38b",
    "B-H2", "Pkc53E", "aPKC", "MKP-4", "x" * 40, "X" * 40, "aB" * 20, "l(3)mbt", "L(3)mbt", "Su(var)3-9", "ref(2)P",
    "tRNA:Lys-TTT-1-1", "TRNA:LYS-TTT-1-1", "si:ch73-206d17.1", "a:b", "a_b", "A:B",
]


def case_twins(site: Path) -> list[list[str]]:
    """Groups of output paths (files and folders) that differ only in case."""
    groups: dict[str, list[str]] = defaultdict(list)
    for path in sorted(site.rglob("*")):
        relative = path.relative_to(site).as_posix()
        groups[relative.casefold()].append(relative)
    return [group for group in groups.values() if len(group) > 1]


def test_example_site_has_no_paths_differing_only_in_case(example_site: Path) -> None:
    assert case_twins(example_site) == []
    # it has genes in several cases: TNF (human), Tnf (mouse); ctnnb1 (zebrafish), CTNNB1
    assert (example_site / "genes" / "TNF.html").is_file() and (example_site / "genes" / "TNF~2-3.html").is_file()
    assert (example_site / "genes" / "CTNNB1~1-5.html").is_file()


@needs_corpus
def test_corpus_site_has_no_paths_differing_only_in_case(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(BuildOptions(project_dir=REPO, content_dir=CORPUS, output_dir=site))
    assert len(list((site / "genes").glob("*.html"))) > 100
    assert case_twins(site) == []


def test_case_twins_finds_them(tmp_path: Path) -> None:
    for name in ("genes/IL6.html", "genes/Il6.html", "Genes/x.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert case_twins(tmp_path) == [["Genes", "genes"], ["genes/IL6.html", "genes/Il6.html"]]


# --- gene page names ---------------------------------------------------------------------------
@pytest.mark.parametrize("symbol, name", [
    ("IL6", "IL6"), ("Il6", "IL6~2"), ("iL6", "IL6~1"), ("il6", "IL6~1-2"), ("Trp53", "TRP53~2-3"),
    ("C1orf112", "C1ORF112~3-5"), ("miR-21a", "MIR-21A~1-2.7"), ("a.b_c@d-E", "A.B_C@D-E~1.3.5.7"),
    ("INDEX", "INDEX~0"), ("index", "INDEX~1-5"),
    ("tRNA:Lys-TTT-1-1", "TRNA,LYS-TTT-1-1~1.7-8"), ("si:ch73-206d17.1", "SI,CH73-206D17.1~1-2.4-5.12"), ("A:B", "A,B"), ("CON", "CON~0"), ("COM1", "COM1~0"), ("COM10", "COM10"),
])
def test_gene_page_name(symbol: str, name: str) -> None:
    assert gene_page_name(symbol) == name


def test_gene_page_names_are_distinct_in_any_case() -> None:
    """Every case variant of some symbols: no two share a name, even ignoring case."""
    variants = set(TRICKY)
    for word in ("il6", "tp53", "index", "con", "ab-c.d"):
        variants |= {"".join(chars) for chars in itertools.product(*({c.lower(), c.upper()} for c in word))}
    names = [gene_page_name(symbol) for symbol in sorted(variants)]
    assert len({name.casefold() for name in names}) == len(variants)
    assert all(name.casefold() not in {"index", "con", "aux", "nul", "com1", "lpt9"} for name in names)


def test_a_new_record_does_not_rename_a_gene_page() -> None:
    """The name comes from the symbol alone: adding the human IL6 leaves the mouse Il6's page."""
    one, _ = build_index([Figure("PMC1__a", "A", gene_symbols=("Il6",))])
    two, _ = build_index([Figure("PMC1__a", "A", gene_symbols=("Il6",)), Figure("PMC2__b", "B", gene_symbols=("IL6",))])
    assert [(g.key, g.slug) for g in one.genes] == [("Il6", "IL6~2")]
    assert [(g.key, g.slug) for g in two.genes] == [("IL6", "IL6"), ("Il6", "IL6~2")]


def test_old_gene_urls_redirect_where_no_page_or_other_symbol_shares_the_name() -> None:
    symbols = ("IL6", "Il6", "Trp53", "Il2", "iL2", "index", "Con", "ctnnb1", "Axin2")
    index, _ = build_index([Figure("PMC1__a", "A", gene_symbols=symbols)])
    # IL6 keeps its name; Il6 would be IL6.html's file; Il2 and iL2 would be one file; index is the
    # genes index; Con is the console on Windows
    assert gene_redirects(index.genes) == [("Axin2", "AXIN2~2-4"), ("Trp53", "TRP53~2-3"), ("ctnnb1", "CTNNB1~1-5")]


def test_symbols_with_a_colon_get_pages_without_one_and_no_redirect() -> None:
    """':' is no file name on Windows, and in a relative link 'si:x.html' would be a URL scheme."""
    index, _ = build_index([Figure("PMC1__a", "A", gene_symbols=("si:ch73-206d17.1", "tRNA:Lys-TTT-1-1", "A:B"))])
    assert [g.slug for g in index.genes] == ["A,B", "SI,CH73-206D17.1~1-2.4-5.12", "TRNA,LYS-TTT-1-1~1.7-8"]
    assert gene_redirects(index.genes) == []


def test_example_site_redirects_old_gene_urls(example_site: Path) -> None:
    page = (example_site / "genes" / "Il2.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=IL2~2.html">' in page
    assert "<h1>Il2</h1>" in (example_site / "genes" / "IL2~2.html").read_text(encoding="utf-8")
    assert not (example_site / "genes" / "Tnf.html").exists()  # it would be TNF.html on macOS and Windows
