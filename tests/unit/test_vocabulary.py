"""One vocabulary (perfkit.results.vocabulary): every metric key the scenarios' builders write,
every status the jobs and Slurm give a run, every kind a record has, is one of its names."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import yaml

from perfkit.benchmarks import benchmark_names, declaration
from perfkit.engine.infer_loop import InferenceOutcome, PassStats
from perfkit.engine.peak import PeakFlops
from perfkit.engine.train_loop import EvalPoint, TrainingOutcome
from perfkit.measure.metrics import InferenceTimings, TrainingTimings
from perfkit.params.hardware import load_hardware
from perfkit.results import vocabulary as vocab
from perfkit.results.schema import NUMERIC_METRICS, validate_result

FAMILIES = {
    "COMMON_METRICS": vocab.COMMON_METRICS, "MODEL_METRICS": vocab.MODEL_METRICS,
    "TRAINING_METRICS": vocab.TRAINING_METRICS, "INFERENCE_METRICS": vocab.INFERENCE_METRICS,
    "SPEC_METRICS": vocab.SPEC_METRICS, "LLM_METRICS": vocab.LLM_METRICS, "QUALITY_METRICS": vocab.QUALITY_METRICS,
    "PAGE_METRICS": vocab.PAGE_METRICS,
}


def _constants() -> dict[str, str]:
    return {name: value for name, value in vars(vocab).items() if name.isupper() and isinstance(value, str)}


# -- the vocabulary itself ----------------------------------------------------------------------

def test_every_name_is_a_plain_str_that_json_and_yaml_write_as_text():
    constants = _constants()
    assert constants and all(type(value) is str for value in constants.values())
    record = {"status": vocab.OK, "kind": vocab.TRAINING, "metrics": {vocab.P_CORE: 1.0}}
    assert yaml.safe_load(yaml.safe_dump(record)) == {"status": "ok", "kind": "training", "metrics": {"p_core": 1.0}}
    assert json.loads(json.dumps(record)) == record


def test_every_constant_is_listed_in_exactly_one_family_and_named_after_its_value():
    listed = [*vocab.RECORD_KINDS, *vocab.OUTCOME_STATUSES, *(key for family in FAMILIES.values() for key in family)]
    assert len(listed) == len(set(listed)), "a name is in two families"
    for name, value in _constants().items():
        assert value in listed, f"{name} is in no family"
        assert name == value.upper(), f"{name} = {value!r}"
    assert vocab.METRIC_NAMES == frozenset().union(*FAMILIES.values())
    assert vocab.RECORD_METRICS == vocab.METRIC_NAMES - vocab.PAGE_METRICS
    assert set(vocab.RUN_STATUSES) < set(vocab.OUTCOME_STATUSES)


def test_the_schemas_numeric_metrics_are_record_metrics():
    assert NUMERIC_METRICS <= vocab.RECORD_METRICS, sorted(NUMERIC_METRICS - vocab.RECORD_METRICS)


def test_the_schema_reads_exactly_the_vocabularys_kinds(tmp_path):
    from perfkit.results.record import RunResult

    base = RunResult("b", "cpu", "smoke", vocab.OK, "0", "", "", {}, {}, {}, {}).to_dict()
    for kind in vocab.RECORD_KINDS:
        assert validate_result({**base, "kind": kind}, "r") is None
    refused = validate_result({**base, "kind": "pretraining"}, "r")
    assert refused is not None and "kind" in refused and "pretraining" in refused


# -- what the scenarios' metric builders write ---------------------------------------------------

def _stub_bench(name: str, flops: float = 1e9) -> SimpleNamespace:
    return SimpleNamespace(info=declaration(name).info, flops_per_sample=lambda: flops, fix_hp=lambda: "")


def _training_outcome() -> TrainingOutcome:
    return TrainingOutcome(
        timings=TrainingTimings(e2e=10.0, train_window=8.0, evaluation=1.0, compute=5.0, samples=640),
        steps=10, global_batch=64, converged=True, steps_to_target=9, quality=0.9, target=0.8,
        eval_curve=[EvalPoint(10, 640, 0.9, 1.0)], loss_curve=[3.0, 2.0], step_times=[0.5, 0.6],
        compute_times=[0.4, 0.5], data_times=[0.1, 0.1], peak_memory_bytes=[1 << 30], total_memory_bytes=1 << 33,
        setup_seconds=1.0, optimizer="AdamW (fused)",
    )


def _inference_outcome(backend: dict[str, str]) -> InferenceOutcome:
    return InferenceOutcome(
        timings=InferenceTimings(e2e=10.0, val_window=2.0, val_core=1.0, val_samples=64, infer_window=4.0, infer_core=2.0,
                                 infer_samples=400),
        validation=PassStats(batches=2, samples=64, correct=50, total=64, latencies=[0.5, 0.5]),
        inference=PassStats(batches=8, samples=400, correct=300, total=400, latencies=[0.25] * 8),
        export_seconds=3.0, setup_seconds=1.0, byte_per_batch=4096, batch_size=50, eval_batches=8, warmup_batches=1,
        peak_memory_bytes=1 << 30, total_memory_bytes=1 << 33, backend=backend,
    )


def _backend_descriptions(monkeypatch) -> list[dict[str, str]]:
    """What each built-in backend writes into the record (the libraries' versions stubbed)."""
    from perfkit.inference import onnx_runtime, tensorrt_engine
    from perfkit.inference.registry import BACKENDS, backend_names

    monkeypatch.setattr(onnx_runtime, "_onnxruntime", lambda: SimpleNamespace(__version__="0"))
    monkeypatch.setattr(tensorrt_engine, "_tensorrt", lambda: SimpleNamespace(__version__="0"))
    stub = SimpleNamespace(name="backend", provider="CPUExecutionProvider", options=SimpleNamespace(compile_mode=None))
    return [BACKENDS.load(name).describe(stub) for name in backend_names()]


def _telemetry_metrics() -> dict:
    from perfkit.telemetry import Work
    from perfkit.telemetry.energy import Window
    from perfkit.telemetry.session import TelemetrySession

    return TelemetrySession(interval=0.0).summary(Window(0.0, 1.0), Work(samples=10, tokens=100))


def _peak_and_roofline() -> dict:
    from perfkit.scenarios.peaks import peak_metrics, roofline

    hardware = load_hardware("h100-sxm")
    return {**peak_metrics(1e9, 100.0, hardware, "bf16", None, PeakFlops(500.0, "measured on a day")),
            vocab.ROOFLINE: roofline(1e9, 100.0, hardware, "bf16", None, None)}


def _unknown(metrics: dict) -> list[str]:
    return sorted(set(metrics) - vocab.RECORD_METRICS)


@pytest.mark.parametrize("name", [n for n in benchmark_names() if declaration(n).info.kind == vocab.TRAINING])
def test_a_training_record_carries_only_vocabulary_keys(name):
    from perfkit.scenarios.training import training_metrics

    metrics = training_metrics(_stub_bench(name), _training_outcome(), load_hardware("cpu"), "fp32",
                               PeakFlops(1.0, "hardware file"))
    metrics.update(_peak_and_roofline())
    metrics.update(_telemetry_metrics())
    assert declaration(name).info.quality_metric in metrics
    assert _unknown(metrics) == []


def test_an_llm_record_carries_only_vocabulary_keys():
    from perfkit.benchmarks.llama_params import LlamaParams
    from perfkit.benchmarks.llama_pretraining import LlamaPretraining
    from perfkit.scenarios.training import training_metrics

    bench = LlamaPretraining(LlamaParams(shape="tiny", precision="fp32", seq_len=64))
    bench.unigram_entropy = 3.5  # a cached property: the corpus's, here without a corpus
    metrics = training_metrics(bench, _training_outcome(), load_hardware("cpu"), "fp32", PeakFlops(1.0, "hardware file"))
    extra = bench.extra_metrics(metrics, [3.0, 2.0], world_size=2)
    assert set(extra) <= vocab.LLM_METRICS | vocab.MODEL_METRICS, _unknown(extra)
    assert _unknown({**metrics, **extra}) == []


def test_an_inference_record_carries_only_vocabulary_keys(monkeypatch):
    from perfkit.scenarios.inference import inference_metrics

    descriptions = _backend_descriptions(monkeypatch)
    assert descriptions and all(vocab.BACKEND in d for d in descriptions)
    for described in descriptions:
        metrics = inference_metrics(_stub_bench("bert_inference"), _inference_outcome(described),
                                    PeakFlops(1.0, "hardware file"))
        metrics.update(_peak_and_roofline())
        metrics.update(_telemetry_metrics())
        assert _unknown(metrics) == []


def test_a_spec_sheet_record_carries_only_vocabulary_keys():
    from perfkit.scenarios.specs import sheet_metrics
    from perfkit.specs.result import Measured, NotApplicable, Refused

    entries = [Measured("gemm", "fp32", 1.5, "TFLOP/s", 0.02, 3, 1.6, "torch.mm").with_datasheet(3.0, "datasheet (X)"),
               NotApplicable("h2d", "pinned", "no device memory"), Refused("gemm", "bf16", "timeout")]
    metrics = sheet_metrics(entries, [1.0, 0.5, 2.0], load_hardware("h100-sxm"), 9.0)
    metrics.update(_telemetry_metrics())
    assert _unknown(metrics) == []
    assert vocab.PERCENT_OF_DATASHEET in metrics[vocab.SPEC_CASES][0]


def test_a_key_outside_the_vocabulary_is_caught():
    assert _unknown({vocab.P_CORE: 1.0, "p_kore": 1.0}) == ["p_kore"]


# -- kinds and statuses the pipeline uses ---------------------------------------------------------

def test_every_scenario_and_benchmark_kind_and_quality_metric_is_in_the_vocabulary():
    from perfkit.scenarios import scenario_named

    assert {scenario_named(kind).kind for kind in vocab.RECORD_KINDS} == set(vocab.RECORD_KINDS)
    for name in benchmark_names():
        info = declaration(name).info
        assert info.kind in vocab.RECORD_KINDS and info.quality_metric in vocab.QUALITY_METRICS, name
    assert set(vocab.HEADLINE_KEYS) == set(vocab.RECORD_KINDS)
    for kind in vocab.RECORD_KINDS:
        assert set(vocab.HEADLINE_KEYS[kind]) <= vocab.RECORD_METRICS


def test_the_statuses_the_jobs_and_slurm_give_a_run_are_run_statuses():
    from perfkit.jobs.notebook_run import STATUS_OF_ENDING
    from perfkit.jobs.publish import TITLE_OF_STATUS
    from perfkit.run.execute import crash_status
    from perfkit.slurm.states import STATUS_OF_STATE

    assert set(STATUS_OF_ENDING.values()) <= set(vocab.RUN_STATUSES)
    assert set(STATUS_OF_STATE.values()) <= set(vocab.RUN_STATUSES)
    # the banner names every way a run can end other than ok
    assert set(TITLE_OF_STATUS) == set(vocab.RUN_STATUSES) - {vocab.OK}
    died = RuntimeError("DataLoader worker (pid(s) 12) exited unexpectedly")
    assert {crash_status(died), crash_status(ValueError("x"))} == {vocab.CRASHED, vocab.FAILED}


def test_a_suites_outcomes_are_outcome_statuses(tmp_path):
    from perfkit.jobs.suite_run import RunOutcome, SuiteReport

    outcomes = [RunOutcome(status, str(tmp_path), status) for status in vocab.OUTCOME_STATUSES]
    report = SuiteReport("s", "", outcomes)
    assert [o.status for o in report.failed] == [s for s in vocab.OUTCOME_STATUSES if s not in (vocab.OK, vocab.SKIPPED)]
    assert report.summary().startswith(f"suite s: 1 ok, {len(vocab.OUTCOME_STATUSES) - 2} not ok, 1 skipped")
