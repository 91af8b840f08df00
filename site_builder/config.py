"""Site configuration: schema, defaults and validation with every problem reported at once."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import BuildError
from .load import decode
from .model import Problem
from .text import remove_control_chars
from .yamlsupport import key_lines, parse_yaml

CC0_URL = "https://creativecommons.org/publicdomain/zero/1.0/"
URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_SETTINGS = ("image_url", "edit_url", "license_url")  # url and base_url have stricter checks
# What a browser's URL parser drops before reading the scheme (WHATWG URL: leading and trailing
# C0 controls and spaces, every tab and newline); other C0 controls and DEL go too, to be safe.
BROWSER_DROPS = re.compile("[\x00-\x1f\x7f]")
# A BCP 47 language tag (RFC 5646): language[-extlang][-script][-region][-variant...][-extension...][-x-private]
LANGUAGE_TAG = re.compile(
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"
    r"|[xX](?:-[A-Za-z0-9]{1,8})+"
)


@dataclass(frozen=True, slots=True)
class NavLink:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str = "Pathway Figure OCR"
    description: str = (
        "Pathway figures from published papers, with the genes, chemicals and diseases "
        "found in them by optical character recognition and text mining."
    )
    base_url: str = "/"
    url: str = ""  # the site's origin (https://host) when base_url is only a path
    output: str = "_site"
    language: str = "en"
    image_url: str = "https://europepmc.org/articles/{pmcid}/bin/{filename}"
    edit_url: str = ""  # e.g. https://github.com/org/repo/edit/main/content/figures/{figid}.md
    license_name: str = "CC0 1.0"
    license_url: str = CC0_URL
    creator: str = "WikiPathways"
    footer: str = "Figure data are free to use for any purpose."
    cname: str = ""
    per_page: int = 100
    nav: tuple[NavLink, ...] = (
        NavLink("Browse", "figures/index.html"),
        NavLink("Organisms", "organisms/index.html"),
        NavLink("Genes", "genes/index.html"),
        NavLink("Search", "search.html"),
        NavLink("Analyse", "analyse.html"),
        NavLink("About", "about.html"),
    )

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: '/' or '/repo/'."""
        path = urlsplit(self.base_url).path if self.absolute else self.base_url
        return path.rstrip("/") + "/"

    @property
    def absolute(self) -> bool:
        return "://" in self.base_url

    @property
    def site_url(self) -> str:
        """The absolute site URL with a trailing slash, for canonical links, feeds and JSON-LD."""
        if self.absolute:
            return self.base_url.rstrip("/") + "/"
        return (self.url or "http://localhost").rstrip("/") + self.base_path


def load_config(path: Path | None, overrides: dict[str, Any] | None = None) -> tuple[SiteConfig, list[Problem]]:
    """Read site.yml (optional), apply CLI overrides, validate. Returns the config and warnings.

    Raises BuildError listing every error at once.
    """
    raw: dict[str, Any] = {}
    lines: dict[str, int] = {}
    name = str(path) if path else "site.yml"
    text_warnings: list[Problem] = []
    if path is not None and path.exists():
        text, problem = decode(path.read_bytes(), name)
        problems = [problem] if problem else []
        if not problem:
            data, problems, text_warnings = parse_yaml(text, name, first_line=1)
        if problems:
            raise BuildError(problems, text_warnings)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise BuildError([Problem(name, 1, "", "expected a mapping of settings")])
        raw, lines = data, key_lines(text)
    for key, value in (overrides or {}).items():
        if value is not None:
            raw[key] = value
            lines.pop(key, None)
    try:
        config, warnings = validate_config(raw, name, lines)
    except BuildError as exc:
        raise BuildError(exc.errors, text_warnings + exc.warnings) from None
    return config, text_warnings + warnings


# Settings of the same meaning in the tools a site may come from (MkDocs, Jekyll, Hugo).
OTHER_TOOLS_SETTINGS = {"site_url": "url", "baseurl": "base_url", "baseURL": "url", "site_name": "title",
                        "site_description": "description", "languageCode": "language", "lang": "language",
                        "paginate": "per_page", "destination": "output", "publishDir": "output", "site_dir": "output"}


def setting_hint(key: str, known: set[str]) -> str:
    """'; did you mean url?' for a setting named as another tool or a typo names it, else ''."""
    match = OTHER_TOOLS_SETTINGS.get(key) or next(iter(difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)), "")
    return f"; did you mean {match}?" if match else ""


