"""Issue 12, "trust nothing that a repository ships": symlinks out of the site, file names that
are not UTF-8 and characters that make XML invalid are refused or removed, with a located
message, and never reach the output."""
from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import minimal_fields, record_text, write_record, write_table
from site_builder.build import BuildOptions, build
from site_builder.errors import BuildError
from site_builder.load import load_figure

SECRET = "SECRET_TOKEN=hunter2"
needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")


def project(tmp_path: Path) -> tuple[Path, Path]:
    """A project with one good record; returns (project, content)."""
    root = tmp_path / "project"
    content = root / "content"
    write_record(content, minimal_fields("PMC1__good"))
    return root, content


def run(root: Path, *, keep_going: bool = False, check_only: bool = False):
    options = BuildOptions(project_dir=root, content_dir=root / "content", output_dir=root / "site",
                           keep_going=keep_going, jobs=1)
    return build(options, check_only=check_only)


def errors_of(root: Path) -> list[str]:
    with pytest.raises(BuildError) as info:
        run(root)
    return [str(p) for p in info.value.errors]


def shown(path: Path) -> str:
    return os.path.relpath(path).replace(os.sep, "/") if not os.path.relpath(path).startswith("..") else path.as_posix()


def every_output_byte(site: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file())


def outside_file(tmp_path: Path, text: str) -> Path:
    secret = tmp_path / "outside" / "environ"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(text, encoding="utf-8")
    return secret


# --- 12.3: symlinks that lead out of the project ------------------------------------------------
@needs_symlinks
def test_a_page_symlinked_to_a_file_outside_the_site_is_refused_and_not_published(tmp_path: Path) -> None:
    root, content = project(tmp_path)
    secret = outside_file(tmp_path, f"# Environment\n\n{SECRET}\n")
    page = content / "pages" / "env.md"
    page.parent.mkdir(parents=True)
    page.symlink_to(secret)
    assert errors_of(root) == [f"{shown(page)}: symlink to outside the site"]
    report = run(root, keep_going=True)
    assert [str(p) for p in report.errors] == [f"{shown(page)}: symlink to outside the site"]
    site = root / "site"
    assert (site / "figures" / "PMC1__good.html").is_file() and not (site / "env.html").exists()
    assert SECRET.encode() not in every_output_byte(site)


@needs_symlinks
def test_a_symlink_to_proc_self_environ_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc")
    monkeypatch.setenv("SITE_BUILDER_TEST_SECRET", SECRET)
    root, content = project(tmp_path)
    page = content / "pages" / "env.md"
    page.parent.mkdir(parents=True)
    page.symlink_to("/proc/self/environ")
    report = run(root, keep_going=True)
    assert [str(p) for p in report.errors] == [f"{shown(page)}: symlink to outside the site"]
    assert SECRET.encode() not in every_output_byte(root / "site")


@needs_symlinks
def test_a_static_symlink_to_outside_is_refused_and_never_copied(tmp_path: Path) -> None:
    root, _ = project(tmp_path)
    secret = outside_file(tmp_path, SECRET)
    link = root / "static" / "leak.txt"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    folder_link = root / "static" / "outside"
    folder_link.symlink_to(secret.parent, target_is_directory=True)
    assert errors_of(root) == [f"{shown(link)}: symlink to outside the site", f"{shown(folder_link)}: symlink to outside the site"]
    run(root, keep_going=True)
    site = root / "site"
    assert not (site / "static" / "leak.txt").exists() and not (site / "static" / "outside").exists()
    assert SECRET.encode() not in every_output_byte(site)
    assert not any(p.is_symlink() for p in site.rglob("*"))


@needs_symlinks
def test_a_symlinked_record_and_table_from_outside_are_not_loaded(tmp_path: Path) -> None:
    root, content = project(tmp_path)
    elsewhere = tmp_path / "outside"
    record = write_record(elsewhere, minimal_fields("PMC2__evil", figtitle=SECRET))
    table = write_table(elsewhere, "PMC1__good", "genes", [["word", "ncbigene_symbol"], [SECRET, "TP53"]])
    (content / "figures" / "PMC2__evil.md").symlink_to(record)
    (content / "data").mkdir()
    (content / "data" / "PMC1__good-genes.tsv").symlink_to(table)
    assert errors_of(root) == [f"{shown(content / 'data' / 'PMC1__good-genes.tsv')}: symlink to outside the site",
                               f"{shown(content / 'figures' / 'PMC2__evil.md')}: symlink to outside the site"]
    run(root, keep_going=True)
    assert not (root / "site" / "figures" / "PMC2__evil.html").exists()
    assert SECRET.encode() not in every_output_byte(root / "site")


