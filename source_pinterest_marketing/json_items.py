"""The objects of a JSON array read as a stream, each parsed by orjson as soon as its bytes have arrived.

An analytics body or a report file can hold a million rows, so it is never held whole; but ijson, which streams,
builds each row from the parser's events one value at a time, at several times orjson's cost on rows of this size
(~190 columns). `array_objects` keeps both: it reads the body in chunks, finds where each object of the array ends,
and parses that object alone with orjson. Memory stays at a chunk and a row.

Where an object ends: at a `}` followed (blanks between) by the array's `,` and the next object's `{`, or by the
array's `]`. A `}` that closes an object nested in a row is followed by a `,` and a key (`"metrics": {...}, "x"`),
or by another `}`: never tried. The first such `}` of a row may still not be its end: it closes an object of an array
nested in the row (`[{...}, {...}]`), or lies in a string (`"a},{b"`); then the bytes up to it are no complete JSON
value and orjson refuses them. The row's end is then found by following its nesting (`_Reader.scanned_object`:
strings skipped, brackets counted) and the row parsed once more: at most two parses a row, whatever it holds (trying
each `}` in turn would be quadratic in the nested objects of a row). The bytes of an object parsed whole are exactly
that object: their tokens are those of the body from the same first byte, so a `}` that orjson accepts as the end
closes the row. A body that is not valid JSON raises `ValueError` (orjson's `JSONDecodeError`) naming where, like a
body cut short.

The shapes read: an array at the top (`[{...}, ...]`); the array of an object's first key (`{"data": [...]}`, the
targeting analytics), the rest of that object checked to be JSON; an object of arrays (`{"id": [{...}], ...}`, a
report file: `keyed_objects`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Optional, Protocol

import orjson

CHUNK = 256 * 1024
#: how far into the body its opening (`[`, or `{"key": [`) is looked for
OPENING_BYTES = 64 * 1024
_BLANKS = b" \t\n\r"
#: a `}` that may close an object of the array: followed by the array's `,` and the next object's `{`, or by its `]`
#: (JSON blanks between); group 1: the `,` or `]`
_OBJECT_END = re.compile(rb"\}[ \t\n\r]*(,(?=[ \t\n\r]*\{)|\])")
#: what the nesting of an object is followed by (`_Reader.scanned_object`): a whole string (skipped), an opening
#: bracket (group 1), a closing one (group 2), or a string whose end has not arrived yet (group 3: a lone `"`)
_NESTING = re.compile(rb'"(?:[^"\\]|\\.)*"|([{\[])|([}\]])|(")')
_OPENING, _CLOSING, _STRING_CUT = 1, 2, 3
#: what follows an object of the array: its `,` or `]`
_AFTER_OBJECT = re.compile(rb"[ \t\n\r]*([,\]])")
_STRING_KEY = rb'"((?:[^"\\]|\\.)*)"[ \t\n\r]*:[ \t\n\r]*'
_ARRAY = re.compile(rb"[ \t\n\r]*\[")
_OBJECT = re.compile(rb"[ \t\n\r]*\{")
#: the key of an object's member: `"key":`
_KEY = re.compile(rb"[ \t\n\r]*" + _STRING_KEY)
#: what follows a member: `,` or the object's `}`
_AFTER_MEMBER = re.compile(rb"[ \t\n\r]*([,}])")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class NotAnObject(ValueError):
    """An item of the array is not a JSON object."""


class NotAnArray(ValueError):
    """A member of the object of arrays is not an array; `key` names it."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key!r} is not an array")
        self.key = key


def array_objects(body: Readable, key: Optional[str] = None, chunk: int = CHUNK) -> Iterator[Any]:
    """Each object of the array of `body` (at its top; `key`: the array the body's object holds under its first key,
    which must be `key`), parsed with orjson, in order. Raises `ValueError` when the body is not such JSON (cut short,
    garbled, another shape) and `NotAnObject` for an item that is not an object."""
    reader = _Reader(body, chunk)
    if key is None:
        reader.expect(_ARRAY, "an array")
        yield from reader.objects()
        reader.expect_end()
        return
    reader.expect(_OBJECT, f"an object whose first key is {key!r}")
    if reader.key_of_array() != key:
        raise ValueError(f"expected an object whose first key is {key!r}")
    yield from reader.objects()
    rest = reader.rest().strip(_BLANKS)
    if rest != b"}":  # further members: checked by parsing them as an object of their own
        if not rest.startswith(b","):
            raise ValueError("the object holding the array is cut short")
        orjson.loads(b"{" + rest[1:])


def keyed_objects(body: Readable, chunk: int = CHUNK) -> Iterator[tuple[str, Any]]:
    """(key, object) of an object of arrays of objects (`{"id": [{...}, ...], ...}`), each object parsed with
    orjson, in order. Raises `NotAnArray` for a member that is not an array, else as `array_objects`."""
    reader = _Reader(body, chunk)
    reader.expect(_OBJECT, "an object")
    if reader.peek() == b"}":
        reader.position += 1
    else:
        while True:
            key = reader.key_of_array()
            for item in reader.objects():
                yield key, item
            if reader.after_member() == b"}":
                break
    reader.expect_end()


