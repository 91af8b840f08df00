"""Issue 14.6, "One set of YAML rules for every record": yaml_rs (the fast path) and PyYAML (the
careful path) read every record by the same rules (YAML 1.2 core schema); duplicate keys,
control characters and deep nesting are located errors, never a crash or a silent loss."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import minimal_fields, record_text, write_record
from site_builder import yamlsupport
from site_builder.build import BuildOptions, build
from site_builder.load import load_figure

PATH = "figures/PMC1__f1.md"
GOOD = "---\nfigid: PMC1__f1\nfigtitle: A pathway\n"


def both_paths(monkeypatch: pytest.MonkeyPatch, text: str) -> list[tuple]:
    """(figure, errors, warnings) of one record, read with yaml_rs and without it."""
    outcomes = []
    for fast in (yamlsupport.yaml_rs, None):
        monkeypatch.setattr(yamlsupport, "yaml_rs", fast)
        result = load_figure(text.encode("utf-8"), PATH)
        outcomes.append((result.figure, [str(p) for p in result.errors], [str(p) for p in result.warnings]))
    return outcomes


def errors(text: str | bytes) -> list[str]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    result = load_figure(data, PATH)
    assert result.figure is None
    return [str(p) for p in result.errors]


# --- the core schema on both paths -------------------------------------------------------------
@pytest.mark.parametrize("extra", ["", "caption:\tA tab after the colon, which yaml_rs refuses\n"])
def test_no_is_a_word_on_every_path(monkeypatch, extra: str) -> None:
    text = GOOD + "organisms: [NO, yes, on, Off]\nyear: 02020\n" + extra + "---\n"  # YAML 1.1: octal 1040
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert errs == []
        assert figure.organisms == ("NO", "yes", "on", "Off")
        assert figure.year == "2020"


@pytest.mark.parametrize("token, value", [
    ("true", True), ("TRUE", True), ("False", False), ("yes", "yes"), ("n", "n"), ("~", None), ("Null", None),
    ("0o17", 15), ("0x1F", 31), ("017", 17), ("+12", 12), ("1_000", "1_000"), ("0b101", "0b101"), ("0X1F", "0X1F"),
    ("-0x1", "-0x1"), ("1:20", "1:20"), ("2023-05-01", "2023-05-01"), ("1e3", 1000.0), (".5", 0.5), ("-.INF", -math.inf),
    (".inF", ".inF"), ("tRUE", "tRUE"),
])
def test_scalars_follow_the_core_schema_on_both_paths(monkeypatch, token: str, value) -> None:
    for fast in (yamlsupport.yaml_rs, None):
        monkeypatch.setattr(yamlsupport, "yaml_rs", fast)
        parsed, problem = yamlsupport.load_yaml(f"a: {token}\n", "x.yml", 1)
        assert problem is None and parsed == {"a": value} and type(parsed["a"]) is type(value), (fast, parsed)


def test_a_duplicate_key_is_an_error_at_its_line(monkeypatch) -> None:
    text = GOOD + "caption: first\nyear: '2020'\ncaption: second\n---\n"
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert figure is None
        assert errs == ["figures/PMC1__f1.md:6:1: invalid YAML: duplicate key 'caption' (first on line 4)"]


def test_a_duplicate_key_inside_a_mapping_is_an_error() -> None:
    text = GOOD + "schema-jsonld:\n  keywords: [A]\n  keywords: [B]\n---\n"
    assert errors(text) == ["figures/PMC1__f1.md:6:3: invalid YAML: duplicate key 'keywords' (first on line 5)"]


@pytest.mark.parametrize("char, name", [("\x00", "U+0000 (NUL)"), ("\x01", "U+0001"), ("\x1b", "U+001B (ESC)"),
                                        ("\x7f", "U+007F (DEL)"), ("\x85", "U+0085 (NEL)"), ("\x9b", "U+009B")])
def test_a_control_character_is_an_error_at_line_and_column(monkeypatch, char: str, name: str) -> None:
    # yaml_rs stops reading at a NUL: every field after it was silently dropped.
    text = GOOD + f"caption: ab{char}cd\nyear: '2020'\n---\n"
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert figure is None
        assert errs == [f"figures/PMC1__f1.md:4:12: control character {name} is not allowed"]


def test_escaped_control_characters_are_still_removed_with_a_warning() -> None:
    result = load_figure((GOOD + 'caption: "a\\x00b\\x1b"\n---\n').encode(), PATH)
    assert result.figure.caption == "ab"
    assert [str(p) for p in result.warnings] == ["figures/PMC1__f1.md:4: caption: control characters removed"]


@pytest.mark.parametrize("value", ["!!binary aGVsbG8=", "!!set {a}", "!foo x", "!!timestamp 2020-01-01", "!!python/name:os.system x"])
def test_tags_outside_the_core_schema_are_errors_on_both_paths(monkeypatch, value: str) -> None:
    text = GOOD + f"caption: {value}\n---\n"
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert figure is None and len(errs) == 1 and errs[0].startswith("figures/PMC1__f1.md:4:10: invalid YAML: unknown tag"), errs


def test_core_tags_anchors_and_aliases_read_alike(monkeypatch) -> None:
    text = GOOD + "number: !!str 12\nextra: &x {a: 1}\nmore: *x\nmerge:\n  <<: *x\n---\n"
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert errs == [] and figure.number == "12"
        assert dict(figure.extra) == {"extra": {"a": 1}, "more": {"a": 1}, "merge": {"<<": {"a": 1}}}


def test_a_redefined_anchor_and_an_escaped_surrogate_pair_read_alike(monkeypatch) -> None:
    text = GOOD + "a: &x 1\nb: *x\nc: &x 2\nd: *x\n---\n"
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert errs == [] and dict(figure.extra) == {"a": 1, "b": 1, "c": 2, "d": 2}
    pair = GOOD + 'caption: "smile \\ud83d\\ude00"\n---\n'  # yaml_rs joins the pair, libyaml refuses it
    for figure, errs, _ in both_paths(monkeypatch, pair):
        assert errs == ["figures/PMC1__f1.md:4:19: invalid YAML: found invalid Unicode character escape code (while parsing a quoted scalar)"]


def test_a_key_that_is_a_list_is_an_error(monkeypatch) -> None:
    for figure, errs, _ in both_paths(monkeypatch, GOOD + "? [a, b]\n: 1\n---\n"):
        assert errs == ["figures/PMC1__f1.md:4:3: invalid YAML: a key must be a plain value, not a list or mapping"]


def test_an_alias_bomb_is_an_error() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 7):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}" if n > 1 else "*a"] * 10) + "]")
    text = GOOD + "\n".join(lines) + "\n---\n"
    assert errors(text) == ["figures/PMC1__f1.md:9:45: invalid YAML: aliases expand to more than 1,000,000 values"]


# --- nesting (issue 12.7) --------------------------------------------------------------------
def deep_by_indentation(levels: int) -> str:
    return "".join(" " * level + f"k{level}:\n" for level in range(levels)) + " " * levels + "leaf\n"


def test_nesting_by_indentation_is_an_error_at_the_line_where_it_gets_too_deep(monkeypatch) -> None:
    text = GOOD + deep_by_indentation(500) + "---\n"
    assert len(text) > 120_000  # the reported record: 500 levels, 130 KB
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert errs == ["figures/PMC1__f1.md:68:65: invalid YAML: nested deeper than 64 levels"]


def test_nesting_within_the_limit_is_read(monkeypatch) -> None:
    text = GOOD + deep_by_indentation(62) + "---\n"
    for figure, errs, _ in both_paths(monkeypatch, text):
        assert errs == [] and "k0" in figure.extra


def test_a_deeply_nested_record_is_skipped_under_keep_going(tmp_path: Path) -> None:
    # It used to crash the whole build with RecursionError while pickling, naming no file.
    content = tmp_path / "content"
    write_record(content, minimal_fields("PMC2__good"))
    deep = content / "figures" / "PMC3__deep.md"
    deep.write_text(record_text(minimal_fields("PMC3__deep")).replace("---\n", "---\n" + deep_by_indentation(500), 1))
    report = build(BuildOptions(project_dir=tmp_path, content_dir=content, output_dir=tmp_path / "site",
                                keep_going=True, jobs=1))
    assert [str(p) for p in report.errors] == [
        f"{deep.relative_to(Path.cwd()) if deep.is_relative_to(Path.cwd()) else deep.as_posix()}:66:65: invalid YAML: nested deeper than 64 levels"]
    assert report.skipped and (tmp_path / "site" / "figures" / "PMC2__good.html").is_file()


# --- both paths agree on generated YAML ------------------------------------------------------
TOKENS = [
    "NO", "no", "yes", "Yes", "on", "OFF", "y", "n", "true", "True", "TRUE", "tRUE", "false", "FALSE", "~", "null", "Null",
    "NULL", "nULL", "0", "017", "-017", "+12", "0o17", "0O17", "0x1F", "0X1F", "-0x1", "+0o7", "0b101", "1_000", "_1", "1_",
    "1:20", "190:20:30", "2023-05-01", "2001-12-14t21:59:43.10-05:00", "1e3", "1E3", "1.e5", ".5", "5.", "-.inf", "+.INF",
    ".Inf", ".inF", ".nan", ".NaN", "-.nan", "1e400", "12345678901234567890123", "<<", "=", "PMC1__f1", "x_1", "NA",
    "Homo sapiens", "α-synuclein", "a b", "'quoted'", '"dq \\x41"', "''", "'NO'", "'1_000'", '"\\ud83d\\ude00"',
    "\\ud83d", '"\\U0001F600"', '"tab\\there"', "!!str 1", "!!int 017", "&x 1", "*x", "[]", "{}",
]
WORDS = st.text(alphabet="abcXYZ019_ .-+", min_size=1, max_size=8).map(str.strip).filter(
    lambda t: t and t[0] not in "-. " and t[-1] not in ". ")
SCALARS = st.one_of(st.sampled_from(TOKENS), WORDS)
KEYS = st.one_of(st.sampled_from(["a", "b", "caption", "NO", "1", "true", "0x1F", "1_000", "~"]), WORDS)


def block(node, indent: int) -> str:
    pad = " " * indent
    if isinstance(node, dict):
        if not node:
            return "{}"
        return "\n" + "".join(f"{pad}{key}:{block(value, indent + 2) if isinstance(value, (dict, list)) and value else ' ' + flow(value)}\n"
                              for key, value in node.items()).rstrip("\n")
    if isinstance(node, list):
        if not node:
            return "[]"
        return "\n" + "".join(f"{pad}-{block(value, indent + 2) if isinstance(value, (dict, list)) and value else ' ' + flow(value)}\n"
                              for value in node).rstrip("\n")
    return " " + node


def flow(node) -> str:
    if isinstance(node, dict):
        return "{" + ", ".join(f"{key}: {flow(value)}" for key, value in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(flow(value) for value in node) + "]"
    return node


DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=12,
).flatmap(lambda tree: st.sampled_from([
    "root:" + block(tree, 2) if isinstance(tree, (dict, list)) and tree else "root: " + flow(tree),
    "root: " + flow(tree),
]))


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.skipif(yamlsupport.yaml_rs is None, reason="yaml_rs is not installed")
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_both_parse_paths_agree_on_generated_yaml(text: str) -> None:
    fast = yamlsupport.yaml_rs
    try:
        with_fast = yamlsupport.load_yaml(text, "x.yml", 1)
        yamlsupport.yaml_rs = None
        careful = yamlsupport.load_yaml(text, "x.yml", 1)
    finally:
        yamlsupport.yaml_rs = fast
    assert same(with_fast[0], careful[0]) and with_fast[1] == careful[1], (text, with_fast, careful)
