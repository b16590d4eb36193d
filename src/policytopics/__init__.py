"""Reproducible topic and theme analysis of Chinese local-government policy texts."""

__version__ = "0.1.0"
