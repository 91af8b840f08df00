"""A data-only file format for the build cache: JSON, read back into frozen dataclasses.

The cache lives in the site repository, which is untrusted input, so reading it must never run
code (pickle would). Values are written as JSON; on reading, the expected type (from the
dataclasses' type hints) decides what each JSON value becomes: only the dataclasses that the
requested type names can be made, only through their constructors, only from plain data.
Anything that does not fit the schema is refused as unreadable (the entry is then rebuilt).

Dataclasses are written as lists of their field values, in field order: compact, and the
decoders built once per type turn them back with one constructor call each.

A cold build writes every chunk's records and reads them back in the render workers (~70 MB
of JSON at 10k figures), so the encoder and decoder of each dataclass and fixed-length tuple
are generated Python functions (built once per type from its type hints, never from data):
one list display to write, and to read one unpacking with the primitive fields' type checks
inline (`type(v) is str`), instead of a call per field. Values whose JSON form is the value
itself (strings, numbers, tuples and lists of them) are handed to json as they are.

A file is ``[names, value]``: fields typed ``model.Names`` (gene symbols, organisms: ~10M
references to ~100k distinct strings at 100k figures) are written as numbers into the file's
list of distinct names, and read back as one interned string object per name; a field typed
``model.Name`` (a year, a journal title) is one such number. Reading them then makes no string
per reference, and the model shares them without a second pass.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import json
import math
import sys
import threading
import types
import typing
from collections.abc import Mapping
from typing import Any, Callable

import orjson

from .model import NAME, NAMES, FrozenMap
from .parallel import collector_held


class Unreadable(ValueError):
    """The data does not have the shape the schema expects (a corrupt or foreign file)."""


def read_json(data: bytes) -> Any:
    """orjson's parse (~1.5x json's); what it refuses, json reads: dumps wrote lone surrogates
    with json. (orjson reads an integer beyond 64 bits as a float: encode_plain tags those, and
    a typed int field that gets a float is Unreadable, so the entry is made again.)"""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


Decoder = Callable[[Any], Any]
Encoder = Callable[[Any], Any]
PRIMITIVES = (str, int, float, bool, type(None))


class Codec:
    """Encode and decode values of the given types (dataclasses, tuples, dicts, primitives)."""

    def __init__(self) -> None:
        self._decoders: dict[Any, Decoder] = {}
        self._encoders: dict[type, Encoder] = {}
        self._file = threading.local()  # .names of the file being written or read (see dumps, loads)

    # --- writing ---------------------------------------------------------------------------

    def dumps(self, value: Any, kind: Any) -> bytes:
        names: dict[str, int] = {}
        self._file.names = names
        try:
            encoded = self.encoder(kind)(value)
        finally:
            self._file.names = None
        try:
            return orjson.dumps([list(names), encoded])  # ~3x json's speed: a cold build writes every chunk
        except orjson.JSONEncodeError:  # a lone surrogate, an integer beyond 64 bits: json writes them
            return json.dumps([list(names), encoded], ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")

    def encoder(self, kind: Any) -> Encoder:
        encoder = self._encoders.get(kind)
        if encoder is None:
            encoder = self._encoders[kind] = self._encoder_for(kind)
        return encoder

    def _encoder_for(self, kind: Any) -> Encoder:
        if typing.get_origin(kind) is typing.Annotated:
            base, *marks = typing.get_args(kind)
            return self._names_encoder() if NAMES in marks else self._name_encoder() if NAME in marks else self.encoder(base)
        if kind is Any or kind is tuple:
            return encode_plain
        if kind in PRIMITIVES:
            return same
        if kind is bytes:
            return lambda value: base64.b64encode(value).decode("ascii")
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in args if a is not type(None)]
            if all(a in PRIMITIVES for a in options):
                return same
            if len(options) == 1:
                inner = self.encoder(options[0])
                return lambda value: None if value is None else inner(value)
            raise TypeError(f"no cache encoder for {kind!r}")
        if origin is list:
            item = self.encoder(args[0])
            return same if item is same else (lambda value: [item(v) for v in value])
        if origin is tuple:
            items = [self.encoder(a) for a in args if a is not Ellipsis]
            if all(item is same for item in items):
                return same  # json writes a tuple as an array
            if len(args) == 2 and args[1] is Ellipsis:
                item = items[0]
                return lambda value: [item(v) for v in value]
            return lambda value: [encode(v) for encode, v in zip(items, value, strict=True)]
        if origin in (dict, Mapping) or origin is typing.Mapping:
            item = self.encoder(args[1])
            if item is same:
                return string_keyed
            return lambda value: {string_key(k): item(v) for k, v in value.items()}
        if dataclasses.is_dataclass(kind):
            return self._dataclass_encoder(kind)
        raise TypeError(f"no cache encoder for {kind!r}")

    def _names_encoder(self) -> Encoder:
        file = self._file

        def encode(value: tuple[str, ...]) -> list[int]:
            names = file.names
            return [names.setdefault(name, len(names)) for name in value]
        return encode

    def _name_encoder(self) -> Encoder:
        file = self._file

        def encode(value: str) -> int:
            names = file.names
            return names.setdefault(value, len(names))
        return encode

    def _dataclass_encoder(self, kind: type) -> Encoder:
        """def encode(value): return [value.a, e1(value.b), ...] (fields whose values json
        writes as they are need no call)."""
        hints = typing.get_type_hints(kind, include_extras=True)
        names = [f.name for f in dataclasses.fields(kind)]
        made: list[Encoder] = []
        self._encoders[kind] = lambda value: made[0](value)  # recursive types: until it is made
        namespace: dict[str, Any] = {}
        items = []
        for number, name in enumerate(names):
            encode = self.encoder(hints[name])
            if encode is same:
                items.append(f"value.{name}")
            else:
                namespace[f"e{number}"] = encode
                items.append(f"e{number}(value.{name})")
        source = f"def encode(value):\n    return [{', '.join(items)}]\n"
        made.append(generated(source, namespace, "encode", kind))
        self._encoders[kind] = made[0]
        return made[0]

    # --- reading ---------------------------------------------------------------------------

    def loads(self, data: bytes, kind: Any) -> Any:
        # A chunk's records are ~500k new objects and hold no reference cycles: the garbage
        # collector, which would run every 700 of them and now and then look at every object
        # of the process, is held off until they are made.
        with collector_held():
            try:
                raw = read_json(data)
            except (ValueError, RecursionError) as exc:
                raise Unreadable(str(exc)) from None
            try:
                names, value = expect_length(raw, 2)
                "".join(expect(names, list))  # TypeError for a name that is not a string
                self._file.names = list(map(sys.intern, names))
                return self.decoder(kind)(value)
            except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
                raise Unreadable(f"{exc.__class__.__name__}: {exc}") from None
            finally:
                self._file.names = None

    def decoder(self, kind: Any) -> Decoder:
        decoder = self._decoders.get(kind)
        if decoder is None:
            decoder = self._decoders[kind] = self._decoder_for(kind)
        return decoder

    def _decoder_for(self, kind: Any) -> Decoder:
        if typing.get_origin(kind) is typing.Annotated:
            base, *marks = typing.get_args(kind)
            return self._names_decoder() if NAMES in marks else self._name_decoder() if NAME in marks else self.decoder(base)
        if kind is Any:
            return decode_plain
        if kind in PRIMITIVES:
            return primitive(kind)
        if kind is bytes:
            return lambda value: base64.b64decode(expect(value, str), validate=True)
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if origin in (typing.Union, types.UnionType):
            options = [self.decoder(arg) for arg in args]
            return lambda value: first_that_fits(options, value)
        if origin is list:
            item = self.decoder(args[0])
            return lambda value: list(map(item, expect(value, list)))
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                if args[0] is str:
                    return str_tuple
                item = self.decoder(args[0])
                return lambda value: tuple(map(item, expect(value, list)))
            return self._product_decoder(tuple, list(args))
        if kind is tuple:
            return lambda value: tuple(map(decode_plain, expect(value, list)))
        if origin in (dict, Mapping) or origin is typing.Mapping:
            key, item = self.decoder(args[0]), self.decoder(args[1])
            wrap = dict if origin is dict else FrozenMap
            return lambda value: wrap({key(k): item(v) for k, v in expect(value, dict).items()})
        if dataclasses.is_dataclass(kind):
            return self._dataclass_decoder(kind)
        raise TypeError(f"no cache decoder for {kind!r}")

    def _names_decoder(self) -> Decoder:
        file = self._file

        def decode(value: Any) -> tuple[str, ...]:
            if type(value) is not list:
                raise TypeError(f"expected list, got {type(value).__name__}")
            if value and min(value) < 0:
                raise IndexError("a name's number is negative")
            return tuple(map(file.names.__getitem__, value))
        return decode

    def _name_decoder(self) -> Decoder:
        file = self._file

        def decode(value: Any) -> str:
            if type(value) is not int:
                raise TypeError(f"expected int, got {type(value).__name__}")
            if value < 0:
                raise IndexError("a name's number is negative")
            return file.names[value]
        return decode

    def _dataclass_decoder(self, kind: type) -> Decoder:
        hints = typing.get_type_hints(kind, include_extras=True)
        made: list[Decoder] = []
        self._decoders[kind] = lambda value: made[0](value)  # recursive types: until it is made
        made.append(self._product_decoder(kind, [hints[f.name] for f in dataclasses.fields(kind)]))
        self._decoders[kind] = made[0]
        return made[0]

    def _product_decoder(self, kind: type, types_: list[Any]) -> Decoder:
        """A dataclass (kind, built with its constructor) or a fixed-length tuple (kind is tuple)
        from a JSON list of exactly len(types_) values:

            def decode(value):
                if type(value) is not list or len(value) != 3: raise ValueError(...)
                v0, v1, v2 = value
                if type(v0) is not str: raise TypeError(...)
                return Kind(v0, d1(v1), d2(v2))
        """
        namespace: dict[str, Any] = {"kind": kind, "wrong": wrong_type}
        names = [f"v{number}" for number in range(len(types_))]
        lines = [
            "def decode(value):",
            f"    if type(value) is not list or len(value) != {len(names)}:",
            f"        raise ValueError('expected a list of {len(names)} values')",
        ]
        if names:
            lines.append(f"    {', '.join(names)}, = value")
        arguments = []
        for name, kind_of_value in zip(names, types_):
            check = inline_check(kind_of_value, name)
            if check is not None:
                lines += check
                arguments.append(name)
            else:
                namespace[f"d_{name}"] = self.decoder(kind_of_value)
                arguments.append(f"d_{name}({name})")
        made = f"({', '.join(arguments)}{',' if len(arguments) == 1 else ''})" if kind is tuple else f"kind({', '.join(arguments)})"
        lines.append(f"    return {made}")
        return generated("\n".join(lines) + "\n", namespace, "decode", kind)


def same(value: Any) -> Any:
    return value


def generated(source: str, namespace: dict[str, Any], name: str, kind: Any) -> Callable[[Any], Any]:
    """The function `name` defined by source (made from type hints, never from data)."""
    exec(compile(source, f"<codec {getattr(kind, '__name__', kind)}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


# Primitive types checked inline in generated decoders: (test that the value is wrong, conversion).
INLINE = {
    str: ("type({v}) is not str", None),
    int: ("type({v}) is not int", None),  # a bool is not an int here (type(True) is bool)
    bool: ("type({v}) is not bool", None),
    float: ("type({v}) is not float", "float({v}) if type({v}) is int else {v}"),  # JSON writes 2.0 as 2.0, but accept 2
    type(None): ("{v} is not None", None),
}


def inline_check(kind: Any, v: str) -> list[str] | None:
    """Source lines that check (and for a float, convert) the variable v of a primitive type or
    an optional one; None for any other type (its decoder is called instead)."""
    optional = False
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(options) != 1 or len(typing.get_args(kind)) != 2:
            return None
        kind, optional = options[0], True
    if kind not in INLINE:
        return None
    test, convert = INLINE[kind]
    lines = [f"    {v} = {convert.format(v=v)}"] if convert else []
    test = test.format(v=v)
    if optional:
        test = f"{v} is not None and {test}"
    lines += [f"    if {test}:", f"        raise wrong({kind.__name__!r}, {v})"]
    return lines


def wrong_type(expected: str, value: Any) -> TypeError:
    return TypeError(f"expected {expected}, got {type(value).__name__}")


def str_tuple(value: Any) -> tuple[str, ...]:
    """A JSON list of strings as a tuple; "".join checks every item's type at C speed."""
    if type(value) is not list:
        raise TypeError(f"expected list, got {type(value).__name__}")
    "".join(value)  # TypeError for an item that is not a string
    return tuple(value)


