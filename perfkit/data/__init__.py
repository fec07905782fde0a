"""Dataset readers for the real on-disk formats, and builders of small offline sets in them."""
