"""Character and word noise from nlpaug (offline augmenters only: no model, no download).

nlpaug draws from the global ``random`` and numpy states, so each row's sampled parameter is a
seed, derived from the row's own generator, that is set just before nlpaug runs on that row. The
result depends only on (run seed, row, copy), never on which worker ran it. nlpaug (which imports
torch) is imported in ``setup``, not when the augmenter is registered.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from mlp_cli.augment.registry import Augmenter, register_augmenter, text_of
from mlp_cli.augment.text.spans import EntityNoiseParams, noise_segments, rebuild, row_spans
from mlp_cli.runtime.seeding import seed_global_state


class CharNoiseParams(EntityNoiseParams):
    field: str | None = Field(None, description="text field (default: the input's text_field)")
    aug_char_p: float = Field(0.1, ge=0.0, le=1.0, description="share of characters changed in a chosen word")
    aug_char_min: int = Field(1, ge=0)
    aug_char_max: int = Field(10, ge=1)
    aug_word_p: float = Field(0.1, ge=0.0, le=1.0, description="share of words that get noise")
    aug_word_min: int = Field(1, ge=0)
    aug_word_max: int = Field(10, ge=1)
    min_char: int = Field(4, ge=1, description="words shorter than this are left alone")


class KeyboardParams(CharNoiseParams):
    include_special_char: bool = False
    include_numeric: bool = False
    include_upper_case: bool = True
    lang: Literal["en", "de", "es", "fr", "he", "it", "nl", "pl", "th", "tr", "uk"] = "en"


class RandomCharParams(CharNoiseParams):
    include_upper_case: bool = True
    include_lower_case: bool = True
    include_numeric: bool = True
    spec_char: str = "!@#$%^&*()_+"


class WordNoiseParams(EntityNoiseParams):
    field: str | None = Field(None, description="text field (default: the input's text_field)")
    aug_p: float = Field(0.1, ge=0.0, le=1.0, description="share of words changed")
    aug_min: int = Field(1, ge=0)
    aug_max: int = Field(10, ge=1)


def substitute_chars(aug: Any, data: str) -> str:
    """nlpaug's ``KeyboardAug.substitute`` / ``OcrAug.substitute``, without its change-log bookkeeping.

    nlpaug builds a ``Doc`` of token and change-log objects for every text, which is ~40% of its
    cost and only matters for ``include_detail``. This makes the same random calls in the same
    order on plain lists, so the output is identical to nlpaug's for the same random state (a test
    checks this on real text).
    """
    if not data or not data.strip():
        return data
    tokens = aug.tokenizer(data)
    aug_word_idxes = aug._get_aug_idxes(tokens, aug.aug_word_min, aug.aug_word_max, aug.aug_word_p, WORD)
    out = list(tokens)
    for token_i, token in enumerate(tokens):
        if token_i not in aug_word_idxes:
            continue
        chars = aug.token2char(token)
        aug_char_idxes = aug._get_aug_idxes(chars, aug.aug_char_min, aug.aug_char_max, aug.aug_char_p, CHAR)
        if aug_char_idxes is None:
            continue
        new_token = ""
        for char_i, char in enumerate(chars):
            if char_i not in aug_char_idxes:
                new_token += char
                continue
            new_token += aug.sample(aug.model.predict(chars[char_i]), 1)[0]
        out[token_i] = new_token
    return aug.reverse_tokenizer([t for t in out if len(t) > 0])


WORD, CHAR = "word", "char"  # nlpaug.util.Method values, without importing nlpaug at start-up


class NlpaugAugmenter(Augmenter):
    """Shared plumbing: build the nlpaug object lazily, reseed per row, keep one output."""

    family = "text"
    _aug: Any = None

    @property
    def field(self) -> str:
        return self.params.field or self.context.text_field or "text"

    def build(self) -> Any:
        raise NotImplementedError

    lean_substitute: ClassVar[bool] = False  # True: substitute_chars gives nlpaug's output faster

    def setup(self) -> None:
        if self._aug is None:
            self._aug = self.build()
            if self.lean_substitute:
                aug = self._aug
                self._action = lambda text: substitute_chars(aug, text)
            else:
                self._action = getattr(self._aug, self._aug.action)

    def sample(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        text_of(row, self.field)
        return {"seed": rng.getrandbits(32)}

    def apply(self, row: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
        text = text_of(row, self.field)
        out = dict(row)
        if not text.strip():
            return out
        self.setup()
        refs = row_spans(row, self.params.span_fields, text)
        seed_global_state(sampled["seed"])
        if refs:  # span-labelled row: noise between the spans (and inside, if asked); spans follow
            pieces = noise_segments(text, refs, self._noise_segment, self.params.noise_entities)
            return rebuild(row, self.field, refs, pieces, self.params.span_fields)
        # The action itself, as nlpaug's augment() calls it for one text with n=1, minus its
        # retry/threading wrapper (which only matters for n > 1).
        out[self.field] = self._action(self._aug.clean(text))
        return out

    def _noise_segment(self, segment: str) -> str:
        """The action on one stretch of a span-labelled text; a stretch too short for it stays as is."""
        try:
            return self._action(self._aug.clean(segment))
        except (ValueError, IndexError):  # nlpaug samples more words than a one-word stretch has
            return segment

    def _char_kwargs(self) -> dict[str, Any]:
        p = self.params
        return dict(
            aug_char_p=p.aug_char_p,
            aug_char_min=p.aug_char_min,
            aug_char_max=p.aug_char_max,
            aug_word_p=p.aug_word_p,
            aug_word_min=p.aug_word_min,
            aug_word_max=p.aug_word_max,
            min_char=p.min_char,
        )


@register_augmenter
class KeyboardNoise(NlpaugAugmenter):
    """Keyboard typos: characters replaced by their neighbours on the keyboard (nlpaug KeyboardAug)."""

    name = "keyboard"
    Params = KeyboardParams
    lean_substitute = True

    def build(self) -> Any:
        import nlpaug.augmenter.char as nac

        p = self.params
        return nac.KeyboardAug(
            include_special_char=p.include_special_char,
            include_numeric=p.include_numeric,
            include_upper_case=p.include_upper_case,
            lang=p.lang,
            **self._char_kwargs(),
        )


@register_augmenter
class OcrNoise(NlpaugAugmenter):
    """OCR confusions such as 0/O, 1/l, 5/S (nlpaug OcrAug)."""

    name = "ocr"
    Params = CharNoiseParams
    lean_substitute = True

    def build(self) -> Any:
        import nlpaug.augmenter.char as nac

        kwargs = self._char_kwargs()
        return nac.OcrAug(**kwargs)


class _RandomChar(NlpaugAugmenter):
    action: ClassVar[str]
    Params = RandomCharParams

    def build(self) -> Any:
        import nlpaug.augmenter.char as nac

        p = self.params
        return nac.RandomCharAug(
            action=self.action,
            include_upper_case=p.include_upper_case,
            include_lower_case=p.include_lower_case,
            include_numeric=p.include_numeric,
            spec_char=p.spec_char,
            **self._char_kwargs(),
        )


@register_augmenter
class CharInsert(_RandomChar):
    """Insert random characters into words (nlpaug RandomCharAug, action insert)."""

    name = "char-insert"
    action = "insert"


@register_augmenter
class CharSubstitute(_RandomChar):
    """Replace characters with random ones (nlpaug RandomCharAug, action substitute)."""

    name = "char-substitute"
    action = "substitute"


@register_augmenter
class CharSwap(_RandomChar):
    """Swap adjacent characters inside words (nlpaug RandomCharAug, action swap)."""

    name = "char-swap"
    action = "swap"


@register_augmenter
class CharDelete(_RandomChar):
    """Delete random characters from words (nlpaug RandomCharAug, action delete)."""

    name = "char-delete"
    action = "delete"


class _RandomWord(NlpaugAugmenter):
    action: ClassVar[str]
    Params = WordNoiseParams

    def build(self) -> Any:
        import nlpaug.augmenter.word as naw

        p = self.params
        return naw.RandomWordAug(action=self.action, aug_p=p.aug_p, aug_min=p.aug_min, aug_max=p.aug_max)


@register_augmenter
class WordSwap(_RandomWord):
    """Swap adjacent words (nlpaug RandomWordAug, action swap)."""

    name = "word-swap"
    action = "swap"


@register_augmenter
class WordDelete(_RandomWord):
    """Delete random words (nlpaug RandomWordAug, action delete)."""

    name = "word-delete"
    action = "delete"


@register_augmenter
class WordCrop(_RandomWord):
    """Delete a run of consecutive words (nlpaug RandomWordAug, action crop)."""

    name = "word-crop"
    action = "crop"


@register_augmenter
class Spelling(NlpaugAugmenter):
    """Common English misspellings from the dictionary nlpaug ships (nlpaug SpellingAug)."""

    name = "spelling"
    Params = WordNoiseParams

    def build(self) -> Any:
        import nlpaug
        import nlpaug.augmenter.word as naw

        dict_path = Path(nlpaug.__file__).parent / "res" / "word" / "spelling" / "spelling_en.txt"
        p = self.params
        return naw.SpellingAug(dict_path=str(dict_path), aug_p=p.aug_p, aug_min=p.aug_min, aug_max=p.aug_max)
