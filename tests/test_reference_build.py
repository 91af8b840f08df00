"""The whole output of the fixture site, byte for byte, against a checked-in reference; and the
ways of building it that must not change a byte: one worker or two, cold or incremental.

test_golden.py keeps a few whole files to read in a diff and checks that builds do not depend
on the machine (file order, locale, time zone, hash seed). This module complements it:
- every output file's SHA-256 is in tests/fixtures/reference-build.sha256 (sorted
  `sha256  path` lines, as `sha256sum` prints them), so no file of the site can change,
  appear or vanish unnoticed, e.g. while the build is made faster (issue 16);
- a cold build with 2 workers (and chunks small enough that the work is really shared out)
  gives the same bytes as one with 1 worker;
- an incremental build after editing a record gives the same bytes as a cold build of the
  edited content, and after reverting the edit the same bytes as the reference.

After an intended change to the output, regenerate the reference deliberately with
    UPDATE_REFERENCE=1 PYTHONPATH=. python -m pytest tests/test_reference_build.py
and review `git diff tests/fixtures/reference-build.sha256` (which files changed) together with
the golden files' diff (how) before committing it; name the change in the commit message.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from site_builder import build as build_module
from site_builder.build import BuildOptions, build

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN_SITE = FIXTURES / "golden-site"
REFERENCE = FIXTURES / "reference-build.sha256"
SOURCE_DATE_EPOCH = "1700000000"  # as in test_golden.py
UPDATING = os.environ.get("UPDATE_REFERENCE") == "1"
EDITED_RECORD = "figures/PMC9000002__ijms-23-0002-g003.md"


def digests(root: Path) -> list[str]:
    """`sha256  path` of every file under root, sorted by path (sha256sum's format)."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return [f"{hashlib.sha256((root / name).read_bytes()).hexdigest()}  {name}" for name in files]


def build_site(content: Path, output: Path, cache: Path, *, jobs: int = 1, clean: bool = True) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        build(BuildOptions(project_dir=GOLDEN_SITE, content_dir=content, output_dir=output, cache_dir=cache,
                           jobs=jobs, clean=clean))
    return output


def differences(expected: list[str], built: list[str]) -> str:
    """Which files changed, appeared or vanished (by path), for the failure message."""
    old = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in expected}
    new = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in built}
    changed = sorted(path for path in old.keys() & new.keys() if old[path] != new[path])
    lines = [f"changed: {path}" for path in changed[:20]]
    lines += [f"missing: {path}" for path in sorted(old.keys() - new.keys())[:20]]
    lines += [f"new:     {path}" for path in sorted(new.keys() - old.keys())[:20]]
    return "\n".join(lines)


def assert_same(expected: list[str], built: list[str], what: str) -> None:
    assert built == expected, f"{what}:\n{differences(expected, built)}"


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    """A copy of the fixture's content (tests below edit records; the fixture stays as it is)."""
    folder = tmp_path_factory.mktemp("reference-content") / "content"
    shutil.copytree(GOLDEN_SITE / "content", folder)
    return folder


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory, content: Path) -> list[str]:
    """A cold build with one worker: the build the reference describes."""
    scratch = tmp_path_factory.mktemp("reference")
    return digests(build_site(content, scratch / "site", scratch / "cache", jobs=1))


def test_build_matches_the_reference(reference_build: list[str]) -> None:
    if UPDATING:
        REFERENCE.write_text("".join(line + "\n" for line in reference_build), encoding="utf-8")
    assert REFERENCE.exists(), "no reference: run UPDATE_REFERENCE=1 python -m pytest tests/test_reference_build.py"
    expected = REFERENCE.read_text(encoding="utf-8").splitlines()
    assert_same(expected, reference_build, "the fixture site's output differs from tests/fixtures/reference-build.sha256 "
                "(if intended: UPDATE_REFERENCE=1 python -m pytest tests/test_reference_build.py, and say so in the commit)")


