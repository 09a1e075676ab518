"""Pipelines: steps of existing recipes run in dependency order, cached, gated by checks (`mlp run`)."""
