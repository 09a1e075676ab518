"""An example mlp plugin: ``add-suffix`` appends one of a few suffixes to a text field."""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field

from mlp_cli.augment.registry import Augmenter, Params, text_of


class AddSuffixParams(Params):
    field: str | None = Field(None, description="text field (default: the input's text_field)")
    suffixes: list[str] = Field(default_factory=lambda: [" (new)"], min_length=1, description="one is chosen per row")


class AddSuffix(Augmenter[AddSuffixParams]):
    """Append one of a few suffixes to a text field (example plugin)."""

    name = "add-suffix"
    family = "text"
    Params = AddSuffixParams

    @property
    def field(self) -> str:
        return self.params.field or self.context.text_field or "text"

    def sample(self, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        text_of(row, self.field)  # a BadItem (missing field, wrong type) before anything is drawn
        return {"suffix": rng.choice(self.params.suffixes)}

    def apply(self, row: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
        return {**row, self.field: text_of(row, self.field) + sampled["suffix"]}
