"""nervepath: trace foot and leg symptoms back along the nerves to where they start."""

__version__ = "0.1.0"

__all__ = ["__version__"]
