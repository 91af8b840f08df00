"""Site configuration: schema, defaults and validation with every problem reported at once."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import BuildError
from .load import decode
from .model import Problem
from .yamlsupport import key_lines, load_yaml

CC0_URL = "https://creativecommons.org/publicdomain/zero/1.0/"
URL_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
SAFE_SCHEMES = {"http", "https", "mailto"}
URL_SETTINGS = ("image_url", "edit_url", "license_url")  # url and base_url have stricter checks


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
    if path is not None and path.exists():
        text, problem = decode(path.read_bytes(), name)
        if not problem:
            data, problem = load_yaml(text, name, first_line=1)
        if problem:
            raise BuildError([problem])
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise BuildError([Problem(name, 1, "", "expected a mapping of settings")])
        raw, lines = data, key_lines(text)
    for key, value in (overrides or {}).items():
        if value is not None:
            raw[key] = value
            lines.pop(key, None)
    return validate_config(raw, name, lines)


def validate_config(raw: dict[str, Any], name: str, lines: dict[str, int]) -> tuple[SiteConfig, list[Problem]]:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    values: dict[str, Any] = {}
    known = {f.name for f in fields(SiteConfig)}
    for key, value in raw.items():
        line = lines.get(key, 0)
        if key not in known:
            warnings.append(Problem(name, line, str(key), "unknown setting, ignored"))
            continue
        converted, message = _convert(key, value)
        if message:
            errors.append(Problem(name, line, key, message))
        else:
            values[key] = converted
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
    return value, ""


def _convert_nav(value: Any) -> tuple[Any, str]:
    if not isinstance(value, list):
        return None, "expected a list of {title, url} entries"
    links = []
    for number, item in enumerate(value, 1):
        if not (isinstance(item, dict) and isinstance(item.get("title"), str) and isinstance(item.get("url"), str)):
            return None, f"entry {number}: expected a mapping with 'title' and 'url' strings"
        links.append(NavLink(item["title"], item["url"]))
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
    if not config.output.strip():
        problems.append(("output", "must not be empty"))
    for key in URL_SETTINGS:
        if unsafe_scheme(getattr(config, key)):
            problems.append((key, "only http:, https: and mailto: links are allowed"))
    for number, link in enumerate(config.nav, 1):
        if unsafe_scheme(link.url):
            problems.append(("nav", f"entry {number}: only http:, https: and mailto: links are allowed"))
    return problems


def unsafe_scheme(url: str) -> bool:
    """True for javascript:, data: and other schemes a link must never use."""
    match = URL_SCHEME.match(url)
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
