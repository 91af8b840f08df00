"""Issue 12: a build deletes or replaces only what site-builder made, and nothing a repository
ships (site.yml, .site-cache/, journals, stray files) can make it run code or touch other folders.

Each test reproduces an attack or a data loss that the builds before this change suffered."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REPO, minimal_fields, write_record
from site_builder import cache
from site_builder.build import BuildOptions, build
from site_builder.errors import BuildError
from site_builder.write import MARKER, journal_path


def make_project(root: Path) -> Path:
    project = root / "project"
    shutil.copytree(REPO / "content", project / "content")
    return project


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "site_builder", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- 1. the output folder -------------------------------------------------------------------------


def test_a_folder_holding_files_we_did_not_write_survives_and_the_build_fails(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    precious = project / "precious"
    precious.mkdir()
    (precious / "important.txt").write_text("thesis draft")
    run = cli(project, "build", "--output", "precious")
    assert run.returncode == 1
    assert "refusing to replace precious: it holds files site-builder did not write" in run.stderr
    assert "--force" in run.stderr and "Traceback" not in run.stderr
    assert tree(precious) == {"important.txt": b"thesis draft"}


def test_force_replaces_such_a_folder(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "old-site").mkdir()
    (project / "old-site" / "stale.html").write_text("stale")
    run = cli(project, "build", "-q", "--output", "old-site", "--force")
    assert run.returncode == 0, run.stderr
    assert not (project / "old-site" / "stale.html").exists()
    assert (project / "old-site" / "index.html").is_file() and (project / "old-site" / MARKER).is_file()


@pytest.mark.parametrize("output", ["content/figures", "content/data/site", ".git", ".git/site"])
def test_folders_inside_the_content_or_git_are_refused(tmp_path: Path, output: str) -> None:
    project = make_project(tmp_path)
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = tree(project)
    run = cli(project, "build", "--output", output, "--force")  # not even with --force
    assert run.returncode == 1
    assert "refusing to build into" in run.stderr or "refusing to replace" in run.stderr
    assert tree(project) == before


@pytest.mark.parametrize("named", ["absolute", "../outside", "."])
def test_site_yml_cannot_send_the_output_outside_the_project(tmp_path: Path, named: str) -> None:
    project = make_project(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "notes.txt").write_text("mine")
    value = str(victim) if named == "absolute" else named
    (project / "site.yml").write_text(f"output: {json.dumps(value)}\n")
    run = cli(project, "build")
    assert run.returncode == 1, run.stdout
    assert tree(victim) == {"notes.txt": b"mine"}


def test_the_command_line_may_build_outside_the_project(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    run = cli(project, "build", "-q", "--output", str(tmp_path / "elsewhere"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "elsewhere" / "index.html").is_file()


def test_an_empty_folder_and_our_own_folder_are_built_into(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "_site").mkdir()
    options = BuildOptions(project_dir=project, content_dir=project / "content", jobs=1)
    build(options)
    assert (project / "_site" / MARKER).is_file()
    write_record(project / "content", minimal_fields("PMC77__new"))
    build(options)  # incremental, into the folder it made
    assert (project / "_site" / "figures" / "PMC77__new.html").is_file()
    build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1, clean=True))


# --- 2. the build journal -------------------------------------------------------------------------


def incremental_project(tmp_path: Path) -> tuple[Path, Path, Path]:
    project = make_project(tmp_path)
    options = BuildOptions(project_dir=project, content_dir=project / "content", jobs=1)
    build(options)
    return project, project / "_site", journal_path(project / cache.CACHE_DIR_NAME, project / "_site")


@pytest.mark.parametrize("plan", [
    {"removed": ["../victim/notes.txt"]},
    {"removed": ["/etc/hostname"]},
    {"staged": ["../victim/notes.txt"]},
    {"staging": "../victim"},
    {"staging": "._site.staging-1/../../victim"},
    {"output": "/tmp"},
])
def test_a_journal_naming_paths_outside_the_output_is_refused(tmp_path: Path, plan: dict) -> None:
    project, output, journal = incremental_project(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "notes.txt").write_text("mine")
    journal.parent.mkdir(parents=True, exist_ok=True)
    text = {"staging": "._site.staging-1", "output": str(output.resolve()), "staged": [], "removed": [], **plan}
    journal.write_text(json.dumps(text))
    with pytest.raises(BuildError) as error:
        build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert "refusing to follow this build journal" in str(error.value)
    assert tree(victim) == {"notes.txt": b"mine"}


def test_a_journal_beside_the_output_is_not_read(tmp_path: Path) -> None:
    """Where older versions kept it: a repository could commit one there."""
    project, output, _ = incremental_project(tmp_path)
    victim = project / "victim"
    victim.mkdir()
    (victim / "notes.txt").write_text("mine")
    (project / "._site.journal").write_text(json.dumps(
        {"staging": str(victim), "output": str(output), "staged": [], "removed": ["../victim/notes.txt"]}))
    build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1, clean=True))
    assert tree(victim) == {"notes.txt": b"mine"}


def test_staging_lookalikes_we_did_not_make_are_left_alone(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    for name in ("._site.staging-12", "._site.old-12"):
        (project / name).mkdir()
        (project / name / "keep.txt").write_text("not yours")
    build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert (project / "._site.staging-12" / "keep.txt").read_text() == "not yours"


def test_a_symlink_in_the_output_never_leads_writes_out_of_it(tmp_path: Path) -> None:
    project, output, _ = incremental_project(tmp_path)
    outside = tmp_path / "outside"
    shutil.copytree(output / "figures", outside)
    before = tree(outside)
    shutil.rmtree(output / "figures")
    (output / "figures").symlink_to(outside, target_is_directory=True)
    record = project / "content" / "figures" / "PMC9900001__ijms-25-01234-g005.md"
    record.write_text(record.read_text().replace("figtitle: ", "figtitle: Edited ", 1))
    build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert tree(outside) == before
    assert not (output / "figures").is_symlink()


# --- 5. the cache runs no code -------------------------------------------------------------------


class Touch:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_a_cache_shipped_by_a_repository_runs_no_code(tmp_path: Path) -> None:
    project, output, _ = incremental_project(tmp_path)
    pwned = tmp_path / "pwned"
    payload = pickle.dumps(Touch(str(pwned)))
    cache_dir = project / cache.CACHE_DIR_NAME
    planted = [cache.manifest_path(cache_dir, output), cache.manifest_path(cache_dir, output).with_suffix(".head"),
               cache_dir / "manifests" / f"{cache.digest('5', str(output.resolve()))}.pickle"]  # the old name
    planted += [p for p in (cache_dir / "chunks").rglob("*") if p.is_file()]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)
    record = project / "content" / "figures" / "PMC9900001__ijms-25-01234-g005.md"
    record.write_text(record.read_text().replace("figtitle: ", "figtitle: Edited ", 1))
    build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert not pwned.exists()
    assert "Edited" in (output / "figures" / "PMC9900001__ijms-25-01234-g005.html").read_text()


def test_cache_entries_of_the_wrong_shape_are_rebuilt(tmp_path: Path) -> None:
    project, output, _ = incremental_project(tmp_path)
    cache_dir = project / cache.CACHE_DIR_NAME
    for path in (p for p in (cache_dir / "chunks").rglob("*") if p.is_file()):
        path.write_text('[1, {"~tuple": [2]}, "x"]')
    cache.manifest_path(cache_dir, output).write_text('["' + str(output.resolve()) + '", "", 0, {"../x": ["a", 1]}]')
    report = build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert report.figures == 13


def test_a_manifest_whose_chunk_keys_lead_out_of_the_cache_is_not_used(tmp_path: Path, monkeypatch) -> None:
    """A chunk key names cache files (<cache>/chunks/<key[:2]>/<key>.result): '../../victim'
    would read files beside the project as the chunk's cached result."""
    project, output, _ = incremental_project(tmp_path)
    for path in (project / "content").rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))  # old: their time stamps are trusted
    build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    cache_dir = project / cache.CACHE_DIR_NAME
    for entry in sorted((cache_dir / "chunks").rglob("*.*")):  # entries where the key leads
        shutil.copy(entry, tmp_path / ("victim" + entry.suffix))
    manifest = cache.load_manifest(cache_dir, output)
    manifest.chunk_keys = {stamp: "../../victim" for stamp in manifest.chunk_keys}
    cache.save_manifest(cache_dir, output, manifest)
    assert cache.load_manifest(cache_dir, output) is None
    read = []
    real = cache.read_entry
    monkeypatch.setattr(cache, "read_entry", lambda path, kind: read.append(Path(os.path.abspath(path))) or real(path, kind))
    (project / "content" / "pages").mkdir(exist_ok=True)
    (project / "content" / "pages" / "new.md").write_text("---\ntitle: New\n---\nA page.\n")
    report = build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert report.figures == 13 and not report.errors
    assert read and all(path.is_relative_to(cache_dir) for path in read)


