"""Parallel map with per-item seeds, shared run options, progress reporting."""
