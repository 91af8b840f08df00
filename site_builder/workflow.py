"""The GitHub Actions workflow that builds the site and publishes it with GitHub Pages.

``WORKFLOW_YAML`` is the single source of the workflow text; the repository's
own ``.github/workflows/pages.yml`` is a copy of it (a test keeps them equal),
and ``init_workflow`` writes it into a site folder.
"""

from __future__ import annotations

from pathlib import Path

WORKFLOW_PATH = Path(".github") / "workflows" / "pages.yml"

WORKFLOW_YAML = """\
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

      # Installs site-builder from this repository. If your site lives in its
      # own repository, install site-builder from where you get it instead.
      - name: Install site-builder
        run: python -m pip install .

      - name: Configure GitHub Pages
        id: pages
        uses: actions/configure-pages@v5

      - name: Build the site
        run: site-builder build --base-url "${{ steps.pages.outputs.base_url }}/"

      - name: Upload the site as the Pages artifact
        uses: actions/upload-pages-artifact@v3
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v4
"""


def init_workflow(site_dir: Path, *, force: bool = False) -> Path:
    """Write the Pages workflow to ``<site_dir>/.github/workflows/pages.yml``.

    Returns the path written.  An identical existing file is left as it is;
    a different one is only replaced with ``force=True``, otherwise
    FileExistsError is raised.
    """
    path = Path(site_dir) / WORKFLOW_PATH
    if path.exists() and not force and path.read_text(encoding="utf-8") != WORKFLOW_YAML:
        raise FileExistsError(
            f"{path} already exists and differs from the site-builder workflow; "
            "use --force to overwrite it."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WORKFLOW_YAML, encoding="utf-8", newline="\n")
    return path
