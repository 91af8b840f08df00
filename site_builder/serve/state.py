"""What the last build left for the server: its state, its problems, and the page showing them.

While the last build failed, every HTML request gets :func:`error_page`: each problem's
file:line, message and source line (all escaped), so the tab shows what to fix and reloads
by itself after the next good save.
"""
from __future__ import annotations

import html
import traceback
from dataclasses import dataclass

import jinja2

from ..errors import BuildError


@dataclass(frozen=True, slots=True)
class Failure:
    """One problem to show: where (file:line) and what."""

    location: str
    message: str
    source_line: str = ""


@dataclass(frozen=True, slots=True)
class BuildState:
    generation: int  # 0 before the first build finished
    ok: bool
    prefix: str  # URL path the site is served under: '/' or '/repo/'
    failures: tuple[Failure, ...] = ()
    detail: str = ""  # a traceback, for crashes that are not content errors
    seconds: float = 0.0


def describe_failure(exc: BaseException) -> tuple[list[Failure], str]:
    """The problems an exception carries, located in the user's files where possible."""
    if isinstance(exc, BuildError):
        failures = []
        for problem in exc.errors:
            where = f"{problem.path}:{problem.line}" if problem.line else problem.path
            if problem.column:
                where += f":{problem.column}"
            message = f"{problem.field}: {problem.message}" if problem.field else problem.message
            failures.append(Failure(where, message, _source_line(problem.path, problem.line)))
        return failures, ""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name = exc.filename or exc.name or "template"
        return [Failure(f"{name}:{exc.lineno}", f"template syntax error: {exc.message}", _source_line(name, exc.lineno))], ""
    if isinstance(exc, jinja2.TemplateError):
        # Jinja rewrites tracebacks so template frames carry the template's file and line.
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith(".py")]
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "template"
        line = _source_line(frames[-1].filename, frames[-1].lineno) if frames else ""
        return [Failure(where, f"{type(exc).__name__}: {exc}", line)], ""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "site-builder"
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return [Failure(where, f"{type(exc).__name__}: {exc}")], detail


def _source_line(path: str, line: int | None) -> str:
    if not line or line < 1:
        return ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, text in enumerate(f, 1):
                if number == line:
                    return text.rstrip("\n")[:500]
    except OSError:
        pass
    return ""


def error_page(state: BuildState) -> bytes:
    """A self-contained HTML page listing the build's problems; every value is escaped."""
    items = []
    for failure in state.failures:
        source = f"<pre>{html.escape(failure.source_line)}</pre>" if failure.source_line else ""
        items.append(
            f"<li><code class=where>{html.escape(failure.location)}</code>"
            f"<p>{html.escape(failure.message)}</p>{source}</li>"
        )
    detail = f"<details><summary>Traceback</summary><pre>{html.escape(state.detail)}</pre></details>" if state.detail else ""
    count = len(state.failures)
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · site-builder</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}}
h1{{color:#b00020}} ul{{padding:0;list-style:none}} li{{border-left:4px solid #b00020;padding:.5rem 1rem;margin:1rem 0;background:#fff5f5}}
code.where{{font-weight:bold}} p{{margin:.25rem 0}} pre{{background:#f6f6f6;padding:.5rem;overflow:auto;white-space:pre-wrap}}
</style>
</head>
<body>
<main>
<h1>Build failed</h1>
<p>The site could not be rebuilt ({count} problem{"" if count == 1 else "s"}). Fix {"it" if count == 1 else "them"} and save:
this page reloads by itself when the build works again.</p>
<ul class="problems">
{"".join(items)}
</ul>
{detail}
</main>
</body>
</html>
"""
    return page.encode("utf-8")
