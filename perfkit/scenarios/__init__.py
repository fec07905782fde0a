"""Scenarios: training, inference and specs (the hardware spec sheet) as objects (perfkit.scenarios.base.Scenario).

A benchmark declares its kind (``info.kind``); :func:`scenario_of` is the one place that turns a
benchmark into the scenario that owns its params base, loop, metrics, headline keys and table
title. Runs inside the notebook kernel and the distributed workers; the host uses it for names.
"""

from __future__ import annotations

from perfkit.benchmarks import benchmark_class
from perfkit.errors import UserError
from perfkit.scenarios.base import Measured, Scenario, Session
from perfkit.scenarios.inference import InferenceScenario
from perfkit.scenarios.specs import SpecScenario
from perfkit.scenarios.training import TrainingScenario


def _scenarios() -> dict[str, Scenario]:
    return {s.kind: s for s in (TrainingScenario(), InferenceScenario(), SpecScenario())}


def scenario_named(kind: str) -> Scenario:
    scenarios = _scenarios()
    if kind not in scenarios:
        raise UserError(f"unknown scenario '{kind}'; allowed: {', '.join(sorted(scenarios))}")
    return scenarios[kind]


def scenario_of(benchmark: str) -> Scenario:
    """The scenario of a registered benchmark (a UserError names the known ones otherwise)."""
    return scenario_named(benchmark_class(benchmark).info.kind)


__all__ = ["Measured", "Scenario", "Session", "scenario_named", "scenario_of"]
