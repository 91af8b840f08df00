"""A data-only file format for the build cache: JSON, read back into frozen dataclasses.

The cache lives in the site repository, which is untrusted input, so reading it must never run
code (pickle would). Values are written as JSON; on reading, the expected type (from the
dataclasses' type hints) decides what each JSON value becomes: only the dataclasses that the
requested type names can be made, only through their constructors, only from plain data.
Anything that does not fit the schema is refused as unreadable (the entry is then rebuilt).

Dataclasses are written as lists of their field values, in field order: compact, and the
decoders built once per type turn them back with one constructor call each.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import json
import types
import typing
from collections.abc import Mapping
from typing import Any, Callable

from .model import FrozenMap


class Unreadable(ValueError):
    """The data does not have the shape the schema expects (a corrupt or foreign file)."""


Decoder = Callable[[Any], Any]
Encoder = Callable[[Any], Any]
PRIMITIVES = (str, int, float, bool, type(None))


class Codec:
    """Encode and decode values of the given types (dataclasses, tuples, dicts, primitives)."""

    def __init__(self) -> None:
        self._decoders: dict[Any, Decoder] = {}
        self._encoders: dict[type, Encoder] = {}

    # --- writing ---------------------------------------------------------------------------

    def dumps(self, value: Any, kind: Any) -> bytes:
        encoded = self.encoder(kind)(value)
        return json.dumps(encoded, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")

    def encoder(self, kind: Any) -> Encoder:
        encoder = self._encoders.get(kind)
        if encoder is None:
            encoder = self._encoders[kind] = self._encoder_for(kind)
        return encoder

    def _encoder_for(self, kind: Any) -> Encoder:
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
            return list if item is same else (lambda value: [item(v) for v in value])
        if origin is tuple:
            items = [self.encoder(a) for a in args if a is not Ellipsis]
            if len(args) == 2 and args[1] is Ellipsis:
                item = items[0]
                return list if item is same else (lambda value: [item(v) for v in value])
            return lambda value: [encode(v) for encode, v in zip(items, value, strict=True)]
        if origin in (dict, Mapping) or origin is typing.Mapping:
            item = self.encoder(args[1])
            return lambda value: {string_key(k): item(v) for k, v in value.items()}
        if dataclasses.is_dataclass(kind):
            hints = typing.get_type_hints(kind)
            names = [f.name for f in dataclasses.fields(kind)]
            parts: list[Encoder] = []
            self._encoders[kind] = lambda value: [encode(getattr(value, name)) for encode, name in zip(parts, names)]
            parts.extend(self.encoder(hints[name]) for name in names)
            return self._encoders[kind]
        raise TypeError(f"no cache encoder for {kind!r}")

    # --- reading ---------------------------------------------------------------------------

    def loads(self, data: bytes, kind: Any) -> Any:
        try:
            raw = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise Unreadable(str(exc)) from None
        try:
            return self.decoder(kind)(raw)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
            raise Unreadable(f"{exc.__class__.__name__}: {exc}") from None

    def decoder(self, kind: Any) -> Decoder:
        decoder = self._decoders.get(kind)
        if decoder is None:
            decoder = self._decoders[kind] = self._decoder_for(kind)
        return decoder

    def _decoder_for(self, kind: Any) -> Decoder:
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
                item = self.decoder(args[0])
                return lambda value: tuple(map(item, expect(value, list)))
            items = [self.decoder(arg) for arg in args]
            return lambda value: tuple(d(v) for d, v in zip(items, expect_length(value, len(items)), strict=True))
        if kind is tuple:
            return lambda value: tuple(map(decode_plain, expect(value, list)))
        if origin in (dict, Mapping) or origin is typing.Mapping:
            key, item = self.decoder(args[0]), self.decoder(args[1])
            wrap = dict if origin is dict else FrozenMap
            return lambda value: wrap({key(k): item(v) for k, v in expect(value, dict).items()})
        if dataclasses.is_dataclass(kind):
            return self._dataclass_decoder(kind)
        raise TypeError(f"no cache decoder for {kind!r}")

    def _dataclass_decoder(self, kind: type) -> Decoder:
        hints = typing.get_type_hints(kind)
        fields = [f for f in dataclasses.fields(kind)]
        parts: list[Decoder] = []

        def build(value: Any) -> Any:
            return kind(*(decode(item) for decode, item in zip(parts, expect_length(value, len(fields)), strict=True)))

        self._decoders[kind] = build  # recursive types find the decoder under construction
        parts.extend(self.decoder(hints[f.name]) for f in fields)
        return build


def same(value: Any) -> Any:
    return value


def string_key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"cache mappings need string keys, not {type(key).__name__}")
    return key


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

TAGS = ("~tuple", "~map", "~dict", "~date", "~datetime", "~bytes", "~set")


def encode_plain(value: Any) -> Any:
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
