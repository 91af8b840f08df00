"""Publish an already-built site folder as the ``gh-pages`` branch of a git repository.

How it works
------------
The output folder becomes the *single* tree of the branch: nothing from the
user's sources ends up in it.  Everything happens with git plumbing commands,
so the user's working tree, index, HEAD and other branches are never touched:

1. ``git add --all`` with the output folder as work tree (``GIT_WORK_TREE``)
   into a throw-away index file (``GIT_INDEX_FILE`` in a temporary folder);
2. ``.nojekyll`` (and ``CNAME`` when a host is given) are written as blobs with
   ``git hash-object -w`` and put into that index with
   ``update-index --cacheinfo``, so the output folder on disk is not modified;
3. ``write-tree`` gives the tree; when it equals the tree of the previous
   ``gh-pages`` commit nothing is committed ("already up to date");
4. otherwise ``commit-tree`` makes a commit whose parent is the previous
   ``gh-pages`` commit, and ``update-ref`` moves ``refs/heads/gh-pages``;
5. ``git push <remote> refs/heads/gh-pages:refs/heads/gh-pages`` publishes it.
   The explicit refspec means the user's current branch is never pushed.

Why not ghp-import?  It does the same job, but it is an extra dependency, it
writes the commit with ``git fast-import`` (so no tree comparison: every run
makes a new commit unless told otherwise), and it cannot check the remote
before committing or report what it did.  The plumbing above is a handful of
git calls that we control and can test.

Every value that comes from the user (remote, branch, refs, paths) is passed to git after
``--`` (or ``--end-of-options`` where ``--`` would start a path list), so a value such as
``--upload-pack=<command>`` is never read as an option; remotes and branches that begin with
``-`` are refused outright, and so is a CNAME with whitespace or control characters.

Before anything is written the remote is checked with ``git ls-remote`` (with
a timeout), which also tells us the remote's ``gh-pages`` tip: if someone else
deployed in the meantime, that commit is fetched and used as the parent so the
push stays a fast-forward.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

FALLBACK_NAME = "site-builder"
FALLBACK_EMAIL = "site-builder@localhost"
REMOTE_TIMEOUT_SECONDS = 30


class DeployError(Exception):
    """The site cannot be deployed; the message says why and what to do."""


@dataclass(frozen=True)
class DeployResult:
    commit: str  # full sha of the branch tip after the deploy
    created: bool  # True if a new commit was made
    pushed: bool  # True if the remote branch was updated
    files: int  # number of files in the published tree (incl. .nojekyll, CNAME)
    message: str  # one-line summary for the user, e.g. "... already up to date ..."


def deploy(
    output_dir: Path,
    repo_dir: Path,
    *,
    remote: str = "origin",
    branch: str = "gh-pages",
    message: str | None = None,
    cname: str | None = None,
    push: bool = True,
) -> DeployResult:
    """Commit ``output_dir`` as the whole tree of ``branch`` in the repository
    containing ``repo_dir`` and push it to ``remote`` (a remote name or URL).

    With ``push=False`` the remote is not contacted at all and only the local
    branch is updated.  ``message`` is put above the generated line that names
    the source commit.  Raises DeployError with a readable message on failure.
    """
    output_dir = Path(output_dir).resolve()
    cname = check_arguments(remote=remote, branch=branch, cname=cname)
    _check_output(output_dir)
    repo = _Repository.open(Path(repo_dir))
    ref = _branch_ref(repo, branch)
    local_tip = repo.resolve(ref)

    if push:
        remote_tip = _remote_tip(repo, remote, ref)
        parent = _choose_parent(repo, local_tip, remote_tip, remote, ref)
    else:
        remote_tip, parent = None, local_tip

    tree, files = _write_site_tree(repo, output_dir, cname)
    created = parent is None or repo.output("rev-parse", "--verify", "--end-of-options", f"{parent}^{{tree}}") != tree
    commit = _commit(repo, tree, parent, message) if created else parent

    if commit != local_tip:
        repo.output("update-ref", "-m", "site-builder deploy", "--", ref, commit, local_tip or "")
    pushed = push and commit != remote_tip
    if pushed:
        _push(repo, remote, ref)
    summary = _summary(branch, remote, commit, created, pushed, files, push)
    return DeployResult(commit, created, pushed, files, summary)


class _Repository:
    """Runs git commands in the user's repository and turns failures into DeployError."""

    def __init__(self, work_dir: Path, git_dir: Path):
        self.work_dir = work_dir
        self.git_dir = git_dir

    @classmethod
    def open(cls, repo_dir: Path) -> _Repository:
        if not repo_dir.is_dir():
            raise DeployError(f"Project folder {repo_dir} does not exist.")
        found = _run_git(["rev-parse", "--absolute-git-dir"], cwd=repo_dir)
        if found.returncode != 0:
            raise DeployError(
                f"{repo_dir} is not a git repository (nor inside one). "
                "Run `git init` and `git remote add origin <url>` first."
            )
        return cls(repo_dir, Path(found.stdout.strip()))

    def run(self, *args: str, **options) -> subprocess.CompletedProcess[str]:
        options.setdefault("cwd", self.work_dir)
        return _run_git(list(args), **options)

    def output(self, *args: str, **options) -> str:
        """Stdout of a git command that must succeed, stripped."""
        result = self.run(*args, **options)
        if result.returncode != 0:
            raise DeployError(f"`git {args[0]}` failed: {_first_line(result.stderr)}")
        return result.stdout.strip()

    def succeeds(self, *args: str) -> bool:
        return self.run(*args).returncode == 0

    def resolve(self, ref: str) -> str | None:
        result = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        return result.stdout.strip() if result.returncode == 0 else None

    def config(self, key: str) -> str:
        return self.run("config", "--get", "--", key).stdout.strip()


