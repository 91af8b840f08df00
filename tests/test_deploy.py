"""Tests for site_builder.deploy: publishing a built folder as the gh-pages branch.

Every test uses real git on repositories under tmp_path; the "remote" is a
local bare repository, so no network is needed.  Git's global and system
configuration are switched off so the tests behave the same everywhere.
"""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from site_builder.deploy import DeployError, DeployResult, deploy

deploy_module = importlib.import_module("site_builder.deploy")

SITE_FILES = {
    "index.html": "<h1>Home</h1>\n",
    "figures/a.html": "<h1>Figure A</h1>\n",
    "assets/css/site.css": "body { margin: 0 }\n",
}
HOST = "figures.example.org"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def tree_files(root: Path) -> dict[str, str]:
    """Relative path -> text of every file under root, .git excluded."""
    return {
        path.relative_to(root).as_posix(): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def checkout_published(bare: Path, dest: Path) -> dict[str, str]:
    git(bare.parent, "clone", "--quiet", "--branch", "gh-pages", str(bare), str(dest))
    return tree_files(dest)


def snapshot(repo: Path) -> dict:
    """Everything of the user's repository that a deploy must leave alone."""
    branches = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads")
    return {
        "HEAD": git(repo, "rev-parse", "HEAD"),
        "HEAD ref": git(repo, "symbolic-ref", "HEAD"),
        "branches": [line for line in branches.splitlines() if "gh-pages" not in line],
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "staged": git(repo, "diff", "--cached"),
        "unstaged": git(repo, "diff"),
        "files": {k: v for k, v in tree_files(repo).items() if not k.startswith("_site/")},
    }


@pytest.fixture(autouse=True)
def isolated_git(tmp_path, monkeypatch):
    """No global/system git config; identity given through the environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")


@pytest.fixture
def project(tmp_path) -> SimpleNamespace:
    """A user repo on main with staged, unstaged and untracked changes, a bare
    remote called origin, and a built site in the ignored _site folder."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    write_files(repo, {"README.md": "readme\n", "config.yml": "title: x\n", ".gitignore": "_site/\n"})
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "initial")
    write_files(repo, {"config.yml": "title: staged\n"})
    git(repo, "add", "config.yml")
    write_files(repo, {"README.md": "edited, not staged\n", "notes.txt": "untracked\n"})

    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(bare))
    git(repo, "remote", "add", "origin", str(bare))

    output = repo / "_site"
    write_files(output, SITE_FILES)
    return SimpleNamespace(repo=repo, bare=bare, output=output, tmp=tmp_path)


def test_first_deploy_publishes_only_the_site(project):
    result = deploy(project.output, project.repo, cname=HOST)

    assert isinstance(result, DeployResult)
    assert result.created and result.pushed
    assert result.files == len(SITE_FILES) + 2
    assert git(project.bare, "rev-parse", "refs/heads/gh-pages") == result.commit
    assert git(project.repo, "rev-parse", "refs/heads/gh-pages") == result.commit
    published = checkout_published(project.bare, project.tmp / "published")
    assert published == {**SITE_FILES, ".nojekyll": "", "CNAME": HOST + "\n"}


def test_deploy_from_a_subfolder_of_the_repository(project):
    subfolder = project.repo / "docs"
    subfolder.mkdir()
    result = deploy(project.output, subfolder)
    assert result.files == len(SITE_FILES) + 1
    published = checkout_published(project.bare, project.tmp / "published")
    assert published == {**SITE_FILES, ".nojekyll": ""}


def test_deploy_does_not_modify_the_output_folder(project):
    before = tree_files(project.output)
    deploy(project.output, project.repo, cname=HOST)
    assert tree_files(project.output) == before


def test_deploy_leaves_the_users_repository_untouched(project):
    before = snapshot(project.repo)
    deploy(project.output, project.repo, cname=HOST)
    (project.output / "index.html").write_text("<h1>Changed</h1>\n")
    deploy(project.output, project.repo, cname=HOST)
    assert snapshot(project.repo) == before
    assert git(project.bare, "for-each-ref", "--format=%(refname)") == "refs/heads/gh-pages"


def test_second_deploy_without_changes_makes_no_commit(project):
    first = deploy(project.output, project.repo, cname=HOST)
    second = deploy(project.output, project.repo, cname=HOST)

    assert not second.created
    assert not second.pushed
    assert second.commit == first.commit
    assert "already up to date" in second.message
    assert git(project.bare, "rev-parse", "refs/heads/gh-pages") == first.commit


