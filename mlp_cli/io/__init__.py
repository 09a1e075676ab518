"""Readers and writers (rows, images), atomic outputs and run manifests."""
