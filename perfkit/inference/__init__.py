"""Inference backends: the engines an inference benchmark's inference pass runs through."""

from perfkit.inference.registry import backend_names, get_backend

__all__ = ["backend_names", "get_backend"]
