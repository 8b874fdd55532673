"""Configuration: sources, loaders, factor expressions and the config model."""