def test_a_cached_result_that_names_another_chunk_is_not_used(tmp_path: Path, monkeypatch) -> None:
    """A result entry holds its chunk's key, from which the build names the chunk's other
    entries: one whose key is not its file's ('../../victim') is read as missing."""
    from site_builder.results import StoredResult
    project, output, _ = incremental_project(tmp_path)
    for path in (project / "content").rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    cache_dir = project / cache.CACHE_DIR_NAME
    for entry in (cache_dir / "chunks").rglob("*.result"):
        stored = cache.read_entry(entry, StoredResult)
        cache.write_entry(entry, replace(stored, key="../../victim"), StoredResult, cache_dir)
        for other in entry.parent.glob(entry.stem + ".*"):
            shutil.copy(other, tmp_path / ("victim" + other.suffix))
    read = []
    real = cache.read_entry
    monkeypatch.setattr(cache, "read_entry", lambda path, kind: read.append(Path(os.path.abspath(path))) or real(path, kind))
    template = project / "templates" / "figure.html"
    template.parent.mkdir(exist_ok=True)
    shutil.copy(REPO / "templates" / "figure.html", template)
    template.write_text(template.read_text().replace("</h1>", "</h1>\n", 1))  # every figure page rendered again
    report = build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert report.figures == 13 and not report.errors
    assert read and all(path.is_relative_to(cache_dir) for path in read)
    assert all((tmp_path / ("victim" + suffix)).exists() for suffix in (".result", ".records", ".search", ".downloads"))


