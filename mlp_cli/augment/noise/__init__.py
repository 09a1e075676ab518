"""Noise: nlpaug keyboard, OCR, character, word and spelling noise, and graded noise padding."""
