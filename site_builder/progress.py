"""Progress bars for long builds: one line per stage on a terminal, nothing elsewhere."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import IO, Iterator

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1


class Bar:
    def __init__(self, name: str, total: int, stream: IO[str] | None):
        self.name, self.total, self.stream = name, total, stream
        self.done = 0
        self.started = time.perf_counter()
        self.drawn_at = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        if self.stream and time.perf_counter() - self.drawn_at >= REDRAW_SECONDS:
            self.draw()

    def draw(self, final: bool = False) -> None:
        if not self.stream:
            return
        self.drawn_at = time.perf_counter()
        seconds = self.drawn_at - self.started
        if self.total:
            filled = min(BAR_WIDTH, BAR_WIDTH * self.done // self.total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            text = f"{self.name:<16} [{bar}] {self.done:,}/{self.total:,}"
        else:
            text = f"{self.name:<16} {self.done:,}" if self.done else f"{self.name:<16}"
        end = "\n" if final else ""
        self.stream.write(f"\r\x1b[K{text} {seconds:6.1f} s{end}")
        self.stream.flush()


class Progress:
    """`with progress.stage(name, total) as bar: bar.advance(n)`; silent unless enabled."""

    def __init__(self, enabled: bool, stream: IO[str] | None = None):
        self.stream = (stream or sys.stderr) if enabled else None

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Bar]:
        bar = Bar(name, total, self.stream)
        bar.draw()
        try:
            yield bar
        finally:
            bar.draw(final=True)


def wanted(quiet: bool, stream: IO[str] | None = None) -> bool:
    """Bars only on an interactive terminal and without --quiet."""
    stream = stream or sys.stderr
    return not quiet and hasattr(stream, "isatty") and stream.isatty()
