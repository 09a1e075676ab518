"""Per-item random generators derived from (seed, item key, copy).

Every random choice in mlp comes from a generator made here, never from global state, so the
output does not depend on how items are spread over worker processes. Keys are hashed with
blake2b (stable across processes and Python runs, unlike ``hash()``).
"""

from __future__ import annotations

import hashlib
import random
import struct
from typing import Any

import numpy as np

_MASK63 = (1 << 63) - 1


def derive_seed(seed: int, *keys: Any) -> int:
    """A 63-bit seed from the run seed and any number of int/str/bytes keys.

    >>> derive_seed(7, 3, 1) == derive_seed(7, 3, 1)
    True
    """
    h = hashlib.blake2b(digest_size=8)
    h.update(struct.pack("<q", int(seed) & _MASK63))
    for key in keys:
        if isinstance(key, bool) or isinstance(key, int):
            h.update(b"i" + struct.pack("<q", int(key) & _MASK63))
        elif isinstance(key, bytes):
            h.update(b"b" + struct.pack("<I", len(key)) + key)
        else:
            s = str(key).encode("utf-8")
            h.update(b"s" + struct.pack("<I", len(s)) + s)
    return int.from_bytes(h.digest(), "little") & _MASK63


def item_random(seed: int, *keys: Any) -> random.Random:
    """A ``random.Random`` for one item (fast for scalar choices)."""
    return random.Random(derive_seed(seed, *keys))


def item_numpy(seed: int, *keys: Any) -> np.random.Generator:
    """A numpy ``Generator`` for one item (for vectorised sampling)."""
    return np.random.default_rng(derive_seed(seed, *keys))


def seed_global_state(seed: int) -> None:
    """Seed the global ``random`` and numpy states.

    Only for third-party code that draws from global state (nlpaug does); called per item with a
    derived seed, inside the worker that handles the item, so the result stays per-item.
    """
    random.seed(seed)
    np.random.seed(seed & 0xFFFFFFFF)
