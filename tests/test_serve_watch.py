"""site_builder.serve's file watching: coalescing bursts, watchfiles, what triggers a rebuild.

Every wait is bounded; servers use the fake rebuild of serve_helpers and count its calls.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from serve_helpers import TIMEOUT, fake_rebuild, start_server

from site_builder.serve.watch import Coalescer, Watcher


def test_coalescer_burst_is_one_batch_later_events_another():
    c = Coalescer(quiet=0.15, max_wait=2.0, clock=lambda: 0.0)
    c.add(["a.md"], now=0.00)
    c.add(["b.md"], now=0.05)
    c.add(["c.md", "a.md"], now=0.10)
    assert c.take(now=0.20) is None  # only 0.10 s since the last save
    assert c.due_in(now=0.20) == pytest.approx(0.05)
    batch = c.take(now=0.26)
    assert batch == {Path("a.md"), Path("b.md"), Path("c.md")}
    assert c.take(now=5.0) is None and c.due_in(now=5.0) is None
    c.add(["d.md"], now=1.00)  # after the window: a second batch
    assert c.take(now=1.10) is None
    assert c.take(now=1.16) == {Path("d.md")}


def test_coalescer_never_starves_under_constant_writes():
    c = Coalescer(quiet=0.15, max_wait=1.0)
    released = []
    for step in range(30):  # a save every 0.1 s for 3 s
        now = step * 0.1
        c.add([f"f{step}.md"], now=now)
        batch = c.take(now=now)
        if batch:
            released.append((now, len(batch)))
    assert released and released[0][0] == pytest.approx(1.0)
    assert len(released) == 2  # at 1.0 s and 2.1 s, not 30 times


def test_coalescer_wait_blocks_until_quiet():
    c = Coalescer(quiet=0.1)
    assert c.wait(timeout=0.05) is None
    started = time.monotonic()
    c.add(["a"])
    c.add(["b"])
    batch = c.wait(timeout=5)
    assert batch == {Path("a"), Path("b")}
    assert 0.09 <= time.monotonic() - started < 2
    c.close()
    assert c.wait(timeout=5) is None  # returns at once when closed


def test_watcher_reports_changes_not_editor_noise(tmp_path):
    root = tmp_path / "content"
    (root / "figures").mkdir(parents=True)
    for name in ("a.md", "b.md", "c.md"):
        (root / "figures" / name).write_text("x")
    (tmp_path / "site.yml").write_text("title: x\n")
    coalescer = Coalescer(quiet=0.3)
    watch = Watcher([root, tmp_path / "site.yml"], coalescer)
    watch.start()
    try:
        (root / "figures" / "a.md").write_text("changed")
        (root / "figures" / "b.md").unlink()
        (root / "figures" / "d.md").write_text("new")
        (root / "figures" / ".d.md.swp").write_text("editor noise")
        (root / "figures" / "e.md~").write_text("editor noise")
        (root / ".git").mkdir()
        (root / ".git" / "index").write_text("not ours")
        (tmp_path / "site.yml").write_text("title: y\n")
        (tmp_path / "unwatched.txt").write_text("beside the config, not watched")
        seen: set = set()
        deadline = time.monotonic() + TIMEOUT
        expected = {root / "figures" / "a.md", root / "figures" / "b.md", root / "figures" / "d.md", tmp_path / "site.yml"}
        while not expected <= seen and time.monotonic() < deadline:
            seen |= coalescer.wait(timeout=0.5) or set()
        seen |= coalescer.wait(timeout=0.5) or set()
        assert seen == expected
    finally:
        watch.stop()


WATCHERS = ["auto", "poll"]


@pytest.mark.parametrize("watcher", WATCHERS)
def test_burst_of_saves_rebuilds_once(tmp_path, watcher):
    calls: list = []
    srv = start_server(tmp_path, rebuild=fake_rebuild(counter=calls), quiet=1.0, watcher=watcher)
    assert srv.watcher.kind == ("watchfiles, polling" if watcher == "poll" else "watchfiles")
    try:
        assert len(calls) == 1 and calls[0] is None  # the first build
        figures = tmp_path / "content" / "figures"
        figures.mkdir()
        started = time.monotonic()
        for n in range(6):  # an editor saving several files at once
            (figures / f"f{n}.md").write_text(f"v{n}")
        wrote = time.monotonic() - started
        assert srv.wait_for_build(1, TIMEOUT) is not None
        time.sleep(2.0)  # well past the quiet period: no second build for the same burst
        assert len(calls) == 2, (wrote, calls)
        assert calls[1] >= {figures / f"f{n}.md" for n in range(6)}
        assert calls[1] <= {figures / f"f{n}.md" for n in range(6)} | {figures}  # (the new folder too)
        (figures / "f0.md").write_text("again")  # a later save: another build
        assert srv.wait_for_build(2, TIMEOUT) is not None
        time.sleep(1.5)
        assert len(calls) == 3 and calls[2] == {figures / "f0.md"}
    finally:
        srv.stop()


def rebuilt_with(srv, generation: int, calls: list, path) -> int:
    """Wait for a rebuild whose changes name path (the poller may first report the folder made
    for it, or a file saved before, in a batch of their own); returns its generation."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        assert srv.wait_for_build(generation, max(0.0, deadline - time.monotonic())) is not None, (path, calls[-3:])
        generation = srv.state.generation
        if path in calls[-1]:
            return generation


