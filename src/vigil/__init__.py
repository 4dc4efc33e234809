"""Vigil: investigative data system."""

__version__ = "0.1.0"
