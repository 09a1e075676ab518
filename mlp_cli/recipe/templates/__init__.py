"""Commented starter recipes for `mlp recipe init KIND` (each also validated by the test suite)."""

from __future__ import annotations

from importlib import resources

# kind -> file in this package; a family adds its starter here.
STARTERS: dict[str, str] = {
    "text": "text.yaml",
    "images": "images.yaml",
    "synthetic": "synthetic.yaml",
    "pii": "pii.yaml",
    "mine": "mine.yaml",
    "curriculum": "curriculum.yaml",
    "pipeline": "pipeline.yaml",
}


def starter_text(kind: str) -> str:
    return resources.files(__package__).joinpath(STARTERS[kind]).read_text(encoding="utf-8")