def validate_config(raw: dict[str, Any], name: str, lines: dict[str, int]) -> tuple[SiteConfig, list[Problem]]:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    values: dict[str, Any] = {}
    known = {f.name for f in fields(SiteConfig)}
    for key, value in raw.items():
        line = lines.get(key, 0)
        if key not in known:
            warnings.append(Problem(name, line, str(key), "unknown setting, ignored" + setting_hint(str(key), known)))
            continue
        converted, message = _convert(key, value)
        if message:
            errors.append(Problem(name, line, key, message))
            continue
        cleaned = _without_control_chars(converted)
        if cleaned != converted:
            warnings.append(Problem(name, line, key, "control characters or characters not allowed in XML removed"))
        values[key] = cleaned
    config = replace(SiteConfig(), **values)
    errors += [Problem(name, lines.get(k, 0), k, m) for k, m in _check_values(config)]
    if errors:
        raise BuildError(sorted(errors, key=lambda p: p.line), warnings)
    return config, warnings


def _convert(key: str, value: Any) -> tuple[Any, str]:
    if key == "per_page":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return None, "expected a whole number of at least 1"
        return value, ""
    if key == "nav":
        return _convert_nav(value)
    if not isinstance(value, str):
        return None, f"expected a string, got {_type_name(value)}"
    if key in URL_SETTINGS:
        return browser_url(value), ""
    return value, ""


def _without_control_chars(value: Any) -> Any:
    if isinstance(value, str):
        return remove_control_chars(value)
    if isinstance(value, tuple):
        return tuple(NavLink(remove_control_chars(link.title), link.url) for link in value)
    return value


def browser_url(url: str) -> str:
    """The URL as a browser reads it: `java\tscript:` is `javascript:` to Chromium."""
    return BROWSER_DROPS.sub("", url.strip("\x00- "))


def _convert_nav(value: Any) -> tuple[Any, str]:
    if not isinstance(value, list):
        return None, "expected a list of {title, url} entries"
    links = []
    for number, item in enumerate(value, 1):
        if not (isinstance(item, dict) and isinstance(item.get("title"), str) and isinstance(item.get("url"), str)):
            return None, f"entry {number}: expected a mapping with 'title' and 'url' strings"
        links.append(NavLink(item["title"], browser_url(item["url"])))
    return tuple(links), ""


def _check_values(config: SiteConfig) -> list[tuple[str, str]]:
    problems = []
    if config.url and not config.url.startswith(("http://", "https://")):
        problems.append(("url", "expected an absolute URL such as https://pfocr.example.org"))
    if not (config.base_url.startswith(("http://", "https://", "/"))):
        problems.append(("base_url", "expected an absolute URL (https://host/path/) or a path starting with '/'"))
    for key in ("image_url",):
        if "{" not in getattr(config, key):
            problems.append((key, "expected a template with {pmcid} and {filename}"))
    for key in ("image_url", "edit_url"):
        try:
            getattr(config, key).format(pmcid="", filename="", figid="")
        except (KeyError, IndexError, ValueError) as exc:
            problems.append((key, f"bad template field {exc}; use {{pmcid}}, {{filename}} or {{figid}}"))
    if not LANGUAGE_TAG.fullmatch(config.language):
        problems.append(("language", f"{config.language!r} is not a BCP 47 language tag such as en, en-US or pt-BR"))
    if not config.output.strip():
        problems.append(("output", "must not be empty"))
    for key in URL_SETTINGS:
        if unsafe_scheme(getattr(config, key)):
            problems.append((key, "only http:, https:, mailto: and relative links are allowed"))
    for number, link in enumerate(config.nav, 1):
        if unsafe_scheme(link.url):
            problems.append(("nav", f"entry {number}: only http:, https:, mailto: and relative links are allowed"))
    return problems


def unsafe_scheme(url: str) -> bool:
    """True for javascript:, data: and other schemes a link must never use, however disguised."""
    match = URL_SCHEME.match(browser_url(url))
    return match is not None and match.group(1).lower() not in SAFE_SCHEMES


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def dump_default_config() -> str:
    """The default settings as YAML (for docs and `site-builder new`)."""
    default = SiteConfig()
    data = {f.name: getattr(default, f.name) for f in fields(SiteConfig) if f.name != "nav"}
    data["nav"] = [{"title": n.title, "url": n.url} for n in default.nav]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
