"""Tests for the GitHub Pages workflow: the repository's copy and init_workflow."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from site_builder.workflow import WORKFLOW_YAML, init_workflow

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
    path = init_workflow(tmp_path)
    assert path == tmp_path / ".github" / "workflows" / "pages.yml"
    assert path.read_text(encoding="utf-8") == WORKFLOW_YAML
    assert init_workflow(tmp_path) == path  # an identical file is fine


def test_init_workflow_keeps_a_different_file_unless_forced(tmp_path):
    path = tmp_path / ".github" / "workflows" / "pages.yml"
    path.parent.mkdir(parents=True)
    path.write_text("name: my own workflow\n")

    with pytest.raises(FileExistsError, match="force"):
        init_workflow(tmp_path)
    assert path.read_text() == "name: my own workflow\n"

    assert init_workflow(tmp_path, force=True) == path
    assert path.read_text(encoding="utf-8") == WORKFLOW_YAML
