"""Structural text augmenters: sentence shuffles and field/segment dropout (the DoorDash recipe).

Both are written here rather than wrapped from nlpaug so that the exact choice they made (the
sentence order, the dropped fields) is sampled first and recorded in each row's provenance.
``sentence-shuffle`` follows the modes of nlpaug's ``RandomSentAug``.
"""

from __future__ import annotations

import random
import re
from typing import Any, Literal

from pydantic import Field, model_validator

from mlp_cli.augment.registry import Augmenter, Params, register_augmenter, text_of
from mlp_cli.augment.text.spans import Piece, Region, SpanAwareParams, rebuild, regions, row_spans
from mlp_cli.errors import BadItem

# Sentence ends: ., !, ?, … (optionally followed by closing quotes/brackets), then whitespace.
# A few abbreviations are protected so "e.g. rice" stays one sentence. No downloaded data needed.
_ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "st.",
    "approx.",
    "incl.",
    "no.",
    "oz.",
    "lb.",
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences without any model or downloaded data."""
    return [text[start:end] for start, end in sentence_offsets(text)]


def sentence_offsets(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` (what ``split_sentences`` returns), in order."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start()
        candidate = text[start : m.end()].rstrip()
        lower = candidate.lower()
        if m.group(0).strip() == "" and "\n" not in m.group(0) and lower.endswith(_ABBREVIATIONS):
            continue
        if (
            text[end - 1 : end] == "."
            and end >= 2
            and text[end - 2].isdigit()
            and m.end() < len(text)
            and text[m.end()].isdigit()
        ):
            continue
        if candidate.strip():
            lead = len(candidate) - len(candidate.lstrip())
            pieces.append((start + lead, start + len(candidate)))
        start = m.end()
    tail = text[start:]
    if tail.strip():
        lead = len(tail) - len(tail.lstrip())
        pieces.append((start + lead, start + len(tail.rstrip())))
    return pieces


def sentence_units(text: str, protected: list[Region]) -> list[tuple[int, int]]:
    """Sentences of ``text`` as ``(start, end)``, neighbours merged where a protected region crosses
    the gap between them, so that moving or cutting at units never splits a span."""
    units = [list(u) for u in sentence_offsets(text)]
    if not protected:
        return [(a, b) for a, b in units]
    if units:  # a region in leading or trailing whitespace still belongs to a unit
        units[0][0] = min(units[0][0], protected[0].start)
        units[-1][1] = max(units[-1][1], max(r.end for r in protected))
    merged: list[list[int]] = []
    for unit in units:
        if merged and any(r.start < unit[0] and r.end > merged[-1][1] for r in protected):
            merged[-1][1] = unit[1]
        else:
            merged.append(unit)
    return [(a, b) for a, b in merged]


class SentenceShuffleParams(SpanAwareParams):
    field: str | None = Field(None, description="text field (default: the input's text_field)")
    mode: Literal["neighbor", "left", "right", "random"] = Field(
        "random", description="as nlpaug RandomSentAug: swap chosen sentences with a neighbour, left, right or any"
    )
    aug_p: float = Field(0.3, ge=0.0, le=1.0, description="share of sentences moved")
    aug_min: int = Field(1, ge=0, description="at least this many sentences moved")
    aug_max: int | None = Field(10, ge=1, description="at most this many sentences moved")


@register_augmenter
class SentenceShuffle(Augmenter[SentenceShuffleParams]):
    """Reorder the sentences of a text field (nlpaug RandomSentAug modes)."""

    name = "sentence-shuffle"
    family = "text"
    Params = SentenceShuffleParams

    @property
    def field(self) -> str:
        return self.params.field or self.context.text_field or "text"

    def _units(self, row: dict[str, Any]) -> tuple[str, list, list[tuple[int, int]]]:
        text = text_of(row, self.field)
        refs = row_spans(row, self.params.span_fields, text)
        return text, refs, sentence_units(text, regions(refs))

    def sample(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        n = len(self._units(row)[2])
        order = list(range(n))
        if n < 2:
            return {"order": order}
        count = max(self.params.aug_min, int(n * self.params.aug_p))
        if self.params.aug_max is not None:
            count = min(count, self.params.aug_max)
        count = min(count, n)
        for idx in sorted(rng.sample(range(n), count)):
            mode = self.params.mode
            if mode == "neighbor":
                mode = "left" if rng.random() < 0.5 else "right"
            if mode == "left":
                other = idx - 1 if idx > 0 else n - 1
            elif mode == "right":
                other = idx + 1 if idx < n - 1 else 0
            else:
                other = rng.choice([j for j in range(n) if j != idx])
            order[idx], order[other] = order[other], order[idx]
        return {"order": order}

    def apply(self, row: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
        text, refs, units = self._units(row)
        order = sampled["order"]
        if len(order) != len(units):
            raise BadItem("changed text", "sentence count differs from the sampled order")
        if refs:  # span-labelled row: whole units move, spans follow them
            pieces: list[Piece] = []
            for k, i in enumerate(order):
                if k:
                    pieces.append(Piece(" "))
                start, end = units[i]
                pieces.append(Piece(text[start:end], start))
            return rebuild(row, self.field, refs, pieces, self.params.span_fields)
        sentences = [text[a:b] for a, b in units]
        out = dict(row)
        out[self.field] = " ".join(sentences[i] for i in order)
        return out


class FieldDropoutParams(Params):
    fields: list[str] | None = Field(None, description="drop whole fields of the row (structured data)")
    field: str | None = Field(None, description="drop segments of this field (text split by separator, or list items)")
    separator: str = Field(",", min_length=1, description="segment separator in the text field")
    drop_p: float = Field(0.3, ge=0.0, le=1.0, description="chance that each field or segment is dropped")
    min_keep: int = Field(1, ge=0, description="keep at least this many fields or segments")
    drop_as: Literal["remove", "empty", "null"] = Field(
        "remove", description="a dropped field is removed, set to an empty value, or set to null"
    )

    @model_validator(mode="after")
    def _one_target(self) -> FieldDropoutParams:
        if (self.fields is None) == (self.field is None):
            raise ValueError("give either 'fields' (whole fields) or 'field' (segments of one field), not both")
        if self.fields is not None and not self.fields:
            raise ValueError("'fields' must name at least one field")
        return self


@register_augmenter
class FieldDropout(Augmenter[FieldDropoutParams]):
    """Remove fields, or delimited segments of a field, at random (DoorDash-style attribute dropout)."""

    name = "field-dropout"
    family = "text"
    Params = FieldDropoutParams

    def _segments(self, row: dict[str, Any]) -> list[Any]:
        assert self.params.field is not None
        value = row.get(self.params.field)
        if self.params.field not in row:
            raise BadItem("missing field", f"no field {self.params.field!r}")
        if isinstance(value, list):
            return value
        if value is None:
            return []
        if not isinstance(value, str):
            raise BadItem("wrong type", f"field {self.params.field!r} holds {type(value).__name__}")
        return [s for s in value.split(self.params.separator)]

    def sample(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        candidates: list[Any]  # field names, or segment positions
        if self.params.fields is not None:
            candidates = [f for f in self.params.fields if f in row]
        else:
            candidates = list(range(len(self._segments(row))))
        dropped = [c for c in candidates if rng.random() < self.params.drop_p]
        excess = len(dropped) - max(0, len(candidates) - self.params.min_keep)
        if excess > 0:  # keep at least min_keep: give back a random few
            for c in rng.sample(dropped, excess):
                dropped.remove(c)
        return {"dropped": dropped}

    def apply(self, row: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
        dropped = sampled["dropped"]
        out = dict(row)
        if self.params.fields is not None:
            for f in dropped:
                if self.params.drop_as == "remove":
                    out.pop(f, None)
                else:
                    out[f] = None if self.params.drop_as == "null" else _empty_like(row.get(f))
            return out
        assert self.params.field is not None
        segments = self._segments(row)
        gone = set(dropped)
        kept = [s for i, s in enumerate(segments) if i not in gone]
        value = row[self.params.field]
        if isinstance(value, list):
            out[self.params.field] = kept
        else:
            sep = self.params.separator
            out[self.params.field] = sep.join(kept).strip() if sep.strip() else sep.join(kept)
            if sep == ",":
                out[self.params.field] = ", ".join(s.strip() for s in kept)
        return out


def _empty_like(value: Any) -> Any:
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    return ""
