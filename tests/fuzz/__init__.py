"""Differential fuzzing of orch's config reading against tox 4 (grammar-based, with hypothesis)."""