# --- 12. one record that makes most of the site ---------------------------------------------------


def test_a_record_that_alone_adds_a_large_share_of_the_site_is_warned_about(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write_record(content, minimal_fields("PMC1__a", **{"schema-jsonld": {"keywords": ["TP53", "EGFR"]}}))
    genes = [f"GENE{n}" for n in range(2000)]
    write_record(content, minimal_fields("PMC2__b", **{"schema-jsonld": {"keywords": genes}}))
    report = build(BuildOptions(project_dir=tmp_path, content_dir=content, jobs=1))
    messages = [str(w) for w in report.warnings]
    assert any("PMC2__b.md" in m and "alone adds 2,000 gene pages" in m for m in messages), messages
    assert not any("PMC1__a.md" in m for m in messages)


# --- a cache whose links lead elsewhere -------------------------------------------------------------


def test_a_cache_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / cache.CACHE_DIR_NAME).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(BuildError) as error:
        build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert "refusing to use this build cache" in str(error.value)
    assert list(elsewhere.iterdir()) == []


def test_links_inside_the_cache_never_lead_writes_out_of_it(tmp_path: Path) -> None:
    project, output, journal = incremental_project(tmp_path)
    cache_dir = project / cache.CACHE_DIR_NAME
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(cache_dir / "chunks")
    (cache_dir / "chunks").symlink_to(elsewhere, target_is_directory=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.with_name(journal.name + ".tmp").symlink_to(victim)
    record = project / "content" / "figures" / "PMC9900001__ijms-25-01234-g005.md"
    record.write_text(record.read_text().replace("figtitle: ", "figtitle: Edited ", 1))
    with pytest.raises(BuildError) as error:
        build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert "symbolic link" in str(error.value)
    assert list(elsewhere.iterdir()) == [] and victim.read_text() == "mine"


def test_a_prune_marker_that_is_a_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    project, output, journal = incremental_project(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    long_ago = time.time() - 3 * 24 * 3600
    os.utime(victim, (long_ago, long_ago))
    marker = project / cache.CACHE_DIR_NAME / cache.PRUNED_AT
    marker.unlink(missing_ok=True)
    marker.symlink_to(victim)
    record = project / "content" / "figures" / "PMC9900001__ijms-25-01234-g005.md"
    record.write_text(record.read_text().replace("figtitle: ", "figtitle: Edited ", 1))
    with pytest.raises(BuildError) as error:
        build(BuildOptions(project_dir=project, content_dir=project / "content", jobs=1))
    assert "symbolic link" in str(error.value)
    assert victim.read_text() == "mine" and victim.stat().st_mtime == pytest.approx(long_ago)
