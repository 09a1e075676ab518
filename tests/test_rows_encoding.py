"""The fast JSONL encoder gives the standard library's bytes for every value (io.rows.dumps_row)."""

from __future__ import annotations

import datetime
import json
import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.io.rows import RowLines, dumps_row, row_digest

STDLIB = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def reference(row: dict) -> str:
    return STDLIB.encode(row) + "\n"


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_same_bytes_as_the_standard_library(row: dict):
    assert dumps_row(row) == reference(row)


def test_every_float_magnitude_gives_the_standard_librarys_text():
    # orjson writes 1e-7 and 0.00001 where Python writes 1e-07 and 1e-05: those must fall back
    for bits in range(0, 2**64, 2**64 // 4001):
        x = struct.unpack("d", struct.pack("Q", bits))[0]
        for row in ({"a": x}, {"a": [x, -x]}, {"a": {"b": x}, "c": "text"}):
            assert dumps_row(row) == reference(row), row
    for exponent in range(-30, 30):
        row = {"x": 1.2345 * 10.0**exponent, "y": [10.0**exponent]}
        assert dumps_row(row) == reference(row)


def test_values_the_fast_path_would_change():
    rows = [
        {"nan": math.nan, "inf": [math.inf, -math.inf]},
        {1: "int key", None: "null key"},
        {"date": datetime.date(2026, 12, 3), "when": datetime.datetime(2026, 12, 3, 17, 0)},
        {"big": 10**30, "neg": -(2**70)},
        {"tuple": (1, 2), "text": "null and 1e-7, and 0.00001"},
        {"control": "\x00\x1f\x7f\u2028\ufeff", "quote": '"\\'},
    ]
    for row in rows:
        assert dumps_row(row) == reference(row), row


rows = st.dictionaries(st.text(max_size=8), values, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(rows, rows), max_size=8), st.sampled_from(["_provenance", "a", ""]))
def test_a_chunk_of_rows_with_provenance_encodes_as_each_row_does(chunk: list[tuple[dict, dict]], field: str):
    # RowLines splices provenance after orjson's bytes and checks the chunk once: a float in one row
    # must still give the standard library's text, and a field already in a row replaces it in place
    buffer = RowLines(field, digests=True)
    for data, provenance in chunk:
        buffer.add(data, provenance)
    assert buffer.lines() == [reference({**data, field: provenance}) for data, provenance in chunk]
    assert buffer.digests == [row_digest(data) for data, _ in chunk]


def test_truncate_drops_the_rows_of_a_bad_item():
    buffer = RowLines("_p", digests=True)
    buffer.add({"a": 1}, {"i": 0})
    buffer.add({"a": 2.5e-9}, {"i": 1})
    buffer.truncate(1)
    assert buffer.lines() == ['{"a":1,"_p":{"i":0}}\n'] and len(buffer.digests) == 1


@settings(max_examples=300, deadline=None)
@given(rows, rows)
def test_two_rows_share_a_digest_exactly_when_they_share_a_line(a: dict, b: dict):
    assert (row_digest(a) == row_digest(b)) == (dumps_row(a) == dumps_row(b))


def test_digests_tell_apart_what_the_fast_encoder_conflates():
    # orjson writes NaN and infinities as null: the digest must still tell them from None
    assert row_digest({"x": math.nan}) != row_digest({"x": None})
    assert row_digest({"x": math.inf}) != row_digest({"x": None})
    assert row_digest({"x": 1e-7}) == row_digest({"x": 1e-7})
    assert len({row_digest({"x": v}) for v in (1e-7, 1e-05, 1e16, 1.0, 1)}) == 5
