"""Where the built-in templates and static files are found: the installed package's copy
(importlib.resources), or the checkout's top-level folders; a site's own folders first."""
from __future__ import annotations

from pathlib import Path

from site_builder import build


def folders(root: Path, *names: str) -> Path:
    for name in names:
        (root / name).mkdir(parents=True)
    return root


def test_an_installed_package_uses_its_own_copy_and_a_checkout_its_top_level_folders(tmp_path, monkeypatch):
    # A wheel: site-packages/site_builder/static; another package left site-packages/static.
    site_packages = folders(tmp_path / "site-packages", "site_builder/static", "site_builder/templates", "static", "templates")
    monkeypatch.setattr(build, "INSTALLED_THEME", site_packages / "site_builder")
    monkeypatch.setattr(build, "PACKAGE_ROOT", site_packages)
    project = folders(tmp_path / "my-site", "static")
    assert build.theme_dirs(project, "static") == [project / "static", site_packages / "site_builder/static"]
    assert build.theme_dirs(project, "templates") == [site_packages / "site_builder/templates"]

    # A checkout, run from it or installed editable: the package folder holds no theme.
    checkout = folders(tmp_path / "checkout", "site_builder", "static", "templates")
    monkeypatch.setattr(build, "INSTALLED_THEME", checkout / "site_builder")
    monkeypatch.setattr(build, "PACKAGE_ROOT", checkout)
    assert build.theme_dirs(project, "templates") == [checkout / "templates"]
    assert build.theme_dirs(project, "static") == [project / "static", checkout / "static"]
    assert build.theme_dirs(checkout, "static") == [checkout / "static"]  # the bundled example site itself


def test_the_installed_theme_is_found_through_importlib_resources():
    import importlib.resources

    assert build.INSTALLED_THEME == Path(str(importlib.resources.files("site_builder")))
