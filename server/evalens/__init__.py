"""evalens: a Python language server that runs your code where you write it."""

__version__ = "0.1.0"
