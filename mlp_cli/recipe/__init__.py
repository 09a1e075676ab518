"""Recipes: YAML files validated by pydantic models, loaded with line numbers."""
