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
        f"{name}:5: nav: entry 1: only http:, https: and mailto: links are allowed",
        f"{name}:8: image_url: expected a template with {{pmcid}} and {{filename}}",
        f"{name}:10: edit_url: bad template field 'nope'; use {{pmcid}}, {{filename}} or {{figid}}",
        f"{name}:11: license_url: only http:, https: and mailto: links are allowed",
    ]
    assert warnings == [f"{name}:9: colour: unknown setting, ignored"]


def test_unknown_key_is_only_a_warning(tmp_path: Path) -> None:
    config, warnings = load_config(write(tmp_path, "title: X\nthem: dark\n"))
    assert config.title == "X" and [str(w) for w in warnings] == [f"{tmp_path / 'site.yml'}:2: them: unknown setting, ignored"]


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