def test_reference_covers_every_kind_of_output(reference_build: list[str]) -> None:
    """The fixture exercises figure pages, redirects, tables, listings, search and downloads."""
    paths = [line.split("  ", 1)[1] for line in reference_build]
    for expected in ("index.html", "figures/PMC9000001__fig1.html", "figures/PMC9000001__F1.html",
                     "figures/PMC9000001__fig1-genes.tsv.gz", "genes/TP53.html", "downloads/pfocr.gmt.gz", "feed.xml"):
        assert expected in paths
    assert any(path.startswith("search/") for path in paths)
    assert any(path.startswith("json/") for path in paths)


class WorkerLog:
    """Records, in a file (forked workers cannot append to the parent's lists), the processes
    that ran each stage's tasks."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.parent = os.getpid()

    def wrap(self, stage: str, task):
        folder = self.folder

        def logged(state, chunk):
            with open(folder / stage, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()}\n")
            return task(state, chunk)

        return logged

    def forked(self, stage: str) -> bool:
        path = self.folder / stage
        return path.exists() and any(int(pid) != self.parent for pid in path.read_text().split())


def small_chunks_build(content: Path, folder: Path, jobs: int) -> tuple[list[str], WorkerLog]:
    """A cold build with chunks of one record and page tasks of two pages, so that a 3-figure
    site still shares its work out to forked workers (a stage with one chunk runs in the main
    process). The chunks decide the gzip members of the downloads (one per chunk: downloads.py),
    so these bytes are compared with each other, not with the reference."""
    log = WorkerLog(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_module, "CHUNK_MAX", 1)
        patch.setattr(build_module, "PAGE_CHUNK", 2)
        for stage in ("load_chunks", "render_chunks", "render_pages"):
            patch.setattr(build_module, stage, log.wrap(stage, getattr(build_module, stage)))
        site = build_site(content, folder / "site", folder / "cache", jobs=jobs)
    return digests(site), log


def test_two_workers_give_the_same_bytes_as_one(tmp_path: Path, content: Path) -> None:
    (tmp_path / "one").mkdir(), (tmp_path / "two").mkdir()
    one, one_log = small_chunks_build(content, tmp_path / "one", jobs=1)
    two, two_log = small_chunks_build(content, tmp_path / "two", jobs=2)
    assert not one_log.forked("load_chunks")
    if not two_log.forked("load_chunks"):
        pytest.skip("no worker was forked here (another thread runs in this process), so 2 workers were not tested")
    assert_same(one, two, "a cold build with 2 workers differs from one with 1 worker")


def test_render_stages_share_their_work_out_too(tmp_path: Path, content: Path) -> None:
    """Once they do, test_two_workers_give_the_same_bytes_as_one covers them as well."""
    _, log = small_chunks_build(content, tmp_path, jobs=2)
    if not log.forked("load_chunks"):
        pytest.skip("no worker was forked here (another thread runs in this process)")
    assert log.forked("render_chunks") and log.forked("render_pages")


def edit_record(content: Path) -> tuple[Path, bytes]:
    record = content / EDITED_RECORD
    original = record.read_bytes()
    edited = original.replace(b"\nfigtitle: ", b"\nfigtitle: Edited ", 1)
    assert edited != original
    record.write_bytes(edited)
    return record, original


def test_incremental_build_after_edit_and_revert_gives_the_cold_bytes(tmp_path: Path, content: Path,
                                                                      reference_build: list[str]) -> None:
    output, cache = tmp_path / "site", tmp_path / "cache"
    build_site(content, output, cache, clean=True)
    record, original = edit_record(content)
    try:
        edited = digests(build_site(content, output, cache, clean=False))
        edited_cold = digests(build_site(content, tmp_path / "cold-site", tmp_path / "cold-cache", clean=True))
    finally:
        record.write_bytes(original)
    assert edited != reference_build, "the edit changed nothing: the test would prove nothing"
    assert_same(edited_cold, edited, "an incremental build after an edit differs from a cold build of the edited content")
    reverted = digests(build_site(content, output, cache, clean=False))
    assert_same(reference_build, reverted, "an incremental build after reverting an edit differs from the cold build")