def test_changed_output_gives_a_child_commit(project):
    first = deploy(project.output, project.repo)
    (project.output / "figures" / "a.html").write_text("<h1>Figure A, v2</h1>\n")
    (project.output / "index.html").unlink()
    second = deploy(project.output, project.repo)

    assert second.created and second.pushed
    assert second.commit != first.commit
    assert git(project.bare, "rev-parse", f"{second.commit}^") == first.commit
    published = checkout_published(project.bare, project.tmp / "published")
    assert published["figures/a.html"] == "<h1>Figure A, v2</h1>\n"
    assert "index.html" not in published


def test_commit_message_names_the_source_commit(project):
    short_sha = git(project.repo, "rev-parse", "--short", "HEAD")
    result = deploy(project.output, project.repo, message="Publish figures")
    message = git(project.repo, "log", "-1", "--format=%B", result.commit)
    assert message.startswith("Publish figures")
    assert f"Deploy site from {short_sha} (main)" in message


def test_commit_uses_the_users_identity(project):
    result = deploy(project.output, project.repo)
    assert git(project.repo, "log", "-1", "--format=%an <%ae>", result.commit) == (
        "Test User <test@example.com>"
    )


def test_commit_falls_back_to_site_builder_identity(project, monkeypatch):
    for variable in ("NAME", "EMAIL"):
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{role}_{variable}")
    monkeypatch.delenv("EMAIL", raising=False)
    result = deploy(project.output, project.repo)
    identity = git(project.repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>", result.commit)
    assert identity == "site-builder <site-builder@localhost>|site-builder <site-builder@localhost>"


def test_site_files_matching_ignore_rules_are_still_published(project):
    (project.repo / ".git" / "info" / "exclude").write_text("*.css\n")
    deploy(project.output, project.repo)
    published = checkout_published(project.bare, project.tmp / "published")
    assert "assets/css/site.css" in published


def test_without_push_only_the_local_branch_moves(project):
    result = deploy(project.output, project.repo, push=False)
    assert result.created and not result.pushed
    assert git(project.repo, "rev-parse", "refs/heads/gh-pages") == result.commit
    assert git(project.bare, "for-each-ref") == ""


def test_deploy_from_a_fresh_clone_continues_the_remote_history(project):
    first = deploy(project.output, project.repo)
    clone = project.tmp / "elsewhere"  # another checkout that never fetched gh-pages
    clone.mkdir()
    git(clone, "init", "--quiet", "--initial-branch=main")
    git(clone, "commit", "--quiet", "--allow-empty", "-m", "source")
    git(clone, "remote", "add", "origin", str(project.bare))
    output = project.tmp / "other-output"
    write_files(output, {"index.html": "<h1>From another machine</h1>\n"})

    result = deploy(output, clone)

    assert result.created and result.pushed
    assert git(project.bare, "rev-parse", f"{result.commit}^") == first.commit


def test_refuses_outside_a_git_repository(project, monkeypatch):
    plain = project.tmp / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.tmp))
    with pytest.raises(DeployError, match="not a git repository"):
        deploy(project.output, plain)


def test_refuses_unknown_remote_name(project):
    with pytest.raises(DeployError, match="no git remote named 'nosuch'"):
        deploy(project.output, project.repo, remote="nosuch")


def test_refuses_unreachable_remote_before_committing(project):
    missing = project.tmp / "does-not-exist.git"
    with pytest.raises(DeployError, match="unreachable"):
        deploy(project.output, project.repo, remote=str(missing))
    assert git(project.repo, "for-each-ref", "refs/heads/gh-pages") == ""


