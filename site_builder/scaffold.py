"""`site-builder new DIR`: a ready site to start from, as `mkdocs new` and `hugo new site` make.

The site's files are package data (``site_builder/site_template/``, read with
importlib.resources, so they come with every kind of install): a commented ``site.yml``, one
example PFOCR record with its genes table, an About page and a ``.gitignore``. The GitHub
Pages workflow is written by ``workflow.init_workflow``, pinned to this site-builder.
"""
from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from .workflow import default_install, init_workflow, workflow_yaml

TEMPLATE_FOLDER = "site_template"
# A file whose name starts with a dot is left out of a wheel's package data; it is stored
# without the dot and renamed when written.
RENAMED = {"gitignore": ".gitignore"}


class ScaffoldError(Exception):
    """The site cannot be created; the message says why."""


@dataclass(frozen=True)
class NewSite:
    folder: Path
    files: tuple[PurePosixPath, ...]  # relative to folder, in the order written
    note: str | None  # about the workflow's install requirement, when it needs the user's eye


def template_files() -> list[tuple[PurePosixPath, bytes]]:
    """(path in the new site, bytes) of every file of the bundled site template."""
    found: list[tuple[PurePosixPath, bytes]] = []

    def walk(folder: Traversable, relative: PurePosixPath) -> None:
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name == "__pycache__":
                continue
            if entry.is_dir():
                walk(entry, relative / entry.name)
            else:
                found.append((relative / RENAMED.get(entry.name, entry.name), entry.read_bytes()))

    walk(importlib.resources.files(__package__) / TEMPLATE_FOLDER, PurePosixPath())
    return found


def new_site(folder: Path, install: str | None = None) -> NewSite:
    """Create a site in ``folder`` (which must be missing or empty). ``install`` is the pip
    requirement the GitHub Pages workflow installs site-builder with (default: this one)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} exists and is not a folder.")
    if folder.is_dir() and any(folder.iterdir()):
        raise ScaffoldError(
            f"{folder} is not empty; `site-builder new` only creates a site in a new or empty "
            "folder, so that it never overwrites your files."
        )
    note = None
    if install is None:
        install, note = default_install()
    workflow_yaml(install)  # a bad requirement is refused before anything is written
    files = template_files()
    folder.mkdir(parents=True, exist_ok=True)
    for relative, data in files:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    workflow = init_workflow(folder, install=install)
    written = [relative for relative, _ in files] + [PurePosixPath(workflow.relative_to(folder).as_posix())]
    return NewSite(folder, tuple(written), note)
