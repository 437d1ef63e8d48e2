"""json_items.py: the objects of a streamed JSON array, each parsed alone by orjson, exactly what a whole parse gives;
bodies cut short or garbled are errors, never fewer rows; a body is read as it arrives, never held whole."""

from __future__ import annotations

import io
import json
import random
from typing import Any, Optional

import orjson
import pytest

from source_pinterest_marketing.json_items import NotAnArray, NotAnObject, array_objects, keyed_objects

#: texts that look like the end of a row to a reader that does not parse (`},{`, `}]`...)
TRICKY_TEXTS = ("plain", "x},{y", 'a"}],b', "]}", "}", "{", "},\n{", "\\", "é ☃")


def row(rng: random.Random) -> dict[str, Any]:
    found: dict[str, Any] = {
        "AD_ID": rng.randint(1, 10**15),
        "NAME": rng.choice(TRICKY_TEXTS),
        "SPEND": rng.random() * 1000,
        "FLAG": rng.choice([True, False, None]),
    }
    if rng.random() < 0.3:
        found["NESTED"] = {"list": [{"a": 1}, {"b": "},{"}], "empty": {}}
    return found


def body_of(value: Any, rng: random.Random) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) if rng.random() < 0.5 else json.dumps(value).encode()


class Reading(io.RawIOBase):
    """A body handed out in chunks, noting how much of it was read."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data
        self.given = 0

    def read(self, size: Optional[int] = -1) -> bytes:
        end = len(self.data) if size is None or size < 0 else self.given + size
        chunk, self.given = self.data[self.given : end], min(end, len(self.data))
        return chunk


@pytest.mark.parametrize("seed", range(40))
def test_every_object_of_an_array_is_what_a_whole_parse_gives(seed: int) -> None:
    rng = random.Random(seed)
    rows = [row(rng) for _ in range(rng.randint(0, 25))]
    chunk = rng.randint(1, 80)
    assert list(array_objects(io.BytesIO(body_of(rows, rng)), chunk=chunk)) == json.loads(json.dumps(rows))
    keyed = {"data": rows, **({"more": [1, {"x": "}]"}]} if rng.random() < 0.5 else {})}
    assert list(array_objects(io.BytesIO(body_of(keyed, rng)), "data", chunk=chunk)) == rows
    by_entity = {str(rng.randint(1, 10**12)): [row(rng) for _ in range(rng.randint(0, 4))] for _ in range(5)}
    expected = [(key, item) for key, items in by_entity.items() for item in items]
    assert list(keyed_objects(io.BytesIO(body_of(by_entity, rng)), chunk=chunk)) == expected


@pytest.mark.parametrize("seed", range(40))
def test_a_body_cut_short_anywhere_is_an_error_not_fewer_rows(seed: int) -> None:
    rng = random.Random(seed)
    rows = [row(rng) for _ in range(rng.randint(1, 10))]
    for value, read in (
        (rows, lambda body: array_objects(body, chunk=7)),
        ({"data": rows}, lambda body: array_objects(body, "data", chunk=7)),
        ({"1": rows, "2": rows}, lambda body: keyed_objects(body, chunk=7)),
    ):
        whole = body_of(value, rng)
        cut = rng.randint(0, len(whole.rstrip()) - 1)
        with pytest.raises(ValueError):
            list(read(io.BytesIO(whole[:cut])))


@pytest.mark.parametrize(
    ("body", "key", "error"),
    [
        (b"[1]", None, NotAnObject),
        (b'[{"a": 1}, "x"]', None, NotAnObject),
        (b'[{"a": 1},]', None, ValueError),
        (b'[{"a": 1}] [', None, ValueError),
        (b'[{"a": 1}{"b": 2}]', None, ValueError),
        (b'{"a": 1}', None, ValueError),
        (b'{"other": [], "data": []}', "data", ValueError),
        (b'{"data": []', "data", ValueError),
        (b'{"data": [], "x": }', "data", ValueError),
        (b"", None, ValueError),
    ],
)
def test_json_of_another_shape_or_garbled_is_an_error(body: bytes, key: Optional[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        list(array_objects(io.BytesIO(body), key))


def test_a_member_that_is_no_array_is_named() -> None:
    with pytest.raises(NotAnArray) as raised:
        list(keyed_objects(io.BytesIO(b'{"1": [{"a": 1}], "2": {"b": 2}}')))
    assert raised.value.key == "2"
    with pytest.raises(NotAnObject):
        list(keyed_objects(io.BytesIO(b'{"1": [1]}')))


def test_empty_arrays_and_objects() -> None:
    assert list(array_objects(io.BytesIO(b" [ ] "))) == []
    assert list(array_objects(io.BytesIO(b'{ "data" : [ ] }'), "data")) == []
    assert list(keyed_objects(io.BytesIO(b"{ }"))) == []
    assert list(keyed_objects(io.BytesIO(b'{"1": [], "2": [{"a": 1}]}'))) == [("2", {"a": 1})]


def test_rows_come_as_the_body_arrives_never_held_whole() -> None:
    rows = [{"AD_ID": str(n), "SPEND": n * 1.5, "NAME": "x" * 200} for n in range(5_000)]
    body = Reading(orjson.dumps(rows))
    first = next(array_objects(body, chunk=4096))
    assert first == rows[0]
    assert body.given <= 4096 < len(body.data) // 100


#: a row with many nested objects, each followed by a `,` (a targeting row's metrics and the like), and a row holding
#: an array of many objects
MANY_NESTED = {**{f"METRIC_{n}": {"value": n, "unit": "x"} for n in range(500)}, "ID": "1"}
NESTED_ARRAY = {"ID": "2", "items": [{"n": n} for n in range(500)], "last": {"a": [{}]}}


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_a_row_is_parsed_at_most_twice_whatever_it_nests(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `}` followed by `,` or `]` inside a row used to be tried as its end (a parse of the row so far each time:
    quadratic in its nested objects). A row end is a `}` followed by `,{` or `]`; a row whose first such `}` is not
    its end (an array of objects in it) is followed through its nesting and parsed once more."""
    parses: list[int] = []
    loads = orjson.loads

    def counted(data: bytes) -> Any:
        if data.startswith(b"{"):  # a row (not the key of the array)
            parses.append(len(data))
        return loads(data)

    monkeypatch.setattr(orjson, "loads", counted)
    rows = [MANY_NESTED, NESTED_ARRAY, MANY_NESTED, {"ID": "3"}]
    for body in (orjson.dumps(rows), orjson.dumps(rows, option=orjson.OPT_INDENT_2)):
        parses.clear()
        assert list(array_objects(io.BytesIO(body), chunk=chunk)) == rows
        assert len(parses) == 5  # one parse a row, two for the row holding an array of objects
        parses.clear()
        assert list(array_objects(io.BytesIO(b'{"data": ' + body + b"}"), "data", chunk=chunk)) == rows
        assert len(parses) == 5
