"""Synthetic rows from a token model of a corpus: graded negatives, complex tokens, fidelity."""
