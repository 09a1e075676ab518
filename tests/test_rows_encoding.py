"""The fast JSONL encoder gives the standard library's bytes for every value (io.rows.dumps_row)."""

from __future__ import annotations

import datetime
import json
import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.io.rows import dumps_row

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
