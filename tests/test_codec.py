"""The cache's data format (codec.py): values come back exactly as they went in, and data of
any other shape is refused (Unreadable), never half-read. Its decoders are generated from the
dataclasses' type hints (issue 16), so these pin down what the hand-written ones did."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import pytest

from site_builder.build import CHUNK_ENTRIES
from site_builder.results import StoredResult
from site_builder.cache import Manifest, ManifestHead
from site_builder.codec import Codec, Unreadable
from site_builder.model import Figure, FigureSummary, FrozenMap, GeneMention, Names, Problem, TermMention


@dataclass(frozen=True, slots=True)
class Node:
    """A recursive type: its decoder refers to itself."""

    name: str
    weight: float | None = None
    children: tuple["Node", ...] = ()


@dataclass(frozen=True, slots=True)
class Single:
    only: tuple[str, int]


def figure() -> Figure:
    return Figure(
        figid="PMC1__f1", title="Ünïcode — title \u2028 with \"quotes\" and </script>", caption="a\nb",
        organisms=("Homo sapiens", "Mus musculus"), keywords=(), automl_pathway=0.5,
        redirect_from=("/figures/PMC1__F1",),
        genes=(GeneMention("TP53", "TP53", "7157", "src", "Homo sapiens", "9606", "Primates"), GeneMention("x", "")),
        chemicals=(TermMention("glucose", "D005947", "Glucose", "17234"),),
        extra=FrozenMap({"nested": {"a": [1, 2.5, None, True]}, "pair": (1, "b"), "when": datetime.date(2020, 1, 2),
                         "at": datetime.datetime(2020, 1, 2, 3, 4, 5), "raw": b"\x00\xff", "set": {3, 1},
                         "~tuple": "a plain key that looks like a tag"}),
        lines=(("figid", 2), ("redirect_from", 9)),
    )


@pytest.mark.parametrize("value, kind", [
    ((("digest", figure()), ("other", Figure("PMC2__f2", "Two", automl_pathway=None))), CHUNK_ENTRIES["records"]),
    (StoredResult("key", (Problem("a.md", 3, "year", "bad", 4),), (), ("b.md",), (FigureSummary.of(figure()),)), StoredResult),
    (Manifest("/out", "f", 1.5, {"index.html": ("h", 10)}, {"k": ("a.html",)}, (), 2, {"a.html": "k"}), Manifest),
    (ManifestHead("/out", "f", 1.0, 2.0, 3, (), {"figures/": [1, 2]}, ("a",)), ManifestHead),
    (Node("root", 1.0, (Node("leaf"), Node("leaf2", None, (Node("deep", 0.25),)))), Node),
    (Single(("a", 1)), Single),
])
def test_values_come_back_as_they_went_in(value, kind) -> None:
    codec = Codec()
    data = codec.dumps(value, kind)
    data.decode("utf-8")  # JSON text (orjson writes UTF-8)
    back = codec.loads(data, kind)
    assert back == value
    assert type(back) is type(value)
    assert codec.dumps(back, kind) == data


def test_tuples_come_back_as_tuples_and_mappings_as_frozen_maps() -> None:
    codec = Codec()
    back = codec.loads(codec.dumps(figure(), Figure), Figure)
    assert isinstance(back.organisms, tuple) and isinstance(back.genes, tuple) and isinstance(back.lines[0], tuple)
    assert isinstance(back.extra, FrozenMap)
    assert back.extra["pair"] == (1, "b") and back.extra["set"] == {1, 3} and back.extra["raw"] == b"\x00\xff"


def test_a_records_extra_fields_keep_yamls_nan_and_infinities() -> None:
    """YAML has .nan and .inf; JSON has no such numbers (a record holding one once stopped the build)."""
    import math
    from dataclasses import replace
    codec = Codec()
    value = replace(figure(), extra=FrozenMap({"low": float("-inf"), "high": float("inf"), "odd": [float("nan"), 1.5]}))
    back = codec.loads(codec.dumps(value, Figure), Figure)
    assert back.extra["low"] == float("-inf") and back.extra["high"] == float("inf") and back.extra["odd"][1] == 1.5
    assert math.isnan(back.extra["odd"][0])


def test_what_orjson_refuses_is_written_by_json() -> None:
    """A lone surrogate (a file name os could not decode) and an integer beyond 64 bits."""
    from dataclasses import replace
    codec = Codec()
    value = replace(figure(), title="broken \udcff name", extra=FrozenMap({"big": 2 ** 70}))
    assert codec.loads(codec.dumps(value, Figure), Figure) == value


@pytest.mark.parametrize("big", [2 ** 63, -(2 ** 63) - 1, 2 ** 64, 10 ** 40, -(16 ** 5000)],  # the last: past str()'s 4,300 digits
                         ids=["2^63", "-2^63-1", "2^64", "10^40", "-16^5000"])
def test_a_whole_number_beyond_64_bits_comes_back_whole(big) -> None:
    """orjson reads such a number as a float: an extra field's is tagged, a typed field's entry
    is refused (made again), never read back rounded."""
    from dataclasses import replace
    codec = Codec()
    value = replace(figure(), extra=FrozenMap({"big": big, "list": [big, 1]}))
    back = codec.loads(codec.dumps(value, Figure), Figure)
    assert back == value and type(back.extra["big"]) is int
    with pytest.raises(Unreadable):
        codec.loads(codec.dumps(Single(("a", 10 ** 40)), Single), Single)


def test_a_float_field_takes_a_whole_number() -> None:
    assert Codec().loads(b'[[], ["n", 2, []]]', Node) == Node("n", 2.0)


def layout(value, kind=Node, names=()) -> bytes:
    """A file as Codec.dumps lays it out: [distinct names, value]."""
    return json.dumps([list(names), value]).encode()


@pytest.mark.parametrize("raw", [
    [],  # too few values
    ["n", None],
    ["n", None, [], "extra"],  # too many
    {"name": "n"},  # not a list
    [1, None, []],  # a number for a string
    [None, None, []],
    [True, None, []],
    ["n", "1.5", []],  # a string for a float
    ["n", True, []],  # true is not a number here
    ["n", None, {}],  # not a list of children
    ["n", None, [["child", None]]],  # a child of the wrong length
    ["n", None, [["child", None, [], []]]],
    ["n", None, "abc"],
])
def test_data_of_another_shape_is_refused(raw) -> None:
    with pytest.raises(Unreadable):
        Codec().loads(layout(raw), Node)


@pytest.mark.parametrize("raw", [
    [["a"]],  # a pair of one
    [["a", 1, 2]],
    [["a", "1"]],  # a string for an int
    [["a", True]],  # a boolean for an int
    [["a", 1.0]],
    [[1, 1]],
    ["a"],
])
def test_fixed_length_tuples_are_checked(raw) -> None:
    with pytest.raises(Unreadable):
        Codec().loads(layout(raw), Single)


@pytest.mark.parametrize("organisms", [[1], ["a", None], "Homo sapiens", {"a": 1}, [["a"]]])
def test_lists_of_strings_hold_only_strings(organisms) -> None:
    codec = Codec()
    raw = json.loads(codec.dumps(figure(), Figure))
    raw[1][16] = organisms  # Figure.organisms
    with pytest.raises(Unreadable):
        codec.loads(json.dumps(raw).encode(), Figure)


def test_not_json_is_refused() -> None:
    with pytest.raises(Unreadable):
        Codec().loads(b"\x80not json", Node)
    with pytest.raises(Unreadable):
        Codec().loads(b'["n", NaN, []]' + b"]", Node)


def test_mappings_need_string_keys_to_be_written() -> None:
    with pytest.raises(TypeError, match="string keys"):
        Codec().dumps(Manifest("/out", files={1: ("h", 1)}), Manifest)
    with pytest.raises(TypeError, match="string keys"):
        Codec().dumps(ManifestHead("/o", "", 0.0, 0.0, 0, (), {("a",): [1]}, ()), ManifestHead)


@dataclass(frozen=True, slots=True)
class Named:
    symbols: Names
    other: tuple[str, ...] = ()


def test_names_are_written_once_per_file_and_read_as_one_object_each() -> None:
    codec = Codec()
    value = (Named(("TP53", "EGFR"), ("TP53",)), Named(("EGFR", "TP53"), ()))
    data = codec.dumps(value, tuple[Named, ...])
    assert json.loads(data) == [["TP53", "EGFR"], [[[0, 1], ["TP53"]], [[1, 0], []]]]
    first, second = codec.loads(data, tuple[Named, ...]), codec.loads(data, tuple[Named, ...])
    assert first == value
    assert first[0].symbols[0] is first[1].symbols[1] is second[0].symbols[0]  # shared across files too


@pytest.mark.parametrize("names, symbols", [
    (["a"], [1]),  # no such name
    (["a"], [-1]),
    (["a"], ["a"]),  # a name, not its number
    (["a"], [0.0]),
    (["a"], "0"),
    ([1], [0]),  # a name that is not a string
])
def test_names_and_their_numbers_are_checked(names, symbols) -> None:
    with pytest.raises(Unreadable):
        Codec().loads(layout([symbols, []], names=names), Named)


@pytest.mark.parametrize("raw", [[[0], []], ["a", [[0], []]], [["a"], [[0], []], []], {"a": 1}])
def test_a_file_without_its_list_of_names_is_refused(raw) -> None:
    with pytest.raises(Unreadable):
        Codec().loads(json.dumps(raw).encode(), Named)
