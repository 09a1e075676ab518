"""Text augmenters that keep meaning: sentence shuffles and field dropout."""
