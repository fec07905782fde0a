"""The three training benchmarks share one engine: the same fabricated clock, steps and batch
give the same p_whole / p_train / p_core for BERT, GLM and MobileNetV2, from the same code."""

from __future__ import annotations

import itertools

import pytest
import torch

from perfkit.benchmarks import benchmark_class
from perfkit.measure import metrics
from perfkit.engine.distributed import DistContext
from perfkit.engine.precision import precision_policy
from perfkit.measure.timers import PhaseClock
from perfkit.engine.train_loop import train
from perfkit.params.hardware import load_hardware
from perfkit.scenarios.training import training_metrics
from perfkit.vendors import get_vendor

COMMON = {"batch_size": 2, "max_steps": 3, "eval_interval": 2, "num_workers": 0, "eval_batch_size": 4,
          "eval_samples": 4}
TINY = {
    "bert": {"num_layers": 1, "hidden_size": 32, "num_heads": 2, "intermediate_size": 64, "vocab_size": 4096,
             "seq_len": 64, "max_predictions_per_seq": 10},
    "glm": {"num_layers": 1, "hidden_size": 32, "num_heads": 2, "intermediate_size": 64, "vocab_size": 4096,
            "seq_len": 48},
    "mobilenetv2": {"image_size": 32, "num_labels": 10, "depth_multiplier": 0.35},
}


class FabricatedClock:
    """Each reading is 0.25 s after the last: durations depend only on the loop's control flow."""

    def __init__(self) -> None:
        self.ticks = itertools.count()

    def __call__(self) -> float:
        return next(self.ticks) * 0.25


def _outcome(name: str, data_dir):
    cls = benchmark_class(name)
    bench = cls(cls.params_model(**COMMON, **TINY[name], data_dir=str(data_dir)))
    bench.prepare_data()
    vendor = get_vendor("cpu")
    clock = PhaseClock(lambda: None, FabricatedClock())
    policy = precision_policy("fp32", torch.device("cpu"), vendor.precisions, "cpu")
    return bench, train(bench, vendor, DistContext(), policy, clock.now(), clock)


@pytest.fixture(scope="module")
def outcomes(bert_data, glm_data, imagenet_data):
    folders = {"bert": bert_data, "glm": glm_data, "mobilenetv2": imagenet_data}
    return {name: _outcome(name, folders[name]) for name in TINY}


def test_fabricated_timings_give_identical_throughput_for_every_benchmark(outcomes):
    timings = {name: outcome.timings for name, (_, outcome) in outcomes.items()}
    assert len(set(timings.values())) == 1, timings  # same steps, same evaluations, same clock readings
    t = timings["bert"]
    assert t.samples == 3 * 2 and t.evaluation > 0 and t.compute > 0
    expected = metrics.training_throughput(t)
    assert expected.p_core > expected.p_train > expected.p_whole  # fabricated phases do not overlap
    hardware = load_hardware("cpu")
    for name, (bench, outcome) in outcomes.items():
        row = training_metrics(bench, outcome, hardware, "fp32")
        assert (row["e2e_time"], row["p_whole"], row["p_train"], row["p_core"]) == (
            expected.e2e_time, expected.p_whole, expected.p_train, expected.p_core), name
        assert row["acc"] == row[bench.info.quality_metric] == outcome.quality
        assert [p.step for p in outcome.eval_curve] == [2, 3]


def test_each_benchmark_reports_its_own_quality(outcomes):
    for name, (bench, outcome) in outcomes.items():
        assert 0.0 <= outcome.quality <= 1.0, name
        assert outcome.target == bench.target()
        assert len(outcome.loss_curve) == 3 and all(v > 0 for v in outcome.loss_curve), name