@needs_symlinks
def test_a_symlink_inside_the_site_to_the_content_folder_is_fine(tmp_path: Path) -> None:
    root, content = project(tmp_path)
    shared = content / "shared"
    write_record(shared, minimal_fields("PMC3__linked", figtitle="Linked record"), folder=".")
    (content / "figures" / "PMC3__linked.md").symlink_to(shared / "PMC3__linked.md")
    notes = content / "pages" / "notes.md"
    notes.parent.mkdir()
    (content / "notes-source.md").write_text("# Notes\n\nShared notes.\n")
    notes.symlink_to(Path("..") / "notes-source.md")
    (root / "static").mkdir()
    (root / "static" / "logo.txt").symlink_to(content / "notes-source.md")
    report = run(root)
    assert report.errors == []
    site = root / "site"
    assert "Linked record" in (site / "figures" / "PMC3__linked.html").read_text("utf-8")
    assert "Shared notes." in (site / "notes.html").read_text("utf-8")
    copied = site / "static" / "logo.txt"
    assert not copied.is_symlink() and copied.read_text() == "# Notes\n\nShared notes.\n"  # the bytes, never the link


# --- 12.9: file names that are not UTF-8 ---------------------------------------------------------
@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the file system must accept any bytes in names")
def test_file_names_that_are_not_utf8_are_errors_with_the_name_escaped(tmp_path: Path) -> None:
    root, content = project(tmp_path)
    bad_record = os.path.join(os.fsencode(content / "figures"), b"PMC2__f\xff.md")
    Path(os.fsdecode(bad_record)).write_text(record_text(minimal_fields("PMC2__f")))
    (content / "pages").mkdir()
    Path(os.fsdecode(os.path.join(os.fsencode(content / "pages"), b"ab\xfe.md"))).write_text("# x\n")
    (root / "static").mkdir()
    Path(os.fsdecode(os.path.join(os.fsencode(root / "static"), b"\xfe.css"))).write_text("x")
    expected = [
        f"{shown(content)}/figures/PMC2__f\\xff.md: file name is not valid UTF-8; rename the file",
        f"{shown(content)}/pages/ab\\xfe.md: file name is not valid UTF-8; rename the file",
        f"{shown(root)}/static/\\xfe.css: file name is not valid UTF-8; rename the file",
    ]
    assert errors_of(root) == expected
    report = run(root, keep_going=True)
    assert [str(p) for p in report.errors] == expected
    assert (root / "site" / "figures" / "PMC1__good.html").is_file()


# --- 12.8: characters not allowed in XML ---------------------------------------------------------
@pytest.mark.parametrize("title, warning", [
    ("A \ufffe pathway \uffff", "figures/PMC1__f1.md:3:13: U+FFFE removed (not allowed in XML)"),
    ('"A \\uFFFE pathway \\uFFFF"', "figures/PMC1__f1.md:3: figtitle: characters not allowed in XML removed (U+FFFE, U+FFFF)"),
])
def test_characters_not_allowed_in_xml_are_removed_from_text_with_a_warning(title: str, warning: str) -> None:
    text = f"---\nfigid: PMC1__f1\nfigtitle: {title}\n---\n"
    result = load_figure(text.encode("utf-8"), "figures/PMC1__f1.md")
    assert result.errors == () and result.figure.title == "A pathway"
    assert str(result.warnings[0]) == warning


def test_feed_stays_valid_xml_when_a_title_holds_u_fffe(tmp_path: Path) -> None:
    root, content = project(tmp_path)
    path = content / "figures" / "PMC2__nonchar.md"
    path.write_text(f"---\nfigid: PMC2__nonchar\nfigtitle: \"Bad \\uFFFE title\"\ncaption: \"x\\uFFFFy\"\nyear: '2021'\n"
                    "extra_note: \"n\\uFFFEote\"\n---\n", encoding="utf-8")
    write_table(content, "PMC2__nonchar", "genes", [["word", "ncbigene_symbol"], ["TP\ufffe53", "TP53"]])
    report = run(root)
    assert sorted(str(w).split(": ", 1)[1] for w in report.warnings) == [
        "caption: characters not allowed in XML removed (U+FFFF)",
        "characters not allowed in XML removed (U+FFFE)",
        "extra_note: control characters or characters not allowed in XML removed",
        "figtitle: characters not allowed in XML removed (U+FFFE)",
    ]
    site = root / "site"
    feed = ET.parse(site / "feed.xml").getroot()  # raised "not well-formed (invalid token)" before
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")]
    assert "Bad title" in titles
    for sitemap in site.glob("sitemap*.xml"):
        ET.parse(sitemap)
    assert "\ufffe".encode() not in every_output_byte(site) and "\uffff".encode() not in every_output_byte(site)
