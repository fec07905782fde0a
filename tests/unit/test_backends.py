"""Inference backends: outputs agree with PyTorch, accuracies agree, unsupported cases refuse.

Tolerances (stated here, quoted in docs/inference.md):
* ONNX Runtime (CPU EP, fp32) logits vs PyTorch eager: max |difference| <= 1e-4 absolute
  (float32 kernels differ in summation order; the logits here are O(1)).
* fp32 inference accuracy vs validation accuracy: equal within 0.5 percentage points; the
  only allowed difference is an argmax flipped by a near tie.
"""

from __future__ import annotations

import math

import pytest
import torch

from perfkit.benchmarks.bert_inference import BertInference, BertInferenceParams
from perfkit.engine.infer_loop import infer
from perfkit.measure.timers import PhaseClock
from perfkit.errors import ParamsError, UserError
from perfkit.inference import backend_names, get_backend
from perfkit.vendors import get_vendor

LOGITS_ATOL = 1e-4
ACCURACY_TOLERANCE = 0.005
SMALL = dict(num_layers=2, hidden_size=64, num_heads=2, intermediate_size=128, vocab_size=4096, seq_len=32,
             batch_size=4, eval_samples=24, warmup_batches=1, min_batches=8, min_seconds=0.0, max_documents=4)
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> BertInference:
    """The small benchmark on a checkpoint whose MLM bias favours the eval set's frequent tokens,
    so that accuracy is well above zero and a wrong backend would change it."""
    data = tmp_path_factory.mktemp("backends") / "set"
    built = BertInference(BertInferenceParams(**SMALL, data_dir=str(data), data_autobuild=True))
    built.prepare_data()
    model = built.build_model()
    labels = torch.cat([b["labels"][b["labels"] != -100] for b in built.eval_batches()])
    counts = torch.bincount(labels, minlength=SMALL["vocab_size"]).float()
    with torch.no_grad():
        model.cls.predictions.bias.copy_(3.0 * torch.log(counts + 0.5))
    model.save_pretrained(str(data.parent / "favouring"), safe_serialization=True)
    return BertInference(BertInferenceParams(**SMALL, data_dir=str(data), init_checkpoint=str(data.parent / "favouring")))


@pytest.fixture(scope="module")
def model_and_batches(bench):
    return bench.build_model(), bench.eval_batches()


def _reference(model, inputs) -> torch.Tensor:
    with torch.inference_mode():
        return model(**inputs).logits


@pytest.mark.parametrize("name", ["onnxruntime", "torch"])
def test_backend_logits_match_pytorch(name, bench, model_and_batches, tmp_path):
    model, batches = model_and_batches
    backend = get_backend(name, CPU, "fp32")
    backend.prepare(model, bench.model_inputs(batches[0]), tmp_path)
    for batch in batches[:3]:
        inputs = bench.model_inputs(batch)
        got = backend(inputs).clone()
        want = _reference(model, inputs)
        assert got.shape == want.shape == (4, 32, 4096)
        assert torch.allclose(got, want, rtol=0, atol=LOGITS_ATOL), (got - want).abs().max()


def test_torch_compile_logits_match_pytorch(bench, model_and_batches, tmp_path):
    model, batches = model_and_batches
    backend = get_backend("torch_compile", CPU, "fp32")
    backend.prepare(model, bench.model_inputs(batches[0]), tmp_path)
    inputs = bench.model_inputs(batches[1])
    assert torch.allclose(backend(inputs), _reference(model, inputs), rtol=0, atol=LOGITS_ATOL)


@pytest.mark.parametrize("name", ["onnxruntime", "torch"])
def test_fp32_inference_accuracy_equals_validation_accuracy(name, bench):
    vendor = get_vendor("cpu")
    backend = get_backend(name, CPU, "fp32")
    clock = PhaseClock(vendor.synchronize)
    outcome = infer(bench, backend, vendor, CPU, clock.now(), clock)
    val, inf = outcome.validation, outcome.inference
    assert val.total == inf.total > 0  # the same masked tokens, counted once each
    assert val.batches == outcome.eval_batches == 6
    assert inf.batches >= max(SMALL["min_batches"], outcome.eval_batches)
    assert len(inf.latencies) == inf.batches and min(inf.latencies) > 0
    assert abs(inf.accuracy - val.accuracy) <= ACCURACY_TOLERANCE
    assert 0.05 < val.accuracy < 1 and math.isfinite(inf.accuracy)
    assert outcome.byte_per_batch == 3 * 4 * 32 * 8  # three int64 inputs of [4, 32]
    assert inf.core <= inf.whole and val.core <= val.whole
    assert outcome.timings.e2e >= inf.whole + val.whole + outcome.export_seconds


def test_steady_state_needs_both_the_duration_and_the_batch_count(bench):
    vendor = get_vendor("cpu")
    clock = PhaseClock(vendor.synchronize)
    bench_long = BertInference(bench.params.model_copy(update={"min_seconds": 0.5, "min_batches": 1}))
    outcome = infer(bench_long, get_backend("torch", CPU, "fp32"), vendor, CPU, clock.now(), clock)
    assert outcome.timings.infer_window >= 0.5
    assert outcome.inference.batches >= outcome.eval_batches  # at least one whole sweep


def test_unknown_backend_is_refused_naming_the_allowed_ones():
    with pytest.raises(ParamsError, match="key 'backend'.*allowed: torch, torch_compile, onnxruntime, tensorrt"):
        get_backend("openvino", CPU, "fp32")
    assert backend_names() == ["torch", "torch_compile", "onnxruntime", "tensorrt"]


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_onnxruntime_on_the_cpu_runs_fp32_only(precision):
    with pytest.raises(ParamsError, match="key 'precision'"):
        get_backend("onnxruntime", CPU, precision)


def test_a_provider_missing_from_onnxruntime_is_refused_not_replaced():
    with pytest.raises(ParamsError, match="key 'onnx_provider'.*available:.*CPUExecutionProvider"):
        get_backend("onnxruntime", CPU, "fp32", {"onnx_provider": "NoSuchExecutionProvider"})


def test_tensorrt_without_its_package_or_a_cuda_card_is_refused():
    with pytest.raises(UserError, match="tensorrt"):
        get_backend("tensorrt", CPU, "fp16")


def test_precisions_outside_the_schema_and_the_vendor_are_refused(tmp_path):
    from perfkit.run import spec as runner
    from perfkit.run.preflight import preflight

    with pytest.raises(ParamsError, match="key 'precision'"):
        runner.prepare("bert_inference", "cpu", "smoke", {"precision": "amp"}, tmp_path / "out")
    run = runner.prepare("bert_inference", "cpu", "smoke", {"precision": "fp16"}, tmp_path / "out")
    with pytest.raises(ParamsError, match="'fp16' is not supported by vendor 'cpu'"):
        preflight(run)


def test_the_onnx_export_honours_padding_it_did_not_see(bench, model_and_batches, tmp_path):
    """Exported from an unpadded batch, the graph must still apply the attention mask."""
    model, batches = model_and_batches
    backend = get_backend("onnxruntime", CPU, "fp32")
    backend.prepare(model, bench.model_inputs(batches[0]), tmp_path)
    padded = {k: v.clone() for k, v in bench.model_inputs(batches[1]).items()}
    padded["attention_mask"][:, 20:] = 0
    assert torch.allclose(backend(padded), _reference(model, padded), rtol=0, atol=LOGITS_ATOL)


def test_torch_compile_on_the_cpu_without_a_compiler_is_refused(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(UserError, match="C\\+\\+ compiler"):
        get_backend("torch_compile", CPU, "fp32")