def test_refuses_a_remote_that_does_not_answer(project, monkeypatch):
    monkeypatch.setattr(deploy_module, "REMOTE_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setenv("GIT_SSH_COMMAND", "sleep 3;:")  # an ssh that hangs, no network
    with pytest.raises(DeployError, match="unreachable: no answer"):
        deploy(project.output, project.repo, remote="ssh://git@example.invalid/site.git")
    assert git(project.repo, "for-each-ref", "refs/heads/gh-pages") == ""


def test_reports_a_rejected_push(project):
    hook = project.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'deploys are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(DeployError, match="pre-receive hook declined"):
        deploy(project.output, project.repo)


def test_refuses_empty_output(project):
    empty = project.tmp / "empty"
    (empty / "subdir").mkdir(parents=True)
    with pytest.raises(DeployError, match="empty"):
        deploy(empty, project.repo)


def test_refuses_missing_output(project):
    with pytest.raises(DeployError, match="does not exist"):
        deploy(project.tmp / "never-built", project.repo)


def test_refuses_when_gh_pages_is_checked_out(project):
    git(project.repo, "stash", "--quiet", "--include-untracked")
    git(project.repo, "checkout", "--quiet", "-b", "gh-pages")
    with pytest.raises(DeployError, match="checked out"):
        deploy(project.output, project.repo)


def test_refuses_a_cname_that_is_not_a_host(project):
    with pytest.raises(DeployError, match="CNAME"):
        deploy(project.output, project.repo, cname="https://example.org/")


# Issue 12, item 6: values from the command line must never reach git as options.
INJECTED = "--upload-pack=touch ./pwned;true"  # the "/" makes it pass as a URL


def marker_files(project) -> list[Path]:
    return [path for path in (project.repo / "pwned", project.tmp / "pwned", Path.cwd() / "pwned") if path.exists()]


def test_a_remote_that_looks_like_an_option_is_refused_and_runs_nothing(project):
    with pytest.raises(DeployError, match="must not be empty or begin with '-'"):
        deploy(project.output, project.repo, remote=INJECTED)
    assert marker_files(project) == []
    assert git(project.repo, "for-each-ref", "refs/heads/gh-pages") == ""


def test_git_reads_user_values_as_arguments_even_past_the_first_check(project):
    """Defence in depth: the remote goes to ls-remote, fetch and push after "--"."""
    repo = deploy_module._Repository.open(project.repo)
    with pytest.raises(DeployError, match="unreachable"):
        deploy_module._remote_tip(repo, INJECTED, "refs/heads/gh-pages")
    with pytest.raises(DeployError):
        deploy_module._push(repo, INJECTED, "refs/heads/main")
    with pytest.raises(DeployError):
        deploy_module._choose_parent(repo, None, "0" * 40, INJECTED, "refs/heads/gh-pages")
    assert marker_files(project) == []


def test_every_git_call_puts_its_positional_arguments_after_an_end_of_options_marker(project, monkeypatch):
    calls: list[list[str]] = []
    real_run_git = deploy_module._run_git

    def recording(args, **options):
        calls.append(list(args))
        return real_run_git(args, **options)

    monkeypatch.setattr(deploy_module, "_run_git", recording)
    deploy(project.output, project.repo, cname=HOST)
    write_files(project.output, {"index.html": "<h1>Home, again</h1>\n"})
    deploy(project.output, project.repo)
    # Calls with a positional argument that can come from the user or from git's output.
    for command in ("ls-remote", "push", "update-ref", "commit-tree", "ls-tree", "add", "config"):
        seen = [call for call in calls if call[0] == command]
        assert seen, command
        for call in seen:
            assert "--" in call or "--end-of-options" in call, call
    for call in calls:
        if call[0] == "rev-parse" and not {"--absolute-git-dir", "HEAD"} & set(call):
            assert "--verify" in call and "--end-of-options" in call, call


@pytest.mark.parametrize("branch", ["-gh-pages", "--orphan"])
def test_a_branch_that_looks_like_an_option_is_refused(project, branch):
    with pytest.raises(DeployError, match="begin with '-'"):
        deploy(project.output, project.repo, branch=branch)


@pytest.mark.parametrize("cname", ["example.org\nevil.example", "example.org\tx", "exa mple.org", "example.org\r",
                                   "example.org\x00", "example.org\x1b[2J", "example.org\u2028", "example.org\u200b"])
def test_a_cname_with_whitespace_or_control_characters_is_refused(project, cname):
    with pytest.raises(DeployError, match="CNAME"):
        deploy(project.output, project.repo, cname=cname)
    assert git(project.repo, "for-each-ref", "refs/heads/gh-pages") == ""


def test_refuses_to_move_gh_pages_while_another_worktree_has_it_checked_out(project):
    first = deploy(project.output, project.repo, push=False)
    other = project.tmp / "pages-worktree"
    git(project.repo, "worktree", "add", "--quiet", str(other), "gh-pages")
    write_files(project.output, {"index.html": "<h1>Changed</h1>\n"})

    with pytest.raises(DeployError, match=f"checked out in {other}"):
        deploy(project.output, project.repo)
    assert git(project.repo, "rev-parse", "refs/heads/gh-pages") == first.commit
    assert (other / "index.html").read_text() == SITE_FILES["index.html"]


def test_the_command_line_refuses_an_option_like_remote_before_building(project, monkeypatch, capsys):
    from site_builder import cli

    monkeypatch.chdir(project.repo)
    # argparse takes a value with a space as the option's argument, as a shell passes it.
    assert cli.main(["deploy", "--remote", INJECTED]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: The remote '--upload-pack") and "Traceback" not in err
    assert marker_files(project) == []
    assert not (project.repo / ".site-cache").exists()  # nothing was built