def _run_git(
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    input: str = "",
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
        )
    except FileNotFoundError:
        raise DeployError("git is not installed (or not on PATH).") from None


def _first_line(text: str) -> str:
    """The most telling line of git's stderr (push prints "To <url>" first)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    telling = [line for line in lines if line.startswith(("fatal:", "error:", "!"))]
    return (telling or lines or ["no error message"])[0]


def _check_output(output_dir: Path) -> None:
    if not output_dir.is_dir():
        raise DeployError(f"Output folder {output_dir} does not exist; build the site first.")
    if not any(path.is_file() for path in output_dir.rglob("*")):
        raise DeployError(f"Output folder {output_dir} is empty; build the site first.")


def check_arguments(*, remote: str, branch: str, cname: str | None) -> str | None:
    """Refuse a remote, branch or CNAME that could be misread (before anything is built);
    return the CNAME to write, or None."""
    _refuse_option_like(remote=remote, branch=branch)
    return _clean_cname(cname)


def _refuse_option_like(**values: str) -> None:
    """A remote or branch beginning with '-' would be read by git as an option."""
    for what, value in values.items():
        if not value or value.startswith("-"):
            raise DeployError(f"The {what} {value!r} is not valid: it must not be empty or begin with '-'.")


def _clean_cname(cname: str | None) -> str | None:
    if cname is None or not cname.strip():
        return None
    if any(char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in cname):
        raise DeployError(f"CNAME must be one host name like docs.example.org, without spaces or control characters: {cname!r}.")
    if any(char in cname for char in "/:"):
        raise DeployError(f"CNAME must be a bare host name like docs.example.org, not {cname!r}.")
    return cname


def _branch_ref(repo: _Repository, branch: str) -> str:
    ref = f"refs/heads/{branch}"
    # check-ref-format takes no "--"; the value starts with "refs/", never with "-".
    if not repo.succeeds("check-ref-format", ref):
        raise DeployError(f"{branch!r} is not a valid branch name.")
    for worktree in _worktrees_on(repo, ref):
        raise DeployError(
            f"Branch {branch!r} is checked out in {worktree}; deploying would change the files "
            "of that working tree under it. Switch it to another branch first."
        )
    return ref


def _worktrees_on(repo: _Repository, ref: str) -> list[Path]:
    """The worktrees of the repository (the main one included) that have ``ref`` checked out."""
    listing = repo.output("worktree", "list", "--porcelain")
    found, path = [], None
    for line in listing.splitlines():
        if line.startswith("worktree "):
            path = Path(line.removeprefix("worktree "))
        elif line == f"branch {ref}" and path is not None:
            found.append(path)
    return found


def _looks_like_url(remote: str) -> bool:
    return any(char in remote for char in "/:\\")


def _remote_tip(repo: _Repository, remote: str, ref: str) -> str | None:
    """Check that the remote answers; return the sha of its ``ref`` (None if absent)."""
    names = repo.output("remote").split()
    if remote not in names and not _looks_like_url(remote):
        known = ", ".join(names) or "none"
        raise DeployError(
            f"There is no git remote named {remote!r} (configured remotes: {known}). "
            f"Add it with `git remote add {remote} <url>` or pass a URL."
        )
    try:
        listing = repo.run(
            "ls-remote", "--", remote, ref,
            env={"GIT_TERMINAL_PROMPT": "0"},
            timeout=REMOTE_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise DeployError(
            f"Remote {remote!r} is unreachable: no answer within {REMOTE_TIMEOUT_SECONDS} s."
        ) from None
    if listing.returncode != 0:
        raise DeployError(f"Remote {remote!r} is unreachable: {_first_line(listing.stderr)}")
    for line in listing.stdout.splitlines():
        sha, _, name = line.partition("\t")
        if name == ref:
            return sha
    return None


def _choose_parent(
    repo: _Repository, local_tip: str | None, remote_tip: str | None, remote: str, ref: str
) -> str | None:
    """Parent for the next commit: the local branch, unless the remote has
    commits it lacks (someone else deployed, or a fresh clone); then the
    remote tip is fetched and used so the push is a fast-forward."""
    if remote_tip is None or remote_tip == local_tip:
        return local_tip
    if local_tip and repo.succeeds("merge-base", "--is-ancestor", "--end-of-options", remote_tip, local_tip):
        return local_tip
    repo.output("fetch", "--no-tags", "--quiet", "--", remote, ref, env={"GIT_TERMINAL_PROMPT": "0"})
    return remote_tip


def _write_site_tree(repo: _Repository, output_dir: Path, cname: str | None) -> tuple[str, int]:
    """Write the tree of the output folder (plus .nojekyll and CNAME) into the
    object database through a temporary index; return (tree sha, file count)."""
    with tempfile.TemporaryDirectory(prefix="site-builder-deploy-") as temp_dir:
        temp_index_env = {
            "GIT_DIR": str(repo.git_dir),
            "GIT_WORK_TREE": str(output_dir),
            "GIT_INDEX_FILE": str(Path(temp_dir) / "index"),
        }

        def in_output(*args: str, input: str = "") -> str:
            return repo.output(*args, cwd=output_dir, env=temp_index_env, input=input)

        # --force: publish exactly the folder, even files matching the user's ignore rules.
        in_output("add", "--all", "--force", "--", ".")
        extra_files = {".nojekyll": ""}
        if cname:
            extra_files["CNAME"] = cname + "\n"
        for name, text in extra_files.items():
            blob = in_output("hash-object", "-w", "--stdin", input=text)
            in_output("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}")
        tree = in_output("write-tree")
    files = repo.output("ls-tree", "-r", "-z", "--full-tree", "--name-only", "--end-of-options", tree).count("\0")
    return tree, files


def _commit(repo: _Repository, tree: str, parent: str | None, message: str | None) -> str:
    parent_args = ["-p", parent] if parent else []
    return repo.output(
        "commit-tree", *parent_args, "-F", "-", "--end-of-options", tree,
        input=_commit_message(repo, message),
        env=_identity_fallback(repo),
    )


def _commit_message(repo: _Repository, message: str | None) -> str:
    source_line = _source_line(repo)
    if message and message.strip():
        return f"{message.strip()}\n\n{source_line}\n"
    return source_line + "\n"


def _source_line(repo: _Repository) -> str:
    """Name the commit the site was built from: 'Deploy site from <short sha> (<branch>)'."""
    short_sha = repo.run("rev-parse", "--short", "--verify", "--quiet", "HEAD").stdout.strip()
    if not short_sha:
        return "Deploy site (the source repository has no commits yet)"
    branch = repo.run("symbolic-ref", "--short", "--quiet", "HEAD").stdout.strip()
    return f"Deploy site from {short_sha} ({branch or 'detached HEAD'})"


def _identity_fallback(repo: _Repository) -> dict[str, str]:
    """Environment that gives commits an identity when git has none configured;
    empty when the user's own identity (config or GIT_* variables) is available."""
    has_name = bool(repo.config("user.name"))
    has_email = bool(repo.config("user.email") or os.environ.get("EMAIL"))
    fallback = {}
    for role in ("AUTHOR", "COMMITTER"):
        if not (has_name or os.environ.get(f"GIT_{role}_NAME")):
            fallback[f"GIT_{role}_NAME"] = FALLBACK_NAME
        if not (has_email or os.environ.get(f"GIT_{role}_EMAIL")):
            fallback[f"GIT_{role}_EMAIL"] = FALLBACK_EMAIL
    return fallback


def _push(repo: _Repository, remote: str, ref: str) -> None:
    result = repo.run("push", "--", remote, f"{ref}:{ref}")
    if result.returncode != 0:
        raise DeployError(
            f"{ref} was updated locally but pushing it to {remote!r} failed: "
            f"{_first_line(result.stderr)}"
        )


def _summary(
    branch: str, remote: str, commit: str, created: bool, pushed: bool, files: int, push: bool
) -> str:
    short = commit[:7]
    if created and pushed:
        return f"Deployed {files} files to {branch} on {remote} (commit {short})."
    if created:
        return f"Committed {files} files to {branch} (commit {short}); not pushed."
    if pushed:
        return f"Site unchanged; pushed the existing {branch} commit {short} to {remote}."
    where = f" on {remote}" if push else ""
    return f"{branch}{where} is already up to date (commit {short}); nothing to deploy."
