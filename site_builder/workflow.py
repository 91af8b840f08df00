"""The GitHub Actions workflow that builds the site and publishes it with GitHub Pages.

``workflow_yaml(install)`` is the single source of the workflow text. ``install`` is what the
runner gives to ``pip install``: site-builder as a package, pinned (``site-builder==0.1.0``,
or a git URL with a commit), never the site's own repository. ``init_workflow`` writes it into
a site folder; this repository's own ``.github/workflows/pages.yml`` is the same text with
``install="."`` (this repository is site-builder itself), and a test keeps them equal.

The workflow keeps ``.site-cache`` between runs with ``actions/cache``, keyed by the runner's
OS and the site-builder version (so a new version starts clean) and by the commit (so every
run saves its state); the restore keys take the newest cache of the same version. A push that
edits one record then rebuilds only what that record touches.
"""

from __future__ import annotations

import json
import re
import shlex
from importlib import metadata
from pathlib import Path

from . import __version__

WORKFLOW_PATH = Path(".github") / "workflows" / "pages.yml"

# A pip requirement on one line: `name[extras]==version`, a URL, or `name @ URL`. No quotes,
# `$`, `#` or other spaces, so it is the same text in YAML and, once quoted, in the shell.
_INSTALL_SPEC = re.compile(
    r"(?:[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._,-]+\])? @ )?[A-Za-z0-9._+@:/=<>!~,%\[\]-]+"
)

WORKFLOW_TEMPLATE = """\
# Build the site with site-builder and publish it with GitHub Pages.
# In the repository settings, set Pages > Build and deployment > Source
# to "GitHub Actions".
name: Deploy site to GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

# The token may read the repository, publish to Pages and prove its identity
# (OIDC) to the Pages deployment service.
permissions:
  contents: read
  pages: write
  id-token: write

# One deployment at a time; a running deployment is allowed to finish.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Check out the repository
        uses: actions/checkout@v4

      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"

      # `site-builder init-workflow --install SPEC` writes the requirement here: a
      # pinned version, or a git URL with a tag or commit.
      - name: Install site-builder
        run: python -m pip install {install}

      - name: Read the site-builder version
        id: site-builder
        run: echo "version=$(python -c 'import site_builder; print(site_builder.__version__)')" >> "$GITHUB_OUTPUT"

      # The build state of earlier runs: a push that edits one record rebuilds only
      # what it touches. A new site-builder version starts with an empty cache.
      - name: Restore the build cache
        uses: actions/cache@v4
        with:
          path: .site-cache
          key: site-cache-${{{{ runner.os }}}}-site-builder-${{{{ steps.site-builder.outputs.version }}}}-${{{{ github.sha }}}}
          restore-keys: |
            site-cache-${{{{ runner.os }}}}-site-builder-${{{{ steps.site-builder.outputs.version }}}}-

      - name: Configure GitHub Pages
        id: pages
        uses: actions/configure-pages@v5

      - name: Build the site
        run: site-builder build --base-url "${{{{ steps.pages.outputs.base_url }}}}/"

      - name: Upload the site as the Pages artifact
        uses: actions/upload-pages-artifact@v3
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v4
"""


class WorkflowError(Exception):
    """The workflow cannot be written; the message says why."""


def workflow_yaml(install: str) -> str:
    """The workflow text, installing site-builder with ``pip install <install>``."""
    if not _INSTALL_SPEC.fullmatch(install):
        raise WorkflowError(
            f"{install!r} is not a pip requirement the workflow can install: use a version "
            "(site-builder==0.1.0) or a URL (git+https://github.com/ORG/REPO@TAG)."
        )
    return WORKFLOW_TEMPLATE.format(install=shlex.quote(install))


def default_install() -> tuple[str, str | None]:
    """The requirement that installs this same site-builder on a runner, and a note for the
    user when it cannot be known: installed from a git repository, that repository at the
    installed commit; otherwise this version from the package index."""
    pinned = f"site-builder=={__version__}"
    try:
        direct_url = metadata.distribution("site-builder").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    if not direct_url:
        return pinned, None
    origin = json.loads(direct_url)
    url, vcs = origin.get("url", ""), origin.get("vcs_info") or {}
    if vcs.get("vcs") == "git" and url.startswith("https://") and vcs.get("commit_id"):
        return f"site-builder @ git+{url}@{vcs['commit_id']}", None
    return pinned, (
        f"site-builder was installed from {url or 'a local folder'}, which GitHub's runners "
        f"cannot reach; the workflow installs {pinned} from PyPI. To install it from its "
        "repository instead: site-builder init-workflow --force --install "
        "git+https://github.com/ORG/REPO@TAG"
    )


def init_workflow(site_dir: Path, *, force: bool = False, install: str | None = None) -> Path:
    """Write the Pages workflow to ``<site_dir>/.github/workflows/pages.yml``, installing
    site-builder with ``pip install <install>`` (default: ``default_install()``).

    Returns the path written. An identical existing file is left as it is; a different one
    is only replaced with ``force=True``, otherwise FileExistsError is raised.
    """
    text = workflow_yaml(default_install()[0] if install is None else install)
    path = Path(site_dir) / WORKFLOW_PATH
    if path.exists() and not force and path.read_text(encoding="utf-8") != text:
        raise FileExistsError(
            f"{path} already exists and differs from the site-builder workflow; "
            "use --force to overwrite it."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
