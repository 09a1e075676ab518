"""Span-aware augmentation: keep ``{start, end, label}`` spans exact while a text augmenter rewrites the text.

Rows made by the ``pii`` generator carry their entities as ``spans`` (and near-miss values as
``lookalikes``): lists of ``{"start", "end", "label", "value"}`` with character offsets into the
text field. A text augmenter that rewrites the text would leave those offsets pointing at the
wrong characters. Here the text is cut into *segments*: the protected regions (a span, or spans
that overlap, merged) and the plain text between them. An augmenter rewrites segments, never across
a region's edge, and rebuilds the text as a list of ``Piece`` objects that say where each piece came
from; the spans are then recomputed from the pieces, and each span's ``value`` is set to its new
text. A span that cannot be placed exactly is a ``BadItem`` (never a silently wrong offset).

Whether the text of an entity itself may be noised is each step's choice (``noise_entities``);
structural augmenters (``sentence-shuffle``, ``noise-pad``) never change entity text, they only
move it or add text around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from mlp_cli.augment.registry import Params
from mlp_cli.errors import BadItem

DEFAULT_SPAN_FIELDS = ["spans", "lookalikes"]


class SpanAwareParams(Params):
    """Parameters every text augmenter shares for span-labelled rows."""

    span_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SPAN_FIELDS),
        description="row fields holding {start, end, ...} character spans into the text, kept exact",
    )


class EntityNoiseParams(SpanAwareParams):
    """Span parameters of augmenters that change characters or words."""

    noise_entities: bool = Field(
        False, description="span-labelled rows: also noise the text inside spans (offsets and values follow)"
    )


@dataclass(frozen=True, slots=True)
class Region:
    """A protected stretch of text: one span, or overlapping spans merged."""

    start: int
    end: int
    single: bool  # exactly one span covers it, edge to edge: its text may be replaced as a whole


@dataclass(frozen=True, slots=True)
class Piece:
    """A piece of the rebuilt text: copied from ``src`` in the old text, or new (``src`` None).

    ``region`` marks a piece that replaces the whole text of a single-span region (noised entity).
    """

    text: str
    src: int | None = None
    region: Region | None = None


SpanRef = tuple[str, int, dict[str, Any]]  # (field, position in its list, the span)


def row_spans(row: dict[str, Any], fields: list[str], text: str) -> list[SpanRef]:
    """The spans of ``row`` in ``fields`` (missing or empty fields: none), checked against ``text``."""
    refs: list[SpanRef] = []
    for name in fields:
        value = row.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            raise BadItem("bad spans", f"field {name!r} holds {type(value).__name__}, expected a list of spans")
        for i, span in enumerate(value):
            if not isinstance(span, dict):
                raise BadItem("bad spans", f"{name}[{i}] is {type(span).__name__}, expected {{start, end, label}}")
            start, end = span.get("start"), span.get("end")
            if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
                raise BadItem("bad spans", f"{name}[{i}] needs whole-number 'start' and 'end'")
            if not 0 <= start <= end <= len(text):
                raise BadItem("bad spans", f"{name}[{i}] [{start}, {end}) lies outside the text (length {len(text)})")
            refs.append((name, i, span))
    return refs


def regions(refs: list[SpanRef]) -> list[Region]:
    """Protected regions, in text order: overlapping (or touching-inside) spans merged into one."""
    bounds = sorted((s["start"], s["end"]) for _f, _i, s in refs)
    merged: list[list[int]] = []  # [start, end, spans]
    for start, end in bounds:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] += 1
        else:
            merged.append([start, end, 1])
    return [Region(s, e, n == 1) for s, e, n in merged]


def segments(text: str, protected: list[Region]) -> list[tuple[int, int, Region | None]]:
    """``text`` cut into plain stretches and protected regions, in order, covering all of it."""
    out: list[tuple[int, int, Region | None]] = []
    at = 0
    for region in protected:
        if region.start > at:
            out.append((at, region.start, None))
        if region.end > region.start:
            out.append((region.start, region.end, region))
        at = max(at, region.end)
    if at < len(text):
        out.append((at, len(text), None))
    return out


def inside(protected: list[Region], cut: int) -> bool:
    """True when a cut just before character ``cut`` would split a protected region."""
    return any(r.start < cut < r.end for r in protected)


def rebuild(
    row: dict[str, Any], field: str, refs: list[SpanRef], pieces: list[Piece], fields: list[str]
) -> dict[str, Any]:
    """A copy of ``row`` whose text is the pieces joined, with every span moved to its new place."""
    text = "".join(p.text for p in pieces)
    placed: list[tuple[int, int, int]] = []  # (out offset, src or -1, len)
    at = 0
    for p in pieces:
        placed.append((at, -1 if p.src is None else p.src, len(p.text)))
        at += len(p.text)
    out = dict(row)
    out[field] = text
    new_lists: dict[str, list[Any]] = {}
    for name in fields:
        if isinstance(row.get(name), list):
            new_lists[name] = list(row[name])
    for name, i, span in refs:
        start, end = span["start"], span["end"]
        new: tuple[int, int] | None = None
        for (off, src, size), piece in zip(placed, pieces, strict=True):
            if piece.region is not None and piece.region.start == start and piece.region.end == end:
                new = (off, off + size)
                break
            if src >= 0 and src <= start and end <= src + size:
                new = (off + start - src, off + end - src)
                break
        if new is None:
            raise BadItem("inexact spans", f"{name}[{i}] [{start}, {end}) was cut by the augmenter")
        moved = dict(span)
        moved["start"], moved["end"] = new
        if "value" in span:
            moved["value"] = text[new[0] : new[1]]
        new_lists[name][i] = moved
    out.update(new_lists)
    return out


def noise_segments(text: str, refs: list[SpanRef], noise: Any, noise_entities: bool) -> list[Piece]:
    """Pieces of ``text`` with ``noise(segment)`` applied to each plain segment (and entities, if asked).

    Whitespace at a segment's edges is kept as is, so words never merge with a neighbouring span;
    an entity whose noised text would be empty keeps its text.
    """
    pieces: list[Piece] = []
    for start, end, region in segments(text, regions(refs)):
        seg = text[start:end]
        core = seg.strip()
        if region is not None and not (noise_entities and region.single):
            pieces.append(Piece(seg, start))
            continue
        if not core:
            pieces.append(Piece(seg, start))
            continue
        lead = seg[: len(seg) - len(seg.lstrip())]
        trail = seg[len(seg.rstrip()) :]
        new = noise(core)
        if region is not None:
            if not new.strip():
                pieces.append(Piece(seg, start))
            else:
                pieces.append(Piece(lead + new + trail, None, region))
            continue
        pieces.append(Piece(lead + new + trail))
    return pieces