@pytest.mark.parametrize("watcher", WATCHERS)
def test_watches_templates_static_and_config(tmp_path, watcher):
    calls: list = []
    srv = start_server(tmp_path, rebuild=fake_rebuild(counter=calls), watcher=watcher)
    try:
        generation = srv.state.generation
        # folders that did not exist when the server started, and the config file
        for path in (tmp_path / "templates" / "figure.html", tmp_path / "static" / "css" / "site.css", tmp_path / "site.yml"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")
            generation = rebuilt_with(srv, generation, calls, path)
        # an editor's atomic save: write a temporary file, rename it over the original
        if watcher == "poll":
            time.sleep(1.1)  # watchfiles' polling compares modification times in whole seconds
        temp = tmp_path / "site.yml.tmp"
        temp.write_text("title: atomic\n")
        os.replace(temp, tmp_path / "site.yml")
        assert srv.wait_for_build(generation, TIMEOUT) is not None
        generation = srv.state.generation
        assert tmp_path / "site.yml" in calls[-1]
        # a folder of records copied in at once, then removed
        incoming = tmp_path / "incoming"
        (incoming / "figures").mkdir(parents=True)
        for n in range(3):
            (incoming / "figures" / f"n{n}.md").write_text("x")
        os.replace(incoming, tmp_path / "content" / "more")
        assert srv.wait_for_build(generation, TIMEOUT) is not None
        generation = srv.state.generation
        assert tmp_path / "content" / "more" / "figures" / "n2.md" in calls[-1] or tmp_path / "content" / "more" in calls[-1]
        shutil.rmtree(tmp_path / "content" / "more")
        assert srv.wait_for_build(generation, TIMEOUT) is not None
        # nothing else happens while nothing changes
        generation = srv.state.generation
        time.sleep(0.5)
        assert srv.state.generation == generation
    finally:
        srv.stop()


@pytest.mark.parametrize("watcher", WATCHERS)
def test_watcher_sees_every_file_of_new_folders(tmp_path, watcher):
    """Files written right after their folder is created are not lost (the race between mkdir and the new watch)."""
    content = tmp_path / "content"
    content.mkdir()
    coalescer = Coalescer(quiet=0.2)
    watch = Watcher([content], coalescer, polling=watcher == "poll", poll_interval=0.05)
    watch.start()
    try:
        expected = set()
        for d in range(5):
            folder = content / f"d{d}" / "figures"
            folder.mkdir(parents=True)
            for n in range(40):
                (folder / f"f{n}.md").write_text("x")
                expected.add(folder / f"f{n}.md")
        seen: set = set()
        deadline = time.monotonic() + TIMEOUT
        while not expected <= seen and time.monotonic() < deadline:
            seen |= coalescer.wait(timeout=0.5) or set()
        assert expected - seen == set()
    finally:
        watch.stop()


def test_watcher_polls_when_the_os_refuses_to_watch(tmp_path, monkeypatch):
    """E.g. inotify's limit of watches reached: say so once and keep watching by polling."""
    from site_builder.serve import watch as watch_module

    real_watch = watch_module.watchfiles.watch

    def refusing_watch(*paths, force_polling, **options):
        if not force_polling:
            raise OSError("OS file watch limit reached")
        return real_watch(*paths, force_polling=force_polling, **options)

    monkeypatch.setattr(watch_module.watchfiles, "watch", refusing_watch)
    content = tmp_path / "content"
    content.mkdir()
    said: list[str] = []
    coalescer = Coalescer(quiet=0.1)
    watch = Watcher([content], coalescer, poll_interval=0.05, say=said.append)
    watch.start()
    try:
        time.sleep(1.1)  # polling compares modification times in whole seconds
        (content / "a.md").write_text("x")
        seen: set = set()
        deadline = time.monotonic() + TIMEOUT
        while content / "a.md" not in seen and time.monotonic() < deadline:
            seen |= coalescer.wait(timeout=0.5) or set()
        assert content / "a.md" in seen
        assert watch.kind == "watchfiles, polling"
        assert any("watch limit reached" in line and "polling instead" in line for line in said), said
    finally:
        watch.stop()


def test_editor_noise_is_ignored(tmp_path):
    calls: list = []
    srv = start_server(tmp_path, rebuild=fake_rebuild(counter=calls))
    try:
        for name in (".record.md.swp", "record.md~", ".#record.md", "4913"):
            (tmp_path / "content" / name).write_text("x")
        time.sleep(0.6)
        assert len(calls) == 1
    finally:
        srv.stop()
