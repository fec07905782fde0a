"""Typed, layered run parameters: schema defaults < run config file < overrides."""

from perfkit.params.loading import ResolvedParams, params_from_overrides, parse_overrides, resolve_params
from perfkit.params.schema import CommonParams, RunParams, TrainingParams

__all__ = ["CommonParams", "RunParams", "TrainingParams", "ResolvedParams", "params_from_overrides", "parse_overrides",
           "resolve_params"]
