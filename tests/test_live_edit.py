"""serve's edit path (live.apply_edit): which saves it takes, and that it gives a clean build's bytes.

The stateful test (test_incremental_stateful.py, ServeDriver) runs random edits through the
same Rebuilder; these cases pin down the decisions one by one.
"""
from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO
from site_builder import analysis
from site_builder.build import BuildOptions, build
from site_builder.errors import BuildError
from site_builder.serve.loop import Rebuilder

EPOCH = "1700000000"


def site_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    shutil.copytree(REPO / "content", tmp_path / "content")
    return tmp_path


class Serve:
    """A Rebuilder as serve runs it: told the saved files, flushed after each build."""

    def __init__(self, project: Path):
        self.project = project
        self.options = BuildOptions(project_dir=project, content_dir=project / "content", output_dir=project / "out", jobs=1)
        self.rebuilder = Rebuilder()
        self.rebuilder(self.options, None)
        self.rebuilder.flush()

    def save(self, *paths: Path):
        try:
            return self.rebuilder(self.options, frozenset(paths))
        finally:
            self.rebuilder.flush()

    def matches_clean_build(self) -> None:
        self.rebuilder.idle()  # no save came for a while: the downloads and manifest follow
        clean = self.project / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        build(BuildOptions(project_dir=self.project, content_dir=self.project / "content", output_dir=clean / "site",
                           cache_dir=clean / "cache", clean=True, jobs=1))
        got, want = site_files(self.project / "out"), site_files(clean / "site")
        assert sorted(got) == sorted(want)
        assert [path for path in want if got[path] != want[path]] == []


def record(project: Path, number: int = 0) -> Path:
    return sorted((project / "content" / "figures").glob("*.md"))[number]


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert changed != text
    path.write_text(changed, encoding="utf-8")


def test_a_title_edit_takes_the_edit_path_and_shows_everywhere(project):
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^figtitle: (.*)$", r"figtitle: Zebra-striped \1")
    report = serve.save(path)
    assert report.edited and report.written > 0
    out = project / "out"
    assert "Zebra-striped" in (out / f"figures/{path.stem}.html").read_text(encoding="utf-8")
    assert "Zebra-striped" in (out / "index.html").read_text(encoding="utf-8")  # home lists the newest
    assert any(b"zebra" in p.read_bytes() for p in (out / "search" / "terms").glob("*.bin"))  # searchable
    serve.matches_clean_build()


def test_a_table_edit_takes_the_edit_path(project):
    serve = Serve(project)
    table = next((project / "content" / "data").glob("*-chemicals.tsv"))
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    table.write_text("".join(lines[:-1]), encoding="utf-8")  # one row fewer
    report = serve.save(table)
    assert report.edited
    serve.matches_clean_build()


@pytest.mark.parametrize("pattern, replacement", [
    (r"^(organisms:)", r"\1\n- Danio rerio"),  # joins an organism's list that exists
    (r"^- Mus musculus\n", ""),  # leaves one that keeps other figures
])
def test_an_edit_that_moves_a_figure_between_lists_takes_the_edit_path(project, pattern, replacement):
    serve = Serve(project)
    path = record(project, 1)
    edit(path, pattern, replacement)
    report = serve.save(path)
    assert report.edited
    serve.matches_clean_build()


def test_genes_leaving_and_gene_lists_emptied_take_the_edit_path(project):
    serve = Serve(project)
    path = next((project / "content" / "data").glob("*-genes.tsv"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-2]), encoding="utf-8")  # two genes fewer (pages of genes no other figure has go)
    assert serve.save(path).edited
    serve.matches_clean_build()


def test_an_edit_that_moves_a_figure_takes_the_edit_path(project):
    """A new year moves the figure in every list: other figures' doc ids change, and the search
    index and lists/ are renumbered in memory."""
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^year: .*$", "year: '1999'")
    assert serve.save(path).edited
    serve.matches_clean_build()


def test_a_new_organism_runs_a_build(project):
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^(organisms:)", r"\1\n- Xenopus laevis")  # the search index numbers organisms by name
    assert not serve.save(path).edited
    serve.matches_clean_build()


def newest(serve: Serve) -> Path:
    live = serve.rebuilder.warm.live
    return Path(live.index.figures[live.index.newest_first[0]].source)


