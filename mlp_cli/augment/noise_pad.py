"""Being built: registers its augmenters/generators on import."""