def string_key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"cache mappings need string keys, not {type(key).__name__}")
    return key


def string_keyed(value: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping whose values json writes as they are: only its keys are checked."""
    data = dict(value)
    try:
        "".join(data)
    except TypeError:
        for key in data:
            string_key(key)
        raise
    return data


def expect(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def expect_length(value: Any, length: int) -> list:
    if not isinstance(value, list) or len(value) != length:
        raise ValueError(f"expected a list of {length} values")
    return value


def primitive(kind: type) -> Decoder:
    def check(value: Any) -> Any:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value
    return check


def first_that_fits(decoders: list[Decoder], value: Any) -> Any:
    for decode in decoders:
        try:
            return decode(value)
        except (TypeError, ValueError):
            continue
    raise TypeError(f"no type of the union fits {type(value).__name__}")


# --- values of unknown type (a record's extra fields, as YAML gave them) --------------------
# Lists, strings, numbers, booleans and null are JSON themselves; other values are tagged with
# a one-key object whose key starts with "~" (a plain mapping with such keys is tagged too).

TAGS = ("~tuple", "~map", "~dict", "~date", "~datetime", "~bytes", "~set", "~float", "~int")
BIG_INT = 1 << 63
NON_FINITE = ("nan", "inf", "-inf")


def encode_plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"~float": repr(value)}  # YAML's .nan and .inf: JSON has no such numbers
    if type(value) is int and not -BIG_INT < value < BIG_INT:
        return {"~int": hex(value)}  # orjson would read it as a float (hex: str() refuses over 4,300 digits)
    if isinstance(value, PRIMITIVES):
        return value
    if isinstance(value, list):
        return [encode_plain(v) for v in value]
    if isinstance(value, tuple):
        return {"~tuple": [encode_plain(v) for v in value]}
    if isinstance(value, FrozenMap):
        return {"~map": [[encode_plain(k), encode_plain(v)] for k, v in value.items()]}
    if isinstance(value, dict):
        return {"~dict": [[encode_plain(k), encode_plain(v)] for k, v in value.items()]}
    if isinstance(value, datetime.datetime):
        return {"~datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"~date": value.isoformat()}
    if isinstance(value, bytes):
        return {"~bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (set, frozenset)):
        return {"~set": sorted((encode_plain(v) for v in value), key=repr)}
    raise TypeError(f"cannot store a {type(value).__name__} in the cache")


def decode_plain(value: Any) -> Any:
    if isinstance(value, PRIMITIVES):
        return value
    if isinstance(value, list):
        return [decode_plain(v) for v in value]
    if not isinstance(value, dict) or len(value) != 1:
        raise TypeError("unexpected value in the cache")
    (tag, inner), = value.items()
    if tag == "~tuple":
        return tuple(decode_plain(v) for v in expect(inner, list))
    if tag in ("~map", "~dict"):
        pairs = {hashable(decode_plain(k)): decode_plain(v) for k, v in map(lambda p: expect_length(p, 2), expect(inner, list))}
        return FrozenMap(pairs) if tag == "~map" else pairs
    if tag == "~float" and inner in NON_FINITE:
        return float(inner)
    if tag == "~int":
        return int(expect(inner, str), 16)
    if tag == "~datetime":
        return datetime.datetime.fromisoformat(expect(inner, str))
    if tag == "~date":
        return datetime.date.fromisoformat(expect(inner, str))
    if tag == "~bytes":
        return base64.b64decode(expect(inner, str), validate=True)
    if tag == "~set":
        return {hashable(decode_plain(v)) for v in expect(inner, list)}
    raise TypeError(f"unknown tag {tag!r} in the cache")


def hashable(value: Any) -> Any:
    hash(value)  # a list or dict as a key: refuse (TypeError) rather than build a broken mapping
    return value
