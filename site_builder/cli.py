"""Thin command line: parse arguments, call a stage, print human messages."""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from . import __version__, progress
from .build import BuildOptions, BuildReport, build
from .errors import BuildError


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, help="content folder (default: content/)")
    parser.add_argument("--config", type=Path, help="site config file (default: site.yml)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="replace an output folder that site-builder did not make")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-builder", description="Build a static website of pathway figures.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    new_cmd = commands.add_parser("new", help="create a new site in an empty folder, ready to build")
    new_cmd.add_argument("folder", type=Path, help="the site's folder (created; must be empty if it exists)")
    add_install_argument(new_cmd)
    build_cmd = commands.add_parser("build", help="build the site")
    add_build_arguments(build_cmd)
    build_cmd.add_argument("--output", type=Path, help="output folder (default: _site/)")
    build_cmd.add_argument("--base-url", help="URL the site is published at, e.g. https://user.github.io/repo/")
    build_cmd.add_argument("--keep-going", action="store_true", help="build every valid record, list the skipped ones, exit 1")
    build_cmd.add_argument("--clean", action="store_true", help="ignore the build cache: read every record and write every file")
    add_output_arguments(build_cmd)
    check_cmd = commands.add_parser("check", help="validate content without writing anything")
    add_build_arguments(check_cmd)
    deploy_cmd = commands.add_parser("deploy", help="build, then publish the site to the gh-pages branch")
    add_build_arguments(deploy_cmd)
    deploy_cmd.add_argument("--output", type=Path, help="output folder (default: _site/)")
    deploy_cmd.add_argument("--base-url", help="URL the site is published at")
    deploy_cmd.add_argument("--remote", default="origin", help="git remote name or URL (default: origin)")
    deploy_cmd.add_argument("--branch", default="gh-pages", help="branch to publish to (default: gh-pages)")
    deploy_cmd.add_argument("--message", help="commit message")
    deploy_cmd.add_argument("--cname", help="custom domain written to CNAME")
    add_output_arguments(deploy_cmd)
    serve_cmd = commands.add_parser("serve", help="build, serve and live-reload the site while you edit")
    add_build_arguments(serve_cmd)
    serve_cmd.add_argument("--base-url", help="serve under this URL's path, e.g. https://user.github.io/repo/")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a web browser")
    add_output_arguments(serve_cmd)
    workflow_cmd = commands.add_parser("init-workflow", help="write .github/workflows/pages.yml")
    workflow_cmd.add_argument("--force", action="store_true", help="overwrite a different existing file")
    add_install_argument(workflow_cmd)
    return parser


def add_install_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--install", metavar="SPEC",
        help="what the GitHub Pages workflow installs site-builder from: a pinned version "
        "(site-builder==X.Y.Z) or a git URL (git+https://github.com/ORG/REPO@TAG); "
        "default: this site-builder (its git commit, or its version)",
    )