def copy_record(source: Path, figid: str, year: str) -> Path:
    """A new record from another, as a curator makes one: new figid and paper, no aliases."""
    copy = source.with_name(f"{figid}.md")
    text = re.sub(r"^(figid_alias|redirect_from):.*\n(  - .*\n|- .*\n)*", "", source.read_text(encoding="utf-8"), flags=re.M)
    text = text.replace(source.stem, copy.stem).replace(source.stem.split("__")[0], figid.split("__")[0])
    copy.write_text(re.sub(r"^year: .*$", f"year: '{year}'", text, count=1, flags=re.M), encoding="utf-8")
    return copy


def test_a_record_older_than_the_newest_takes_the_edit_path(project):
    serve = Serve(project)
    copy = copy_record(record(project, 1), "PMC9999999__new-g001", "2003")
    report = serve.save(copy)
    assert report.edited
    assert (project / "out" / "figures" / f"{copy.stem}.html").exists()
    serve.matches_clean_build()


def test_a_new_paper_takes_the_edit_path_with_its_tables_genes_and_journal(project):
    serve = Serve(project)
    source = newest(serve)
    copy = copy_record(source, "PMC9999999__new-g001", "2031")
    edit(copy, r"^journal_title: .*$", "journal_title: A Journal Nobody Had")
    tables = []
    for table in (project / "content" / "data").glob(f"{source.stem}-*.tsv"):
        tables.append(table.with_name(copy.stem + table.name[len(source.stem):]))
        tables[-1].write_text(table.read_text(encoding="utf-8") + "ZZNEW1\tZZNEW1\t\t\n" * table.name.endswith("-genes.tsv"),
                              encoding="utf-8")
    report = serve.save(copy, *tables)
    assert report.edited
    out = project / "out"
    assert (out / "figures" / f"{copy.stem}.html").exists()
    assert (out / "journals" / "a-journal-nobody-had.html").exists()
    assert copy.stem in (out / "index.html").read_text(encoding="utf-8")
    serve.matches_clean_build()
    report = serve.save(*remove(copy, *tables))  # and gone again: the newest figure
    assert report.edited
    assert not (out / "figures" / f"{copy.stem}.html").exists()
    assert not (out / "journals" / "a-journal-nobody-had.html").exists()
    serve.matches_clean_build()


def remove(*paths: Path) -> tuple[Path, ...]:
    for path in paths:
        path.unlink()
    return paths


