"""Augmenters by family (text, image, synthetic, pii, noise), each registered by name."""
