"""The build cache is correct: after any edit, an incremental build equals a clean build."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from site_builder import analysis, pages, search
from site_builder import build as build_module
from site_builder import cache as cache_module
from site_builder.build import BuildOptions, build, starts_chunk
from site_builder.write import StagedSite, journal_path, write_journal

REPO = Path(__file__).resolve().parent.parent
A_WHILE_AGO = time.time() - 3600


def site_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example project whose files look old (so time stamps can be trusted)."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy(REPO / "site.yml", root / "site.yml")
    for path in root.rglob("*"):
        os.utime(path, (A_WHILE_AGO, A_WHILE_AGO))
    return root


def incremental(project: Path, jobs: int = 2):
    """jobs=1: everything in this process (where a test counts calls)."""
    return build(BuildOptions(project_dir=project, output_dir=project / "_site", jobs=jobs))


def assert_same_as_clean_build(project: Path) -> None:
    clean = project.parent / "clean"
    build(BuildOptions(project_dir=project, output_dir=clean, jobs=1, clean=True, cache_dir=project.parent / "other-cache"))
    assert site_files(project / "_site") == site_files(clean)


def first_record(project: Path) -> Path:
    return sorted((project / "content" / "figures").glob("*.md"))[0]


def test_second_build_with_no_change_does_nothing(project):
    first = incremental(project)
    assert not first.up_to_date and first.written == first.pages
    second = incremental(project)
    assert second.up_to_date and second.pages == first.pages and second.figures == first.figures
    assert_same_as_clean_build(project)


def test_editing_a_record_rewrites_only_what_changed(project):
    incremental(project)
    record = first_record(project)
    other = sorted((project / "content" / "figures").glob("*.md"))[-1].stem
    untouched = project / "_site" / "figures" / f"{other}.html"  # its chunk may re-render, its bytes stay
    stamp = untouched.stat().st_mtime_ns
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: A brand new title", record.read_text(), count=1, flags=re.M))
    report = incremental(project)
    assert 0 < report.written < report.pages / 2
    page = (project / "_site" / "figures" / (record.stem + ".html")).read_text()
    assert "A brand new title" in page
    assert untouched.stat().st_mtime_ns == stamp
    assert_same_as_clean_build(project)


def test_a_title_edit_keeps_the_analyse_data_and_a_gene_edit_makes_it_again(project, monkeypatch):
    """The Analyse page's data (at 100k figures ~8 s to make) follows only the genes and
    organisms of the records in their order (analysis.inputs_key)."""
    made = []
    real = analysis.write_analysis
    counted = lambda records, writer, *rest: made.append(len(records)) or real(records, writer, *rest)
    monkeypatch.setattr(search, "write_analysis", counted)
    monkeypatch.setattr(analysis, "write_analysis", counted)
    incremental(project, jobs=1)
    assert made
    made.clear()
    record = first_record(project)
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: Titles are not analysed", record.read_text(), count=1, flags=re.M))
    incremental(project, jobs=1)
    assert made == []
    assert_same_as_clean_build(project)
    made.clear()
    table = next((project / "content" / "data").glob("*-genes.tsv"))
    table.write_text("".join(table.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    incremental(project, jobs=1)
    assert made
    assert_same_as_clean_build(project)


def test_an_edit_that_keeps_every_doc_id_rewrites_only_the_search_files_it_changes(project, monkeypatch):
    """A build updates the search index on disk and checks only the pages showing the changed
    figure, as serve's edit path does, unless figures move (then every page is checked, and the
    index renumbered on disk rather than made again)."""
    whole, every_page = [], []
    real = search.build_postings
    monkeypatch.setattr(search, "build_postings", lambda *args: whole.append(1) or real(*args))
    real_jobs = pages.site_page_jobs
    monkeypatch.setattr(pages, "site_page_jobs", lambda *args: every_page.append(1) or real_jobs(*args))
    incremental(project, jobs=1)
    files = lambda: {p.relative_to(project / "_site").as_posix(): p.stat().st_mtime_ns
                     for p in (project / "_site" / "search").rglob("*") if p.is_file()}
    whole.clear()
    before = files()
    record = first_record(project)
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: Zymogenic quokka signalling", record.read_text(), count=1, flags=re.M))
    every_page.clear()
    incremental(project, jobs=1)
    assert whole == [] and every_page == []  # only the pages showing the figure are made again
    after = files()
    assert 0 < len([path for path in after if after[path] != before.get(path)]) < len(after) / 2
    assert_same_as_clean_build(project)
    whole.clear()  # the clean build made its own
    table = next((project / "content" / "data").glob("*-genes.tsv"))
    table.write_text("".join(table.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    incremental(project, jobs=1)
    assert whole == []
    assert_same_as_clean_build(project)
    whole.clear()
    record.write_text(re.sub(r"^year: .*$", "year: '1999'", record.read_text(), count=1, flags=re.M))
    every_page.clear()
    incremental(project, jobs=1)  # the figure moves: other figures' doc ids change, the index is renumbered
    assert whole == [] and every_page == [1]
    assert_same_as_clean_build(project)


def test_a_figure_removed_from_the_middle_renumbers_the_search_index(project, monkeypatch):
    """Doc ids move: the index on disk is renumbered (no figure scored again), unless a file of it
    is not what the last build wrote; either way the output is a clean build's."""
    whole = []
    real = search.build_postings
    monkeypatch.setattr(search, "build_postings", lambda *args: whole.append(1) or real(*args))
    incremental(project, jobs=1)
    records = sorted((project / "content" / "figures").glob("*.md"))

    def remove(record: Path) -> None:
        record.unlink()
        for table in (project / "content" / "data").glob(record.stem + "-*.tsv"):
            table.unlink()

    remove(records[len(records) // 2])
    whole.clear()
    incremental(project, jobs=1)
    assert whole == []
    assert_same_as_clean_build(project)
    shard = next((project / "_site" / "search" / "terms").iterdir())
    shard.write_bytes(shard.read_bytes()[:-1])  # not what its name says
    remove(records[len(records) // 2 + 1])
    whole.clear()
    incremental(project, jobs=1)
    assert whole == [1]  # made anew
    assert_same_as_clean_build(project)


def test_a_search_update_reads_the_search_records_of_the_changed_chunk_only(project, monkeypatch):
    """The cache keeps a chunk's search records apart from its summaries: a build that updates
    the index reads those of the chunk read again (its last version), not every chunk's."""
    from site_builder import results
    monkeypatch.setattr(build_module, "CHUNK_TARGET", 2)  # many chunks of the example records
    read = []
    real = results.StoredSearch.loaded
    monkeypatch.setattr(results.StoredSearch, "loaded", lambda self: read.append(self.key) or real(self))
    incremental(project, jobs=1)
    assert len(build_module.chunk_paths(sorted((project / "content" / "figures").glob("*.md")))) > 4
    record = first_record(project)
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: Read one chunk only", record.read_text(), count=1, flags=re.M))
    read.clear()
    incremental(project, jobs=1)
    assert len(set(read)) == 1
    assert_same_as_clean_build(project)


def test_a_checkout_that_touches_every_record_still_updates_only_what_one_edit_changed(project, monkeypatch):
    """A CI deploy restores the cache onto a fresh checkout: every file has a new time stamp, so
    every chunk is read again; those whose bytes are the same stand for themselves."""
    every_page, whole = [], []
    real_jobs, real_postings = pages.site_page_jobs, search.build_postings
    monkeypatch.setattr(pages, "site_page_jobs", lambda *args: every_page.append(1) or real_jobs(*args))
    monkeypatch.setattr(search, "build_postings", lambda *args: whole.append(1) or real_postings(*args))
    incremental(project, jobs=1)
    every_page.clear(), whole.clear()
    for path in (project / "content").rglob("*"):
        os.utime(path)
    record = first_record(project)
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: Checked out again", record.read_text(), count=1, flags=re.M))
    incremental(project, jobs=1)
    assert every_page == [] and whole == []
    assert_same_as_clean_build(project)


def test_deleting_every_record_of_a_chunk_removes_their_pages(project):
    """A record alone in its chunk (chunks start at names build.starts_chunk picks), then deleted:
    the other chunks keep their stamps, and the build must still see that figures left."""
    source = project / "content" / "figures" / "PMC9900010__nihms-98765-f0004.md"
    alone = source.with_name("PMC9999999__z133.md")
    assert starts_chunk(alone) and alone.name > source.name
    text = source.read_text(encoding="utf-8").replace(source.stem, alone.stem).replace("PMC9900010", "PMC9999999")
    alone.write_text(text.replace("Danio rerio", "Xenopus laevis"), encoding="utf-8")
    os.utime(alone, (A_WHILE_AGO, A_WHILE_AGO))
    incremental(project)
    assert (project / "_site" / "organisms" / "xenopus-laevis.html").exists()
    alone.unlink()
    incremental(project)
    assert not (project / "_site" / "figures" / f"{alone.stem}.html").exists()
    assert_same_as_clean_build(project)


def test_a_page_saved_while_a_build_reads_the_records_is_rendered_by_the_next_build(project, monkeypatch):
    incremental(project)
    about = project / "content" / "pages" / "about.md"
    real = build_module.build_index

    def saving_meanwhile(*args, **kwargs):
        found = real(*args, **kwargs)
        about.write_text(about.read_text(encoding="utf-8") + "\nSaved during the build.\n", encoding="utf-8")
        os.utime(about, (A_WHILE_AGO + 60, A_WHILE_AGO + 60))
        return found

    about.write_text(about.read_text(encoding="utf-8") + "\nA first edit.\n", encoding="utf-8")
    os.utime(about, (A_WHILE_AGO + 30, A_WHILE_AGO + 30))
    monkeypatch.setattr(build_module, "build_index", saving_meanwhile)
    incremental(project)
    monkeypatch.setattr(build_module, "build_index", real)
    incremental(project)
    assert "Saved during the build." in (project / "_site" / "about.html").read_text(encoding="utf-8")
    assert_same_as_clean_build(project)


def test_editing_a_template(project):
    incremental(project)
    template = project / "templates" / "figure.html"
    template.write_text(template.read_text().replace("</article>", "<p>template edit</p></article>", 1))
    incremental(project)
    assert_same_as_clean_build(project)


def test_editing_the_config(project):
    incremental(project)
    config = project / "site.yml"
    config.write_text(config.read_text() + "\ntitle: Renamed site\n" if "title:" not in config.read_text()
                      else re.sub(r"^title: .*$", "title: Renamed site", config.read_text(), count=1, flags=re.M))
    incremental(project)
    assert "Renamed site" in (project / "_site" / "index.html").read_text()
    assert_same_as_clean_build(project)


def test_deleting_a_record(project):
    incremental(project)
    record = first_record(project)
    for table in (project / "content" / "data").glob(record.stem + "-*.tsv"):
        table.unlink()
    record.unlink()
    report = incremental(project)
    assert report.removed >= 1
    assert not (project / "_site" / "figures" / (record.stem + ".html")).exists()
    assert_same_as_clean_build(project)


def test_adding_a_record(project):
    incremental(project)
    added = first_record(project).with_name("PMC1__added.md")
    added.write_text("---\nfigid: PMC1__added\nfigtitle: An added figure\nyear: '2001'\norganisms: [Homo sapiens]\n---\n")
    incremental(project)
    assert (project / "_site" / "figures" / "PMC1__added.html").exists()
    assert_same_as_clean_build(project)


def test_a_same_size_edit_right_after_a_build_is_seen(project):
    """Time stamps are coarse: a file changed within seconds of the last build is read again."""
    incremental(project)
    record = first_record(project)
    text = record.read_text()
    edited = re.sub(r"^(figtitle: )(.)", lambda m: m.group(1) + ("X" if m.group(2) != "X" else "Y"), text, count=1, flags=re.M)
    assert len(edited) == len(text)
    record.write_text(edited)
    report = incremental(project)
    assert not report.up_to_date and report.written >= 1
    assert_same_as_clean_build(project)


def test_a_commit_cut_short_is_completed_by_the_next_build(project):
    incremental(project)
    output = project / "_site"
    page = output / "index.html"
    staged = StagedSite(output, journal_path(project / ".site-cache", output), previous={})
    with staged:
        staged.write("index.html", page.read_bytes() + b"<!-- newer -->")
        write_journal(staged.journal, staged.staging, output, ["index.html"], ["robots.txt"])
        # killed here: the journal is written, nothing has moved yet
    assert staged.journal.exists()
    report = incremental(project)
    assert not staged.journal.exists()
    assert report.pages == len(site_files(output))
    assert_same_as_clean_build(project)


def test_a_failed_build_keeps_the_site_and_the_next_good_build_catches_up(project):
    incremental(project)
    before = site_files(project / "_site")
    record = first_record(project)
    good = record.read_text()
    record.write_text("---\nfigid: [broken\n---\n")
    with pytest.raises(Exception):
        incremental(project)
    assert site_files(project / "_site") == before
    record.write_text(good.replace("figtitle: ", "figtitle: Fixed ", 1))
    incremental(project)
    assert_same_as_clean_build(project)


def test_an_edit_rereads_only_the_chunk_of_the_edited_record(tmp_path, monkeypatch):
    """Chunks whose files kept their time stamps come from the cache without being read."""
    import importlib.util

    import site_builder.build as build_module

    spec = importlib.util.spec_from_file_location("generate_corpus", REPO / "benchmarks" / "generate_corpus.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    content = tmp_path / "content"
    generator.generate(content, 700, seed=5)
    for path in content.rglob("*"):
        os.utime(path, (A_WHILE_AGO, A_WHILE_AGO))
    options = BuildOptions(project_dir=REPO, content_dir=content, output_dir=tmp_path / "site", jobs=1,
                           cache_dir=tmp_path / "cache")
    build(options)
    assert len(build_module.chunk_paths(sorted((content / "figures").glob("*.md")))) >= 2
    record = sorted((content / "figures").glob("*.md"))[350]
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: Re-read me", record.read_text(), count=1, flags=re.M))
    read = []
    real_record_inputs = build_module.record_inputs
    monkeypatch.setattr(build_module, "record_inputs", lambda job, path: read.append(path) or real_record_inputs(job, path))
    build(options)
    assert record in read and len(read) < 700 / 2
    assert "Re-read me" in (tmp_path / "site" / "figures" / f"{record.stem}.html").read_text()
    clean = tmp_path / "clean"
    build(BuildOptions(project_dir=REPO, content_dir=content, output_dir=clean, jobs=1, clean=True, cache_dir=tmp_path / "cache2"))
    assert site_files(tmp_path / "site") == site_files(clean)


def test_a_record_with_yamls_nan_or_infinity_in_an_extra_field_builds_and_rebuilds(project):
    """`.nan` and `.inf` are YAML numbers JSON cannot hold: the cache once stopped the build on them."""
    record = first_record(project)
    record.write_text(record.read_text().replace("\nfigtitle:", "\nlab_score: .nan\nlab_range: [-.inf, .inf]\nfigtitle:", 1))
    first = incremental(project)
    assert not first.errors and first.figures
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: Read back from the cache", record.read_text(), count=1, flags=re.M))
    incremental(project)
    assert "Read back from the cache" in (project / "_site" / "figures" / f"{record.stem}.html").read_text()
    assert_same_as_clean_build(project)


def test_a_title_edit_renders_only_the_list_pages_that_show_the_figures_entry(project, monkeypatch):
    """A figure that keeps its place is named by doc id on the pages of long lists (a gene page
    shows 3 figures, the others per_page): only home, the lists whose first entries hold it and
    its own page are made again; the output equals a clean build's."""
    from site_builder.render import Renderer
    (project / "site.yml").write_text((project / "site.yml").read_text() + "\nper_page: 2\n")
    incremental(project, jobs=1)
    made = []  # the list pages whose key is taken (rendered when it changed)
    real = Renderer.listing_inputs  # a list page's inputs, taken to compare its key
    monkeypatch.setattr(Renderer, "listing_inputs", lambda self, kind, listing, *rest: made.append(f"{kind}/{listing.slug}.html")
                        or real(self, kind, listing, *rest))
    index = build_module.build_index(build_module.read_content(
        build_module.discover_inputs(*build_module.input_dirs(BuildOptions(project_dir=project)))[0], project).figures)[0]

    def hidden(figid: str) -> set[str]:  # the pages of its lists that name it by doc id only
        return {f"{kind}/{l.slug}.html" for kind, shown in (("genes", 3), ("organisms", 2), ("years", 2), ("journals", 2))
                for l in getattr(index, kind) if figid in l.figids[shown:]}

    figid = max(index.newest_first, key=lambda f: len(hidden(f)))
    assert hidden(figid)
    record = next(p for p in (project / "content" / "figures").glob("*.md") if p.stem == figid)
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: Only where it shows", record.read_text(), count=1, flags=re.M))
    incremental(project, jobs=1)
    assert made and not hidden(figid) & set(made)
    assert_same_as_clean_build(project)


def garble(project: Path, kind: str) -> int:
    """Replace every cache entry of a kind with bytes that are not JSON (a cache that is not ours)."""
    entries = list((project / ".site-cache" / "chunks").rglob(f"*.{kind}"))
    for entry in entries:
        entry.write_bytes(b"not a cache entry")
    return len(entries)


@pytest.mark.parametrize("kind", ["search", "downloads"])
def test_an_unreadable_search_or_downloads_entry_is_made_again_from_the_records(project, kind, monkeypatch):
    """The cache is untrusted input: an entry that does not read is made again from the chunk's
    records, by the build that needs it (it used to fail every build, the chunk being reused)."""
    monkeypatch.setattr(build_module, "CHUNK_TARGET", 2)  # chunks the edit leaves alone
    incremental(project)
    assert garble(project, kind) > 0
    record = first_record(project)
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: After a garbled cache", record.read_text(), count=1, flags=re.M))
    incremental(project)
    assert_same_as_clean_build(project)
    shutil.rmtree(project / "_site")  # every file made again from the cache
    incremental(project)
    assert_same_as_clean_build(project)


def test_an_unreadable_records_entry_makes_the_build_start_again_without_the_cache(project, monkeypatch):
    monkeypatch.setattr(build_module, "CHUNK_TARGET", 2)
    incremental(project)
    assert garble(project, "records") > 0
    template = project / "templates" / "figure.html"
    template.write_text(template.read_text() + "\n<!-- edited -->\n")  # every figure page rendered again
    report = incremental(project)
    assert "a build cache entry vanished or is unreadable; built again without the cache" in str(report.warnings[0])
    assert_same_as_clean_build(project)
    assert incremental(project).up_to_date  # and the cache is whole again
    record = first_record(project)
    record.write_text(re.sub(r"^figtitle: .*$", "figtitle: After the cache was made again", record.read_text(), count=1, flags=re.M))
    assert not [w for w in incremental(project).warnings if "cache" in w.message]
    assert_same_as_clean_build(project)


def test_a_template_edit_renders_again_only_the_pages_made_with_it(project, monkeypatch):
    """A page's key holds the texts of its templates (those it extends, includes or imports
    too), not every template of the site: statistics.html edited, the statistics page alone is
    rendered; base.html edited, every page."""
    import jinja2
    incremental(project, jobs=1)
    rendered = []
    real = jinja2.Template.render
    monkeypatch.setattr(jinja2.Template, "render", lambda self, *a, **k: rendered.append(self.name) or real(self, *a, **k))
    statistics = project / "templates" / "statistics.html"
    statistics.write_text(statistics.read_text().replace("</h1>", "</h1>\n<p>Edited statistics.</p>", 1))
    incremental(project, jobs=1)
    assert rendered == ["statistics.html"] and "Edited statistics." in (project / "_site" / "statistics.html").read_text()
    assert_same_as_clean_build(project)
    rendered.clear()
    base = project / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- edited base -->\n</body>", 1))
    report = incremental(project, jobs=1)
    assert {"figure.html", "listing.html", "statistics.html", "home.html"} <= set(rendered)
    assert report.written >= len(list((project / "_site" / "figures").glob("PMC*.html")))
    assert_same_as_clean_build(project)


def test_an_optional_template_is_part_of_the_key_once_it_exists(project):
    """`{% include "x" ignore missing %}` renders without x; adding x renders the page again."""
    statistics = project / "templates" / "statistics.html"
    statistics.write_text(statistics.read_text().replace("</h1>", '</h1>\n{% include "note.html" ignore missing %}', 1))
    incremental(project)
    assert_same_as_clean_build(project)
    (project / "templates" / "note.html").write_text("<p>A note from the curators.</p>\n")
    assert incremental(project).written >= 1
    assert "A note from the curators." in (project / "_site" / "statistics.html").read_text()
    assert_same_as_clean_build(project)


def test_unused_cache_entries_are_pruned_after_a_day_with_a_look_an_hour_at_most(project):
    cache_dir = project / ".site-cache"
    record = first_record(project)

    def edit_and_build(title: str) -> set[str]:
        """The chunk keys the build used."""
        text = re.sub(r"(?m)^figtitle: .*$", f"figtitle: {title}", record.read_text(encoding="utf-8"), count=1)
        record.write_text(text, encoding="utf-8")
        os.utime(record, (A_WHILE_AGO, time.time() - 10))
        assert not incremental(project).up_to_date
        return set(cache_module.load_manifest(cache_dir, project / "_site").chunk_keys.values())

    def stems() -> set[str]:
        return {path.stem for path in (cache_dir / "chunks").glob("*/*.*")}

    first = edit_and_build("First")
    second = edit_and_build("Second")
    unused = first - second
    assert unused and unused <= stems(), "an entry used within the day stays"
    two_days_ago = time.time() - 2 * 24 * 3600
    for path in (cache_dir / "chunks").glob("*/*.*"):
        os.utime(path, (two_days_ago, two_days_ago))
    edit_and_build("Third")
    assert unused <= stems(), "the last look was less than an hour ago: no look now"
    marker = cache_dir / "pruned-at"
    os.utime(marker, (two_days_ago, two_days_ago))
    used = edit_and_build("Fourth")
    assert not unused & stems(), "unused for two days: deleted"
    assert used <= stems() and marker.stat().st_mtime > time.time() - 60
    assert_same_as_clean_build(project)


def test_the_scan_stamps_every_input_it_finds_in_path_order(project):
    """discover takes the inputs' stamps in its scan: each file found (records, tables, pages,
    static) has its size and time, and a record saved later has a new stamp."""
    sources, stamps = build_module.discover_inputs(*build_module.input_dirs(BuildOptions(project_dir=project)))
    found = [*sources.figures, *(t for kinds in sources.tables.values() for t in kinds.values()), *sources.pages,
             *(path for path, _ in sources.static)]
    assert found and all(stamps[str(path)] == (path.stat().st_size, path.stat().st_mtime_ns) for path in found)
    figures = [name for name in stamps if name.endswith(".md") and "/figures/" in name]
    assert figures == sorted(figures)
    record = first_record(project)
    record.write_text(record.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = build_module.discover_inputs(*build_module.input_dirs(BuildOptions(project_dir=project)))[1]
    assert again[str(record)] != stamps[str(record)]
    assert {name: stamp for name, stamp in again.items() if name != str(record)} == {
        name: stamp for name, stamp in stamps.items() if name != str(record)}
