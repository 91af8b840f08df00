"""site-builder as a new user gets it: the wheel is built from a copy of the checkout, installed
in a fresh virtual environment (its dependencies from the package index), and `site-builder
new` + `site-builder build` run in a folder outside the checkout, with nothing of the checkout
importable. An editable install is checked the same way.

These tests are slow (a venv and a pip install) but part of the README's test command.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO
from linkcheck import broken_links_on_disk

pytestmark = pytest.mark.slow

SOURCE_PARTS = ("pyproject.toml", "README.md", "site_builder", "templates", "static")
EXAMPLE = "PMC9408851__ijms-23-09365-g003"
PIP_TIMEOUT = 600


def clean_env() -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH pointing into a checkout."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def run(*command: str | Path, cwd: Path, check: bool = True, timeout: float = PIP_TIMEOUT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=clean_env(), capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def copy_source(destination: Path) -> Path:
    """The files a wheel is built from (as `pip install git+...` sees them), without caches."""
    destination.mkdir(parents=True)
    for part in SOURCE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, destination / part)
    return destination


def make_venv(folder: Path, system_site_packages: bool = False) -> Path:
    """A fresh virtual environment; returns its bin folder."""
    venv.EnvBuilder(with_pip=True, system_site_packages=system_site_packages, clear=True).create(folder)
    return folder / ("Scripts" if sys.platform == "win32" else "bin")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = copy_source(work / "source")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", work / "dist", source, cwd=work)
    (built,) = (work / "dist").glob("site_builder-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """The bin folder of a fresh venv with the wheel (and its dependencies) installed."""
    bin_dir = make_venv(tmp_path_factory.mktemp("venv") / "env")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel, cwd=wheel.parent)
    return bin_dir


def new_site(bin_dir: Path, parent: Path) -> Path:
    site = parent / "my-site"
    run(bin_dir / "site-builder", "new", site, cwd=parent)
    return site


def check_built_site(output: Path) -> None:
    for path in (f"figures/{EXAMPLE}.html", "about.html", "index.html", "static/site.css",
                 "static/figure.js", "static/search.js", "static/listing.js", "search.html"):
        assert (output / path).is_file(), path
    assert list((output / "search").iterdir()), "no search index files"
    page = (output / f"figures/{EXAMPLE}.html").read_text(encoding="utf-8")
    assert "NDRG2" in page and "../static/site.css" in page
    assert broken_links_on_disk(output) == []


def test_the_wheel_carries_the_templates_static_files_and_site_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static"):
        for path in (REPO / folder).iterdir():
            assert f"site_builder/{folder}/{path.name}" in names
    assert f"site_builder/site_template/content/figures/{EXAMPLE}.md" in names
    assert "site_builder/site_template/gitignore" in names


def test_installed_wheel_creates_and_builds_a_new_site_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = run(installed / "python", "-c", "import site_builder; print(site_builder.__file__)", cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(installed.parent), where  # not the checkout

    site = new_site(installed, tmp_path)
    assert (site / ".gitignore").read_text().split("\n").count("_site/") == 1
    assert (site / ".github/workflows/pages.yml").is_file()

    result = run(installed / "site-builder", "build", cwd=site)
    assert "Built _site: 1 figure," in result.stdout and "0 errors" in result.stdout
    check_built_site(site / "_site")


def test_installed_version_comes_from_the_package_metadata(installed: Path, tmp_path: Path) -> None:
    import tomllib

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert run(installed / "site-builder", "--version", cwd=tmp_path).stdout.strip() == f"site-builder {version}"


def test_a_sites_own_templates_and_static_files_override_the_installed_ones(installed: Path, tmp_path: Path) -> None:
    site = new_site(installed, tmp_path)
    (site / "templates").mkdir()
    (site / "templates/page.html").write_text('{% extends "base.html" %}{% block main %}<p>my own page</p>{% endblock %}')
    (site / "static").mkdir()
    (site / "static/site.css").write_text("body { color: teal }\n")

    run(installed / "site-builder", "build", "-q", cwd=site)
    assert "my own page" in (site / "_site/about.html").read_text(encoding="utf-8")
    assert (site / "_site/static/site.css").read_text() == "body { color: teal }\n"
    assert (site / "_site/static/search.js").is_file()  # the others still come from the package
    assert "Inhibition of STAT3" in (site / f"_site/figures/{EXAMPLE}.html").read_text(encoding="utf-8")


def test_an_editable_install_reads_the_checkouts_templates_and_static_files(tmp_path: Path) -> None:
    """`pip install -e` maps the top-level templates/ and static/ too (the dependencies come
    from this interpreter's site-packages, so only the project itself is installed)."""
    source = copy_source(tmp_path / "checkout")
    bin_dir = make_venv(tmp_path / "env", system_site_packages=True)
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-deps", "-e", source, cwd=tmp_path)
    where = run(bin_dir / "python", "-c", "import site_builder; print(site_builder.__file__)", cwd=tmp_path).stdout
    assert Path(where.strip()) == source / "site_builder" / "__init__.py"

    (source / "templates/page.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>edited in the checkout</p>{% endblock %}')
    site = new_site(bin_dir, tmp_path)
    run(bin_dir / "site-builder", "build", "-q", cwd=site)
    assert "edited in the checkout" in (site / "_site/about.html").read_text(encoding="utf-8")
    check_built_site(site / "_site")