class _Reader:
    """The body read in chunks: `buffer` holds what is read and not yet consumed from `position` on."""

    def __init__(self, body: Readable, chunk: int) -> None:
        self.body = body
        self.chunk = chunk
        self.buffer = b""
        self.position = 0

    def more(self) -> bool:
        """Read the next chunk, dropping what is consumed; False at the body's end."""
        more = self.body.read(self.chunk)
        if not more:
            return False
        self.buffer, self.position = self.buffer[self.position :] + more, 0
        return True

    def expect(self, pattern: re.Pattern[bytes], what: str) -> re.Match[bytes]:
        while (found := pattern.match(self.buffer, self.position)) is None and (
            len(self.buffer) - self.position < OPENING_BYTES
        ):
            if not self.more():
                break
        if found is None:
            raise ValueError(f"expected {what}")
        self.position = found.end()
        return found

    def peek(self) -> bytes:
        """The next byte that is not blank (b"" at the end)."""
        while True:
            buffer, position = self.buffer, self.position
            while position < len(buffer) and buffer[position] in _BLANKS:
                position += 1
            self.position = position
            if position < len(buffer) or not self.more():
                return buffer[position : position + 1]

    def key_of_array(self) -> str:
        """The key of the next member, whose value must be an array (its `[` consumed)."""
        if self.peek() != b'"':
            raise ValueError("expected a key")
        found = self.expect(_KEY, "a key")
        key: str = orjson.loads(b'"' + found.group(1) + b'"')
        if self.peek() != b"[":
            raise NotAnArray(key)
        self.position += 1
        return key

    def after_member(self) -> bytes:
        found = self.expect(_AFTER_MEMBER, "`,` or `}`")
        return found.group(1)

    def objects(self) -> Iterator[Any]:
        """The objects of the array whose `[` was just consumed, up to its `]` (consumed)."""
        if self.peek() == b"]":
            self.position += 1
            return
        ended = False
        while not ended:
            if self.peek() != b"{":
                if self.position >= len(self.buffer):
                    raise ValueError("the array is cut short")
                raise NotAnObject(f"an item of the array is not an object (it begins with {self.peek()!r})")
            item, ended = self.next_object()
            yield item

    def next_object(self) -> tuple[Any, bool]:
        """The object that begins at `position` (its `{`), parsed, and `position` past the `,` or `]` after it; True
        if that is the array's `]`."""
        search = self.position + 1
        while (end := _OBJECT_END.search(self.buffer, search)) is None:
            # only the last `}` read may still turn out to be followed by `,{` or `]`
            last = self.buffer.rfind(b"}", search)
            search = len(self.buffer) if last < 0 else last
            consumed = self.position
            if not self.more():
                return self.scanned_object()  # no end such as a row's to the body's end: say what follows the object
            search = max(search - consumed, 1)
        try:
            item = orjson.loads(self.buffer[self.position : end.start() + 1])
        except orjson.JSONDecodeError:
            return self.scanned_object()  # an object of an array nested in the row ended there, or a string holds `},{`
        self.position = end.end()
        return item, end.group(1) == b"]"

    def scanned_object(self) -> tuple[Any, bool]:
        """`next_object` for an object whose first possible end was not its end: the `}` that closes it found by
        following its nesting (linear in its bytes), then one parse."""
        depth, scan, close = 0, self.position, -1
        while close < 0:
            for token in _NESTING.finditer(self.buffer, scan):
                kind = token.lastindex
                if kind == _OPENING:
                    depth += 1
                elif kind == _CLOSING:
                    depth -= 1
                    if depth == 0:
                        close = token.start()
                        break
                elif kind == _STRING_CUT:
                    scan = token.start()  # the rest of the string is still to come: scanned again from its quote
                    break
            else:
                scan = len(self.buffer)
            if close < 0:
                consumed = self.position
                if not self.more():
                    orjson.loads(self.buffer[self.position :])  # raises the reason the rest is no object
                    raise ValueError("the array is cut short")
                scan -= consumed
        item = orjson.loads(self.buffer[self.position : close + 1])
        self.position = close + 1
        after = self.expect(_AFTER_OBJECT, "`,` or `]` after an object of the array")
        return item, after.group(1) == b"]"

    def rest(self) -> bytes:
        parts = [self.buffer[self.position :]]
        while more := self.body.read(self.chunk):
            parts.append(more)
        self.buffer, self.position = b"", 0
        return b"".join(parts)

    def expect_end(self) -> None:
        if self.rest().strip(_BLANKS):
            raise ValueError("there is more after the JSON value")
