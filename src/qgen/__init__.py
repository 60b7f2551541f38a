"""qgen: a reproduction pipeline for quantum-enhanced generative image models."""

__version__ = "0.1.0"
