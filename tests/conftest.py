"""Shared test helpers: where the repository and the real corpus are, and how to write records.

Helpers are plain functions (import them with `from conftest import ...`); fixtures only
locate things. Nothing here changes the working directory or the environment.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"

needs_corpus = pytest.mark.skipif(not (CORPUS / "figures").is_dir(), reason="../shared/corpus is not beside the repository")


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """The bundled example site, built once per test process; tests only read it."""
    from screenshots import build_example_site

    return build_example_site(tmp_path_factory.mktemp("example") / "site")


@pytest.fixture(scope="session")
def base(example_site: Path) -> Iterator[str]:
    """The example site served over HTTP, as a static host would: its base URL."""
    from screenshots import serve

    with serve(example_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a test module. Module scope, not session: Playwright's sync API
    keeps an asyncio loop running on this thread while it is open, which would break other
    modules' asyncio.run()."""
    from playwright.sync_api import sync_playwright
    from screenshots import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def record_text(fields: dict[str, Any], body: str = "") -> str:
    """A figure record: YAML front matter between '---' lines, then the markdown body."""
    front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{body}"


def write_record(content: Path, fields: dict[str, Any], body: str = "", folder: str = "figures") -> Path:
    path = content / folder / f"{fields['figid']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record_text(fields, body), encoding="utf-8")
    return path


def write_table(content: Path, figid: str, kind: str, rows: list[list[str]]) -> Path:
    """rows[0] is the header; cells are joined with tabs exactly as given."""
    path = content / "data" / f"{figid}-{kind}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


def minimal_fields(figid: str = "PMC1__f1", **more: Any) -> dict[str, Any]:
    return {"figid": figid, "figtitle": f"Pathway of {figid}", "pmcid": figid.split("__")[0], "year": "2020", **more}
