"""Golden output: a tiny fixture site builds to exactly the stored bytes, and any build is
reproducible (same bytes regardless of file order on disk, locale, time zone or hash seed).

After an intended change to templates or output, regenerate the expected files with
    UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
and review the diff of tests/fixtures/golden-expected/ before committing it.
"""
from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, REPO, needs_corpus
from site_builder.build import BuildOptions, build

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN_SITE = FIXTURES / "golden-site"
EXPECTED = FIXTURES / "golden-expected"
SOURCE_DATE_EPOCH = "1700000000"  # 2023-11-14T22:13:20Z
GOLDEN_FILES = (
    "index.html",
    "figures/PMC9000001__fig1.html",
    "figures/PMC9000001__F1.html",  # a redirect page
    "genes/TP53.html",
    "sitemap.xml",
    "sitemap-1.xml",
    "feed.xml",
    "downloads/pfocr.gmt.gz",
    "figures/index.html",  # a listing longer than its page: doc ids for static/listing.js
)
UPDATING = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def golden_build(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("golden") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        build(BuildOptions(project_dir=GOLDEN_SITE, content_dir=GOLDEN_SITE / "content", output_dir=output, jobs=1))
    return output


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_output_matches_golden_bytes(golden_build: Path, name: str) -> None:
    built = (golden_build / name).read_bytes()
    expected_path = EXPECTED / name
    if UPDATING:
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_bytes(built)
    assert expected_path.exists(), f"no golden file {name}: run UPDATE_GOLDEN=1 pytest tests/test_golden.py"
    expected = expected_path.read_bytes()
    assert built == expected, f"{name} differs from the golden file:\n{short_diff(expected, built)}\n" \
                              "If the change is intended: UPDATE_GOLDEN=1 pytest tests/test_golden.py"


def test_no_stale_golden_files() -> None:
    stored = sorted(p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*") if p.is_file())
    assert stored == sorted(GOLDEN_FILES)


def short_diff(expected: bytes, built: bytes, limit: int = 40) -> str:
    lines = difflib.unified_diff(expected.decode("utf-8", "replace").splitlines(), built.decode("utf-8", "replace").splitlines(),
                                 "golden", "built", lineterm="", n=1)
    return "\n".join(list(lines)[:limit])


# --- reproducible builds -----------------------------------------------------------------------
def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copy_in_order(source: Path, target: Path, reverse: bool) -> Path:
    """Copy a content folder file by file, in forward or reverse order (directory order differs)."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    for path in reversed(files) if reverse else files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return target


def cli_build(project: Path, content: Path, output: Path, **env: str) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO), **env}
    run = subprocess.run([sys.executable, "-m", "site_builder", "build", "-q", "--content", str(content), "--output", str(output)],
                         cwd=project, env=environment, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr


def assert_same_tree(first: Path, second: Path) -> None:
    a, b = tree(first), tree(second)
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name] != b[name]]
    assert differing == [], f"{len(differing)} files differ, e.g. {differing[:5]}"


ENV_A = {"TZ": "UTC", "LC_ALL": "C", "LANG": "C", "PYTHONHASHSEED": "1"}
ENV_B = {"TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PYTHONHASHSEED": "2"}


def reproducible_pair(tmp_path: Path, project: Path, content: Path, **env: str) -> tuple[Path, Path]:
    one = copy_in_order(content, tmp_path / "one", reverse=False)
    two = copy_in_order(content, tmp_path / "two", reverse=True)
    cli_build(project, one, tmp_path / "site-a", **ENV_A, **env)
    cli_build(project, two, tmp_path / "site-b", **ENV_B, **env)
    return tmp_path / "site-a", tmp_path / "site-b"


class ReversedScandir:
    """os.scandir listing entries in reverse order, as another file system might."""

    real = os.scandir

    def __init__(self, path: str | os.PathLike = ".") -> None:
        with ReversedScandir.real(path) as entries:
            self.entries = iter(list(entries)[::-1])

    def __iter__(self) -> "ReversedScandir":
        return self

    def __next__(self) -> os.DirEntry:
        return next(self.entries)

    def __enter__(self) -> "ReversedScandir":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None


def test_directory_listing_order_does_not_matter(tmp_path: Path, golden_build: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        patch.setattr(os, "scandir", ReversedScandir)
        build(BuildOptions(project_dir=GOLDEN_SITE, content_dir=GOLDEN_SITE / "content", output_dir=tmp_path / "site", jobs=1))
    assert_same_tree(golden_build, tmp_path / "site")


def test_fixture_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = reproducible_pair(tmp_path, GOLDEN_SITE, GOLDEN_SITE / "content", SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    assert_same_tree(first, second)


def test_builds_without_source_date_epoch_are_byte_identical(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        first, second = reproducible_pair(tmp_path, GOLDEN_SITE, GOLDEN_SITE / "content")
    assert_same_tree(first, second)
    assert "<updated>2022-01-01T00:00:00Z</updated>" in (first / "feed.xml").read_text()  # the newest figure's year


@needs_corpus
def test_corpus_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = reproducible_pair(tmp_path, REPO, CORPUS, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    assert_same_tree(first, second)


def test_source_date_epoch_sets_the_feed_date(golden_build: Path) -> None:
    feed = (golden_build / "feed.xml").read_text(encoding="utf-8")
    assert "<id>https://golden.example.org/pfocr/</id>\n<updated>2023-11-14T22:13:20Z</updated>" in feed