def test_removing_figures_anywhere_takes_the_edit_path(project):
    serve = Serve(project)
    first = newest(serve)
    assert serve.save(*remove(first, *(project / "content" / "data").glob(f"{first.stem}-*.tsv"))).edited
    serve.matches_clean_build()
    for where in ("middle", "oldest"):
        index = serve.rebuilder.warm.live.index
        named = Counter(organism for figure in index.figures.values() for organism in figure.known_organisms)
        shared = [figid for figid in index.newest_first  # (an organism's last figure: a build renumbers organisms)
                  if all(named[organism] > 1 for organism in index.figures[figid].known_organisms)]
        figid = shared[len(shared) // 2] if where == "middle" else shared[-1]
        assert figid != index.newest_first[0]
        path = Path(index.figures[figid].source)
        assert serve.save(*remove(path, *(project / "content" / "data").glob(f"{path.stem}-*.tsv"))).edited
        serve.matches_clean_build()


def test_a_table_added_to_a_record_takes_the_edit_path(project):
    serve = Serve(project)
    path = next(p for p in sorted((project / "content" / "figures").glob("*.md"))
                if not (project / "content" / "data" / f"{p.stem}-diseases.tsv").exists())
    table = project / "content" / "data" / f"{path.stem}-diseases.tsv"
    table.write_text("word\tname\tidentifier\nasthma\tAsthma\tMESH:D001249\n", encoding="utf-8")
    report = serve.save(table)
    assert report.edited
    serve.matches_clean_build()
    assert serve.save(*remove(table)).edited
    serve.matches_clean_build()


def test_an_editor_scratch_file_is_not_an_input(project):
    serve = Serve(project)
    path = record(project, 1)
    scratch = path.with_name("4913")  # vim checks it may write the folder with this file
    edit(path, r"^figtitle: (.*)$", r"figtitle: Saved by vim \1")
    assert serve.save(path, scratch).edited
    serve.matches_clean_build()


def test_a_save_after_a_failed_build_still_sees_the_broken_record(project):
    """Broken YAML in one record fails the build; saving another record must fail too (the
    edit path keeps every file saved since the last good build, not only the last batch)."""
    serve = Serve(project)
    broken, other = record(project, 0), record(project, 1)
    original = broken.read_text(encoding="utf-8")
    broken.write_text(original.replace("figtitle:", "figtitle: [unclosed", 1), encoding="utf-8")
    with pytest.raises(BuildError):
        serve.save(broken)
    edit(other, r"^figtitle: (.*)$", r"figtitle: Later \1")
    with pytest.raises(BuildError):
        serve.save(other)
    broken.write_text(original, encoding="utf-8")
    serve.save(broken)
    assert "Later" in (project / "out" / f"figures/{other.stem}.html").read_text(encoding="utf-8")
    serve.matches_clean_build()


def test_a_file_saved_unchanged_changes_nothing(project):
    serve = Serve(project)
    path = record(project, 1)
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    report = serve.save(path)
    assert report.written == 0
    serve.matches_clean_build()


def test_the_next_process_trusts_what_the_edit_path_saved(project):
    """After edits and serve's idle save, a build in a new process (no state in memory) finds
    the output up to date: the manifest and cache entries the edit path saved describe it."""
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^figtitle: (.*)$", r"figtitle: Saved by serve \1")
    assert serve.save(path).edited
    serve.rebuilder.idle()
    report = build(serve.options)
    assert report.written == 0 and report.removed == 0
    serve.matches_clean_build()


def test_saves_in_quick_succession_write_the_downloads_once_idle(project):
    serve = Serve(project)
    first, second = record(project, 1), record(project, 2)
    edit(first, r"^figtitle: (.*)$", r"figtitle: Quick one \1")
    assert serve.save(first).edited
    edit(second, r"^figtitle: (.*)$", r"figtitle: Quick two \1")
    assert serve.save(second).edited
    api = project / "out" / "json" / "getFigureInfo.json"
    assert "Quick" not in api.read_text(encoding="utf-8")  # not yet: no pause between the saves
    serve.rebuilder.idle()
    assert "Quick one" in api.read_text(encoding="utf-8") and "Quick two" in api.read_text(encoding="utf-8")
    serve.matches_clean_build()


def test_idle_work_gives_way_to_a_save_and_is_done_later(project):
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^figtitle: (.*)$", r"figtitle: Waiting \1")
    assert serve.save(path).edited
    api = project / "out" / "json" / "getFigureInfo.json"
    serve.rebuilder.idle(lambda: True)  # a save is waiting all along: nothing is committed
    assert "Waiting" not in api.read_text(encoding="utf-8")
    serve.rebuilder.idle()
    assert "Waiting" in api.read_text(encoding="utf-8")
    serve.matches_clean_build()


def test_serve_on_an_up_to_date_output_serves_first_and_loads_the_model_after(project):
    """The first build of a serve whose output is up to date only checks it (at 100k figures
    3 s rather than ~20 s): the model the edit path needs is loaded by warm_up, which the
    rebuild loop runs once the server serves, or the first save runs before it is handled."""
    Serve(project).rebuilder.idle()  # a first session: builds and saves its manifest
    second = Rebuilder()
    options = BuildOptions(project_dir=project, content_dir=project / "content", output_dir=project / "out", jobs=1)
    report = second(options, None)
    assert report.up_to_date and second.warm.live is None
    assert second.warm_up() is not None and second.warm.live is not None
    assert second.warm_up() == 0.0  # loaded: nothing more to do

    third = Rebuilder()
    third(options, None)
    path = record(project, 1)
    edit(path, r"^figtitle: (.*)$", r"figtitle: Quokka \1")
    report = third(options, frozenset([path]))  # a save before warm_up ran: the model is loaded for it
    third.flush()
    assert report.edited
    assert "Quokka" in (project / "out" / f"figures/{path.stem}.html").read_text(encoding="utf-8")
    serve = Serve.__new__(Serve)
    serve.project, serve.options, serve.rebuilder = project, options, third
    serve.matches_clean_build()


def test_the_analyse_data_gives_way_to_a_save_while_it_is_made(project, monkeypatch):
    """At 10k figures the Analyse data takes ~2.5 s: a save that comes meanwhile stops it
    (nothing is committed) rather than waiting for it; the next idle time makes it whole."""
    serve = Serve(project)
    path = next((project / "content" / "data").glob("*-genes.tsv"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # a gene fewer: the Analyse data changes
    assert serve.save(path).edited
    analysis_file = project / "out" / "search" / "analysis.json"
    before = analysis_file.read_bytes()
    making, sharded = [], []
    real_background, real_shards = analysis.Collection.background, analysis.shards
    with monkeypatch.context() as patch:
        patch.setattr(analysis.Collection, "background", lambda self: making.append(True) or real_background(self))
        patch.setattr(analysis, "shards", lambda entries: sharded.append(True) or real_shards(entries))
        serve.rebuilder.idle(lambda: bool(making))  # the save arrives once the Analyse data is under way
    assert making and not sharded  # stopped inside, not after it
    assert serve.rebuilder.warm.live.analysis_stale
    assert analysis_file.read_bytes() == before
    serve.matches_clean_build()  # idle again, uninterrupted


def old_stamp(path: Path) -> None:
    os.utime(path, (1_600_000_000, 1_600_000_000))


def test_serve_after_edits_starts_warm_when_the_inputs_are_what_it_last_read(project):
    """On exit serve records the inputs' fingerprint when every record and table has the stamps
    the edit path read it with: the next start is then up to date (no build before serving)."""
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^figtitle: (.*)$", r"figtitle: Kept \1")
    old_stamp(path)
    assert serve.save(path).edited
    serve.rebuilder.finish()
    again = Rebuilder()
    assert again(serve.options, None).up_to_date
    serve.rebuilder = again
    serve.matches_clean_build()


@pytest.mark.parametrize("behind_its_back", ["edited", "young"])
def test_serve_after_edits_compares_every_input_when_a_file_is_not_what_it_read(project, behind_its_back):
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^figtitle: (.*)$", r"figtitle: Seen \1")
    old_stamp(path)
    assert serve.save(path).edited
    other = record(project, 2)
    edit(other, r"^figtitle: (.*)$", r"figtitle: Unseen \1")  # no save reported: the watcher missed it
    if behind_its_back == "edited":
        old_stamp(other)
    else:  # the save serve did see, just now: its stamp cannot be trusted yet (RACY_SECONDS)
        assert serve.save(other).edited
    serve.rebuilder.finish()
    again = Rebuilder()
    assert not again(serve.options, None).up_to_date
    serve.rebuilder = again
    assert "Unseen" in (project / "out" / f"figures/{other.stem}.html").read_text(encoding="utf-8")
    serve.matches_clean_build()


def test_a_cache_removed_under_serve_is_made_again_when_idle(project, monkeypatch):
    """The downloads of the last edits are made when serve is idle, from the cache: a cache
    removed meanwhile (by hand, or pruned) makes serve build again, not fail at every tick."""
    from site_builder import build as build_module
    monkeypatch.setattr(build_module, "CHUNK_TARGET", 2)  # chunks the edit leaves alone are read from the disk
    serve = Serve(project)
    path = record(project, 1)
    edit(path, r"^figtitle: (.*)$", r"figtitle: Before the cache went \1")
    assert serve.save(path).edited
    shutil.rmtree(project / ".site-cache" / "chunks")
    serve.rebuilder.idle()
    assert serve.rebuilder.warm.when_idle is None
    serve.matches_clean_build()
    edit(path, r"^figtitle: (.*)$", r"figtitle: After \1")
    assert not serve.save(path).errors
    serve.matches_clean_build()


def test_the_outsized_record_warning_follows_edits_of_the_genes(project):
    """serve keeps the warning about a record that alone makes much of the site (build.outsized_records)
    only while no list changed: genes coming and going make it anew."""
    serve = Serve(project)
    path = next((project / "content" / "data").glob("*-genes.tsv"))
    original = path.read_text(encoding="utf-8")
    rows = "".join(f"9606\tHomo sapiens\tPrimates\tZZ{n}\tZZ{n}\tZZ{n}\t{n + 1}\tncbigene_symbol\t1\t1\t1\n" for n in range(600))
    path.write_text(original + rows, encoding="utf-8")
    report = serve.save(path)
    assert report.edited and any("alone adds 6" in str(w) for w in report.warnings), report.warnings
    title = record(project, 0)
    edit(title, r"^figtitle: (.*)$", r"figtitle: Outsized \1")
    report = serve.save(title)
    assert report.edited and any("alone adds 6" in str(w) for w in report.warnings)
    path.write_text(original, encoding="utf-8")
    report = serve.save(path)
    assert report.edited and not any("alone adds" in str(w) for w in report.warnings)
    serve.matches_clean_build()
