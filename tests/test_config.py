"""config.py: defaults, overrides, and every error reported at once with file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.config import SiteConfig, dump_default_config, load_config
from site_builder.errors import BuildError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> tuple[list[str], list[str]]:
    with pytest.raises(BuildError) as info:
        load_config(path)
    return [str(p) for p in info.value.errors], [str(p) for p in info.value.warnings]


def test_missing_file_gives_defaults() -> None:
    config, warnings = load_config(None)
    assert config == SiteConfig() and warnings == []
    assert config.site_url == "http://localhost/" and config.base_path == "/"


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "# nothing yet\n"))[0] == SiteConfig()


def test_settings_and_site_url(tmp_path: Path) -> None:
    path = write(tmp_path, "title: PFOCR\nurl: https://pfocr.example.org\nbase_url: /pfocr/\nper_page: 20\n")
    config, warnings = load_config(path)
    assert (config.title, config.per_page, warnings) == ("PFOCR", 20, [])
    assert config.site_url == "https://pfocr.example.org/pfocr/" and config.base_path == "/pfocr/"


def test_absolute_base_url(tmp_path: Path) -> None:
    config, _ = load_config(write(tmp_path, "base_url: https://user.github.io/repo\n"))
    assert config.site_url == "https://user.github.io/repo/" and config.base_path == "/repo/"


def test_overrides_win_over_the_file(tmp_path: Path) -> None:
    config, _ = load_config(write(tmp_path, "base_url: /a/\noutput: out\n"), {"base_url": "/b/", "output": None})
    assert config.base_url == "/b/" and config.output == "out"


def test_every_error_at_once_with_lines_and_unknown_keys_warned(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "title: 12\n"
        "per_page: 0\n"
        "url: ftp://x\n"
        "base_url: nope\n"
        "nav:\n"
        "  - title: X\n"
        "    url: 'javascript:alert(1)'\n"
        "image_url: no-template\n"
        "colour: blue\n"
        "edit_url: '{nope}'\n"
        "license_url: 'data:text/html,x'\n",
    )
    errors, warnings = errors_of(path)
    name = str(path)
    assert errors == [
        f"{name}:1: title: expected a string, got a number",
        f"{name}:2: per_page: expected a whole number of at least 1",
        f"{name}:3: url: expected an absolute URL such as https://pfocr.example.org",
        f"{name}:4: base_url: expected an absolute URL (https://host/path/) or a path starting with '/'",
        f"{name}:5: nav: entry 1: only http:, https:, mailto: and relative links are allowed",
        f"{name}:8: image_url: expected a template with {{pmcid}} and {{filename}}",
        f"{name}:10: edit_url: bad template field 'nope'; use {{pmcid}}, {{filename}} or {{figid}}",
        f"{name}:11: license_url: only http:, https:, mailto: and relative links are allowed",
    ]
    assert warnings == [f"{name}:9: colour: unknown setting, ignored"]


def test_unknown_key_is_only_a_warning(tmp_path: Path) -> None:
    config, warnings = load_config(write(tmp_path, "title: X\nthem: dark\n"))
    assert config.title == "X" and [str(w) for w in warnings] == [f"{tmp_path / 'site.yml'}:2: them: unknown setting, ignored"]


def test_an_unknown_setting_names_the_one_meant(tmp_path: Path) -> None:
    """Settings named as MkDocs, Jekyll or Hugo name them, and near misses, get a hint."""
    text = "title: X\nsite_url: https://example.org/\nbaseurl: /pfocr/\ntitel: Y\nper-page: 3\nfoo: 1\n"
    _, warnings = load_config(write(tmp_path, text))
    name = tmp_path / "site.yml"
    assert [str(w) for w in warnings] == [
        f"{name}:2: site_url: unknown setting, ignored; did you mean url?",
        f"{name}:3: baseurl: unknown setting, ignored; did you mean base_url?",
        f"{name}:4: titel: unknown setting, ignored; did you mean title?",
        f"{name}:5: per-page: unknown setting, ignored; did you mean per_page?",
        f"{name}:6: foo: unknown setting, ignored",
    ]


def test_nav_entries_must_be_mappings(tmp_path: Path) -> None:
    errors, _ = errors_of(write(tmp_path, "nav:\n  - Browse\n"))
    assert errors == [f"{tmp_path / 'site.yml'}:1: nav: entry 1: expected a mapping with 'title' and 'url' strings"]


def test_invalid_yaml(tmp_path: Path) -> None:
    errors, _ = errors_of(write(tmp_path, "title: [x\n"))
    assert errors == [f"{tmp_path / 'site.yml'}:2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"]


def test_not_a_mapping(tmp_path: Path) -> None:
    errors, _ = errors_of(write(tmp_path, "- a\n"))
    assert errors == [f"{tmp_path / 'site.yml'}:1: expected a mapping of settings"]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "site.yml"
    path.write_bytes(b"title: caf\xe9\n")
    errors, _ = errors_of(path)
    assert errors == [f"{path}:1:11: not valid UTF-8 (byte 0xe9); save the file as UTF-8"]


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "site.yml"
    path.write_bytes(b"\xef\xbb\xbftitle: X\r\nper_page: 5\r\n")
    config, _ = load_config(path)
    assert (config.title, config.per_page) == ("X", 5)


def test_default_config_round_trips(tmp_path: Path) -> None:
    config, warnings = load_config(write(tmp_path, dump_default_config()))
    assert config == SiteConfig() and warnings == []


# --- issue 12.4: the javascript: filter sees URLs as a browser does -----------------------------
@pytest.mark.parametrize("key, value", [
    ("license_url", "java\\tscript:alert(1)"),
    ("license_url", "java\\nscript:alert(1)"),
    ("license_url", "\\x01javascript:alert(1)"),
    ("license_url", " \\x00 JavaScript:alert(1)"),
    ("edit_url", "javas\\rcript:alert('{figid}')"),
    ("image_url", "\\x1fdata:text/html,{pmcid}{filename}"),
    ("license_url", "vbscript:msgbox(1)"),
])
def test_disguised_script_urls_are_refused(tmp_path: Path, key: str, value: str) -> None:
    errors, _ = errors_of(write(tmp_path, f'{key}: "{value}"\n'))
    assert errors == [f"{tmp_path / 'site.yml'}:1: {key}: only http:, https:, mailto: and relative links are allowed"]


@pytest.mark.parametrize("value", ["\\x01javascript:alert(1)", "java\\tscript:alert(1)", "\\njavascript:alert(1)"])
def test_disguised_script_urls_in_the_nav_are_refused(tmp_path: Path, value: str) -> None:
    errors, _ = errors_of(write(tmp_path, f'nav:\n  - title: Home\n    url: "{value}"\n'))
    assert errors == [f"{tmp_path / 'site.yml'}:1: nav: entry 1: only http:, https:, mailto: and relative links are allowed"]


def test_safe_urls_are_kept_without_what_a_browser_drops(tmp_path: Path) -> None:
    path = write(tmp_path, 'license_url: " https://example.org/lic\\tense "\nedit_url: "mailto:a@example.org?subject={figid}"\n'
                           'nav:\n  - {title: About, url: "about.html"}\n  - {title: Up, url: "../x:y/index.html"}\n'
                           '  - {title: Home, url: "//example.org/"}\n')
    config, warnings = load_config(path)
    assert config.license_url == "https://example.org/license" and config.edit_url == "mailto:a@example.org?subject={figid}"
    assert [link.url for link in config.nav] == ["about.html", "../x:y/index.html", "//example.org/"]


# --- issue 14.6: language is a BCP 47 tag ---------------------------------------------------------
@pytest.mark.parametrize("value", ["en", "en-US", "pt-BR", "zh-Hant-TW", "de-CH-1996", "es-419", "x-klingon"])
def test_bcp47_languages_are_accepted(tmp_path: Path, value: str) -> None:
    assert load_config(write(tmp_path, f"language: {value}\n"))[0].language == value


@pytest.mark.parametrize("value", ["en_US", "englishes", "e", "en-", "en US", "pt-BR<script>", "'en\"'"])
def test_a_language_that_is_not_a_bcp47_tag_is_an_error(tmp_path: Path, value: str) -> None:
    errors, _ = errors_of(write(tmp_path, f"title: T\nlanguage: {value}\n"))
    assert len(errors) == 1 and errors[0].startswith(f"{tmp_path / 'site.yml'}:2: language: ")
    assert errors[0].endswith("is not a BCP 47 language tag such as en, en-US or pt-BR")


def test_characters_not_allowed_in_xml_are_removed_from_settings_with_a_warning(tmp_path: Path) -> None:
    config, warnings = load_config(write(tmp_path, 'title: "PF\\uFFFEOCR"\ncreator: "Wiki\\x01Pathways"\n'))
    assert (config.title, config.creator) == ("PFOCR", "WikiPathways")
    name = tmp_path / "site.yml"
    assert [str(w) for w in warnings] == [
        f"{name}:1: title: control characters or characters not allowed in XML removed",
        f"{name}:2: creator: control characters or characters not allowed in XML removed",
    ]
