"""mlp: make better training data — augment, synthesize, mine hard negatives, order into a curriculum."""

__version__ = "0.1.0"
