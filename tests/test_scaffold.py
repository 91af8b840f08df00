"""`site-builder new DIR` and `site-builder --version`, through the command line."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from site_builder import __version__, cli
from site_builder.config import load_config
from site_builder.load import load_figure

EXAMPLE = "PMC9408851__ijms-23-09365-g003"
SITE_FILES = {
    "site.yml",
    ".gitignore",
    f"content/figures/{EXAMPLE}.md",
    f"content/data/{EXAMPLE}-genes.tsv",
    "content/pages/about.md",
    ".github/workflows/pages.yml",
}
PINNED = f"site-builder=={__version__}"


def files_under(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def test_new_creates_a_site_that_builds_at_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["new", "my-site", "--install", PINNED]) == 0
    site = tmp_path / "my-site"
    assert files_under(site) == SITE_FILES
    out = capsys.readouterr().out
    assert "Created a new site in my-site" in out and "cd my-site && site-builder serve" in out

    monkeypatch.chdir(site)
    assert cli.main(["build", "-q"]) == 0
    for built in (f"figures/{EXAMPLE}.html", "about.html", "index.html", "static/site.css", "search.html"):
        assert (site / "_site" / built).is_file(), built
    figure_page = (site / "_site/figures" / f"{EXAMPLE}.html").read_text(encoding="utf-8")
    assert "NDRG2" in figure_page and "SOCS1" in figure_page  # the genes table is read
    assert capsys.readouterr().err == ""  # no warning either


def test_the_example_record_is_a_valid_pfocr_record_with_its_genes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli.main(["new", "site", "--install", PINNED])
    content = tmp_path / "site/content"
    genes = content / "data" / f"{EXAMPLE}-genes.tsv"
    result = load_figure((content / "figures" / f"{EXAMPLE}.md").read_bytes(), f"{EXAMPLE}.md",
                         {"genes": (genes.name, genes.read_bytes())})
    assert not result.errors and not result.warnings
    figure = result.figure
    assert figure.figid == EXAMPLE and figure.pmcid == "PMC9408851" and figure.year == "2022"
    assert {"STAT3", "JAK1", "SOCS1", "NDRG2"} <= {gene.symbol for gene in figure.genes}


def test_site_yml_is_commented_and_valid_and_gitignore_names_the_build_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli.main(["new", "site", "--install", PINNED])
    text = (tmp_path / "site/site.yml").read_text(encoding="utf-8")
    assert sum(line.startswith("#") for line in text.splitlines()) >= 10
    config, warnings = load_config(tmp_path / "site/site.yml")
    assert warnings == [] and config.title == "My pathway figures"
    ignored = (tmp_path / "site/.gitignore").read_text().split()
    assert "_site/" in ignored and ".site-cache/" in ignored


def test_new_writes_the_pages_workflow_installing_the_given_site_builder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = "site-builder @ git+https://github.com/wikipathways/site_builder@v1.0"
    assert cli.main(["new", "site", "--install", spec]) == 0
    workflow = yaml.safe_load((tmp_path / "site/.github/workflows/pages.yml").read_text())
    runs = [shlex.split(step["run"]) for step in workflow["jobs"]["build"]["steps"] if "pip install" in step.get("run", "")]
    assert runs == [["python", "-m", "pip", "install", spec]]


def test_new_fills_an_existing_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert cli.main(["new", "empty", "--install", PINNED]) == 0
    assert files_under(tmp_path / "empty") == SITE_FILES


@pytest.mark.parametrize("existing", ["notes.txt", ".git/HEAD"])
def test_new_refuses_a_folder_that_is_not_empty_and_changes_nothing(tmp_path, monkeypatch, capsys, existing):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site" / existing).parent.mkdir(parents=True)
    (tmp_path / "site" / existing).write_text("mine\n")
    assert cli.main(["new", "site", "--install", PINNED]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: site is not empty") and "Traceback" not in err
    assert files_under(tmp_path / "site") == {existing}


def test_new_refuses_a_file_and_a_bad_install_requirement(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x")
    assert cli.main(["new", "a-file", "--install", PINNED]) == 1
    assert "is not a folder" in capsys.readouterr().err
    assert cli.main(["new", "site", "--install", "x; rm -rf ~"]) == 1
    assert "pip requirement" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()  # refused before anything was written


def test_version_option_and_the_build_summary_name_the_version(capsys, tmp_path, monkeypatch):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"site-builder {__version__}"

    monkeypatch.chdir(tmp_path)
    cli.main(["new", "site", "--install", PINNED])
    monkeypatch.chdir(tmp_path / "site")
    assert cli.main(["build"]) == 0
    summary = capsys.readouterr().out.splitlines()
    assert any(line.startswith("Built _site: 1 figure,") and f"with site-builder {__version__};" in line for line in summary)


def test_every_command_that_writes_the_output_folder_takes_force():
    parser = cli.make_parser()
    for command in (["build"], ["serve"], ["deploy"]):
        args = parser.parse_args([*command, "--force"])
        assert cli.options_from(args).force is True
        assert cli.options_from(parser.parse_args(command)).force is False


def test_without_install_a_local_site_builder_is_pinned_by_version_with_a_warning(tmp_path, monkeypatch, capsys):
    from site_builder import scaffold

    note = "site-builder was installed from file:///home/me/site_builder, which GitHub's runners cannot reach"
    monkeypatch.setattr(scaffold, "default_install", lambda: (PINNED, note))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["new", "site"]) == 0
    assert f"warning: {note}" in capsys.readouterr().err
    text = (tmp_path / "site/.github/workflows/pages.yml").read_text()
    assert f"python -m pip install {shlex.quote(PINNED)}\n" in text