def options_from(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(
        project_dir=Path("."),
        content_dir=args.content,
        output_dir=getattr(args, "output", None),
        config_path=args.config,
        base_url=getattr(args, "base_url", None),
        strict=args.strict,
        keep_going=getattr(args, "keep_going", False),
        clean=getattr(args, "clean", False),
        progress=progress.wanted(args.quiet),
        force=getattr(args, "force", False),
    )


def print_problems(report_errors, report_warnings, quiet: bool) -> None:
    for problem in report_warnings if not quiet else ():
        print(f"warning: {problem}", file=sys.stderr)
    for problem in report_errors:
        print(f"error: {problem}", file=sys.stderr)


GITHUB_PAGES_LIMIT = 1_000_000_000  # bytes a GitHub Pages site may publish


def counted(number: int, noun: str) -> str:
    """'1 error', '2 errors', '1,234 files'."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def summary(report: BuildReport, verb: str) -> str:
    changed = ""
    if report.up_to_date:
        changed = "; nothing changed since the last build"
    elif report.pages and verb != "Checked":
        changed = f"; {report.written:,} written, {report.removed:,} removed"
    return (
        f"{verb} {counted(report.figures, 'figure')}"
        + (f", {counted(report.pages, 'file')} ({report.stats.bytes / 1e6:.1f} MB)" if report.pages else "")
        + f", {counted(len(report.errors), 'error')}, {counted(len(report.warnings), 'warning')} in {report.seconds:.2f} s"
        + f" with site-builder {__version__}{changed}"
    )


def size_report(report: BuildReport) -> list[str]:
    """Files and bytes per page kind, largest first; a warning above GitHub Pages' limit."""
    kinds = sorted(report.stats.by_kind.items(), key=lambda item: (-item[1][1], item[0]))
    lines = [
        f"  {kind:<22} {files:>8,} files {size / 1e6:>9.1f} MB  avg {size / max(files, 1) / 1e3:7.1f} KB"
        for kind, (files, size) in kinds
    ]
    if report.stats.bytes > GITHUB_PAGES_LIMIT:
        largest = ", ".join(f"{kind} ({size / 1e6:.0f} MB)" for kind, (_, size) in kinds[:3])
        lines.append(
            f"warning: the site is {report.stats.bytes / 1e9:.2f} GB; GitHub Pages publishes at most 1 GB. "
            f"Largest: {largest}"
        )
    return lines


def run_build(args: argparse.Namespace, check_only: bool = False) -> BuildReport | None:
    try:
        report = build(options_from(args), check_only=check_only)
    except BuildError as exc:
        print_problems(exc.errors, exc.warnings, args.quiet)
        counts = f"{counted(len(exc.errors), 'error')}, {counted(len(exc.warnings), 'warning')}"
        print(f"Check failed: {counts}." if check_only else f"Build failed: {counts}. Nothing was written.", file=sys.stderr)
        return None
    print_problems(report.errors, report.warnings, args.quiet)
    if report.skipped:
        print(f"Skipped {counted(len(report.skipped), 'invalid record')}: " + ", ".join(report.skipped), file=sys.stderr)
    if not args.quiet:
        print(summary(report, "Checked" if check_only else f"Built {report.output}:"))
    if not check_only:
        for line in size_report(report):
            if line.startswith("warning:") or not args.quiet:
                print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout)
    return report


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return dispatch(args)
    except KeyboardInterrupt:
        print("Interrupted; the previous site was left as it was.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or an OS error: one line unless --debug
        if getattr(args, "debug", False):
            raise
        message = str(exc) if len(str(exc)) < 500 else str(exc)[:500] + "…"
        print(f"error: {exc.__class__.__name__}: {message} (run with --debug for details)", file=sys.stderr)
        return 2


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "new":
        return run_new(args)
    if args.command == "init-workflow":
        return run_init_workflow(args)
    if args.command == "serve":
        return run_serve(args)
    if args.command == "deploy" and not deploy_arguments_valid(args):
        return 1
    report = run_build(args, check_only=args.command == "check")
    if report is None:
        return 1
    if args.command == "deploy":
        return run_deploy(args, report)
    return 1 if report.errors or report.skipped else 0


def deploy_arguments_valid(args: argparse.Namespace) -> bool:
    """Refuse a bad --remote, --branch or --cname before building anything."""
    from .deploy import DeployError, check_arguments

    try:
        check_arguments(remote=args.remote, branch=args.branch, cname=args.cname)
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def run_deploy(args: argparse.Namespace, report: BuildReport) -> int:
    from .deploy import DeployError, deploy

    if report.errors or report.skipped:
        print("error: not deploying a site with errors", file=sys.stderr)
        return 1
    try:
        result = deploy(report.output, Path("."), remote=args.remote, branch=args.branch, message=args.message,
                        cname=args.cname or report.config.cname or None)
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.message)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from .serve import ServeError, serve

    try:
        serve(options_from(args), host=args.host, port=args.port, open_browser=args.open)
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def run_new(args: argparse.Namespace) -> int:
    from .scaffold import ScaffoldError, new_site
    from .workflow import WorkflowError

    try:
        site = new_site(args.folder, install=args.install)
    except (ScaffoldError, WorkflowError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Created a new site in {site.folder}:")
    for relative in site.files:
        print(f"  {relative}")
    if site.note:
        print(f"warning: {site.note}", file=sys.stderr)
    print(f"Next: cd {shlex.quote(str(site.folder))} && site-builder serve   (or site-builder build, into _site/)")
    return 0


def run_init_workflow(args: argparse.Namespace) -> int:
    from .workflow import WorkflowError, default_install, init_workflow

    install, note = (args.install, None) if args.install is not None else default_install()
    try:
        path = init_workflow(Path("."), force=args.force, install=install)
    except (FileExistsError, WorkflowError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {path}; it installs site-builder with `pip install {install}`")
    if note:
        print(f"warning: {note}", file=sys.stderr)
    return 0
