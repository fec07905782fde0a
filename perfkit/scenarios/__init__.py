"""Scenarios: training, inference and specs (the hardware spec sheet) as objects (perfkit.scenarios.base.Scenario).

A benchmark declares its kind (``info.kind``); :func:`scenario_of` is the one place that turns a
benchmark into the scenario that owns its params base, loop, metrics, headline keys and table
title. Runs inside the notebook kernel and the distributed workers; the host uses it for names.
"""

from __future__ import annotations

import importlib

from perfkit.benchmarks import benchmark_class
from perfkit.errors import UserError
from perfkit.results import vocabulary as vocab
from perfkit.scenarios.base import Measured, Scenario, Session

# kind -> (module, class): a run imports its own scenario's module only (a training run's kernel
# does not import the inference backends nor the spec sheet's cases as it starts)
_SCENARIOS = {
    vocab.TRAINING: ("perfkit.scenarios.training", "TrainingScenario"),
    vocab.INFERENCE: ("perfkit.scenarios.inference", "InferenceScenario"),
    vocab.SPECS: ("perfkit.scenarios.specs", "SpecScenario"),
}


def scenario_named(kind: str) -> Scenario:
    if kind not in _SCENARIOS:
        raise UserError(f"unknown scenario '{kind}'; allowed: {', '.join(sorted(_SCENARIOS))}")
    module, name = _SCENARIOS[kind]
    scenario: Scenario = getattr(importlib.import_module(module), name)()
    if scenario.kind != kind:
        raise TypeError(f"{module}.{name} is the scenario of {scenario.kind!r}, not of {kind!r}")
    return scenario


def scenario_of(benchmark: str) -> Scenario:
    """The scenario of a registered benchmark (a UserError names the known ones otherwise)."""
    return scenario_named(benchmark_class(benchmark).info.kind)


__all__ = ["Measured", "Scenario", "Session", "scenario_named", "scenario_of"]
