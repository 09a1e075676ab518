"""The ``evasion`` augmenter: the character tricks spam and payloads use to dodge keyword models.

Methods (one per row, drawn by weight):

- ``zero-width``: zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM) inside words;
- ``homoglyph``: Latin letters replaced by Cyrillic or Greek letters that look the same;
- ``bidi``: bidirectional control characters (LRM, RLM, embeddings, overrides, isolates);
- ``fullwidth``: words in fullwidth forms (ＦＲＥＥ);
- ``fancy-font``: words in a "fancy font" of Unicode mathematical letters (𝐅𝐑𝐄𝐄, 𝔽ℝ𝔼𝔼-style);
- ``leetspeak``: letters replaced by digits and symbols (fr33, c4$h).

What a row gets (method, rate, font, a seed) is sampled first and recorded in provenance; the
characters changed are then drawn from that seed, so the output is reproducible from the
provenance alone and does not depend on the worker. AugLy has similar operations, not all seeded.
Span-labelled rows keep exact spans; entity text is changed only with ``noise_entities: true``.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field, field_validator, model_validator

from mlp_cli.augment.registry import Augmenter, register_augmenter, text_of
from mlp_cli.augment.synthetic.token_model import check_levels
from mlp_cli.augment.text.spans import EntityNoiseParams, noise_segments, rebuild, row_spans

# Difficulty of each method (invisible tricks are the hardest for a keyword model to see).
EVASION_METHODS: dict[str, float] = {
    "leetspeak": 0.25,
    "fullwidth": 0.5,
    "fancy-font": 0.5,
    "homoglyph": 0.75,
    "zero-width": 1.0,
    "bidi": 1.0,
}
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
BIDI = (
    "\u200e",
    "\u200f",
    "\u061c",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
)
HOMOGLYPHS: dict[str, str] = {
    "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "j": "ј", "s": "ѕ",
    "h": "һ", "d": "ԁ", "q": "ԛ", "w": "ԝ", "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І",
    "J": "Ј", "K": "К", "M": "М", "O": "О", "P": "Р", "S": "Ѕ", "T": "Т", "X": "Х", "Y": "У", "Z": "Ζ",
    "N": "Ν", "v": "ν",
}  # fmt: skip
LEET: dict[str, tuple[str, ...]] = {
    "a": ("4", "@"), "e": ("3",), "i": ("1", "!"), "o": ("0",), "s": ("5", "$"), "t": ("7",), "l": ("1", "|"),
    "g": ("9",), "b": ("8",), "z": ("2",),
}  # fmt: skip
# Mathematical alphanumeric styles without holes: (capital A, small a) code points.
FONTS: dict[str, tuple[int, int]] = {
    "bold": (0x1D400, 0x1D41A),
    "bold-italic": (0x1D468, 0x1D482),
    "bold-script": (0x1D4D0, 0x1D4EA),
    "bold-fraktur": (0x1D56C, 0x1D586),
    "sans": (0x1D5A0, 0x1D5BA),
    "sans-bold": (0x1D5D4, 0x1D5EE),
    "monospace": (0x1D670, 0x1D68A),
}
_WORD_METHODS = ("fullwidth", "fancy-font")  # these change whole words; the others single characters


class EvasionParams(EntityNoiseParams):
    field: str | None = Field(None, description="text field (default: the input's text_field)")
    methods: list[str] | dict[str, int] = Field(
        default_factory=lambda: list(EVASION_METHODS),
        description="zero-width, homoglyph, bidi, fullwidth, fancy-font, leetspeak: a list (equal chances) or {method: weight}",
    )
    rate: tuple[float, float] = Field(
        (0.1, 0.4), description="share of characters (words, for fullwidth and fancy-font) changed: [min, max]"
    )

    @field_validator("rate", mode="before")
    @classmethod
    def _one_number_is_a_range(cls, value: Any) -> Any:
        return (value, value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, value: Any) -> Any:
        return check_levels(value, EVASION_METHODS)

    @model_validator(mode="after")
    def _rate_range(self) -> EvasionParams:
        low, high = self.rate
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(f"rate must be [min, max] with 0 <= min <= max <= 1 (got [{low}, {high}])")
        return self

    def method_weights(self) -> dict[str, int]:
        weights = self.methods if isinstance(self.methods, dict) else {name: 1 for name in self.methods}
        return {name: weights[name] for name in EVASION_METHODS if name in weights}


def evade(text: str, method: str, rate: float, font: str | None, rng: random.Random) -> str:
    """``text`` with the evasion ``method`` applied to a ``rate`` share of its characters or words."""
    if method in _WORD_METHODS:
        words = text.split(" ")
        return " ".join(_restyle(w, method, font) if w and rng.random() < rate else w for w in words)
    out: list[str] = []
    for i, char in enumerate(text):
        if method == "homoglyph":
            out.append(HOMOGLYPHS[char] if char in HOMOGLYPHS and rng.random() < rate else char)
        elif method == "leetspeak":
            subs = LEET.get(char.lower())
            out.append(subs[int(rng.random() * len(subs))] if subs and rng.random() < rate else char)
        else:  # invisible characters after a visible one, inside the text (never at its ends)
            out.append(char)
            if i + 1 < len(text) and not char.isspace() and rng.random() < rate:
                table = ZERO_WIDTH if method == "zero-width" else BIDI
                out.append(table[int(rng.random() * len(table))])
    return "".join(out)


def _restyle(word: str, method: str, font: str | None) -> str:
    if method == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)
    upper, lower = FONTS[font or "bold"]
    out = []
    for c in word:
        if "A" <= c <= "Z":
            out.append(chr(upper + ord(c) - ord("A")))
        elif "a" <= c <= "z":
            out.append(chr(lower + ord(c) - ord("a")))
        else:
            out.append(c)
    return "".join(out)


@register_augmenter
class Evasion(Augmenter[EvasionParams]):
    """Evasion noise: zero-width characters, homoglyphs, bidi controls, fullwidth/fancy-font letters, leetspeak."""

    name = "evasion"
    family = "noise"
    Params = EvasionParams

    def __init__(self, params: EvasionParams, context: Any):
        super().__init__(params, context)
        weights = params.method_weights()
        self.method_names = list(weights)
        self.method_cum = [sum(list(weights.values())[: i + 1]) for i in range(len(weights))]

    @property
    def field(self) -> str:
        return self.params.field or self.context.text_field or "text"

    def sample(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        text_of(row, self.field)
        pick = rng.random() * self.method_cum[-1]
        method = next(name for name, cum in zip(self.method_names, self.method_cum, strict=True) if pick < cum)
        low, high = self.params.rate
        sampled: dict[str, Any] = {"method": method, "rate": round(low + (high - low) * rng.random(), 4)}
        if method == "fancy-font":
            fonts = list(FONTS)
            sampled["font"] = fonts[int(rng.random() * len(fonts))]
        sampled["seed"] = rng.getrandbits(63)
        return sampled

    def apply(self, row: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
        text = text_of(row, self.field)
        rng = random.Random(sampled["seed"])
        method, rate, font = sampled["method"], sampled["rate"], sampled.get("font")
        refs = row_spans(row, self.params.span_fields, text)
        if refs:
            pieces = noise_segments(
                text, refs, lambda seg: evade(seg, method, rate, font, rng), self.params.noise_entities
            )
            out = rebuild(row, self.field, refs, pieces, self.params.span_fields)
        else:
            out = dict(row)
            out[self.field] = evade(text, method, rate, font, rng)
        out["evasion"] = method
        own = row.get("difficulty")
        difficulty = EVASION_METHODS[method]
        if isinstance(own, (int, float)) and not isinstance(own, bool) and own > difficulty:
            difficulty = own
        out["difficulty"] = difficulty
        return out
