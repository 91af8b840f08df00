"""What a build prints: the summary line, the size per folder, the 1 GB warning, progress bars."""
from __future__ import annotations

import io
from pathlib import Path

from site_builder import cli, progress
from site_builder.build import BuildReport
from site_builder.config import SiteConfig
from hypothesis import given, strategies as st

from site_builder.write import file_stats, page_kind


def report_with(files: dict[str, int]) -> BuildReport:
    stats = file_stats({path: ("", size) for path, size in files.items()})
    return BuildReport(config=SiteConfig(), output=Path("_site"), figures=2, pages=stats.files, stats=stats, written=3)


def test_size_report_lists_folders_largest_first_with_averages() -> None:
    lines = cli.size_report(report_with({"figures/a.html": 3000, "figures/b.html": 1000, "figures/a-genes.tsv.gz": 700,
                                         "genes/X.html": 500, "index.html": 100}))
    assert [line.split()[:2] for line in lines] == [["figures/", "2"], ["figures/", "tables"], ["genes/", "1"], ["top-level", "files"]]
    assert "2 files" in lines[0] and "avg     2.0 KB" in lines[0]
    assert not any(line.startswith("warning") for line in lines)


def test_a_site_over_one_gigabyte_is_warned_about_naming_the_largest_folders() -> None:
    lines = cli.size_report(report_with({"genes/a.html": 700_000_000, "figures/b.html": 400_000_000, "index.html": 10}))
    warning = lines[-1]
    assert warning.startswith("warning: the site is 1.10 GB; GitHub Pages publishes at most 1 GB.")
    assert "genes/ (700 MB)" in warning and "figures/ (400 MB)" in warning


def test_summary_line_says_what_was_written_or_that_nothing_changed() -> None:
    report = report_with({"figures/a.html": 10, "index.html": 10})
    assert cli.summary(report, "Built _site:").endswith("; 3 written, 0 removed")
    report.up_to_date = True
    assert cli.summary(report, "Built _site:").endswith("nothing changed since the last build")


def test_summary_line_counts_in_words() -> None:
    """'1 figure, 1 error, 1 warning', not '1 figures, 1 errors, 1 warnings'."""
    report = report_with({"figures/a.html": 10})
    report.figures, report.errors, report.warnings = 1, ["e"], ["w"]
    assert cli.summary(report, "Built _site:").startswith("Built _site: 1 figure, 1 file (0.0 MB), 1 error, 1 warning in ")
    report.figures, report.errors, report.warnings = 1234, [], ["w", "v"]
    assert cli.summary(report, "Checked").startswith("Checked 1,234 figures, 1 file (0.0 MB), 0 errors, 2 warnings in ")


def test_progress_bars_draw_only_when_enabled() -> None:
    shown, hidden = io.StringIO(), io.StringIO()
    for stream, enabled in ((shown, True), (hidden, False)):
        with progress.Progress(enabled, stream).stage("render figures", 4) as bar:
            bar.advance(4)
    assert "render figures" in shown.getvalue() and "4/4" in shown.getvalue() and shown.getvalue().endswith("\n")
    assert hidden.getvalue() == ""


def test_progress_is_off_when_quiet_or_not_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress.wanted(quiet=False, stream=Terminal())
    assert not progress.wanted(quiet=True, stream=Terminal())
    assert not progress.wanted(quiet=False, stream=io.StringIO())


PATHS = st.lists(st.tuples(st.sampled_from(["", "figures/", "genes/", "figures/x/", "search/"]),
                           st.sampled_from(["a", "b.html", "c-genes.tsv.gz", "d.tsv.gz", "e.json"]),
                           st.integers(0, 10**6)), unique_by=lambda t: t[0] + t[1])


@given(PATHS)
def test_file_stats_count_each_file_once_by_its_kind(files) -> None:
    stats = file_stats({folder + name: ("h", size) for folder, name, size in files})
    expected: dict[str, list[int]] = {}
    for folder, name, size in files:
        counts = expected.setdefault(page_kind(folder + name), [0, 0])
        counts[0], counts[1] = counts[0] + 1, counts[1] + size
    assert stats.by_kind == expected
    assert (stats.files, stats.bytes) == (len(files), sum(size for *_, size in files))
