"""A standalone xAPI Learning Record Store."""

__version__ = "0.1.0"
